"""What a finished drafting job leaves behind, whether or not a page is watching.

A draft (finished or interrupted) becomes a version in 我的稿件; the session's workspace
opens it and keeps the job's messages; an outline waits in the workspace to be edited. Runs
in the job's thread (:class:`DraftJob` ``on_finish``), so it uses no page code.
"""

from __future__ import annotations

from pathlib import Path

from assistant.domain.models import speech_chars
from assistant.drafts.draft_access import UserDrafts
from assistant.drafts.draft_io import save_interrupted
from assistant.drafts.draft_store import (
    REASON_DRAFT,
    REASON_INTERRUPTED,
    REASON_RESUME,
    REASON_STOPPED,
    DraftStore,
    reason_generated,
)
from assistant.drafts.jobs import DraftJob
from assistant.drafts.workspace import Message, update_workspace
from assistant.support.access import Role
from assistant.support.accounts import Account


def job_finisher(
    data_dir: Path | str,
    session_id: str,
    *,
    notice: str = "",
    draft_id: str = "",
    outline_brief: dict | None = None,
    account: Account | None = None,
):
    """The ``on_finish`` of a job: saves its outcome for the session.

    ``draft_id``: the draft a resumed job continues (its outcome is a new version of it);
    ``outline_brief``: the brief of an outline-only job, kept with the outline;
    ``account``: whose the new draft is (None: no accounts on this machine).
    """

    def finish(job: DraftJob) -> None:
        messages = [Message(kind="info", text=notice)] if notice else []
        messages += [Message(kind="note" if k == "info" else "warning", text=t) for k, t in job.snapshot().messages]
        changes: dict = {"running_since": ""}
        store = UserDrafts(DraftStore(data_dir), account or Account("", Role.ADMIN))
        elapsed = job.snapshot().elapsed_s
        if job.result == "done" and job.kind == "outline":
            changes.update(outline=job.draft.outline, outline_brief=outline_brief or job.draft.brief)
            messages.append(Message(kind="success", text="提纲已拟好，可修改后再写全文。"))
        elif job.result == "done":
            reason = reason_generated(job.draft, REASON_RESUME if draft_id else REASON_DRAFT)
            changes.update(draft_id=_keep(store, draft_id, job, reason))
            changes.update(outline="", outline_brief={})
            messages.append(Message(kind="success", text=f"初稿完成（用时 {elapsed:.0f} 秒）。"))
        elif job.result == "interrupted" and job.draft is not None:
            path = save_interrupted(job.draft, data_dir, job.partial_text)
            stopped = job.snapshot().stopped
            changes["draft_id"] = _keep(store, draft_id, job, REASON_STOPPED if stopped else REASON_INTERRUPTED)
            n = speech_chars(job.draft)
            messages.append(
                Message(
                    kind="warning" if stopped else "error",
                    text=f"{job.error}\n\n已写出的部分（正文约 {n} 字）保存为未完成稿（也存为 {path.with_suffix('.txt')}），"
                    "可点“继续生成”从中断处接着写。",
                )
            )
        elif job.result == "interrupted":
            kind = "warning" if job.snapshot().stopped else "error"
            messages.append(Message(kind=kind, text=f"{job.error}\n\n尚未写出正文，约谈要素都还在，可重新生成。"))
        else:
            messages.append(Message(kind="error", text=job.error))
        update_workspace(data_dir, session_id, messages=messages, **changes)

    return finish


def _keep(store: UserDrafts, draft_id: str, job: DraftJob, reason: str) -> str:
    assert job.draft is not None
    return store.add_or_create(draft_id, job.draft, reason)[0]
