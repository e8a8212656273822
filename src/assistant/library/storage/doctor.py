"""`assistant doctor`: find (and repair) what a crash or a hand-edited data dir left inconsistent.

A document is consistent when its chunks are all in Chroma, its parsed record and original
are in the data dir of the instance that added it, and no journal entry says a write of it
was cut short. Everything else found here is an orphan (a file or collection nothing refers
to) or a half-written document, and each is reported in one Chinese sentence.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections import Counter
from pathlib import Path

from pydantic import BaseModel

from assistant.library.storage.chroma import all_rows
from assistant.library.storage.handle import LibraryHandle
from assistant.library.storage.lock import OnWait
from assistant.library.storage.meta import generation_prefix, meta_collection_name
from assistant.library.storage.scrub import scrub_chroma_log
from assistant.library.storage.writes import delete_document, finish_pending


class DoctorReport(BaseModel):
    """What `doctor` found and what it repaired; consistent: nothing is left to repair."""

    consistent: bool
    problems: list[str] = []
    repaired: list[str] = []


def check_library(
    library: LibraryHandle,
    repair: bool,
    *,
    thorough: bool = True,
    on_wait: OnWait | None = None,
    timeout: float | None = None,
) -> DoctorReport:
    """Check the library (under its lock) and, with ``repair``, fix what is found.

    ``thorough=False`` checks only what a crash of this version can leave (journal entries,
    an interrupted reindex): cheap enough for every app start, even at 100k chunks.
    ``timeout``: seconds to wait for the library lock (default ASSISTANT_LOCK_TIMEOUT).
    """
    problems: list[str] = []
    repaired: list[str] = []
    with library.writing("检查范文库", on_wait, repair=False, timeout=timeout):
        for entry in library.meta.pending():
            problem, done = finish_pending(library, entry) if repair else (_pending_problem(entry), "")
            problems.append(problem)
            if done:
                repaired.append(done)
        for name in _stray_generations(library):
            problems.append(f"重建索引中断，留下了未完成的临时索引 {name}")
            if repair:
                library.client.delete_collection(name)
                repaired.append(f"已删除临时索引 {name}")
        if thorough:
            _check_documents(library, repair, problems, repaired)
    unfixed = len(problems) - len(repaired) if repair else len(problems)
    return DoctorReport(consistent=unfixed == 0, problems=problems, repaired=repaired)


def _pending_problem(entry) -> str:
    name = f"《{entry.title}》" if entry.title else f"文档 {entry.doc_id}"
    what = {"add": "导入", "remove": "删除", "kind": "类型修改", "revise": "正文修改"}.get(entry.op, entry.op)
    return f"{name}的{what}中断（进程意外退出），文档处于写了一半的状态"


def _stray_generations(library: LibraryHandle) -> list[str]:
    """Collections of this library that are not the current one (an interrupted reindex)."""
    base = library.settings.collection
    current = library.generation()
    pattern = re.compile(re.escape(generation_prefix(base)) + r"\d+$")
    names = [getattr(c, "name", c) for c in library.client.list_collections()]
    ours = [n for n in names if n in (base, f"{base}-reindex") or pattern.match(n)]
    return sorted(n for n in ours if n != current and n != meta_collection_name(base))


def _check_documents(library: LibraryHandle, repair: bool, problems: list[str], repaired: list[str]) -> None:
    col = library.collection()
    ids, metas, _ = all_rows(col)
    counts = Counter(str(m.get("doc_id", "")) for m in metas)
    heads = {str(m.get("doc_id", "")): m for m in metas if m.get("doc_head")}
    originals_used = {str(m.get("original", "")) for m in metas}
    for doc_id, count in sorted(counts.items()):
        head = heads.get(doc_id) or next(m for m in metas if m.get("doc_id") == doc_id)
        title = f"《{head.get('title', '')}》" if head.get("title") else f"文档 {doc_id}"
        expected = int(head.get("doc_chunks", 0) or 0)
        mine = head.get("origin") == library.origin or (not head.get("origin") and not library.server)
        record = library.data_dir / "docs" / f"{doc_id}.json"
        original = str(head.get("original", ""))
        if doc_id not in heads or (expected and expected != count):
            problems.append(f"{title}只有 {count} 个片段（应为 {expected or '更多'} 个），文档不完整")
            if repair:
                delete_document(library, doc_id)
                repaired.append(f"已移除不完整的{title}（请重新导入该文件）")
        elif mine and not (original and (library.data_dir / original).exists()):
            problems.append(f"{title}的原文件缺失")
            if repair:
                delete_document(library, doc_id)
                repaired.append(f"已移除缺少原文件的{title}（请重新导入该文件）")
        elif mine and not record.exists():
            problems.append(f"{title}缺少解析记录 docs/{doc_id}.json")
            if repair:
                repaired.append(_restore_record(library, doc_id, original, title))
    _check_files(library, set(counts), originals_used, repair, problems, repaired)
    if not library.server:
        leftovers = _log_leftovers(library, set(ids))
        if leftovers:
            problems.append(f"已删除文档的文字仍留在向量库日志中（{len(leftovers)} 条）")
            if repair:
                scrub_chroma_log(library.data_dir / "chroma", leftovers)
                repaired.append(f"已从向量库日志中清除 {len(leftovers)} 条已删除文档的文字")


def _restore_record(library: LibraryHandle, doc_id: str, original: str, title: str) -> str:
    """Parse the stored original again to restore a missing record; else remove the document."""
    from assistant.intake.prepare import prepare_bytes

    with contextlib.suppress(Exception):
        prepared = prepare_bytes((library.data_dir / original).read_bytes(), Path(original).name, library.settings)
        if prepared.doc_id == doc_id:
            library.files.save_parsed(doc_id, prepared.speech)
            return f"已根据原文件补全{title}的解析记录"
    delete_document(library, doc_id)
    return f"无法从原文件恢复{title}的解析记录，已移除该文档（请重新导入）"


def _check_files(
    library: LibraryHandle, doc_ids: set[str], originals_used: set[str], repair: bool, problems: list[str], repaired: list[str]
) -> None:
    """Records and originals in the data dir that no stored chunk refers to; leftover temp files."""
    docs_dir = library.data_dir / "docs"
    orphans: list[Path] = []
    if docs_dir.is_dir():
        orphans += [p for p in docs_dir.glob("*.json") if p.stem not in doc_ids]
        orphans += list(docs_dir.glob("*.tmp"))
    originals_dir = library.data_dir / "originals"
    if originals_dir.is_dir():
        orphans += [p for p in originals_dir.iterdir() if f"originals/{p.name}" not in originals_used]
    for path in sorted(orphans):
        rel = path.relative_to(library.data_dir).as_posix()
        problems.append(f"孤立文件 {rel}：范文库中没有对应的文档")
        if repair:
            path.unlink(missing_ok=True)
            repaired.append(f"已删除孤立文件 {rel}")


def _log_leftovers(library: LibraryHandle, live_ids: set[str]) -> list[str]:
    """Chunk ids whose text is still in Chroma's local log although no collection holds them."""
    path = library.data_dir / "chroma" / "chroma.sqlite3"
    if not path.exists():
        return []
    bookkeeping = f"%{library.meta.col.id}"  # the log's topic names the collection
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as db:
        try:
            rows = db.execute(
                "SELECT DISTINCT id FROM embeddings_queue WHERE metadata IS NOT NULL AND topic NOT LIKE ?",
                (bookkeeping,),
            ).fetchall()
        except sqlite3.Error:
            return []
    return sorted(r[0] for r in rows if r[0] not in live_ids)

