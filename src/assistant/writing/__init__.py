"""Writing: a brief becomes a SpeechPlan, a Writer (LLM or offline) drafts it, a Reviser revises it."""

from assistant.writing.events import (
    DraftError,
    DraftFinished,
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
from assistant.writing.plan import SpeechPlan, make_plan
from assistant.writing.revision import PolishResult, Reviser, RevisionResult
from assistant.writing.writer import LLMWriter, OfflineWriter, Writer, choose_reviser, choose_writer

__all__ = [
    "DraftError",
    "DraftFinished",
    "DraftInterrupted",
    "DraftWarning",
    "Event",
    "EventCallback",
    "LLMWriter",
    "Notice",
    "OfflineWriter",
    "OutlineDone",
    "OutlineStarted",
    "OutlineToken",
    "PartDone",
    "PartStarted",
    "PartToken",
    "PolishResult",
    "Reviser",
    "RevisionResult",
    "SpeechPlan",
    "Writer",
    "choose_reviser",
    "choose_writer",
    "make_plan",
]
