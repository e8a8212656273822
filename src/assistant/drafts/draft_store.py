"""My drafts (我的稿件): each draft is a folder of versions under ``<data_dir>/drafts/<draft_id>/``.

A generation, an accepted revision, an applied check suggestion and a manual edit each add a
version to the same draft (:meth:`DraftStore.add_version`); a restore adds a copy of an older
version, so nothing is ever overwritten. Every change to a draft folder runs under the drafts
file lock and a version file appears whole or not at all (draft_files.py), so two processes
adding to one draft never lose a version and a killed one leaves no empty version behind.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from assistant.domain.models import Draft, shortfall, speech_chars
from assistant.domain.text_diff import text_diff
from assistant.drafts.draft_files import drafts_lock, version_name, write_version
from assistant.drafts.draft_io import draft_to_json
from assistant.support.atomic_files import write_atomic
from assistant.support.errors import UserError

RECORD = "record.json"
UNTITLED_MEETING = "（未填写会议名称）"

# Why a version was made, as 我的稿件 lists it: these strings are what the user reads.
REASON_DRAFT = "生成"
REASON_RESUME = "继续生成"
REASON_STOPPED = "生成（已停止，未完成）"
REASON_INTERRUPTED = "生成（中断，未完成）"
REASON_EDIT = "手动编辑"
REASON_POLISH = "整体润色"
REASON_CHECK_FIX = "采用校对建议"


#: VersionInfo.status of a finished draft that ended far short of its length (see shortfall).
STATUS_SHORT = "short"


def reason_generated(draft: Draft, base: str = REASON_DRAFT) -> str:
    """How a written draft was made: 生成（模型 gpt-4o-mini）, 生成（离线组稿；未达篇幅：264/2,640 字）."""
    how = "离线组稿" if draft.mode == "offline" else f"模型 {draft.model}" if draft.model else ""
    short = shortfall(draft)
    notes = [x for x in (how, f"未达篇幅：{short.chars:,}/{short.target:,} 字" if short else "") if x]
    return base + (f"（{'；'.join(notes)}）" if notes else "")


def version_status(draft: Draft) -> str:
    """The status a version list shows: done, interrupted, or short (未达篇幅)."""
    return STATUS_SHORT if shortfall(draft) is not None else draft.status


def reason_restore(number: int) -> str:
    """The reason of a version that restores version ``number``."""
    return f"恢复第 {number} 版"


def reason_revise(part_label: str, instruction: str) -> str:
    """The reason of a revision of one part (or one passage of it) by an instruction."""
    return f"修改{part_label}：{instruction}"


def reason_regenerate(part_label: str, skipped: int, pinned: int) -> str:
    """The reason of a part written again from chosen references (how many left out, pinned)."""
    chosen = "，".join(x for x in (f"不用 {skipped} 段" if skipped else "", f"必用 {pinned} 段" if pinned else "") if x)
    return f"重新生成{part_label}" + (f"（{chosen}）" if chosen else "")


_ID_RE = re.compile(r"[0-9]{8}-[0-9]{6}-[0-9a-f]{6}")  # fullmatch: "$" would let "…\n" through


def valid_draft_id(value: str) -> bool:
    """Whether a name can be a draft's id (a folder under ``drafts/``)."""
    return bool(_ID_RE.fullmatch(value or ""))


class DraftStoreError(UserError, ValueError):
    """A draft or version that does not exist (the message is Chinese)."""


class VersionInfo(BaseModel):
    """One version of a draft: why it was made, when, and how long it is."""

    number: int
    reason: str
    created_at: str
    chars: int = 0  # speech_chars: the one count the page shows everywhere
    status: str = "done"  # "done", "interrupted", or STATUS_SHORT (未达篇幅)


class DraftRecord(BaseModel):
    """A draft in 我的稿件: its name, its meeting, and its versions (oldest first)."""

    draft_id: str
    title: str = ""
    meeting: str = ""
    kind: str = ""
    created_at: str = ""
    updated_at: str = ""
    versions: list[VersionInfo] = Field(default_factory=list)
    owner: str = ""  # the account that made it ("" before accounts existed: see drafts/draft_access.py)
    shared_with: list[str] = Field(default_factory=list)  # other accounts that may open and revise it

    @property
    def latest(self) -> VersionInfo:
        """The newest version."""
        return self.versions[-1]

    @property
    def name(self) -> str:
        """How the list names a draft: its title and when it was last changed."""
        return f"{self.title or '（无标题）'} · {short_time(self.updated_at)}"


def by_meeting(records: list[DraftRecord]) -> list[tuple[str, list[DraftRecord]]]:
    """Drafts (the most recently changed first) grouped by meeting, in that order."""
    groups: dict[str, list[DraftRecord]] = {}
    for record in records:
        groups.setdefault(record.meeting or UNTITLED_MEETING, []).append(record)
    return list(groups.items())


def short_time(iso: str) -> str:
    """'2026-11-28T07:39:15' → '11月28日 07:39' (the year only when it is not this year)."""
    try:
        t = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    year = "" if t.year == datetime.now().year else f"{t.year}年"
    return f"{year}{t.month}月{t.day}日 {t:%H:%M}"


def _now() -> str:
    # Microseconds: two changes in one second must still sort in the order they were made.
    return datetime.now().isoformat(timespec="microseconds")


def _meeting(draft: Draft) -> str:
    return str(draft.brief.get("meeting") or "").strip() or draft.title or UNTITLED_MEETING


class DraftStore:
    """Drafts and their versions under ``<data_dir>/drafts``."""

    def __init__(self, data_dir: Path | str, lock_timeout: float | None = None) -> None:
        self.root = Path(data_dir) / "drafts"
        self.lock_timeout = lock_timeout  # None: ASSISTANT_LOCK_TIMEOUT

    def lock(self):
        """The drafts lock (across processes): every change to a draft folder holds it."""
        return drafts_lock(self.root, self.lock_timeout)

    # ------------------------------------------------------------------ writing

    def create(self, draft: Draft, reason: str, owner: str = "") -> DraftRecord:
        """A new draft whose first version is ``draft``, belonging to account ``owner``."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        # The folder is made under the lock too: `doctor` must never find it empty mid-creation.
        with self.lock():
            while True:
                draft_id = f"{stamp}-{secrets.token_hex(3)}"
                folder = self.root / draft_id
                try:
                    folder.mkdir(parents=True)
                    break
                except FileExistsError:
                    continue
            now = _now()
            record = DraftRecord(
                draft_id=draft_id, title=draft.title, meeting=_meeting(draft), kind=draft.kind,
                created_at=now, updated_at=now, owner=owner,
            )  # fmt: skip
            write_atomic(folder / RECORD, record.model_dump_json(indent=2))
            self._add_version_locked(folder, draft, reason)
        return self.record(draft_id)

    def add_version(self, draft_id: str, draft: Draft, reason: str) -> VersionInfo:
        """Add ``draft`` as the newest version of a draft; returns what was recorded."""
        folder = self._folder(draft_id)
        with self.lock():
            if not (folder / RECORD).is_file():  # deleted while we waited for the lock
                raise DraftStoreError("这份稿件已不存在（可能已被删除）。")
            return self._add_version_locked(folder, draft, reason)

    def _add_version_locked(self, folder: Path, draft: Draft, reason: str) -> VersionInfo:
        # Under the drafts lock: record.json is read-modify-written, and the number is chosen.
        record = self._read_record(folder, need_versions=False)
        number = write_version(folder, draft_to_json(draft).encode("utf-8"))
        info = VersionInfo(
            number=number, reason=reason, created_at=_now(), chars=speech_chars(draft),
            status=version_status(draft),
        )  # fmt: skip
        record.versions = sorted([*record.versions, info], key=lambda v: v.number)
        record.title, record.kind, record.meeting = draft.title or record.title, draft.kind, _meeting(draft)
        record.updated_at = info.created_at
        write_atomic(folder / RECORD, record.model_dump_json(indent=2))
        return info

    def add_or_create(self, draft_id: str, draft: Draft, reason: str, owner: str = "") -> tuple[str, VersionInfo]:
        """Add ``draft`` to draft ``draft_id``, or create a draft when there is none; returns (id, version)."""
        if draft_id and self.exists(draft_id):
            return draft_id, self.add_version(draft_id, draft, reason)
        record = self.create(draft, reason, owner)
        return record.draft_id, record.latest

    def share(self, draft_id: str, names: list[str]) -> DraftRecord:
        """Set the accounts (besides its owner) that may open and revise a draft."""
        folder = self._folder(draft_id)
        with self.lock():
            record = self._read_record(folder, need_versions=False)
            record.shared_with = sorted({n for n in names if n and n != record.owner})
            write_atomic(folder / RECORD, record.model_dump_json(indent=2))
        return self.record(draft_id)

    def restore(self, draft_id: str, number: int) -> VersionInfo:
        """Make version ``number`` the newest again (as a new version, so nothing is lost)."""
        return self.add_version(draft_id, self.load(draft_id, number), reason_restore(number))

    def delete(self, draft_id: str) -> None:
        """Remove a draft and all its versions."""
        folder = self._folder(draft_id)
        with self.lock():
            shutil.rmtree(folder)

    # ------------------------------------------------------------------ reading

    def record(self, draft_id: str) -> DraftRecord:
        """A draft's name, meeting and versions."""
        return self._read_record(self._folder(draft_id))

    def load(self, draft_id: str, number: int | None = None) -> Draft:
        """A version of a draft (the newest when ``number`` is None)."""
        record = self.record(draft_id)
        if number is None:
            number = record.latest.number
        path = self._folder(draft_id) / version_name(number)
        try:
            return Draft.model_validate_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DraftStoreError(f"稿件《{record.title}》没有第 {number} 版。") from None
        except (OSError, UnicodeDecodeError, ValidationError):
            raise DraftStoreError(f"稿件《{record.title}》第 {number} 版的文件已损坏，无法打开。") from None

    def diff(self, draft_id: str, old: int, new: int) -> str:
        """Revision marks from version ``old`` to ``new`` (empty when they read the same)."""
        return text_diff(
            self.load(draft_id, old).text, self.load(draft_id, new).text, f"第 {old} 版", f"第 {new} 版"
        )

    def drafts(self) -> list[DraftRecord]:
        """Every draft, the most recently changed first."""
        records = []
        if self.root.is_dir():
            for folder in self.root.iterdir():
                if folder.is_dir() and _ID_RE.fullmatch(folder.name):
                    try:
                        records.append(self._read_record(folder))
                    except DraftStoreError:
                        continue  # a draft being created this instant has no versions yet
        return sorted(records, key=lambda r: (r.updated_at, r.draft_id), reverse=True)

    def by_meeting(self) -> list[tuple[str, list[DraftRecord]]]:
        """Drafts grouped by meeting, the group changed most recently first."""
        return by_meeting(self.drafts())

    def exists(self, draft_id: str) -> bool:
        """Whether a draft with this id is stored."""
        return valid_draft_id(draft_id) and (self.root / draft_id / RECORD).is_file()

    # ------------------------------------------------------------------ internals

    def _folder(self, draft_id: str) -> Path:
        if not self.exists(draft_id):
            raise DraftStoreError("这份稿件已不存在（可能已被删除）。")
        return self.root / draft_id

    def _read_record(self, folder: Path, need_versions: bool = True) -> DraftRecord:
        try:
            record = DraftRecord.model_validate_json((folder / RECORD).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValidationError, json.JSONDecodeError):
            raise DraftStoreError("稿件记录无法读取。") from None
        if need_versions:
            # A version whose file is gone or empty is not listed (`assistant doctor` reports it).
            record.versions = [v for v in record.versions if _has_content(folder / version_name(v.number))]
        if need_versions and not record.versions:
            raise DraftStoreError(f"稿件《{record.title}》还没有任何版本。")
        return record


def _has_content(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False
