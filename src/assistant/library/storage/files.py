"""Files kept beside the vectors under the data dir: each upload's original bytes and its parsed speech."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from assistant.domain.models import SpeechDoc
from assistant.support.atomic_files import write_atomic, write_atomic_bytes

_SAFE_EXTS = {".txt", ".md", ".markdown", ".docx", ".pdf"}


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

    def load_parsed(self, doc_id: str) -> SpeechDoc | None:
        """The parsed speech saved at ingest time, if any."""
        path = self.data_dir / "docs" / f"{doc_id}.json"
        if not path.exists():
            return None
        return SpeechDoc.model_validate_json(path.read_text(encoding="utf-8"))

    def remove(self, doc_id: str, originals: Iterable[str]) -> None:
        """Delete a document's parsed copy and its originals (paths as stored in its chunks)."""
        (self.data_dir / "docs" / f"{doc_id}.json").unlink(missing_ok=True)
        for rel in originals:
            # The same bytes may back another document only if it has the same doc_id,
            # so the original can go with it.
            if rel and not Path(rel).is_absolute() and ".." not in Path(rel).parts:
                (self.data_dir / rel).unlink(missing_ok=True)
