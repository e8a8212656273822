"""A clerk's correction of a stored document: the edited text becomes the document's new revision.

The text is parsed, chunked and embedded like an import (same settings), then stored under
the same doc_id through the journalled write path (storage/writes.write_revision): the list,
references and duplicate detection keep pointing at the same document, the original upload is
kept, and the old chunks' text is erased as a removal erases it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from assistant.domain.kinds import GENERAL_KIND
from assistant.domain.models import CleanResult, LoadedText, SpeechDoc
from assistant.domain.titles import derive_title
from assistant.intake.admission import check_length, prose_problem
from assistant.intake.chunking import chunk_speech
from assistant.intake.normalize import normalise_line, split_lines
from assistant.intake.parsing import load_role_keywords, parse_speech
from assistant.intake.prepare import PreparedDoc
from assistant.library.document_view import missing_document, stored_document, stored_record
from assistant.library.storage.errors import EmbeddingMismatchError
from assistant.library.storage.lock import OnWait
from assistant.library.storage.writes import chunk_token_lists, write_revision
from assistant.library.store import Library, Progress
from assistant.support.errors import UserError

__all__ = ["CorrectionOutcome", "correct_document", "corrected_text"]


@dataclass
class CorrectionOutcome:
    """What saving a correction did."""

    doc_id: str
    title: str
    kind: str
    revision: int  # the document's revision now (unchanged when the text was)
    chunks: int  # chunks of the new revision (0 when nothing was saved)
    changed: bool  # False: the text was the stored one, no new revision

    def to_dict(self) -> dict:
        """The `assistant correct --json` shape."""
        return {
            "doc_id": self.doc_id, "title": self.title, "kind": self.kind,
            "revision": self.revision, "chunks": self.chunks, "changed": self.changed,
        }  # fmt: skip


def corrected_text(text: str) -> str:
    """The edited text in the stored shape: one paragraph a line, spaces and punctuation width as cleaning leaves them.

    Only normalisation, no junk removal: a line the cleaner removed wrongly and the clerk put
    back must stay.
    """
    return "\n".join(x for x in (normalise_line(line) for line in split_lines(text)) if x)


def _parse(text: str, speech: SpeechDoc, library: Library) -> SpeechDoc:
    settings = library.settings
    kw = load_role_keywords(settings.role_keywords_file) if settings.role_keywords_file else None
    return parse_speech(text, speech.metadata, settings.structures_dir, kw)


def _revised(new: SpeechDoc, old: SpeechDoc, library: Library) -> SpeechDoc:
    """The new parse with the stored title and kind kept, unless the edit changed what decides them."""
    if new.title_line == old.title_line:
        new = new.model_copy(update={"title": old.title, "title_derived": old.title_derived})
    elif not new.title:
        new = new.model_copy(update={"title": derive_title(new.opening), "title_derived": True})
    # The kind may have been chosen by hand (set_kind): kept unless the edit changes what the text says.
    before = _parse(old.text(), old, library).kind or GENERAL_KIND
    if (new.kind or GENERAL_KIND) == before:
        return new.model_copy(update={"kind": old.kind or GENERAL_KIND})
    return new if new.kind else new.model_copy(update={"kind": GENERAL_KIND})


def _checked(text: str, title: str, library: Library) -> str:
    """The text to store, or a Chinese UserError saying why it cannot be the document's text."""
    name = f"{title}（修改稿）"
    if not text.strip():
        raise UserError(f"《{name}》正文为空，未保存。如要删除这篇文档，请使用“删除文档”（命令行：assistant remove）。")
    check_length(text, name, library.settings.max_doc_chars)
    clean = corrected_text(text)
    problem = prose_problem(clean)  # the check an import makes (check_prose), worded for a correction
    if problem:
        raise UserError(f"《{name}》{problem.replace('未导入', '未保存')}")
    return clean


def correct_document(
    library: Library,
    doc_id: str,
    text: str,
    progress: Progress | None = None,
    on_wait: OnWait | None = None,
) -> CorrectionOutcome:
    """Store ``text`` as the new revision of document ``doc_id`` (same id); a Chinese UserError when it cannot be."""
    record, head, old = stored_document(library, doc_id)
    clean = _checked(text, record.title, library)
    if clean == corrected_text(old.text()):
        return CorrectionOutcome(doc_id, record.title, record.kind, record.revision, 0, False)
    mismatch = library.embedding_mismatch()
    if mismatch:
        raise EmbeddingMismatchError(mismatch)
    revision = record.revision + 1
    speech = _revised(_parse(clean, old, library), old, library)
    # Ids of their own per revision: the old chunks leave only after all new ones are in.
    chunks = [
        c.model_copy(update={"chunk_id": f"{doc_id}-r{revision}-{n:04d}"})
        for n, c in enumerate(chunk_speech(speech, doc_id))
    ]
    if not chunks:
        raise UserError(f"《{record.title}（修改稿）》没有可用的正文内容，未保存。")
    prepared = PreparedDoc(
        filename=record.filename,
        raw=b"",  # the original upload stays what it was
        loaded=LoadedText(text=clean, source_format=record.source_format),
        cleaned=CleanResult(text=clean),
        speech=speech,
        doc_id=doc_id,
        chunks=chunks,
        # The import's signature: a later upload of a copy of that file is still recognised.
        signature=bytes.fromhex(str(head.get("signature", ""))),
    )
    vectors = library.embed_chunks(chunks, progress, f"正在重新索引《{speech.title}》")  # before the lock
    tokens = chunk_token_lists(prepared)
    with library.writing(f"修改文档《{record.title}》", on_wait):
        now = stored_record(library, doc_id)
        if now is None:
            raise missing_document(doc_id)
        if now[0].revision != record.revision:
            raise UserError(f"《{record.title}》在此期间已被别人修改（现为第 {now[0].revision} 版），请重新打开后再改。")
        write_revision(library, prepared, vectors, tokens, {
            "original": record.original, "added_at": record.added_at, "revision": revision,
            "corrected_at": datetime.now().isoformat(timespec="seconds"),
        })  # fmt: skip
    return CorrectionOutcome(doc_id, speech.title, speech.kind, revision, len(chunks), True)
