"""Drafting in a background thread: progress anyone can look at, a stop, an outcome kept on finish.

The page starts a :class:`DraftJob` per browser session (:func:`start_job`) instead of
drafting in its own script run, so a refresh, which ends that run, does not end the
drafting: the refreshed page finds the job again (:func:`running_job`) and shows it until it
finishes. ``on_finish`` runs in the job's thread and saves the outcome, so it is kept even
when no page is watching. :meth:`DraftJob.stop` ends the drafting within a fraction of a second,
even while the model's server trickles or hangs (the model call watches the job's stop signal,
llm/retry.stop_signal); what was written becomes an interrupted draft (resumable, never final).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel

from assistant.domain.models import ROLE_LABELS, Draft
from assistant.domain.numbering import heading_line
from assistant.llm import LLMError
from assistant.llm.retry import stop_signal
from assistant.support.errors import UserError
from assistant.writing.events import (
    DraftError,
    DraftInterrupted,
    DraftWarning,
    Event,
    EventCallback,
    Notice,
    OutlineDone,
    OutlineStarted,
    OutlineToken,
    PartDone,
    PartStarted,
    PartToken,
)

log = logging.getLogger("assistant.jobs")

STOPPED_MESSAGE = "已按要求停止生成。"
CRASHED_MESSAGE = "生成时出现意外错误，详细信息已写入运行日志。请重试；如反复出现，请反馈给维护人员。"

Status = Literal["running", "done", "interrupted", "failed"]


class GenerationStopped(LLMError):
    """Raised from the event callback when the user pressed 停止; drafting turns it into an interruption."""

    def __init__(self) -> None:
        super().__init__(STOPPED_MESSAGE, "stopped")


class _StopOnToken(BaseCallbackHandler):
    """Raises GenerationStopped at the next token the model streams once 停止 was pressed.

    The pipeline's own events come per cleaned piece, which may be a whole line (tens of
    seconds of a slow model); the model's tokens come every fraction of a second.
    """

    raise_error = True  # langchain swallows handler errors unless told otherwise

    def __init__(self, job: DraftJob) -> None:
        self.job = job

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        if self.job.stopping:
            raise GenerationStopped()


@dataclass
class JobSnapshot:
    """What a page shows of a job at one moment."""

    status: Status
    stage: str  # what is being done now, e.g. "正在撰写：二、深挖根源（约 600 字）"
    outline: str  # the outline as it streams in
    text: str  # the parts written so far, in order, the current one as far as it got
    messages: list[tuple[str, str]]  # (info | warning, text): notices and warnings, in order
    draft: Draft | None  # done: the draft; interrupted: what was written (None when nothing was)
    error: str  # failed or interrupted: why, in Chinese
    stopped: bool  # interrupted because the user pressed 停止
    elapsed_s: float


@dataclass
class DraftJob:
    """One drafting run in its own thread; ``work(on_event)`` returns the draft."""

    work: Callable[[EventCallback], Draft]
    on_finish: Callable[[DraftJob], None] | None = None
    kind: str = "draft"  # what the caller started: "draft", "outline", "resume" …; read by on_finish
    key: str = ""  # the browser session it belongs to (set by start_job)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _finished: threading.Event = field(default_factory=threading.Event, repr=False)
    _parts: dict[int, str] = field(default_factory=dict, repr=False)
    _outline: str = ""
    _stage: str = "正在准备……"
    _messages: list[tuple[str, str]] = field(default_factory=list, repr=False)
    _started: float = field(default_factory=time.monotonic, repr=False)
    _ended: float | None = None
    result: Status = "running"  # set when the work ends, before on_finish runs
    draft: Draft | None = None
    error: str = ""
    partial_text: str = ""

    def start(self) -> DraftJob:
        """Run the work in a daemon thread."""
        threading.Thread(target=self._run, daemon=True, name="draft-job").start()
        return self

    def stop(self) -> None:
        """Ask the drafting to end now (the model call notices within a fraction of a second); what was written is kept."""
        self._stop.set()

    def watch_model(self, model: BaseChatModel) -> None:
        """Let 停止 end a call of ``model`` at its next token (call before start)."""
        model.callbacks = [*(model.callbacks or []), _StopOnToken(self)]

    @property
    def stopping(self) -> bool:
        """Whether 停止 was pressed."""
        return self._stop.is_set()

    @property
    def finished(self) -> bool:
        """Whether the work ended and its outcome was saved (on_finish returned)."""
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until finished (or the timeout passed); True when finished."""
        return self._finished.wait(timeout)

    def snapshot(self) -> JobSnapshot:
        """The job's progress now (status stays "running" until the outcome is saved)."""
        with self._lock:
            text = "\n".join(t for _, t in sorted(self._parts.items()) if t.strip())
            end = self._ended if self._ended is not None else time.monotonic()
            return JobSnapshot(
                status=self.result if self.finished else "running",
                stage=self._stage,
                outline=self._outline,
                text=text,
                messages=list(self._messages),
                draft=self.draft,
                error=self.error,
                stopped=self.stopping and self.result == "interrupted",
                elapsed_s=round(end - self._started, 1),
            )

    # ------------------------------------------------------------------ in the job's thread

    def _on_event(self, event: Event) -> None:
        with self._lock:
            if isinstance(event, Notice):
                self._messages.append(("info", event.message))
            elif isinstance(event, DraftWarning):
                self._messages.append(("warning", event.message))
            elif isinstance(event, OutlineStarted):
                self._stage = "正在拟定提纲……" if event.attempt == 1 else "提纲不完整，正在重新拟定……"
                self._outline = ""
            elif isinstance(event, OutlineToken):
                self._outline += event.text
            elif isinstance(event, OutlineDone):
                self._outline = event.text
                self._stage = "提纲已拟好，正在逐部分撰写……"
            elif isinstance(event, PartStarted):
                self._stage = _part_stage(event)
                self._parts[event.index] = ""
            elif isinstance(event, PartToken):
                self._parts[event.index] = self._parts.get(event.index, "") + event.text
            elif isinstance(event, PartDone):
                self._parts[event.index] = event.part.text
        # Only while text streams in: the pipeline turns an error raised there into an
        # interruption that keeps what was written.
        if self._stop.is_set() and isinstance(event, (PartToken, OutlineToken)):
            raise GenerationStopped()

    def _run(self) -> None:
        try:
            with stop_signal(self._stop):  # a model call in progress ends at once on 停止
                self.draft = self.work(self._on_event)
            self.result = "done"
        except DraftInterrupted as e:
            self.result, self.partial_text = "interrupted", e.partial_text
            self.draft = e.draft if e.draft.parts else None
            self.error = STOPPED_MESSAGE if self.stopping else str(e)
        except GenerationStopped:  # stopped between two parts: nothing of the current part yet
            self.result, self.error = "interrupted", STOPPED_MESSAGE
        except UserError as e:
            self.result, self.error = "failed", str(e)
        except Exception:  # noqa: BLE001 - a thread must report, not die silently
            log.exception("drafting job failed")
            self.result, self.error = "failed", CRASHED_MESSAGE
        self._ended = time.monotonic()
        try:
            if self.on_finish is not None:
                self.on_finish(self)
        except Exception:  # noqa: BLE001
            log.exception("saving the outcome of a drafting job failed")
            self.error = (self.error + "\n" if self.error else "") + "保存结果时出错，详细信息已写入运行日志。"
        finally:
            self._finished.set()
            _forget(self)


def _part_stage(event: PartStarted) -> str:
    label = heading_line(event.number, event.heading) if event.number and event.heading else ""
    label = label or ROLE_LABELS.get(event.role, event.role)
    if event.adjusting:
        return f"正在调整：{label}"
    return f"正在撰写：{label}" + (f"（约 {event.target_chars} 字）" if event.target_chars else "")


# ---------------------------------------------------------------------- one job per session

_jobs: dict[str, DraftJob] = {}
_jobs_lock = threading.Lock()


def start_job(key: str, job: DraftJob) -> DraftJob:
    """Start ``job`` as the session's job; DraftError when the session's last job is still running."""
    with _jobs_lock:
        current = _jobs.get(key)
        if current is not None and not current.finished:
            raise DraftError("上一次生成还没有结束，请等它完成或点“停止”后再试。")
        job.key = key
        _jobs[key] = job
    return job.start()


def running_job(key: str) -> DraftJob | None:
    """The session's job while it runs (None once its outcome is saved)."""
    with _jobs_lock:
        job = _jobs.get(key)
    return job if job is not None and not job.finished else None


def _forget(job: DraftJob) -> None:
    with _jobs_lock:
        if _jobs.get(job.key) is job:
            del _jobs[job.key]
