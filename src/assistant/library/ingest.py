"""File → loaders → cleaning → parsing → chunks (prepare_*); files and folders into a library."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import Settings
from assistant.kinds import GENERAL_KIND
from assistant.library.chunking import chunk_speech
from assistant.library.cleaning import clean_text
from assistant.library.errors import LibraryError
from assistant.library.fingerprint import fingerprint
from assistant.library.loaders import SUPPORTED, LoadError, load_bytes
from assistant.library.parsing import load_role_keywords, parse_speech
from assistant.library.store import AddOutcome, Library, Progress
from assistant.models import (
    Chunk,
    CleanResult,
    IngestAdded,
    IngestDuplicate,
    IngestFailed,
    IngestReport,
    IngestSimilar,
    LoadedText,
    SpeechDoc,
    count_chars,
)
from assistant.titles import derive_title


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
    loaded = load_bytes(data, filename, max_bytes=settings.max_upload_bytes)
    cleaned = clean_text(loaded.text)
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


def prepare_path(path: Path, settings: Settings) -> PreparedDoc:
    """prepare_bytes for a file on disk."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise LoadError(f"《{Path(path).name}》无法读取：{e.strerror or e}") from e
    return prepare_bytes(data, Path(path).name, settings)


def expand_paths(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """Files to ingest from files and folders (walked); also the files skipped in folders."""
    files: list[Path] = []
    skipped: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if not f.is_file() or any(part.startswith(".") for part in f.relative_to(p).parts):
                    continue
                # A folder's README describes the folder; it is not a speech.
                if f.stem.lower() == "readme" or f.suffix.lower() not in SUPPORTED:
                    skipped.append(f)
                    continue
                files.append(f)
        else:
            files.append(p)
    return files, skipped


def add_bytes(
    library: Library,
    data: bytes,
    filename: str,
    progress: Progress | None = None,
    *,
    allow_similar: bool = False,
) -> AddOutcome:
    """Load, clean, parse, chunk and store one uploaded file (a near copy only with allow_similar)."""
    prepared = prepare_bytes(data, Path(filename).name, library.settings)
    return library.add_prepared(prepared, progress, allow_similar=allow_similar)


def ingest_paths(
    library: Library,
    paths: list[Path],
    progress: Progress | None = None,
    on_file: Callable[[int, int, Path], None] | None = None,
    *,
    allow_similar: bool = False,
) -> IngestReport:
    """Ingest files and folders; failures and near copies are reported, the rest is still added."""
    report = IngestReport()
    files, _ = expand_paths([Path(p) for p in paths])
    for n, path in enumerate(files):
        if on_file:
            on_file(n, len(files), path)
        try:
            if not path.exists():
                raise LoadError(f"《{path}》不存在。")
            outcome = add_bytes(
                library, path.read_bytes(), path.name, progress, allow_similar=allow_similar
            )
        except (LoadError, LibraryError) as e:
            report.failed.append(IngestFailed(path=str(path), error=str(e)))
            continue
        except OSError as e:
            report.failed.append(IngestFailed(path=str(path), error=f"《{path.name}》无法读取：{e}"))
            continue
        if outcome.similar_to:
            report.similar.append(
                IngestSimilar(
                    path=str(path),
                    doc_id=outcome.similar_to,
                    title=outcome.title,
                    similarity=round(outcome.similarity, 3),
                )
            )
        elif outcome.duplicate:
            report.duplicates.append(
                IngestDuplicate(path=str(path), doc_id=outcome.doc_id, title=outcome.title)
            )
        else:
            report.added.append(
                IngestAdded(doc_id=outcome.doc_id, title=outcome.title, chunks=outcome.chunks)
            )
    if on_file:
        on_file(len(files), len(files), Path(""))
    return report
