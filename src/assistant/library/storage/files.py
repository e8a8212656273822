"""Files kept beside the vectors under the data dir: each upload's original bytes and its parsed speech."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from assistant.domain.models import SpeechDoc
from assistant.support.atomic_files import write_atomic, write_atomic_bytes

# Kept with its extension so `doctor` can parse it again (.doc, .wps … go through LibreOffice).
_SAFE_EXTS = {".txt", ".md", ".markdown", ".docx", ".pdf", ".doc", ".wps", ".rtf", ".odt", ".dot", ".wpt", ".docm", ".dotx"}


class DocFiles:
    """originals/<sha256><ext> and docs/<doc_id>.json under one data dir."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)

    def save_original(self, raw: bytes, filename: str) -> str:
        """Store an upload's bytes once per content; returns the path relative to the data dir."""
        ext = Path(filename).suffix.lower()
        ext = ext if ext in _SAFE_EXTS else ".bin"
        rel = Path("originals") / f"{hashlib.sha256(raw).hexdigest()}{ext}"
        path = self.data_dir / rel
        # Named by its content: a file of the right size is this upload. One of another size is
        # what a crash left in an older version (written in place): write it again, atomically.
        if not path.is_file() or path.stat().st_size != len(raw):
            write_atomic_bytes(path, raw)
        return rel.as_posix()

    def save_parsed(self, doc_id: str, speech: SpeechDoc) -> None:
        """Write the parsed speech (atomically, so a crash leaves no half-written file)."""
        docs_dir = self.data_dir / "docs"
        docs_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(docs_dir / f"{doc_id}.json", speech.model_dump_json(indent=1))

    def save_next_parsed(self, doc_id: str, speech: SpeechDoc) -> None:
        """Write a new revision's parse beside the current one, until its chunks are all stored."""
        write_atomic(self._next(doc_id), speech.model_dump_json(indent=1))

    def promote_next_parsed(self, doc_id: str) -> None:
        """Make the new revision's parse the document's record (nothing to do when already done)."""
        nxt = self._next(doc_id)
        if nxt.exists():
            nxt.replace(self.data_dir / "docs" / f"{doc_id}.json")

    def drop_next_parsed(self, doc_id: str) -> None:
        """Forget a new revision's parse (its write was undone)."""
        self._next(doc_id).unlink(missing_ok=True)

    def _next(self, doc_id: str) -> Path:
        (self.data_dir / "docs").mkdir(parents=True, exist_ok=True)
        return self.data_dir / "docs" / f"{doc_id}.next.json"

    def load_parsed(self, doc_id: str) -> SpeechDoc | None:
        """The parsed speech saved at ingest time, if any."""
        path = self.data_dir / "docs" / f"{doc_id}.json"
        if not path.exists():
            return None
        return SpeechDoc.model_validate_json(path.read_text(encoding="utf-8"))

    def remove(self, doc_id: str, originals: Iterable[str]) -> None:
        """Delete a document's parsed copy and its originals (paths as stored in its chunks)."""
        (self.data_dir / "docs" / f"{doc_id}.json").unlink(missing_ok=True)
        (self.data_dir / "docs" / f"{doc_id}.next.json").unlink(missing_ok=True)
        for rel in originals:
            # The same bytes may back another document only if it has the same doc_id,
            # so the original can go with it.
            if rel and not Path(rel).is_absolute() and ".." not in Path(rel).parts:
                (self.data_dir / rel).unlink(missing_ok=True)
