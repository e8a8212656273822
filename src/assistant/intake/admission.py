"""What a file must satisfy to enter the library: limits on zip members and characters, and Chinese prose.

Each check raises a LoadError whose Chinese message names the file, the limit and the
setting that changes it. Zip members are checked from the central directory, before anything
is decompressed (Python's zipfile never inflates a member past its declared size).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from assistant.intake.normalize import drop_invisible
from assistant.support.config import Settings
from assistant.support.errors import LoadError
from assistant.support.safe_read import megabytes

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_UNZIPPED = 100 * 1024 * 1024
DEFAULT_MAX_CHARS = 100_000

# Deflate reaches about 1000:1 on repeated bytes; Word's XML stays far below 100:1.
MAX_ZIP_RATIO = 100
# The other parts (pictures) are never inflated by the loader (documents.load_docx hands python-docx
# empty ones); they still count toward ASSISTANT_MAX_UNZIPPED_MB. An uncompressed screenshot (BMP,
# TIFF, EMF) reaches a few hundred to one; only filler of one repeated byte gets near deflate's ~1030:1.
MAX_MEDIA_RATIO = 1000
_RATIO_FLOOR = 1024 * 1024  # small members may compress well without meaning anything
MAX_ZIP_MEMBERS = 10_000
# python-docx parses every XML part into an lxml tree at about 15 times its size (measured:
# 95 MB of document.xml took the process to 1.6 GB). A 300-page Word document has ~10 MB.
MAX_DOCX_XML_BYTES = 25 * 1024 * 1024

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# A run of Chinese: Han characters with the punctuation and digits that sit inside sentences.
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff，、；：“”‘’（）《》0-9０-９]{10,}")
_SPACE = re.compile(r"\s+")
_INLINE_SPACE = re.compile(r"[ \t\u3000\xa0]+")
MIN_HAN = 30
MIN_HAN_SHARE = 0.3


@dataclass(frozen=True)
class FileLimits:
    """Limits checked before a file is read, decompressed or parsed."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED
    max_chars: int = DEFAULT_MAX_CHARS

    @classmethod
    def from_settings(cls, settings: Settings) -> FileLimits:
        """ASSISTANT_MAX_UPLOAD_MB, ASSISTANT_MAX_UNZIPPED_MB and ASSISTANT_MAX_DOC_CHARS."""
        return cls(settings.max_upload_bytes, settings.max_unzipped_bytes, settings.max_doc_chars)


def _unsafe_member_name(filename: str) -> bool:
    name = filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    return name.startswith("/") or ".." in parts or (bool(parts) and parts[0].endswith(":"))


def parsed_member(filename: str) -> bool:
    """Whether the docx loader inflates and parses this member (XML); pictures and the like it never reads."""
    return filename.lower().endswith((".xml", ".rels"))


def check_zip(data: bytes, name: str, max_unzipped_bytes: int) -> None:
    """Refuse a .docx whose members would expand past the limit, too steeply, or to odd paths."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return  # not a readable zip: the loader reports a damaged document
    if len(members) > MAX_ZIP_MEMBERS:
        raise LoadError(
            f"《{name}》内部包含 {len(members)} 个部件，远超正常 Word 文档，疑似恶意构造的压缩文件，未导入。", name
        )
    total = 0
    xml = 0
    for info in members:
        if _unsafe_member_name(info.filename):
            raise LoadError(
                f"《{name}》内部含有异常路径的部件（{info.filename[:60]}），疑似恶意构造的文件，未导入。"
                "请用 Word 或 WPS 打开后重新“另存为” .docx 再上传。",
                name,
            )
        if info.flag_bits & 0x1:
            raise LoadError(f"《{name}》内部部件已加密，无法读取。请取消文档密码后另存为 .docx 再上传。", name)
        total += info.file_size
        if total > max_unzipped_bytes:
            raise LoadError(
                f"《{name}》解压后超过 {megabytes(max_unzipped_bytes)} MB，疑似“压缩炸弹”或含有大量图片，未解压、未导入。"
                "请删除图片等无关内容后再上传；管理员可通过 ASSISTANT_MAX_UNZIPPED_MB 调整上限。",
                name,
            )
        parsed = parsed_member(info.filename)
        if parsed:
            xml += info.file_size
            if xml > MAX_DOCX_XML_BYTES:
                raise LoadError(
                    f"《{name}》的文字部分解压后超过 {megabytes(MAX_DOCX_XML_BYTES)} MB，远超一篇讲话稿"
                    "（三百页的 Word 文档约 10 MB），未解压、未导入。请拆分成单篇后再上传。",
                    name,
                )
        max_ratio = MAX_ZIP_RATIO if parsed else MAX_MEDIA_RATIO
        if info.file_size > _RATIO_FLOOR and info.file_size > max_ratio * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise LoadError(
                f"《{name}》内部部件 {info.filename[:60]} 的压缩比异常（约 {ratio}:1），疑似“压缩炸弹”，未解压、未导入。",
                name,
            )


def check_length(text: str, name: str, max_chars: int) -> None:
    """Refuse a text longer than ASSISTANT_MAX_DOC_CHARS characters (whitespace and invisible ones not counted)."""
    if len(text) <= max_chars:
        return
    chars = len(_SPACE.sub("", drop_invisible(text)))
    if chars <= max_chars:
        return
    raise LoadError(
        f"《{name}》文字太长（约 {chars} 字），超过单篇上限 {max_chars} 字。范文库按单篇讲话稿检索，"
        "请把合集拆成单篇后再上传；管理员可通过 ASSISTANT_MAX_DOC_CHARS 调整上限。",
        name,
    )


def prose_problem(text: str) -> str | None:
    """Why a text is not Chinese prose (a speech), or None when it is."""
    # Judged on the text as the library keeps it: zero-width characters between every few
    # characters (copy protection) would otherwise break every sentence into "words".
    text = drop_invisible(text)
    han = len(_HAN.findall(text))
    if han < MIN_HAN:
        return (
            f"几乎没有中文文字（只有 {han} 个汉字），不像是讲话稿，未导入。"
            "范文库只收中文讲话稿；扫描件或图片请先进行文字识别（OCR）。"
        )
    visible = len(_SPACE.sub("", text))
    share = han / max(visible, 1)
    if share < MIN_HAN_SHARE:
        return (
            f"中文只占文字的 {share:.0%}，看起来是程序代码、数据表格或配置文件，不像是讲话稿，未导入。"
        )
    # Spaces inside a line do not break a sentence (OCR and PDF text space out every character).
    if not _HAN_RUN.search(_INLINE_SPACE.sub("", text)):
        return "没有成句的中文（只有零散的词语或表格），不像是讲话稿，未导入。"
    return None


def check_prose(text: str, name: str) -> None:
    """Refuse a text with no Chinese prose (e.g. /etc/passwd, code, a table of numbers)."""
    problem = prose_problem(text)
    if problem:
        raise LoadError(f"《{name}》{problem}", name)
