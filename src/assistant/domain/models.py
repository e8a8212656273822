"""Domain types shared by the library, writing, review and UI layers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, get_args

from pydantic import BaseModel, Field

from assistant.domain.numbering import heading_line

#: Every role a part of a speech can take, in speech order; the one place the order is written.
Role = Literal[
    "title",
    "salutation",
    "opening",
    "harm",
    "causes",
    "decisions",
    "rectification",
    "closing",
    "other",
]
ROLES: tuple[str, ...] = get_args(Role)
#: Roles of the parts a meeting kind specifies (opening, the numbered sections, closing).
PART_ROLES: tuple[str, ...] = ROLES[2:8]
#: Roles of the numbered top-level sections (一、二、三、四、).
BODY_ROLES: tuple[str, ...] = PART_ROLES[1:-1]
#: Roles a search can be limited to.
SEARCH_ROLES: tuple[str, ...] = (*PART_ROLES, "other")

_WHITESPACE = re.compile(r"\s+")


def count_chars(text: str) -> int:
    """Characters of a text without whitespace: how 字数 (brief.length, corpus sizes) is counted."""
    return len(_WHITESPACE.sub("", text or ""))


ROLE_LABELS: dict[str, str] = {
    "title": "标题",
    "salutation": "称谓",
    "opening": "开场",
    "harm": "正视问题",
    "causes": "查找原因",
    "decisions": "约谈意见",
    "rectification": "整改落实",
    "closing": "结束语",
    "other": "其他",
}
assert tuple(ROLE_LABELS) == ROLES


class LoadedText(BaseModel):
    """Text extracted from one uploaded file, before cleaning."""

    text: str
    source_format: str  # "txt", "md", "docx", "pdf", or what LibreOffice converted ("doc", "wps", "rtf", "odt" …)
    encoding: str | None = None  # detected encoding for text files
    metadata: dict = Field(default_factory=dict)  # front matter, docx core properties
    notices: list[str] = Field(default_factory=list)  # what loading repaired (NULs, mixed encodings)


class RemovedLine(BaseModel):
    """One line the cleaner dropped, and why (shown to the user)."""

    line: str
    reason: str


class ChangedLine(BaseModel):
    """A line the cleaner changed (or a count of changes, when ``before`` is empty), and why."""

    before: str
    after: str
    reason: str


class CleanResult(BaseModel):
    """Cleaned text plus what was removed and what was changed."""

    text: str
    removed: list[RemovedLine] = Field(default_factory=list)
    changed: list[ChangedLine] = Field(default_factory=list)

    @property
    def removed_count(self) -> int:
        return len(self.removed)


class Point(BaseModel):
    """A paragraph-initial point inside a section (一是…, 一要…, （一）…, 1.…)."""

    index: int  # 1-based within its section
    marker: str  # the marker as written, e.g. "一是", "（二）", "3."
    text: str  # full text of the point including its marker


class Section(BaseModel):
    """A top-level section of a speech (一、… / 二、…)."""

    number: int  # 1-based, as written
    heading: str  # heading text without the number, e.g. "正视问题，认清危害"
    heading_line: str = ""  # the heading as written, number and stop included: "一、正视问题。"
    run_in: bool = False  # the first paragraph followed the heading on the same line
    role: str = "other"
    body: str = ""  # all text under the heading (heading excluded)
    intro: str = ""  # paragraphs before the first point (all of them when there are no points)
    points: list[Point] = Field(default_factory=list)
    paragraphs: list[str] = Field(default_factory=list)

    def lines(self) -> list[str]:
        """The section's lines as in the text it was parsed from."""
        parts = [*([self.intro] if self.intro else []), *(p.text for p in self.points)]
        lines = "\n".join(parts).split("\n") if parts else []
        if self.run_in and lines:
            return [self.heading_line + lines[0], *lines[1:]]
        return [self.heading_line, *lines] if self.heading_line else lines


class SpeechDoc(BaseModel):
    """A speech parsed into the standard structure; ``text()`` gives back what was parsed."""

    title: str = ""
    title_line: str = ""  # the title as written (site decorations included); "" when derived
    title_derived: bool = False  # no title in the text: taken from metadata or the opening
    byline: str = ""  # date / speaker lines between the title and the salutation
    kind: str = ""
    salutation: str = ""
    opening: str = ""
    sections: list[Section] = Field(default_factory=list)
    closing: str = ""
    metadata: dict = Field(default_factory=dict)

    def text(self) -> str:
        """The parsed text again, one paragraph per line: nothing is lost in parsing."""
        lines = [self.title_line, self.byline, self.salutation, self.opening]
        for s in self.sections:
            lines += s.lines()
        lines.append(self.closing)
        return "\n".join(x for x in lines if x)

    def inspect_dict(self) -> dict:
        """The `assistant inspect` JSON shape."""
        return {
            "title": self.title,
            "title_derived": self.title_derived,
            "byline": self.byline,
            "kind": self.kind,
            "salutation": self.salutation,
            "opening": self.opening,
            "sections": [
                {
                    "heading": s.heading,
                    "role": s.role,
                    "intro": s.intro,
                    "points": [p.text for p in s.points],
                }
                for s in self.sections
            ],
            "closing": self.closing,
        }


class Chunk(BaseModel):
    """A retrievable unit: one point or paragraph, never crossing a top-level section."""

    chunk_id: str
    doc_id: str
    title: str
    kind: str = ""
    section: str = ""  # heading of the top-level section ("" for opening/closing)
    role: str = "other"
    point_index: int = 0  # 1-based point index inside the section; 0: a loose paragraph
    section_number: int = 0  # number of the top-level section as written; 0 for opening/closing
    # The whole point or paragraph the chunk belongs to, which search shows: chunks stay small
    # for matching, a reader needs the full thought. Chunks of one unit share both fields.
    unit: str = ""  # "<doc_id>:s2:p3" (point 3 of section 2), "<doc_id>:opening:para1", …
    unit_text: str = ""
    text: str


class SearchHit(BaseModel):
    """One search result (`assistant search --json`): a whole point or paragraph."""

    doc_id: str
    title: str
    section: str
    role: str
    text: str  # the whole point or paragraph the match belongs to (marker included)
    score: float
    kind: str = ""
    chunk_id: str = ""  # the best-matching chunk, which stands for its unit
    matched: str = ""  # that chunk's text: the sentences that matched, inside `text`
    unit: str = ""
    section_number: int = 0  # 0 for opening/closing

    @property
    def heading(self) -> str:
        """The section heading as a reader knows it: "二、深挖根源" ("开场", "" when unnamed)."""
        if self.section_number and self.section:
            return heading_line(self.section_number, self.section)
        return self.section


class DocRecord(BaseModel):
    """A document registered in the library."""

    doc_id: str
    title: str
    kind: str = ""
    filename: str = ""
    source_format: str = ""
    chars: int = 0
    chunks: int = 0
    added_at: str = ""
    original: str = ""  # stored original, relative to the data dir (hash-named)
    revision: int = 1  # 1: as imported; each saved correction of its text adds one (same doc_id)
    corrected_at: str = ""  # when the last correction was saved ("" when never corrected)

    @property
    def corrected(self) -> bool:
        """Whether the clerk corrected the stored text since the import."""
        return self.revision > 1


class IngestAdded(BaseModel):
    doc_id: str
    title: str
    chunks: int
    notices: list[str] = Field(default_factory=list)  # what loading repaired, e.g. NULs removed


class IngestDuplicate(BaseModel):
    path: str
    doc_id: str
    title: str


class IngestSimilar(BaseModel):
    """An upload not added because it looks like a copy of a document already in the library."""

    path: str
    doc_id: str  # the document it resembles
    title: str
    similarity: float  # estimated share of shared five-character shingles


class IngestFailed(BaseModel):
    path: str
    error: str


class IngestSkipped(BaseModel):
    """A file in a folder that was deliberately not read (hidden, README, unsupported format)."""

    path: str
    reason: str


class IngestReport(BaseModel):
    """Outcome of `assistant ingest`."""

    added: list[IngestAdded] = Field(default_factory=list)
    duplicates: list[IngestDuplicate] = Field(default_factory=list)
    similar: list[IngestSimilar] = Field(default_factory=list)
    failed: list[IngestFailed] = Field(default_factory=list)
    skipped: list[IngestSkipped] = Field(default_factory=list)
    #: Files not reached because the user interrupted (Ctrl-C); what is in `added` stays imported.
    not_reached: list[str] = Field(default_factory=list)


class DraftPart(BaseModel):
    """One part of a draft: title, salutation, opening, a top-level section, or the closing."""

    role: str  # title, salutation, opening, harm, causes, decisions, rectification, other, closing
    number: int = 0  # top-level section number (1-based) for sections; 0 otherwise
    heading: str = ""  # section heading without its number
    text: str  # the exact text of the part as it appears in the draft (sections include "一、…")
    sources: list[str] = Field(default_factory=list)  # chunk_ids of the references that fed it
    complete: bool = True  # False: the model was cut off while writing this part
    warnings: list[str] = Field(default_factory=list)  # conformance problems left after one re-ask (Chinese)


class Draft(BaseModel):
    """A speech draft, part by part, with where it came from."""

    title: str = ""
    kind: str = ""
    parts: list[DraftPart] = Field(default_factory=list)
    outline: str = ""
    mode: str = "llm"  # "llm", "offline" or "imported"
    status: Literal["done", "interrupted"] = "done"  # interrupted: can be resumed, never final
    label: str = ""  # shown to the user, e.g. "离线组稿（未使用大模型）"
    provider: str = ""
    model: str = ""
    usage: dict[str, int] = Field(default_factory=dict)  # prompt_tokens, completion_tokens
    elapsed_s: float = 0.0
    created_at: str = ""
    brief: dict = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)  # whole-draft conformance problems (Chinese)
    target_chars: int = 0  # the length asked for when it was written (0: see brief["length"])

    @property
    def text(self) -> str:
        """The full speech as plain text, one paragraph per line."""
        return "\n".join(p.text.strip("\n") for p in self.parts if p.text.strip())

    def line_parts(self) -> list[int]:
        """For each line of ``text``, the index of the part it belongs to."""
        owner: list[int] = []
        for i, p in enumerate(self.parts):
            body = p.text.strip("\n")
            if body.strip():
                owner += [i] * (body.count("\n") + 1)
        return owner

    def sections(self) -> list[DraftPart]:
        """The top-level sections, in order."""
        return [p for p in self.parts if p.number > 0]


def speech_chars(draft: Draft) -> int:
    """Length of a draft as measured against brief.length: everything but title and salutation."""
    return sum(count_chars(p.text) for p in draft.parts if p.role not in ("title", "salutation"))


#: A finished draft under this share of its target is 未达篇幅. The length pass accepts ±15% and
#: rewrites one part; below 60% whole parts are missing or empty (the body parts' shares are
#: 0.16–0.26 each), which no clerk should take for a finished first version.
SHORT_SHARE = 0.6


@dataclass(frozen=True)
class Shortfall:
    """A draft that ended far short of its length: what it has and what was asked."""

    chars: int
    target: int

    @property
    def share(self) -> float:
        return self.chars / self.target if self.target else 1.0


def shortfall(draft: Draft) -> Shortfall | None:
    """The shortfall of a finished draft under SHORT_SHARE of its target length, else None."""
    try:
        target = draft.target_chars or int(draft.brief.get("length") or 0)
    except (TypeError, ValueError):
        return None
    if draft.status != "done" or target <= 0 or draft.mode == "imported":
        return None
    chars = speech_chars(draft)
    return Shortfall(chars, target) if chars < SHORT_SHARE * target else None
