"""A file → a PreparedDoc: loaded (limits first), checked for prose, cleaned, parsed, fingerprinted, chunked."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assistant.domain.kinds import GENERAL_KIND
from assistant.domain.models import (
    ChangedLine,
    Chunk,
    CleanResult,
    LoadedText,
    SpeechDoc,
    count_chars,
)
from assistant.domain.titles import derive_title
from assistant.intake.admission import FileLimits, check_prose
from assistant.intake.chunking import chunk_speech
from assistant.intake.cleaning import clean_text
from assistant.intake.fingerprint import fingerprint
from assistant.intake.loaders import OfficeOptions, load_bytes, read_document
from assistant.intake.parsing import load_role_keywords, parse_speech
from assistant.support.config import Settings
from assistant.support.safe_read import display_name

__all__ = ["PreparedDoc", "prepare_bytes", "prepare_path"]


@dataclass
class PreparedDoc:
    """Everything derived from one file, ready to be stored."""

    filename: str
    raw: bytes
    loaded: LoadedText
    cleaned: CleanResult
    speech: SpeechDoc
    doc_id: str
    chunks: list[Chunk] = field(default_factory=list)
    signature: bytes = b""  # MinHash of the cleaned text, for near-copy detection

    @property
    def chars(self) -> int:
        return count_chars(self.cleaned.text)


def prepare_bytes(data: bytes, filename: str, settings: Settings) -> PreparedDoc:
    """Load, clean, parse and chunk one file's bytes. Raises LoadError with a Chinese reason."""
    loaded = load_bytes(
        data, filename, limits=FileLimits.from_settings(settings), office=OfficeOptions.from_settings(settings)
    )
    check_prose(loaded.text, Path(filename).name or filename)  # "is this a speech?" before any parsing
    cleaned = clean_text(loaded.text)
    if loaded.notices:
        # Shown with the cleaner's repairs (page expander, `inspect`).
        notes = [ChangedLine(before="", after="", reason=n) for n in loaded.notices]
        cleaned = cleaned.model_copy(update={"changed": [*notes, *cleaned.changed]})
    kw = load_role_keywords(settings.role_keywords_file) if settings.role_keywords_file else None
    speech = parse_speech(cleaned.text, loaded.metadata, settings.structures_dir, kw)
    if not speech.title:
        # A library document needs a name in lists and references; say that it was made up.
        speech = speech.model_copy(update={"title": derive_title(speech.opening), "title_derived": True})
    if not speech.kind:
        speech = speech.model_copy(update={"kind": GENERAL_KIND})  # every document has a kind
    doc_id, sig = fingerprint(cleaned.text)
    chunks = chunk_speech(speech, doc_id)
    return PreparedDoc(
        filename=filename,
        raw=data,
        loaded=loaded,
        cleaned=cleaned,
        speech=speech,
        doc_id=doc_id,
        chunks=chunks,
        signature=sig,
    )


def prepare_path(path: Path, settings: Settings, root: Path | None = None) -> PreparedDoc:
    """prepare_bytes for a file on disk (regular files only, size checked before reading)."""
    data = read_document(path, settings.max_upload_bytes, root)
    return prepare_bytes(data, display_name(path), settings)
