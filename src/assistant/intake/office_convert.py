"""Word 97 .doc, WPS .wps, .rtf, .odt (and Word/WPS templates, .docm) → .docx bytes through LibreOffice.

Each conversion runs ``soffice --headless --convert-to docx`` in a temporary folder of its own:
the input under a generated name, a fresh profile with macros and link updates off, a time limit
after which the whole process group is killed. The folder is removed whatever happens.
LibreOffice's own (English) output is logged, never shown; the user gets a Chinese LoadError.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from assistant.intake.admission import DEFAULT_MAX_UNZIPPED, check_zip
from assistant.support.config import Settings
from assistant.support.errors import LoadError, empty_file_error
from assistant.support.safe_read import megabytes

__all__ = ["OFFICE_EXTS", "OfficeOptions", "convert_to_docx", "find_soffice"]

log = logging.getLogger(__name__)

# What each extension is, in the words a user knows; these are the formats sent to LibreOffice.
OFFICE_EXTS = {
    ".doc": "旧版 Word 文档（.doc）",
    ".wps": "WPS 文字文档（.wps）",
    ".rtf": "RTF 文档（.rtf）",
    ".odt": "ODT 文档（.odt）",
    ".dot": "Word 模板（.dot）",
    ".wpt": "WPS 模板（.wpt）",
    ".docm": "带宏的 Word 文档（.docm）",
    ".dotx": "Word 模板（.dotx）",
}

DEFAULT_TIMEOUT = 60.0
INSTALL_HINT = "Debian/Ubuntu：sudo apt-get install libreoffice-writer-nogui"

_OLE_MAGIC = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97–2003, WPS 2000+, and encrypted Office files
)
_ZIP_MAGIC = b"PK\x03\x04"  # .odt, .docm, .dotx (and a .docx misnamed .doc)
_RTF_MAGIC = b"{\\rtf"
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")

# Two cores: one conversion takes about one core for a few seconds; a third would only queue.
_SLOTS = threading.BoundedSemaphore(2)

# Written into each fresh profile (user/registrymodifications.xcu). Verified against this
# machine's LibreOffice 7.4 schema (share/registry/main.xcd), where each of these exists:
#  - org.openoffice.Office.Common/Security/Scripting: MacroSecurityLevel (xs:int, default 2;
#    3 = "very high": only macros from trusted locations, of which the fresh profile has none)
#    and DisableMacrosExecution (xs:boolean, default false), plus BlockUntrustedRefererLinks.
#  - org.openoffice.Office.Writer/Content/Update: Link (xs:int, default 1 = on request; 2 = never).
#  - org.openoffice.Inet/Settings: ooInetProxyType 2 (manual) with a proxy on the discard port of
#    this machine, so a document's http(s)/ftp links that LibreOffice might fetch go nowhere.
#  - org.openoffice.Office.Java/VirtualMachine: Enable false (no Java runs for a conversion).
# The update checker's switch (Jobs/UpdateCheck AutoCheckEnabled) is set too, although Debian's
# build ships no update checker at all (no "UpdateCheck" in its registry); unknown items are ignored.
_NO_PROXY_HOST = "127.0.0.1"
_NO_PROXY_PORT = 9
_PROFILE_ITEMS = [
    ("/org.openoffice.Office.Common/Security/Scripting", "MacroSecurityLevel", "3"),
    ("/org.openoffice.Office.Common/Security/Scripting", "DisableMacrosExecution", "true"),
    ("/org.openoffice.Office.Common/Security/Scripting", "BlockUntrustedRefererLinks", "true"),
    ("/org.openoffice.Office.Writer/Content/Update", "Link", "2"),
    ("/org.openoffice.Office.Java/VirtualMachine", "Enable", "false"),
    (
        "/org.openoffice.Office.Jobs/Jobs/org.openoffice.Office.Jobs:Job['UpdateCheck']/Arguments",
        "AutoCheckEnabled",
        "false",
    ),
    ("/org.openoffice.Inet/Settings", "ooInetProxyType", "2"),
    ("/org.openoffice.Inet/Settings", "ooInetNoProxy", ""),
    ("/org.openoffice.Inet/Settings", "ooInetHTTPProxyName", _NO_PROXY_HOST),
    ("/org.openoffice.Inet/Settings", "ooInetHTTPProxyPort", str(_NO_PROXY_PORT)),
    ("/org.openoffice.Inet/Settings", "ooInetHTTPSProxyName", _NO_PROXY_HOST),
    ("/org.openoffice.Inet/Settings", "ooInetHTTPSProxyPort", str(_NO_PROXY_PORT)),
    ("/org.openoffice.Inet/Settings", "ooInetFTPProxyName", _NO_PROXY_HOST),
    ("/org.openoffice.Inet/Settings", "ooInetFTPProxyPort", str(_NO_PROXY_PORT)),
]


@dataclass(frozen=True)
class OfficeOptions:
    """Where soffice is (None: looked up on PATH) and how long one conversion may take."""

    soffice: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_settings(cls, settings: Settings) -> OfficeOptions:
        """ASSISTANT_SOFFICE and ASSISTANT_OFFICE_TIMEOUT."""
        return cls(settings.soffice or None, settings.office_timeout)


def find_soffice(configured: str | None = None) -> str | None:
    """The soffice program to run: the configured one if it exists, else soffice/libreoffice on PATH."""
    if configured:
        found = shutil.which(configured)
        return found if found and Path(found).is_file() else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def _profile_xcu() -> str:
    items = "\n".join(
        f'<item oor:path="{path}"><prop oor:name="{prop}" oor:op="fuse"><value>{value}</value></prop></item>'
        for path, prop, value in _PROFILE_ITEMS
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        f"{items}\n</oor:items>\n"
    )


def _looks_like_office(data: bytes) -> bool:
    """Whether the bytes start like a file LibreOffice should import (OLE, zip, RTF, HTML/XML)."""
    head = data[:16]
    for bom in _BOMS:
        if head.startswith(bom):
            head = data[len(bom) : len(bom) + 16]
            break
    head = head.lstrip()
    # Markup: Word's "Save as web page" .doc and Word 2003 XML are common in downloaded archives.
    return head.startswith((_OLE_MAGIC, _ZIP_MAGIC, _RTF_MAGIC, b"<"))


_FREE = 0xFFFFFFFA  # sector numbers from here on mark free sectors and chain ends
# Streams that make an OLE file a text document: Word 6–2003 and Kingsoft WPS 2000+ keep the text
# in "WordDocument"; Microsoft Works (.wps too) in "CONTENTS"/"MN0".
_TEXT_STREAMS = frozenset(["WordDocument", "CONTENTS", "MN0"])


def _ole_names(data: bytes) -> set[str] | None:
    """The names in an OLE compound file's directory, or None when its structure is broken.

    Read here because LibreOffice, given a broken one, falls back to importing the bytes as plain
    text, which can decode random bytes into "Chinese" that passes every later check.
    """

    def u32(buf: bytes, at: int) -> int:
        if at + 4 > len(buf):
            raise ValueError("truncated")
        return int.from_bytes(buf[at : at + 4], "little")

    try:
        shift = int.from_bytes(data[0x1E:0x20], "little")
        if shift not in (9, 12):
            return None
        size = 1 << shift

        def sector(n: int) -> bytes:
            start = (n + 1) * size  # the header takes the first sector
            if start + size > len(data):
                raise ValueError("sector past the end")
            return data[start : start + size]

        fat_sectors = [u32(data, 0x4C + 4 * i) for i in range(109)]
        extra, hops = u32(data, 0x44), 0
        while extra < _FREE:  # further DIFAT sectors, each ending with the next one's number
            hops += 1
            if hops > 1000:
                return None
            block = sector(extra)
            fat_sectors += [u32(block, 4 * i) for i in range(size // 4 - 1)]
            extra = u32(block, size - 4)
        fat = b"".join(sector(s) for s in fat_sectors[: u32(data, 0x2C)] if s < _FREE)
        names: set[str] = set()
        current, seen = u32(data, 0x30), set()
        while current < _FREE:
            if current in seen or len(seen) > 10_000:
                return None  # a loop in the chain
            seen.add(current)
            block = sector(current)
            for at in range(0, size, 128):
                entry = block[at : at + 128]
                length = int.from_bytes(entry[0x40:0x42], "little")
                if entry[0x42] in (1, 2, 5) and 2 <= length <= 64:
                    names.add(entry[: length - 2].decode("utf-16-le", "replace"))
            current = u32(fat, 4 * current)
        return names
    except ValueError:
        return None


def _spaced(label: str) -> str:
    """A space between Chinese and a Latin word, as everywhere else in our messages ("有效的 Word 文档")."""
    return f" {label}" if label[:1].isascii() else label


def _container_problem(data: bytes, label: str) -> str | None:
    """Why the bytes cannot be a text document LibreOffice should convert, or None."""
    if data.startswith(_OLE_MAGIC):
        names = _ole_names(data)
        if names is None:
            return f"不是有效的{_spaced(label)}（文件结构已损坏）"
        if "EncryptedPackage" in names:
            return "设置了打开密码，无法读取"
        if names & _TEXT_STREAMS:
            return None
        if names & {"Workbook", "Book"}:
            return "实际上是 Excel 表格，不是文字文档"
        if "PowerPoint Document" in names:
            return "实际上是 PowerPoint 演示文稿，不是文字文档"
        return f"不是有效的{_spaced(label)}（其中没有文字文档的内容）"
    if data.startswith(_ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                members = set(zf.namelist())
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
            return f"不是有效的{_spaced(label)}（压缩包已损坏）"
        if not members & {"[Content_Types].xml", "content.xml"}:
            return f"不是有效的{_spaced(label)}（压缩包里没有文档内容）"
        return None
    if not _looks_like_office(data):
        return f"不是有效的{_spaced(label)}（文件内容与扩展名不符或已损坏）"
    return None


def _missing(name: str, label: str, configured: str | None) -> LoadError:
    where = f"设置的 ASSISTANT_SOFFICE（{configured}）找不到" if configured else "本机未安装"
    return LoadError(
        f"《{name}》是{label}，需要 LibreOffice 才能自动转换，但{where}。"
        f"请安装 LibreOffice（{INSTALL_HINT}），或用 Word/WPS 另存为 .docx 后再上传。",
        name,
    )


def _failed(name: str, label: str) -> LoadError:
    return LoadError(
        f"《{name}》无法转换：文件已损坏、设置了打开密码，或内容不是{label}，未导入。"
        "请用 Word 或 WPS 打开确认（如有密码请先取消），“另存为” .docx 后再上传。",
        name,
    )


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill soffice and everything it started (oosplash → soffice.bin), then reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone already
        os.killpg(proc.pid, signal.SIGKILL)
    try:
        proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        log.warning("soffice (pid %s) did not exit after SIGKILL", proc.pid)


def convert_to_docx(
    data: bytes,
    filename: str,
    options: OfficeOptions | None = None,
    *,
    max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED,
) -> bytes:
    """The .docx bytes LibreOffice makes of one .doc/.wps/.rtf/.odt file; raises LoadError in Chinese.

    A zipped input (.odt, .docm) is checked against ``max_unzipped_bytes`` before LibreOffice
    inflates it; the output may not be larger than that either.
    """
    options = options or OfficeOptions()
    name = Path(filename).name or filename
    ext = Path(name).suffix.lower()
    label = OFFICE_EXTS.get(ext, "Word 文档")
    if not data.strip(b"\x00 \t\r\n"):
        raise empty_file_error(name)
    if data.startswith(_ZIP_MAGIC):
        check_zip(data, name, max_unzipped_bytes)  # LibreOffice would inflate it: limits first
    problem = _container_problem(data, label)
    if problem:
        raise LoadError(
            f"《{name}》{problem}，未导入。请用 Word 或 WPS 打开确认（如有密码请先取消）后“另存为” .docx 再上传。",
            name,
        )
    soffice = find_soffice(options.soffice)
    if soffice is None:
        raise _missing(name, label, options.soffice)
    with _SLOTS:
        suffix = ext if ext in OFFICE_EXTS else ".doc"
        return _run(soffice, data, name, suffix, label, options.timeout, max_unzipped_bytes)


def _run(
    soffice: str, data: bytes, name: str, ext: str, label: str, timeout: float, max_output: int
) -> bytes:
    work = Path(tempfile.mkdtemp(prefix="assistant-office-"))
    try:
        profile = work / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(
            _profile_xcu(), encoding="utf-8"
        )
        source = work / "in" / f"document{ext}"  # never the user's name: it may hold anything
        source.parent.mkdir()
        source.write_bytes(data)
        outdir = work / "out"
        outdir.mkdir()
        cmd = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(outdir),
            str(source),
        ]
        started = time.monotonic()
        try:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=work,
                start_new_session=True,  # its own process group, so a timeout kills all of it
            )
        except OSError as e:
            log.warning("cannot start %s: %s", soffice, e)
            raise LoadError(
                f"《{name}》需要 LibreOffice 转换，但无法启动 {soffice}（{type(e).__name__}）。"
                f"请检查 ASSISTANT_SOFFICE 的设置或重新安装 LibreOffice（{INSTALL_HINT}）。",
                name,
            ) from e
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as e:
            _kill_group(proc)
            log.warning("soffice timed out after %.0f s on %s", timeout, name)
            raise LoadError(
                f"《{name}》转换超时（超过 {timeout:g} 秒），已停止转换，未导入。"
                "文件可能过大或已损坏，请用 Word 或 WPS 另存为 .docx 后再上传；"
                "管理员可通过 ASSISTANT_OFFICE_TIMEOUT 调整时限。",
                name,
            ) from e
        finally:
            if proc.poll() is None:  # interrupted (Ctrl-C): leave nothing running
                _kill_group(proc)
            else:  # whatever soffice left behind in its group goes too
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
        log.info(
            "soffice converted %s in %.1f s (exit %s): %s %s",
            name,
            time.monotonic() - started,
            proc.returncode,
            out.decode("utf-8", "replace").strip(),
            err.decode("utf-8", "replace").strip(),
        )
        result = outdir / "document.docx"
        if proc.returncode != 0 or not result.is_file() or result.stat().st_size == 0:
            raise _failed(name, label)
        if result.stat().st_size > max_output:
            raise LoadError(
                f"《{name}》转换后的 Word 文档过大（超过 {megabytes(max_output)} MB），"
                "多半含有大量图片，未导入。请删除图片后另存为 .docx 再上传；"
                "管理员可通过 ASSISTANT_MAX_UNZIPPED_MB 调整上限。",
                name,
            )
        return result.read_bytes()
    finally:
        shutil.rmtree(work, ignore_errors=True)
