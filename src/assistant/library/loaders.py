"""File bytes → text for the reference library: format dispatch, size limits, errors.

Decoding of txt/md lives in text_decoding.py, docx/pdf extraction in documents.py.

Every failure is a LoadError whose message is Chinese, names the file (《name》) and
says what the user can do about it.
"""

from __future__ import annotations

from pathlib import Path

from assistant.library.documents import SAVE_AS_DOCX, load_docx, load_pdf
from assistant.library.errors import LoadError, empty_file_error
from assistant.library.text_decoding import load_text
from assistant.models import LoadedText

SUPPORTED = (".txt", ".md", ".markdown", ".docx", ".pdf")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

_SUPPORTED_LABEL = "txt、md、docx、pdf"
_GENERAL_HINT = (
    "Word/WPS 文档请用 Word 或 WPS 打开后“另存为” .docx；"
    "OFD 文件可用版式阅读器导出为 PDF；图片或扫描件请先进行文字识别（OCR）。"
)

_IMAGE_EXTS = frozenset(
    [".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".heic", ".heif"]
)
_ARCHIVE_EXTS = frozenset([".zip", ".rar", ".7z", ".tar", ".gz", ".bz2", ".xz"])
_UNSUPPORTED_HINTS = {
    ".doc": f"这是旧版 Word 文档（.doc），{SAVE_AS_DOCX}。",
    ".docm": f"这是带宏的 Word 文档（.docm），{SAVE_AS_DOCX}。",
    ".dot": f"这是 Word 模板，{SAVE_AS_DOCX}。",
    ".dotx": f"这是 Word 模板，{SAVE_AS_DOCX}。",
    ".wps": "这是 WPS 文字文档（.wps），请用 WPS 打开后“另存为” .docx 格式再上传。",
    ".wpt": "这是 WPS 模板，请用 WPS 打开后“另存为” .docx 格式再上传。",
    ".rtf": f"这是 RTF 文档，{SAVE_AS_DOCX}。",
    ".odt": "这是 ODT 文档，请用 WPS、Word 或 LibreOffice 打开后“另存为” .docx 格式再上传。",
    ".ofd": "这是 OFD 版式文件，请用版式阅读器（如数科、福昕 OFD 阅读器）打开后导出为 PDF 再上传。",
    ".ceb": "这是 CEB 版式文件，请用对应的阅读器打开后导出或打印为 PDF 再上传。",
    ".caj": "这是 CAJ 文件，请用 CAJViewer 打开后导出或打印为 PDF 再上传。",
    ".pages": "这是 Pages 文稿，请在 Pages 中选择“导出为 → Word”，得到 .docx 后再上传。",
    ".html": "这是网页文件，请在浏览器中复制正文粘贴到 Word 后保存为 .docx，或保存为 .txt 再上传。",
    ".htm": "这是网页文件，请在浏览器中复制正文粘贴到 Word 后保存为 .docx，或保存为 .txt 再上传。",
    ".mht": "这是网页存档，请用浏览器或 Word 打开后“另存为” .docx 再上传。",
    ".mhtml": "这是网页存档，请用浏览器或 Word 打开后“另存为” .docx 再上传。",
    ".xls": "这是表格文件，请把讲话稿文字复制到 Word 中保存为 .docx 再上传。",
    ".xlsx": "这是表格文件，请把讲话稿文字复制到 Word 中保存为 .docx 再上传。",
    ".et": "这是 WPS 表格文件，请把讲话稿文字复制到 WPS 文字中保存为 .docx 再上传。",
    ".csv": "这是表格数据文件，请把讲话稿文字复制到 Word 中保存为 .docx 再上传。",
    ".ppt": "这是演示文稿，请把讲话稿文字复制到 Word 中保存为 .docx 再上传。",
    ".pptx": "这是演示文稿，请把讲话稿文字复制到 Word 中保存为 .docx 再上传。",
    ".dps": "这是 WPS 演示文稿，请把讲话稿文字复制到 WPS 文字中保存为 .docx 再上传。",
}


def _display_name(filename: str) -> str:
    name = str(filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name or "未命名文件"


def _mb(n: float) -> str:
    value = n / (1024 * 1024)
    for decimals in (1, 2, 3, 4, 5, 6):
        text = f"{value:.{decimals}f}"
        if float(text) != 0:
            return text.rstrip("0").rstrip(".")
    return "0"


def _unsupported(name: str, ext: str) -> LoadError:
    if ext in _UNSUPPORTED_HINTS:
        hint = _UNSUPPORTED_HINTS[ext]
    elif ext in _IMAGE_EXTS:
        hint = "这是图片文件，请先进行文字识别（OCR），把识别出的文字保存为 .txt 或 .docx 再上传。"
    elif ext in _ARCHIVE_EXTS:
        hint = "这是压缩包，请先解压，再逐个上传其中的讲话稿文件。"
    else:
        hint = _GENERAL_HINT
    kind = f"（{ext}）" if ext else "（无扩展名）"
    return LoadError(
        f"《{name}》是暂不支持的文件格式{kind}。目前支持 {_SUPPORTED_LABEL} 格式。{hint}",
        name,
    )


def _too_large(name: str, size: int, max_bytes: int) -> LoadError:
    return LoadError(
        f"《{name}》文件过大（{_mb(size)} MB），超过上传上限 {_mb(max_bytes)} MB。"
        "请删除图片等无关内容或拆分后再上传；管理员也可以通过设置 ASSISTANT_MAX_UPLOAD_MB 调整上限。",
        name,
    )


def load_bytes(data: bytes, filename: str, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedText:
    """Extract the text of one uploaded file (txt/md/docx/pdf); raises LoadError."""
    name = _display_name(filename)
    ext = Path(name).suffix.lower()
    if ext not in SUPPORTED:
        raise _unsupported(name, ext)
    if not data:
        raise empty_file_error(name)
    if len(data) > max_bytes:
        raise _too_large(name, len(data), max_bytes)
    if ext == ".docx":
        return load_docx(data, name)
    if ext == ".pdf":
        return load_pdf(data, name)
    return load_text(data, name, "txt" if ext == ".txt" else "md")


def load_path(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedText:
    """load_bytes for a file on disk (checks the size before reading it)."""
    p = Path(path)
    name = _display_name(p.name)
    ext = p.suffix.lower()
    if not p.exists():
        raise LoadError(f"《{name}》文件不存在，请检查路径。", name)
    if p.is_dir():
        raise LoadError(f"《{name}》是文件夹，不是文件。", name)
    if ext not in SUPPORTED:
        raise _unsupported(name, ext)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise _too_large(name, size, max_bytes)
        data = p.read_bytes()
    except OSError as e:
        raise LoadError(f"《{name}》无法读取：{e.strerror or e}", name) from e
    return load_bytes(data, p.name, max_bytes=max_bytes)
