"""Errors of library operations; their messages are shown to the user, so they are Chinese."""

from __future__ import annotations

import errno

from assistant.support.errors import UserError


class LibraryError(UserError):
    """A library operation failed; the message is for the user (Chinese)."""


class EmbeddingMismatchError(LibraryError):
    """The library was indexed with another embedding model than the one configured."""


def mismatch_message(meta: dict, count: int, embedder_id: str, text_format: int) -> str | None:
    """Why a collection (its metadata, its size) cannot be searched with this embedder; None when it can."""
    stored = str(meta.get("embedding_id", ""))
    if count == 0:
        return None
    if stored == embedder_id and int(meta.get("text_format", 1)) != text_format:
        return (
            "范文库的索引是用旧版本程序建立的，检索效果会变差，检索结果也只能显示片段、"
            "看不到完整的段落。请执行 `assistant reindex`"
            "（或在页面上点“重建索引”）重建索引，原文已保存，无需重新上传。"
        )
    if stored and stored != embedder_id:
        return (
            f"范文库的向量是用“{stored}”生成的，当前设置的向量模型是“{embedder_id}”。"
            "不同模型的向量不能混在一起检索。请执行 `assistant reindex`（或在页面上点“重建索引”）"
            "用当前模型重建索引（原文已保存，无需重新上传）；或把 ASSISTANT_EMBEDDING_BACKEND / "
            "ASSISTANT_EMBEDDING_MODEL 改回原来的设置。"
        )
    return None


#: What the storage layer (SQLite under Chroma, the file system) says, and what the user should read.
_STORAGE_PROBLEMS = (
    (("database or disk is full", "no space left on device", "disk full"),
     "数据目录所在的磁盘已满，无法写入。请清理磁盘空间（或用 ASSISTANT_DATA_DIR 换到空间充足的位置）后重试；已保存的内容不受影响。"),
    (("readonly database", "read-only file system", "read only file system"),
     "数据目录是只读的，无法写入。请检查 ASSISTANT_DATA_DIR 所指的位置是否可写（权限、只读挂载）。"),
    (("unable to open database file", "permission denied"),
     "无法打开数据目录中的范文库文件。请检查 ASSISTANT_DATA_DIR 所指位置的读写权限。"),
    (("database disk image is malformed", "file is not a database"),
     "数据目录中的范文库文件已损坏。请运行 assistant doctor 检查；必要时从备份恢复，或换一个空的数据目录后重新导入。"),
)  # fmt: skip

def storage_problem(error: BaseException) -> str | None:
    """A Chinese sentence when an error (or one it was raised from) is the disk being full, read-only or unreadable."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        code = getattr(current, "errno", None)
        if code == errno.ENOSPC:
            return _STORAGE_PROBLEMS[0][1]
        if code == errno.EROFS:
            return _STORAGE_PROBLEMS[1][1]
        text = str(current).lower()
        for needles, message in _STORAGE_PROBLEMS:
            if any(n in text for n in needles):
                return message
        current = current.__cause__ or current.__context__
    return None
