"""File bytes → text for the reference library: format dispatch, size limits, errors.

Decoding of txt/md lives in text_decoding.py, docx/pdf extraction in documents.py; old Word
(.doc), WPS (.wps), .rtf and .odt files become .docx through LibreOffice (office_convert.py).

Every failure is a LoadError whose message is Chinese, names the file (《name》) and
says what the user can do about it.
"""

from __future__ import annotations

from pathlib import Path

from assistant.domain.models import LoadedText
from assistant.intake.admission import DEFAULT_MAX_BYTES, FileLimits, check_length
from assistant.intake.documents import OLE_MAGIC, load_docx
from assistant.intake.office_convert import OFFICE_EXTS, OfficeOptions, convert_to_docx
from assistant.intake.pdf_text import load_pdf
from assistant.intake.text_decoding import load_text
from assistant.support.errors import LoadError, empty_file_error
from assistant.support.safe_read import display_name, read_file, too_large

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SUPPORTED",
    "SUPPORTED_LABEL",
    "LoadError",
    "OfficeOptions",
    "load_bytes",
    "load_path",
    "read_document",
]

SUPPORTED = (".txt", ".md", ".markdown", ".docx", ".pdf", *OFFICE_EXTS)

SUPPORTED_LABEL = "txt、md、docx、pdf、doc、wps、rtf、odt"
_GENERAL_HINT = (
    "其他格式的 Word/WPS 文档请用 Word 或 WPS 打开后“另存为” .docx；"
    "OFD 文件可用版式阅读器导出为 PDF；图片或扫描件请先进行文字识别（OCR）。"
)

_IMAGE_EXTS = frozenset(
    [".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".heic", ".heif"]
)
_ARCHIVE_EXTS = frozenset([".zip", ".rar", ".7z", ".tar", ".gz", ".bz2", ".xz"])
_UNSUPPORTED_HINTS = {
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
        f"《{name}》是暂不支持的文件格式{kind}。目前支持 {SUPPORTED_LABEL} 格式。{hint}",
        name,
    )


def load_bytes(
    data: bytes,
    filename: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    *,
    limits: FileLimits | None = None,
    office: OfficeOptions | None = None,
) -> LoadedText:
    """Extract the text of one uploaded file (txt/md/docx/pdf, doc/wps/rtf/odt) within the limits; raises LoadError.

    ``office`` says where LibreOffice is (ASSISTANT_SOFFICE); None reads it from the environment.
    """
    limits = limits or FileLimits(max_bytes=max_bytes)
    name = display_name(filename)
    ext = Path(name).suffix.lower()
    if ext not in SUPPORTED:
        raise _unsupported(name, ext)
    if not data:
        raise empty_file_error(name)
    if len(data) > limits.max_bytes:
        raise too_large(name, len(data), limits.max_bytes)
    if ext == ".docx" and data.startswith(OLE_MAGIC):
        # An old .doc renamed .docx (or a password-locked .docx): the converter reads the one and
        # names the other, instead of a "damaged file" that sends the clerk to re-save it by hand.
        loaded = _load_office(data, name, ".doc", limits, office)
    elif ext == ".docx":
        loaded = load_docx(data, name, limits.max_unzipped_bytes)
    elif ext in OFFICE_EXTS:
        loaded = _load_office(data, name, ext, limits, office)
    elif ext == ".pdf":
        loaded = load_pdf(data, name, limits.max_chars)
    else:
        loaded = load_text(data, name, "txt" if ext == ".txt" else "md")
    check_length(loaded.text, name, limits.max_chars)
    return loaded


def _load_office(
    data: bytes, name: str, ext: str, limits: FileLimits, office: OfficeOptions | None
) -> LoadedText:
    """An old Word/WPS/RTF/ODT file converted to .docx by LibreOffice, then read like any .docx."""
    if office is None:
        from assistant.support.config import get_settings

        office = OfficeOptions.from_settings(get_settings())
    docx = convert_to_docx(data, name, office, max_unzipped_bytes=limits.max_unzipped_bytes)
    loaded = load_docx(docx, name, limits.max_unzipped_bytes)
    # Stored with each chunk: say what the file was, not what it passed through.
    return loaded.model_copy(update={"source_format": ext.lstrip(".")})


def read_document(path: str | Path, max_bytes: int, root: str | Path | None = None) -> bytes:
    """The bytes of a document on disk: format, file type and size checked before reading."""
    p = Path(path)
    name = display_name(p.name)
    ext = p.suffix.lower()
    if ext not in SUPPORTED and not p.is_dir():
        raise _unsupported(name, ext)
    return read_file(p, max_bytes, root)


def load_path(
    path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES, *, limits: FileLimits | None = None
) -> LoadedText:
    """load_bytes for a file on disk (a regular file; its size checked before reading it)."""
    limits = limits or FileLimits(max_bytes=max_bytes)
    data = read_document(path, limits.max_bytes)
    return load_bytes(data, Path(path).name, limits=limits)
