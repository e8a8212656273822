"""What a writer reports while it works (events), and how writing fails (errors)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assistant.domain.models import Draft, DraftPart
from assistant.llm import LLMError
from assistant.support.errors import UserError


@dataclass(frozen=True)
class Notice:
    """Something decided for the user that they should see (e.g. the meeting kind was detected)."""

    message: str


@dataclass(frozen=True)
class OutlineStarted:
    """The outline is being generated (attempt 2 = re-asked after an unusable outline)."""

    attempt: int = 1


@dataclass(frozen=True)
class OutlineToken:
    """A piece of outline text as it streams in."""

    text: str


@dataclass(frozen=True)
class OutlineDone:
    """The outline that will be followed (model's, edited, or the kind's skeleton)."""

    text: str
    title: str = ""


@dataclass(frozen=True)
class PartStarted:
    """A part begins; ``adjusting`` is True when an already written part is rewritten."""

    role: str
    number: int
    heading: str
    index: int = 0  # position in Draft.parts
    target_chars: int = 0
    adjusting: bool = False


@dataclass(frozen=True)
class PartToken:
    """Cleaned text of the current part; the tokens of a part concatenate to its final text."""

    text: str
    index: int = 0


@dataclass(frozen=True)
class PartDone:
    """A part is finished (its final, normalised text is ``part.text``)."""

    part: DraftPart
    index: int = 0


@dataclass(frozen=True)
class DraftWarning:
    """Something the user should know (re-asked outline, length off target, polish refused)."""

    message: str


@dataclass(frozen=True)
class DraftFinished:
    """The whole draft is done; timings split model time from local work."""

    draft: Draft
    llm_s: float
    local_s: float  # retrieval + prompt building + parsing, i.e. everything but the model
    calls: int


Event = (
    Notice
    | OutlineStarted
    | OutlineToken
    | OutlineDone
    | PartStarted
    | PartToken
    | PartDone
    | DraftWarning
    | DraftFinished
)
EventCallback = Callable[[Event], Any]


class DraftError(UserError, ValueError):
    """A drafting or revision request cannot be carried out; the message is Chinese."""


class DraftInterrupted(LLMError):
    """The model failed mid-draft; ``draft`` holds what was written, ``partial_text`` all of it."""

    def __init__(
        self,
        message: str,
        kind: str,
        *,
        draft: Draft,
        partial_text: str,
        status: int | None = None,
        detail: str = "",
    ) -> None:
        """Keep the Chinese message and the partial draft."""
        super().__init__(message, kind, partial_text=partial_text, status=status, detail=detail)
        self.draft = draft
