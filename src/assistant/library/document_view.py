"""One stored document as a clerk reads it: the parsed speech by sections and what cleaning removed, and why.

What the cleaner removed is not stored: it is recomputed from the stored original with the
same intake (prepare_bytes, deterministic). That also covers every document imported before
this view existed. When today's cleaning gives another text than the import did (the rules
were changed since), the lines are still shown, with a note saying so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from assistant.domain.models import ChangedLine, DocRecord, RemovedLine, SpeechDoc
from assistant.intake.prepare import prepare_bytes
from assistant.library.storage.chroma import doc_records
from assistant.library.store import Library
from assistant.support.errors import UserError

__all__ = ["DocumentView", "document_view", "missing_document", "stored_document", "stored_record"]

log = logging.getLogger(__name__)


@dataclass
class DocumentView:
    """A stored document: its record, its parse, the text a clerk edits, and the cleaner's removals."""

    record: DocRecord
    speech: SpeechDoc
    removed: list[RemovedLine] = field(default_factory=list)
    changed: list[ChangedLine] = field(default_factory=list)
    note: str = ""  # Chinese: why the removed lines are missing or may differ from the import's

    @property
    def text(self) -> str:
        """The stored text, one paragraph a line: what the clerk edits and saves back."""
        return self.speech.text()

    def to_dict(self) -> dict:
        """The `assistant show --json` shape."""
        r = self.record
        return {
            "doc_id": r.doc_id,
            "title": r.title,
            "kind": r.kind,
            "filename": r.filename,
            "revision": r.revision,
            "corrected": r.corrected,
            "corrected_at": r.corrected_at,
            "document": self.speech.inspect_dict(),
            "text": self.text,
            "removed": [x.model_dump() for x in self.removed],
            "changed": [x.model_dump() for x in self.changed],
            "note": self.note,
        }


def missing_document(doc_id: str) -> UserError:
    """The error for a doc_id the library does not hold."""
    return UserError(f"范文库中没有编号为 {doc_id} 的文档（可用 `assistant list` 查看，或在范文库页面的文档列表中选择）。")


def stored_record(library: Library, doc_id: str) -> tuple[DocRecord, dict] | None:
    """(record, the head chunk's metadata) of a completely stored document, None otherwise."""
    if doc_id in library.meta.pending_ids():
        return None
    got = library.collection().get(where={"$and": [{"doc_id": doc_id}, {"doc_head": 1}]}, include=["metadatas"])
    heads = [dict(m or {}) for m in got["metadatas"] or []]
    if not heads:
        return None
    records = doc_records(heads[:1], set(), counted=True)
    return records[0], heads[0]


def stored_document(library: Library, doc_id: str) -> tuple[DocRecord, dict, SpeechDoc]:
    """(record, head chunk's metadata, parse) of a stored document; a Chinese UserError when not here."""
    found = stored_record(library, doc_id)
    if found is None:
        raise missing_document(doc_id)
    record, head = found
    speech = library.get_document(doc_id)
    if speech is None:
        # A library on a shared Chroma server: another instance imported it and holds its files.
        raise UserError(
            f"《{record.title}》的解析记录不在本机的数据目录（ASSISTANT_DATA_DIR 下的 docs/{doc_id}.json）："
            "它由共用同一 Chroma 服务的另一台实例导入，请在那台实例上查看或修改。"
        )
    return record, head, speech


def document_view(library: Library, doc_id: str) -> DocumentView:
    """The stored document ``doc_id``; a Chinese UserError when the library does not hold it."""
    record, _, speech = stored_document(library, doc_id)
    removed, changed, note = _cleaning(library, record)
    return DocumentView(record=record, speech=speech, removed=removed, changed=changed, note=note)


def _cleaning(library: Library, record: DocRecord) -> tuple[list[RemovedLine], list[ChangedLine], str]:
    """What cleaning the stored original removes and repairs today, and a note when that is uncertain."""
    path = Path(library.data_dir) / record.original if record.original else None
    if path is None or not path.is_file():
        return [], [], "原文件不在本机的数据目录中，无法列出导入时清除的内容。"
    try:
        prepared = prepare_bytes(path.read_bytes(), record.filename or path.name, library.settings)
    except Exception:  # noqa: BLE001 - the view still shows the stored text
        log.exception("re-reading the original of %s failed", record.doc_id)
        return [], [], "重新读取原文件时出错，无法列出导入时清除的内容。"
    note = ""
    if prepared.doc_id != record.doc_id:
        # The id is the cleaned text's fingerprint: another id means another cleaned text.
        note = "清理规则在导入之后有过更新：下列内容按现在的规则重新计算，可能与导入时略有不同。"
    return prepared.cleaned.removed, prepared.cleaned.changed, note

