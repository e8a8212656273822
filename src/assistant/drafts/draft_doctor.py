"""`assistant doctor` for 我的稿件 and browser sessions: what a killed save or a hand-edited file left.

Checked under the drafts lock, so no save is half-way while we look: temporary files of an
unfinished write, version files that are empty or cannot be read, versions listed but missing,
versions saved but not listed (a save killed between the two writes), unreadable records,
drafts with no version that opens, and session files (``sessions/*.json``) that cannot be read.
``repair`` removes temporary files, lists found versions, and moves anything unreadable aside
into a ``damaged/`` folder; a readable version is never deleted.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError

from assistant.domain.models import Draft, speech_chars
from assistant.drafts.draft_files import TEMP_RE, version_name, version_numbers
from assistant.drafts.draft_store import (
    RECORD,
    DraftRecord,
    DraftStore,
    VersionInfo,
    valid_draft_id,
    version_status,
)
from assistant.drafts.workspace import Workspace
from assistant.support.atomic_files import write_atomic

DAMAGED = "damaged"
REASON_RECOVERED = "保存中断后找回"
#: A temporary file outside a draft folder (sessions, partial drafts) is written without the
#: drafts lock: younger than this it may be a write in progress, so it is left alone.
STALE_SECONDS = 120.0


class DraftsReport(BaseModel):
    """What the drafts check found and repaired; consistent: nothing is left to repair."""

    consistent: bool
    problems: list[str] = []
    repaired: list[str] = []


class _Findings:
    def __init__(self, data_dir: Path, repair: bool) -> None:
        self.data_dir, self.repair = data_dir, repair
        self.problems: list[str] = []
        self.repaired: list[str] = []
        self.unfixed = 0

    def found(self, problem: str) -> None:
        self.problems.append(problem)
        self.unfixed += 1

    def fixed(self, what: str, count: int = 1) -> None:
        self.repaired.append(what)
        self.unfixed -= count

    def shown(self, path: Path) -> str:
        try:
            return path.relative_to(self.data_dir).as_posix()
        except ValueError:
            return str(path)

    def aside(self, path: Path, folder: Path) -> Path:
        """Move ``path`` into ``folder`` under a free name; the new path."""
        folder.mkdir(parents=True, exist_ok=True)
        target, n = folder / path.name, 2
        while target.exists():
            target, n = folder / f"{path.name}-{n}", n + 1
        path.rename(target)
        return target


def check_drafts(data_dir: Path | str, repair: bool, timeout: float | None = None) -> DraftsReport:
    """Check 我的稿件 and the sessions under ``data_dir`` and, with ``repair``, fix what is found."""
    data_dir = Path(data_dir)
    store = DraftStore(data_dir, lock_timeout=timeout)
    f = _Findings(data_dir, repair)
    if store.root.is_dir():
        with store.lock():
            for entry in sorted(store.root.iterdir()):
                if entry.is_dir() and valid_draft_id(entry.name):
                    _check_draft(f, store, entry)
                elif entry.is_file() and TEMP_RE.match(entry.name) and _stale(entry):
                    _temp_file(f, entry, "保存中断留下的临时文件")
    _check_sessions(f, data_dir / "sessions")
    return DraftsReport(consistent=f.unfixed == 0, problems=f.problems, repaired=f.repaired)


def _stale(path: Path) -> bool:
    try:
        return time.time() - path.stat().st_mtime > STALE_SECONDS
    except OSError:
        return False


def _temp_file(f: _Findings, path: Path, what: str) -> None:
    f.found(f"{what} {f.shown(path)}")
    if f.repair:
        path.unlink(missing_ok=True)
        f.fixed(f"已删除临时文件 {f.shown(path)}")


def _read_version(path: Path) -> tuple[Draft | None, str]:
    """The draft in a version file, or None and why it cannot be opened."""
    try:
        data = path.read_bytes()
    except OSError:
        return None, "无法读取"
    if not data.strip():
        return None, "为空"
    try:
        return Draft.model_validate_json(data.decode("utf-8")), ""
    except (UnicodeDecodeError, ValidationError):
        return None, "已损坏"


def _check_draft(f: _Findings, store: DraftStore, folder: Path) -> None:
    for entry in sorted(folder.iterdir()):
        if entry.is_file() and TEMP_RE.match(entry.name):
            _temp_file(f, entry, f"稿件 {folder.name} 保存中断留下的临时文件")
    try:
        record: DraftRecord | None = DraftRecord.model_validate_json((folder / RECORD).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValidationError):
        record = None
    readable: dict[int, Draft] = {}
    broken: dict[int, str] = {}
    for number in version_numbers(folder):
        draft, why = _read_version(folder / version_name(number))
        if draft is not None:
            readable[number] = draft
        else:
            broken[number] = why
    newest = readable[max(readable)] if readable else None
    title = (record.title if record else "") or (newest.title if newest else "") or "（无标题）"
    label = f"《{title}》（{folder.name}）"
    for number, why in broken.items():
        f.found(f"稿件{label}第 {number} 版的文件 {version_name(number)} {why}，无法打开")
    if newest is None:
        f.found(f"稿件{label}没有任何可以打开的版本" + ("" if record else "，记录 record.json 也无法读取"))
        if f.repair:  # nothing in it opens: the whole folder goes aside, as it is
            target = f.aside(folder, store.root / DAMAGED)
            f.fixed(f"已把无法打开的稿件{label}移到 {f.shown(target)}", len(broken) + 1)
        return
    if record is None:
        f.found(f"稿件{label}的记录 record.json 无法读取，版本列表丢失")
        if f.repair:
            record = DraftRecord(draft_id=folder.name, title=newest.title, kind=newest.kind)
            record.versions = [_found_version(folder, n, d) for n, d in sorted(readable.items())]
            record.created_at = record.versions[0].created_at
            f.fixed(f"已用可以打开的 {len(readable)} 个版本重建稿件{label}的记录")
            _aside_broken(f, store, folder, broken, label)
            _save_record(folder, record)
        return
    listed = {v.number for v in record.versions}
    missing = sorted(listed - set(readable) - set(broken))
    unlisted = sorted(set(readable) - listed)
    for number in missing:
        f.found(f"稿件{label}的版本列表中有第 {number} 版，但它的文件不见了")
    for number in unlisted:
        f.found(f"稿件{label}第 {number} 版已保存，但不在版本列表中（保存时进程中断）")
    if not f.repair or not (broken or missing or unlisted):
        return
    _aside_broken(f, store, folder, broken, label)
    gone = set(broken) | set(missing)
    record.versions = [v for v in record.versions if v.number not in gone]
    record.versions += [_found_version(folder, n, readable[n]) for n in unlisted]
    for number in missing:
        f.fixed(f"已从稿件{label}的版本列表中去掉不存在的第 {number} 版")
    for number in unlisted:
        f.fixed(f"已把稿件{label}第 {number} 版列回版本列表（原因记为“{REASON_RECOVERED}”）")
    _save_record(folder, record)


def _aside_broken(f: _Findings, store: DraftStore, folder: Path, broken: dict[int, str], label: str) -> None:
    for number in broken:
        target = f.aside(folder / version_name(number), store.root / DAMAGED / folder.name)
        f.fixed(f"已把稿件{label}无法打开的第 {number} 版移到 {f.shown(target)}")


def _save_record(folder: Path, record: DraftRecord) -> None:
    record.versions.sort(key=lambda v: v.number)
    record.updated_at = max([record.updated_at, *(v.created_at for v in record.versions)])
    write_atomic(folder / RECORD, record.model_dump_json(indent=2))


def _found_version(folder: Path, number: int, draft: Draft) -> VersionInfo:
    mtime = (folder / version_name(number)).stat().st_mtime
    return VersionInfo(
        number=number, reason=REASON_RECOVERED, chars=speech_chars(draft), status=version_status(draft),
        created_at=datetime.fromtimestamp(mtime).isoformat(timespec="microseconds"),
    )  # fmt: skip


def _check_sessions(f: _Findings, folder: Path) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        if TEMP_RE.match(path.name):
            if _stale(path):
                _temp_file(f, path, "会话保存中断留下的临时文件")
            continue
        if path.suffix != ".json":
            continue
        try:
            data = path.read_bytes()
            why = "为空" if not data.strip() else ""
            if not why:
                Workspace.model_validate_json(data.decode("utf-8"))
        except OSError:
            why = "无法读取"
        except (UnicodeDecodeError, ValidationError):
            why = "已损坏"
        if why:
            f.found(f"会话文件 {f.shown(path)} {why}，该浏览器会话的工作内容无法恢复")
            if f.repair:
                target = f.aside(path, folder / DAMAGED)
                f.fixed(f"已把无法读取的会话文件移到 {f.shown(target)}")
