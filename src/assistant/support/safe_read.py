"""Reading a file from disk safely: regular files only, symlinks checked, size checked before reading.

Every refusal is a LoadError whose Chinese message names the file; no English errno text
(``[Errno 13] Permission denied``) ever reaches the user.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path

from assistant.support.atomic_files import NotARegularFile
from assistant.support.errors import LoadError

_READ_CHUNK = 1024 * 1024

_ERRNO_MESSAGES = {
    errno.ENOENT: "文件不存在，请检查路径。",
    errno.EACCES: "没有读取权限。请检查文件权限，或用有权限的账户运行。",
    errno.EPERM: "没有读取权限。请检查文件权限，或用有权限的账户运行。",
    errno.EISDIR: "是文件夹，不是文件。",
    errno.ENOTDIR: "路径中有一部分不是文件夹，请检查路径。",
    errno.ELOOP: "是循环指向的快捷方式（符号链接），找不到实际的文件。",
    errno.ENAMETOOLONG: "文件名或路径过长。",
    errno.EIO: "读取时出现磁盘错误（输入/输出错误），请检查存储设备后重试。",
    errno.EMFILE: "系统同时打开的文件过多，请稍后重试。",
    errno.ENFILE: "系统同时打开的文件过多，请稍后重试。",
    errno.EAGAIN: "文件暂时无法读取（可能正被其他程序占用），请稍后重试。",
    errno.EBUSY: "文件正被其他程序占用，请关闭后重试。",
    errno.ENXIO: "不是普通文件（设备或管道），无法作为讲话稿读取。",
    errno.ENODEV: "不是普通文件（设备），无法作为讲话稿读取。",
    errno.EEXIST: "已有同名的文件或文件夹，无法创建。",
    errno.ENOSPC: "磁盘空间不足，请清理后重试。",
    errno.EDQUOT: "磁盘配额已用完，请清理后重试。",
    errno.EROFS: "所在位置是只读的，无法写入。",
}


def readable_path(path: str | Path) -> str:
    """A path as text a user can read: a name that is not UTF-8 on disk (GBK from a Windows zip) decoded as such."""
    text = str(path or "")
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    raw = os.fsencode(text)  # the bytes the file system holds
    # GB 18030 reads nearly any byte string, so it is the last guess (Big5 names come out garbled).
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def display_name(path: str | Path) -> str:
    """The file name shown in messages (never the folder it sits in)."""
    name = readable_path(path).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].strip()
    return name or "未命名文件"


_WRITE_MESSAGES = {
    errno.EACCES: "没有写入权限（或文件是只读的），没有改动它。请换一个位置或文件名，或先取消只读。",
    errno.EPERM: "系统不允许改动这个文件（可能被设为不可修改），请换一个位置或文件名。",
    errno.ENOENT: "所在的文件夹不存在，请检查路径。",
}


def os_error_message(err: OSError, writing: bool = False) -> str:
    """A Chinese sentence for an OSError (the errno's meaning, never its English text)."""
    if isinstance(err, NotARegularFile):
        return "它不是普通文件（而是设备、管道或文件夹），为免破坏它，没有写入。请换一个文件名。"
    known = (_WRITE_MESSAGES.get(err.errno or -1) if writing else None) or _ERRNO_MESSAGES.get(err.errno or -1)
    if known:
        return known
    verb = "写入" if writing else "读取"
    return f"无法{verb}（系统错误代码 {err.errno}）。" if err.errno else f"无法{verb}。"


def os_error(name: str, err: OSError) -> LoadError:
    """The LoadError for an OSError met while reading ``name``."""
    return LoadError(f"《{name}》{os_error_message(err)}", name)


_MIB = 1024 * 1024


def _fixed(n: float, decimals: int) -> str:
    return f"{n / _MIB:.{decimals}f}".rstrip("0").rstrip(".")


def megabytes(n: float) -> str:
    """``n`` bytes in MB for a message (a limit such as 7.25 MB shown as set; never a bare 0)."""
    for decimals in range(3, 9):
        text = _fixed(n, decimals)
        if text != "0":
            return text
    return "0"


def _size_and_limit(size: int, limit: int) -> tuple[str, str]:
    """Both in MB, the size with as many decimals as it takes to show above the limit.

    "文件过大（20 MB），超过上限 20 MB" contradicts itself; 21,005,957 bytes reads 20.03 MB.
    """
    limit_mb = megabytes(limit)
    for decimals in range(1, 10):
        size_mb = _fixed(size, decimals)
        if float(limit_mb) >= size / _MIB:  # the limit itself rounded up past the size
            limit_mb = _fixed(limit, max(decimals, 3))
        if float(size_mb) > float(limit_mb):
            return size_mb, limit_mb
    return f"{size / _MIB:.9f}", f"{limit / _MIB:.9f}"  # not reached: 9 decimals tell one byte apart


def too_large(name: str, size: int, max_bytes: int) -> LoadError:
    """The LoadError for a file above ASSISTANT_MAX_UPLOAD_MB."""
    size_mb, limit_mb = _size_and_limit(size, max_bytes)
    return LoadError(
        f"《{name}》文件过大（{size_mb} MB），超过上传上限 {limit_mb} MB。"
        "请删除图片等无关内容或拆分后再上传；管理员也可以通过设置 ASSISTANT_MAX_UPLOAD_MB 调整上限。",
        name,
    )


def not_regular_reason(mode: int) -> str | None:
    """Why a file of this st_mode cannot be read as a document, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "是文件夹，不是文件。"
    if stat.S_ISFIFO(mode):
        return "是管道文件（FIFO），不是普通文件，读取它可能永远等不到结束，已拒绝。"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "是设备文件，不是普通文件，已拒绝读取。"
    if stat.S_ISSOCK(mode):
        return "是套接字文件，不是普通文件，已拒绝读取。"
    return "不是普通文件，已拒绝读取。"


def _resolve_link(path: Path, name: str, root: Path | None) -> Path:
    try:
        target = Path(os.path.realpath(path, strict=True))
    except OSError as e:
        if e.errno == errno.ENOENT:
            raise LoadError(f"《{name}》是快捷方式（符号链接），但它指向的文件不存在。", name) from None
        raise os_error(name, e) from None
    if root is not None:
        top = Path(os.path.realpath(root))
        if target != top and top not in target.parents:
            raise LoadError(
                f"《{name}》是指向所选文件夹之外（{target}）的快捷方式（符号链接），为安全起见没有导入。"
                "如确需导入，请直接指定那个文件。",
                name,
            )
    return target


def read_file(
    path: str | Path,
    max_bytes: int,
    root: str | Path | None = None,
    too_large: Callable[[str, int, int], LoadError] = too_large,
) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; symlinks must stay inside ``root``.

    Checks happen before any byte is read: devices, FIFOs and sockets are refused (a FIFO
    would block forever), a symlink is resolved and its target checked like any file.
    ``too_large(name, size, max_bytes)`` builds the refusal of a file above the limit (its
    message names the limit the caller applies; the default names ASSISTANT_MAX_UPLOAD_MB).
    """
    p = Path(path)
    name = display_name(p)
    try:
        info = os.lstat(p)
    except OSError as e:
        raise os_error(name, e) from None
    target = p
    if stat.S_ISLNK(info.st_mode):
        target = _resolve_link(p, name, Path(root) if root is not None else None)
        try:
            info = os.stat(target)
        except OSError as e:
            raise os_error(name, e) from None
    reason = not_regular_reason(info.st_mode)
    if reason:
        raise LoadError(f"《{name}》{reason}", name)
    if info.st_size > max_bytes:
        raise too_large(name, info.st_size, max_bytes)
    try:
        # O_NONBLOCK: should the file be swapped for a FIFO after the check, open() still returns.
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise os_error(name, e) from None
    try:
        opened = os.fstat(fd)
        reason = not_regular_reason(opened.st_mode)
        if reason:
            raise LoadError(f"《{name}》{reason}", name)
        parts: list[bytes] = []
        size = 0
        while True:
            # Files such as /proc entries report size 0 but have content: never read past the limit.
            chunk = os.read(fd, min(_READ_CHUNK, max_bytes + 1 - size))
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                raise too_large(name, max(size, opened.st_size), max_bytes)
        return b"".join(parts)
    except OSError as e:
        raise os_error(name, e) from None
    finally:
        os.close(fd)
