"""The library's bookkeeping, kept in a small Chroma collection beside the chunks.

It lives in Chroma (not in files) so every app instance sharing a Chroma server sees it:
- ``current``: the name of the collection that holds the chunks now (a reindex builds a new
  one and then points here, so searches never see a half-built index);
- ``pending:<doc_id>``: a write in progress (the journal). It is written before anything of
  the document and deleted after the last write, so a process killed in between leaves a
  record that says exactly what to finish or undo (see library/doctor.py);
- ``lease``: the lock of a library on a Chroma server (see library/lock.py).
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# Records need a vector; one dimension is enough for bookkeeping that is never searched.
_DUMMY = [1.0]
CURRENT = "current"
LEASE = "lease"
PENDING = "pending:"
CHANGE = "change:"
KEEP_CHANGES = 2000


def meta_collection_name(collection: str) -> str:
    """The bookkeeping collection of a library collection."""
    return f"{collection}-meta"


def generation_prefix(collection: str) -> str:
    """Collections named ``<collection>-g<n>`` are generations built by a reindex."""
    return f"{collection}-g"


def instance_id(data_dir: Path) -> str:
    """A stable id of a data dir: chunks name the instance whose files back them."""
    path = data_dir / "instance-id"
    with contextlib.suppress(OSError):
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError), path.open("x", encoding="utf-8") as f:
        f.write(uuid.uuid4().hex)
    return path.read_text(encoding="utf-8").strip()


@dataclass
class PendingWrite:
    """A write that was started and not finished: the journal entry of one document."""

    doc_id: str
    op: str  # "add", "remove", "kind" or "revise" (a corrected text replaces the stored one)
    title: str = ""
    chunks: int = 0  # add: how many chunks the complete document has
    originals: list[str] = field(default_factory=list)  # files under the data dir it wrote or frees
    origin: str = ""  # the data dir (instance) that holds its files
    kind: str = ""  # kind: the new meeting kind
    revision: int = 0  # revise: the revision number its new chunks carry
    started: float = 0.0


class MetaStore:
    """Read and write the bookkeeping records of one library."""

    def __init__(self, client, collection: str):
        self.client = client
        self.name = meta_collection_name(collection)
        self._col = None

    @property
    def col(self):
        if self._col is None:
            self._col = self.client.get_or_create_collection(self.name, embedding_function=None)
        return self._col

    def _get(self, ids: list[str] | None = None, where: dict | None = None) -> dict[str, dict]:
        try:
            got = self.col.get(ids=ids, where=where, include=["metadatas"])
        except Exception:
            # A handle from before the collection was recreated (another instance, a reset).
            self._col = None
            got = self.col.get(ids=ids, where=where, include=["metadatas"])
        return {i: dict(m or {}) for i, m in zip(got["ids"], got["metadatas"], strict=True)}

    def _put(self, record_id: str, meta: dict) -> None:
        self.col.upsert(ids=[record_id], embeddings=[_DUMMY], metadatas=[meta])

    # ------------------------------------------------------------ generation

    def generation(self, default: str) -> str:
        """The collection that holds the chunks now."""
        return str(self._get([CURRENT]).get(CURRENT, {}).get("name") or default)

    def set_generation(self, name: str) -> None:
        """Point the library at another collection (one write: searches switch at once)."""
        self._put(CURRENT, {"name": name, "at": time.time()})

    # ------------------------------------------------------------ changes

    def record_change(self, rev: int, doc_id: str) -> None:
        """Revision `rev` changed this document (readers update their BM25 index from these)."""
        self._put(f"{CHANGE}{rev}", {"kind": "change", "rev": rev, "doc_id": doc_id})
        if rev % 100 == 0:  # keep the last KEEP_CHANGES; older readers read everything again
            self.col.delete(where={"$and": [{"kind": "change"}, {"rev": {"$lt": rev - KEEP_CHANGES}}]})

    def changes_since(self, rev: int) -> dict[int, str]:
        """{revision: doc_id} of the recorded changes after `rev`."""
        got = self._get(where={"$and": [{"kind": "change"}, {"rev": {"$gt": rev}}]})
        return {int(m["rev"]): str(m.get("doc_id", "")) for m in got.values()}

    # ------------------------------------------------------------ journal

    def begin(self, entry: PendingWrite) -> None:
        """Record a write before any of it happens."""
        entry.started = entry.started or time.time()
        self._put(
            PENDING + entry.doc_id,
            {
                "kind": "pending",
                "doc_id": entry.doc_id,
                "op": entry.op,
                "title": entry.title,
                "chunks": entry.chunks,
                "originals": json.dumps(entry.originals, ensure_ascii=False),
                "origin": entry.origin,
                "new_kind": entry.kind,
                "revision": entry.revision,
                "started": entry.started,
            },
        )

    def end(self, doc_id: str) -> None:
        """The write of a document is complete (or undone)."""
        self.col.delete(ids=[PENDING + doc_id])

    def pending_ids(self) -> set[str]:
        """Documents being written (or left half-written): readers treat them as absent."""
        return {m.get("doc_id", "") for m in self._get(where={"kind": "pending"}).values()} - {""}

    def pending(self) -> list[PendingWrite]:
        """Writes that were started and never finished (by a process that died, when we hold the lock)."""
        out = []
        for meta in self._get(where={"kind": "pending"}).values():
            out.append(
                PendingWrite(
                    doc_id=str(meta.get("doc_id", "")),
                    op=str(meta.get("op", "")),
                    title=str(meta.get("title", "")),
                    chunks=int(meta.get("chunks", 0)),
                    originals=list(json.loads(str(meta.get("originals") or "[]"))),
                    origin=str(meta.get("origin", "")),
                    kind=str(meta.get("new_kind", "")),
                    revision=int(meta.get("revision", 0) or 0),
                    started=float(meta.get("started", 0.0)),
                )
            )
        return sorted(out, key=lambda p: p.started)

    # ------------------------------------------------------------ lease

    def lease(self) -> dict:
        """The lease record ({} when nobody holds the lock)."""
        return self._get([LEASE]).get(LEASE, {})

    def try_take_lease(
        self, owner: str, seconds: float, holder: str, holder_is_gone: Callable[[str], bool] = lambda _: False
    ) -> bool:
        """Take the lease if nobody holds it (or its holder is known to be gone); True when it is ours."""
        # `add` of an existing id leaves the existing record alone, so of two instances adding
        # at once exactly one record survives: reading it back says who won.
        self.col.add(
            ids=[LEASE],
            embeddings=[_DUMMY],
            metadatas=[{"kind": "lease", "owner": owner, "holder": holder, "expires": time.time() + seconds}],
        )
        current = self.lease()
        if current.get("owner") == owner:
            return True
        if float(current.get("expires", 0)) < time.time() or holder_is_gone(str(current.get("holder", ""))):
            # Its holder died without releasing it: remove exactly that lease (not a newer one).
            self.col.delete(ids=[LEASE], where={"owner": str(current.get("owner", ""))})
        return False

    def renew_lease(self, owner: str, seconds: float, holder: str) -> bool:
        """Extend our lease; False when it is no longer ours."""
        if self.lease().get("owner") != owner:
            return False
        self._put(LEASE, {"kind": "lease", "owner": owner, "holder": holder, "expires": time.time() + seconds})
        return True

    def release_lease(self, owner: str) -> None:
        """Give the lease back (only if it is still ours)."""
        self.col.delete(ids=[LEASE], where={"owner": owner})
