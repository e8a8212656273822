"""Outline → part-by-part drafting (streamed), length adjustment, revision and polishing.

Data flow: brief → per-role retrieval → outline (parsed by the same parser as uploads) →
each part written in turn → one ``Draft``. Every model call goes through
:func:`assistant.llm.stream_chat`, so <think> stripping, auto-continuation on
``finish_reason == "length"`` and Chinese error messages come from one place.
"""

from __future__ import annotations

import difflib
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from langchain_core.language_models import BaseChatModel

from assistant.brief import Brief, parse_brief
from assistant.config import Settings, get_settings
from assistant.kinds import GENERAL_KIND, KindError, MeetingKind, default_kinds
from assistant.library.parsing import DATE_LINE_RE, SALUTATION_RE, parse_speech
from assistant.llm import ChatResult, LLMError, config_of, stream_chat
from assistant.models import ROLE_LABELS, Draft, DraftPart, SearchHit, count_chars
from assistant.writing.prompts import (
    DEFAULT_REFERENCE_CHARS,
    DEFAULT_WRITTEN_CHARS,
    PromptTemplate,
    cn_number,
    default_prompts,
    heading_line,
    load_revise_presets,
    outline_messages,
    polish_messages,
    resolve_instruction,
    revise_messages,
    section_messages,
)

#: Share of the target length the finished speech may miss by before one adjustment pass.
LENGTH_TOLERANCE = 0.15
#: References given to one part, and the characters they may take in one call
#: (≈1,000 tokens at the ~1.5 characters per token typical of Chinese).
DEFAULT_REFS_PER_PART = 3
DEFAULT_REF_CHARS = 1500
#: Characters per token assumed for Chinese text when estimating prompt sizes.
CHARS_PER_TOKEN = 1.5
# Query embedding time grows with length; a heading plus the key facts fits in this.
QUERY_MAX_CHARS = 80
MIN_PART_CHARS = 60

_CN = "一二三四五六七八九十"
_SPACE = " \t\u3000\xa0"

# ---------------------------------------------------------------- events


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


#: The name the UI and CLI use for warnings.
Warning = DraftWarning  # noqa: A001 - deliberate: the event is called Warning in the API


@dataclass(frozen=True)
class DraftFinished:
    """The whole draft is done; timings split model time from local work."""

    draft: Draft
    llm_s: float
    local_s: float  # retrieval + prompt building + parsing, i.e. everything but the model
    calls: int


Event = (
    OutlineStarted
    | OutlineToken
    | OutlineDone
    | PartStarted
    | PartToken
    | PartDone
    | DraftWarning
    | DraftFinished
)
EventCallback = Callable[[Event], Any]


# ---------------------------------------------------------------- errors


class DraftError(ValueError):
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


# ---------------------------------------------------------------- cleaning model output

_MD_PREFIX_RE = re.compile(r"^(?:#{1,6}[ \t]*|[-*+•][ \t]+|>[ \t]?)+")
_RULE_RE = re.compile(r"^(?:[-*_=~]{3,}|`{3}.*)$")
_LABEL_RE = re.compile(
    r"^[（(【\[]?(?:开场白?|开头|结束语|结尾|正文|讲话提纲|第[一二三四五六七八九十]+部分)[）)】\]]?[：:]?$"
)
# A top-level heading at the start of a line, with the heading text up to its first stop.
_HEADING_LINE_RE = re.compile(rf"^[{_CN}]{{1,3}}\s*[、.．]\s*([^。！？：:\n]{{0,40}})(?:[。！？：:]|$)")
_TITLE_WORDS_RE = re.compile(r"讲话|提纲|发言|会上")
_SALUTATION_PREFIX_RE = re.compile(r"^同志们\s*[：:]")

#: head(line, complete) → text to keep ("" drops the line and keeps looking; content ends the head).
HeadRule = Callable[[str, bool], str]


class _Cleaner:
    """Streaming cleaner: drops Markdown and leftover headings, collapses blank lines.

    Chunking-invariant: feeding a text in any pieces yields the same output as feeding it
    whole, so the streamed tokens always add up to the stored text.
    """

    HOLD = 8  # characters held at a line start to recognise a Markdown prefix
    HEAD_MAX = 80  # longer lines cannot be a heading/title/salutation to drop

    def __init__(self, head: HeadRule | None = None, prefix: str = "") -> None:
        self.head = head
        self.text = prefix
        self.started = bool(prefix)
        self.pending_nl = bool(prefix)
        self.line = ""
        self.decided = False
        self.has_content = False
        self.star = False
        self.ws = ""

    def feed(self, piece: str) -> str:
        """Add model text; return the cleaned text that is now certain."""
        out: list[str] = []
        for ch in piece:
            if ch == "\r":
                continue
            if ch == "\n":
                self._end_line(out)
            elif self.decided:
                self._inline(ch, out)
            else:
                self.line += ch
                limit = self.HEAD_MAX if self.head else self.HOLD
                if len(self.line.lstrip(_SPACE)) >= limit:
                    self._decide(out, complete=False)
        s = "".join(out)
        self.text += s
        return s

    def flush(self) -> str:
        """End of the answer: release what is still held."""
        out: list[str] = []
        self._end_line(out)
        s = "".join(out)
        self.text += s
        return s

    def _decide(self, out: list[str], complete: bool) -> None:
        line = _MD_PREFIX_RE.sub("", self.line.lstrip(_SPACE))
        self.line = ""
        self.decided = True
        if complete:
            probe = line.replace("**", "").strip(_SPACE)
            if not probe or _RULE_RE.match(probe):
                return
        if self.head is not None:
            probe = line.replace("**", "")
            kept = self.head(probe.strip(_SPACE) if complete else probe, complete)
            if not kept:
                return
            self.head = None
            line = kept
        for ch in line:
            self._inline(ch, out)

    def _end_line(self, out: list[str]) -> None:
        if not self.decided and self.line:
            self._decide(out, complete=True)
        if self.star:
            self.star = False
            self._put("*", out)
        self.ws = ""
        if self.has_content:
            self.pending_nl = True
        self.line, self.decided, self.has_content = "", False, False

    def _inline(self, ch: str, out: list[str]) -> None:
        if self.star:
            self.star = False
            if ch == "*":
                return  # "**" is Markdown bold
            self._put("*", out)
        if ch == "*":
            self.star = True
            return
        if ch in _SPACE:
            if self.has_content:
                self.ws += ch  # kept only if more text follows on this line
            return
        self._put(ch, out)

    def _put(self, ch: str, out: list[str]) -> None:
        if self.pending_nl and self.started:
            out.append("\n")
        self.pending_nl = False
        if self.ws:
            out.append(self.ws)
            self.ws = ""
        out.append(ch)
        self.started = True
        self.has_content = True


def clean_model_text(text: str, head: HeadRule | None = None, prefix: str = "") -> str:
    """Model output as plain text: no Markdown (#, **, leading "- "), one paragraph per line."""
    c = _Cleaner(head, prefix)
    c.feed(text)
    c.flush()
    return c.text


def _section_head(heading: str, found: list[str] | None = None) -> HeadRule:
    """Drop a repeated "一、heading" (any number, or the bare heading) at the top of a section."""
    bare = heading.strip().rstrip("。")

    def rule(line: str, complete: bool) -> str:
        m = _HEADING_LINE_RE.match(line)
        if m:
            if found is not None and m.group(1).strip():
                found.append(m.group(1).strip())
            return line[m.end() :].lstrip(_SPACE)
        if complete and (line.rstrip("。：:") == bare or _LABEL_RE.match(line)):
            return ""
        return line

    return rule


def _opening_head(title: str) -> HeadRule:
    """Drop a title, date line or 同志们： the model wrote although it was asked not to."""

    def rule(line: str, complete: bool) -> str:
        m = _SALUTATION_PREFIX_RE.match(line)
        if m:
            return line[m.end() :].lstrip(_SPACE)
        if not complete:
            return line
        if SALUTATION_RE.match(line) or DATE_LINE_RE.match(line) or _LABEL_RE.match(line):
            return ""
        if title and line.rstrip("。") == title:
            return ""
        if len(line) <= 60 and "。" not in line and _TITLE_WORDS_RE.search(line):
            return ""
        return line

    return rule


def _closing_head(line: str, complete: bool) -> str:
    return "" if complete and _LABEL_RE.match(line) else line


def _head_rule(role: str, number: int, heading: str, title: str, found=None) -> HeadRule:
    if number:
        return _section_head(heading, found)
    if role == "opening":
        return _opening_head(title)
    return _closing_head


# ---------------------------------------------------------------- length


def speech_chars(draft: Draft) -> int:
    """Length of a draft as measured against brief.length: everything but title and salutation."""
    return sum(count_chars(p.text) for p in draft.parts if p.role not in ("title", "salutation"))


def estimate_tokens(text_or_chars: str | int) -> int:
    """Estimated tokens of Chinese text at ~1.5 characters per token."""
    n = text_or_chars if isinstance(text_or_chars, int) else len(text_or_chars)
    return math.ceil(n / CHARS_PER_TOKEN)


# ---------------------------------------------------------------- retrieval

#: Which brief fields make the search query of each part.
ROLE_QUERY_FIELDS: dict[str, tuple[str, ...]] = {
    "opening": ("meeting", "targets", "issues"),
    "harm": ("issues", "facts"),
    "causes": ("issues",),
    "decisions": ("decisions", "issues"),
    "rectification": ("requirements", "issues"),
    "closing": ("requirements",),
    "other": ("issues",),
}


def build_query(brief: Brief, kind: MeetingKind, role: str, heading: str = "") -> str:
    """Search query for one part: its heading (or role) plus the brief facts it is about."""
    spec = kind.role_spec(role)
    head = heading or (spec.heading_for(kind.topic) if spec else "")
    if not head:
        head = f"{kind.name}{ROLE_LABELS.get(role, '')}"
    items = [head]
    for name in ROLE_QUERY_FIELDS.get(role, ROLE_QUERY_FIELDS["other"]):
        value = getattr(brief, name)
        items.extend(value if isinstance(value, list) else [value])
    query = "；".join(x for x in items if x)
    return query[:QUERY_MAX_CHARS].strip() or brief.meeting


def _ref_key(hit: SearchHit) -> str:
    return "".join(hit.text.split())


def select_references(
    hits: Iterable[SearchHit],
    used: set[str],
    k: int = DEFAULT_REFS_PER_PART,
    max_chars: int = DEFAULT_REF_CHARS,
) -> list[SearchHit]:
    """Up to k hits not used by another part, whose texts fit in max_chars; marks them used."""
    out: list[SearchHit] = []
    total = 0
    for h in hits:
        keys = {h.chunk_id, _ref_key(h)} - {""}
        if keys & used:
            continue
        n = min(len(h.text), DEFAULT_REFERENCE_CHARS)
        if total + n > max_chars:
            continue  # a shorter hit further down may still fit
        out.append(h)
        total += n
        used.update(keys)
        if len(out) >= k:
            break
    return out


def _search(
    library: Any,
    brief: Brief,
    kind: MeetingKind,
    query: str,
    role: str | None,
    k: int,
    warn: Callable[[str], None],
) -> list[SearchHit]:
    """Role-filtered search; the user's preferred documents first, then this kind's, then others."""
    from assistant.library.embeddings import EmbeddingError
    from assistant.library.store import LibraryError

    exclude = list(brief.exclude_docs) or None
    hits: list[SearchHit] = []
    try:
        if brief.prefer_docs:
            hits += library.search(
                query, k=k, role=role, doc_ids=list(brief.prefer_docs), exclude_doc_ids=exclude
            )
        general = library.search(query, k=k, role=role, exclude_doc_ids=exclude)
    except (LibraryError, EmbeddingError) as e:
        # Drafting still works without references; the user is told why they are missing.
        warn(f"检索范文失败，本部分不使用参考资料：{e}")
        return hits
    # Same-kind speeches are the better models; keep relevance order inside each group.
    general.sort(key=lambda h: h.kind != kind.id)
    return hits + general


def retrieve_references(
    brief: Brief,
    library: Any,
    kind: MeetingKind,
    *,
    per_part: int = DEFAULT_REFS_PER_PART,
    max_chars: int = DEFAULT_REF_CHARS,
    used: set[str] | None = None,
    warn: Callable[[str], None] | None = None,
) -> dict[str, list[SearchHit]]:
    """References for each role of the kind, role-filtered, de-duplicated across parts, budgeted."""
    used = set() if used is None else used
    out: dict[str, list[SearchHit]] = {}
    if library is None:
        return {r.role: [] for r in kind.roles}
    warned: list[str] = []

    def _warn(msg: str) -> None:
        if not warned and warn is not None:
            warn(msg)  # one warning, not one per part
        warned.append(msg)

    for spec in kind.roles:
        query = build_query(brief, kind, spec.role)
        hits = _search(library, brief, kind, query, spec.role, per_part * 3, _warn)
        out[spec.role] = select_references(hits, used, per_part, max_chars)
    return out


def outline_references(
    refs: Mapping[str, Sequence[SearchHit]], max_chars: int = DEFAULT_REF_CHARS
) -> list[SearchHit]:
    """The best reference of each part (in speech order), within the budget, for the outline."""
    out: list[SearchHit] = []
    total = 0
    for depth in range(2):
        for hits in refs.values():
            if len(hits) > depth:
                h = hits[depth]
                n = min(len(h.text), DEFAULT_REFERENCE_CHARS)
                if total + n <= max_chars:
                    out.append(h)
                    total += n
    return out


# ---------------------------------------------------------------- outline


@dataclass
class PlannedPart:
    """One part to write: role, position, heading and target length."""

    role: str
    number: int = 0
    heading: str = ""
    target: int = 0


@dataclass
class OutlinePlan:
    """The parsed outline: title, parts to write and what (if anything) is wrong with it."""

    text: str
    title: str
    parts: list[PlannedPart]
    problems: list[str] = field(default_factory=list)
    fallback: bool = False  # True: the kind's skeleton replaced an unusable outline


def outline_problems(text: str, kind: MeetingKind, settings: Settings | None = None) -> list[str]:
    """Why an outline does not parse into the kind's parts ([] when it does)."""
    doc = parse_speech(text, structures_dir=settings.structures_dir if settings else None)
    return _problems([s.heading for s in doc.sections if s.heading], kind)


def _problems(headings: Sequence[str], kind: MeetingKind) -> list[str]:
    n = len(kind.body_roles)
    if not headings:
        return [f"没有一级标题（应有“一、”至“{cn_number(n)}、”共 {n} 个）"]
    if len(headings) != n:
        return [f"应有 {n} 个一级标题，实际有 {len(headings)} 个"]
    return []


def _targets(kind: MeetingKind, length: int, roles: Sequence[str]) -> list[int]:
    """Target characters per planned part: the kind's share × length, rescaled to the total."""
    by_role: dict[str, int] = {}
    for spec, n in zip(kind.roles, kind.part_lengths(length), strict=True):
        by_role.setdefault(spec.role, n)
    body = [by_role[r.role] for r in kind.body_roles]
    mean = round(sum(body) / len(body)) if body else MIN_PART_CHARS
    raw = [by_role.get(r, mean) for r in roles]
    factor = length / sum(raw) if sum(raw) else 1.0
    return [max(MIN_PART_CHARS, round(t * factor)) for t in raw]


def _plan(kind: MeetingKind, length: int, sections: Sequence[tuple[str, str]]) -> list[PlannedPart]:
    roles = ["opening", *(r for r, _ in sections), "closing"]
    targets = _targets(kind, length, roles)
    parts = [PlannedPart("opening", target=targets[0])]
    for n, ((role, heading), target) in enumerate(zip(sections, targets[1:-1], strict=True), 1):
        parts.append(PlannedPart(role, n, heading, target))
    parts.append(PlannedPart("closing", target=targets[-1]))
    return parts


def default_title(brief: Brief) -> str:
    """The brief's title, or 在{meeting}上的讲话."""
    if brief.title:
        return brief.title
    meeting = brief.meeting.strip()
    return f"在{meeting}上的讲话" if not meeting.startswith("在") else f"{meeting}上的讲话"


def skeleton_outline(brief: Brief, kind: MeetingKind) -> str:
    """An outline built from the kind's structure alone (used when the model's is unusable)."""
    lines = [default_title(brief), "同志们："]
    opening = kind.role_spec("opening")
    lines.append("开场：" + "；".join(opening.must_contain if opening else ["说明约谈缘由"]) + "。")
    for n, spec in enumerate(kind.body_roles, 1):
        lines.append(heading_line(n, spec.heading_for(kind.topic)))
        marks = {"一是": "是", "一要": "要"}
        for i, must in enumerate(spec.must_contain, 1):
            if spec.markers in marks:
                lines.append(f"{cn_number(i)}{marks[spec.markers]}{must}。")
            else:
                lines.append(f"（{cn_number(i)}）{must}。")
    closing = kind.role_spec("closing")
    lines.append("同志们，" + "；".join(closing.must_contain if closing else ["提出希望和要求"]) + "。")
    return "\n".join(lines)


def plan_outline(
    text: str,
    brief: Brief,
    kind: MeetingKind,
    settings: Settings | None = None,
    *,
    lenient: bool = True,
    edited: bool = False,
) -> OutlinePlan:
    """Parse an outline into parts to write, with roles by position when the count matches.

    ``lenient``: an outline with a different number of sections is still used (extra sections
    become "other") as long as every part of the kind is recognised; otherwise, or when it
    has no 一、 headings at all, the kind's skeleton is used and ``fallback`` is set.
    ``edited``: the user's own outline; any outline with 一、 headings is followed as written.
    """
    cleaned = clean_model_text(text)
    doc = parse_speech(cleaned, structures_dir=settings.structures_dir if settings else None)
    secs = [s for s in doc.sections if s.heading]
    headings = [s.heading.strip().rstrip("。") for s in secs]
    problems = _problems(headings, kind)
    title = brief.title or (doc.title if _TITLE_WORDS_RE.search(doc.title or "") else "")
    title = title or default_title(brief)
    body = [r.role for r in kind.body_roles]
    if not problems:
        sections = list(zip(body, headings, strict=True))
        return OutlinePlan(cleaned, title, _plan(kind, brief.length, sections))
    sections = []
    used: set[str] = set()
    for s, h in zip(secs, headings, strict=True):
        role = s.role if s.role in body and s.role not in used else "other"
        used.add(role)
        sections.append((role, h))
    if secs and (edited or (lenient and set(body) <= used)):
        return OutlinePlan(cleaned, title, _plan(kind, brief.length, sections), problems)
    skeleton = skeleton_outline(brief, kind)
    sk_sections = [(r.role, r.heading_for(kind.topic)) for r in kind.body_roles]
    return OutlinePlan(
        skeleton, title, _plan(kind, brief.length, sk_sections), problems, fallback=True
    )


def _reask_message(problems: Sequence[str], kind: MeetingKind) -> str:
    n = len(kind.body_roles)
    return (
        f"上面的提纲不符合要求：{'；'.join(problems)}。请严格按照要求的结构重新输出完整提纲："
        "第一行写标题，第二行写“同志们：”，第三行概括开场白，"
        f"然后依次写“一、”至“{cn_number(n)}、”共 {n} 个一级标题（每个单独成行）及其要点，"
        "最后一行以“同志们，”开头概括结束语。只输出提纲本身，纯文本。"
    )


# ---------------------------------------------------------------- the drafting session


class _Session:
    """Model calls with event forwarding, usage totals and model-time accounting."""

    def __init__(self, model: BaseChatModel, on_event: EventCallback | None) -> None:
        self.model = model
        self.on_event = on_event
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0}
        self.calls = 0
        self.llm_s = 0.0
        self.warnings: list[DraftWarning] = []

    def emit(self, event: Event) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def warn(self, message: str) -> None:
        w = DraftWarning(message)
        self.warnings.append(w)
        self.emit(w)

    def chat(self, messages: Any, on_token: Callable[[str], Any] | None) -> ChatResult:
        started = time.monotonic()
        try:
            result = stream_chat(self.model, messages, on_token)
        finally:
            self.llm_s += time.monotonic() - started
            self.calls += 1
        for key in ("prompt_tokens", "completion_tokens"):
            self.usage[key] += int(result.usage.get(key, 0))
        return result

    def write_part(
        self,
        messages: Any,
        *,
        index: int,
        role: str,
        number: int,
        heading: str,
        title: str,
        target: int,
        adjusting: bool = False,
        found_heading: list[str] | None = None,
        with_heading: bool = True,
    ) -> str:
        """Stream one part; the result is cleaned and starts with its heading line if a section."""
        prefix = heading_line(number, heading) if number and with_heading else ""
        cleaner = _Cleaner(_head_rule(role, number, heading, title, found_heading), prefix)
        self.emit(PartStarted(role, number, heading, index, target, adjusting))
        if prefix:
            self.emit(PartToken(prefix, index))

        def on_token(piece: str) -> None:
            out = cleaner.feed(piece)
            if out:
                self.emit(PartToken(out, index))

        try:
            self.chat(messages, on_token)
        except LLMError as e:
            cleaner.flush()
            e.partial_text = cleaner.text  # cleaned, for the partial draft
            raise
        tail = cleaner.flush()
        if tail:
            self.emit(PartToken(tail, index))
        return cleaner.text


def _stage_label(role: str, number: int) -> str:
    if number:
        return f"第{cn_number(number)}部分（{ROLE_LABELS.get(role, role)}）"
    return {"opening": "开场白", "closing": "结束语"}.get(role, ROLE_LABELS.get(role, role))


def _interrupted(e: LLMError, stage: str, draft: Draft, partial_text: str) -> DraftInterrupted:
    return DraftInterrupted(
        f"{stage}时出错：{e.message}",
        e.kind,
        draft=draft,
        partial_text=partial_text,
        status=e.status,
        detail=e.detail,
    )


def _resolve(
    brief: Brief, settings: Settings | None, kinds: dict[str, MeetingKind] | None
) -> tuple[Settings, dict[str, MeetingKind], MeetingKind, dict[str, PromptTemplate]]:
    settings = settings or get_settings()
    kinds = kinds if kinds is not None else default_kinds(settings.structures_dir)
    try:
        kind = brief.meeting_kind(kinds)
    except KindError as e:
        raise DraftError(str(e)) from None
    return settings, kinds, kind, default_prompts(settings.prompts_dir)


def draft_speech(
    brief: Brief,
    library: Any,
    model: BaseChatModel,
    settings: Settings | None = None,
    kinds: dict[str, MeetingKind] | None = None,
    on_event: EventCallback | None = None,
    outline: str | None = None,
    *,
    per_part: int = DEFAULT_REFS_PER_PART,
    max_ref_chars: int = DEFAULT_REF_CHARS,
    max_written_chars: int = DEFAULT_WRITTEN_CHARS,
    adjust_length: bool = True,
    outline_only: bool = False,
) -> Draft:
    """Write a speech: retrieve per role, outline (or use ``outline``), write part by part, adjust length.

    ``outline_only`` stops after the outline (Draft.outline), so the user can edit it first.

    Raises DraftInterrupted (an LLMError) with the partial draft when the model fails.
    """
    started = time.monotonic()
    settings, kinds, kind, prompts = _resolve(brief, settings, kinds)
    s = _Session(model, on_event)
    cfg = config_of(model)
    base = Draft(
        kind=kind.id,
        mode="llm",
        label=f"大模型起草（{cfg.label}）" if cfg else "大模型起草",
        provider=cfg.provider if cfg else "",
        model=cfg.model if cfg else str(getattr(model, "model_name", "")),
        created_at=datetime.now().isoformat(timespec="seconds"),
        brief=brief.model_dump(mode="json"),
    )

    used: set[str] = set()
    refs = retrieve_references(
        brief, library, kind, per_part=per_part, max_chars=max_ref_chars, used=used, warn=s.warn
    )

    # ---- outline
    outline_text = ""
    try:
        if outline is not None:
            plan = plan_outline(outline, brief, kind, settings, edited=True)
            if plan.fallback:
                raise DraftError(
                    "提纲中没有找到一级标题（一、二、三……），无法按提纲起草。请检查提纲格式。"
                )
            if plan.problems:
                s.warn(f"提纲与本类约谈的标准结构不完全一致（{'；'.join(plan.problems)}），已按提纲起草。")
        else:
            messages = outline_messages(
                brief,
                references=outline_references(refs, max_ref_chars),
                meeting_kind=kind,
                prompts=prompts,
            )
            plan = None
            for attempt in (1, 2):
                s.emit(OutlineStarted(attempt))
                cleaner = _Cleaner()

                def on_outline(piece: str, c: _Cleaner = cleaner) -> None:
                    out = c.feed(piece)
                    if out:
                        s.emit(OutlineToken(out))

                try:
                    result = s.chat(messages, on_outline)
                except LLMError as e:
                    cleaner.flush()
                    e.partial_text = cleaner.text
                    raise
                tail = cleaner.flush()
                if tail:
                    s.emit(OutlineToken(tail))
                outline_text = cleaner.text
                plan = plan_outline(outline_text, brief, kind, settings, lenient=attempt == 2)
                if not plan.problems:
                    break
                if attempt == 1:
                    s.warn(f"提纲结构不完整（{'；'.join(plan.problems)}），正在重新生成提纲。")
                    messages = [
                        *messages,
                        {"role": "assistant", "content": result.text},
                        {"role": "user", "content": _reask_message(plan.problems, kind)},
                    ]
            assert plan is not None
            if plan.fallback:
                s.warn("重新生成的提纲仍不符合要求，已改用本类约谈的标准结构起草。")
            elif plan.problems:
                s.warn(f"提纲与标准结构不完全一致（{'；'.join(plan.problems)}），已按提纲起草。")
    except LLMError as e:
        partial = base.model_copy(update={"outline": e.partial_text or outline_text})
        raise _interrupted(e, "生成提纲", partial, e.partial_text or outline_text) from e
    s.emit(OutlineDone(plan.text, plan.title))
    if outline_only:
        return base.model_copy(
            update={"outline": plan.text, "title": plan.title, "usage": {**s.usage, "calls": s.calls}}
        )

    # ---- parts
    parts: list[DraftPart] = []
    for role, text in (("title", plan.title), ("salutation", "同志们：")):
        idx = len(parts)
        s.emit(PartStarted(role, 0, "", idx, 0))
        s.emit(PartToken(text, idx))
        parts.append(DraftPart(role=role, text=text))
        s.emit(PartDone(parts[-1], idx))

    part_refs: list[list[SearchHit]] = []
    for planned in plan.parts:
        idx = len(parts)
        hits = refs.get(planned.role)
        if hits is None or planned.role == "other":
            query = build_query(brief, kind, planned.role, planned.heading)
            found = _search(library, brief, kind, query, None, per_part * 3, s.warn) if library else []
            hits = select_references(found, used, per_part, max_ref_chars)
        written = "\n".join(p.text for p in parts)
        messages = section_messages(
            brief,
            role=planned.role,
            outline=plan.text,
            written=written,
            references=hits,
            heading=planned.heading if planned.number else None,
            number=planned.number or None,
            target_chars=planned.target,
            meeting_kind=kind,
            prompts=prompts,
            max_written_chars=max_written_chars,
        )
        try:
            text = s.write_part(
                messages,
                index=idx,
                role=planned.role,
                number=planned.number,
                heading=planned.heading,
                title=plan.title,
                target=planned.target,
            )
        except LLMError as e:
            done = list(parts)
            if e.partial_text.strip():
                done.append(
                    DraftPart(
                        role=planned.role,
                        number=planned.number,
                        heading=planned.heading,
                        text=e.partial_text,
                        sources=[h.chunk_id for h in hits if h.chunk_id],
                    )
                )
            partial = _finish(base, plan, done, s, started)
            raise _interrupted(
                e, f"撰写{_stage_label(planned.role, planned.number)}", partial, partial.text
            ) from e
        bare = heading_line(planned.number, planned.heading) if planned.number else ""
        if count_chars(text) <= count_chars(bare):
            s.warn(f"模型没有返回{_stage_label(planned.role, planned.number)}的内容。")
        part = DraftPart(
            role=planned.role,
            number=planned.number,
            heading=planned.heading,
            text=text,
            sources=[h.chunk_id for h in hits if h.chunk_id],
        )
        parts.append(part)
        part_refs.append(hits)
        s.emit(PartDone(part, idx))

    draft = _finish(base, plan, parts, s, started)

    # ---- length
    if adjust_length:
        try:
            draft = _adjust_length(draft, brief, kind, prompts, plan, s, part_refs)
        except LLMError as e:
            s.warn(f"篇幅调整失败，保留调整前的稿子：{e.message}")
        draft = _finish(base, plan, draft.parts, s, started)
    s.emit(
        DraftFinished(draft, s.llm_s, max(0.0, time.monotonic() - started - s.llm_s), s.calls)
    )
    return draft


def _finish(
    base: Draft, plan: OutlinePlan, parts: list[DraftPart], s: _Session, started: float
) -> Draft:
    usage = dict(s.usage)
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    usage["calls"] = s.calls
    return base.model_copy(
        update={
            "title": plan.title,
            "outline": plan.text,
            "parts": list(parts),
            "usage": usage,
            "elapsed_s": round(time.monotonic() - started, 3),
        }
    )


def length_instruction(current: int, wanted: int) -> str:
    """The instruction of the length adjustment pass (expand or condense to ~wanted characters)."""
    if wanted > current:
        return (
            f"把这一部分扩写到约 {wanted} 字（目前约 {current} 字）：在不增加新事实的前提下把问题、"
            "道理和要求讲深讲透；新增内容只能使用约谈要素中的事实，没有的用概括性表述。"
            "保留原有的一级标题、层次序号和全部事实。"
        )
    return (
        f"把这一部分压缩到约 {wanted} 字（目前约 {current} 字）：删去重复、空泛的表述和铺垫，"
        "保留原有的一级标题、层次序号和全部事实、数字、处理决定和整改时限。"
    )


def _adjust_length(
    draft: Draft,
    brief: Brief,
    kind: MeetingKind,
    prompts: Mapping[str, PromptTemplate],
    plan: OutlinePlan,
    s: _Session,
    part_refs: list[list[SearchHit]],
) -> Draft:
    """One pass: when the total is more than ±15% off, rewrite the part furthest from its target."""
    target = brief.length
    actual = speech_chars(draft)
    if abs(actual - target) <= LENGTH_TOLERANCE * target:
        return draft
    offset = len(draft.parts) - len(plan.parts)  # title and salutation come first
    worst = max(
        range(len(plan.parts)),
        key=lambda i: abs(count_chars(draft.parts[offset + i].text) - plan.parts[i].target),
    )
    planned, part = plan.parts[worst], draft.parts[offset + worst]
    current = count_chars(part.text)
    wanted = max(MIN_PART_CHARS, current + target - actual)
    label = _stage_label(planned.role, planned.number)
    s.warn(
        f"全文约 {actual} 字，与目标 {target} 字相差 {abs(actual - target) / target:.0%}，"
        f"正在{'扩写' if wanted > current else '压缩'}{label}。"
    )
    messages = revise_messages(
        brief,
        draft=draft.text,
        part=part.text,
        instruction=length_instruction(current, wanted),
        references=part_refs[worst] if worst < len(part_refs) else [],
        meeting_kind=kind,
        prompts=prompts,
        presets={},
    )
    text = s.write_part(
        messages,
        index=offset + worst,
        role=planned.role,
        number=planned.number,
        heading=planned.heading,
        title=draft.title,
        target=wanted,
        adjusting=True,
    )
    candidate = draft.model_copy(deep=True)
    candidate.parts[offset + worst] = part.model_copy(update={"text": text})
    new_total = speech_chars(candidate)
    if abs(new_total - target) >= abs(actual - target):
        s.warn(f"篇幅调整没有改善（调整后约 {new_total} 字），保留调整前的{label}。")
        s.emit(PartDone(part, offset + worst))
        return draft
    s.emit(PartDone(candidate.parts[offset + worst], offset + worst))
    if abs(new_total - target) > LENGTH_TOLERANCE * target:
        s.warn(f"调整后全文约 {new_total} 字，仍与目标 {target} 字相差较大，请按需手动修改。")
    return candidate


# ---------------------------------------------------------------- revision


@dataclass
class RevisionResult:
    """A revised draft and what changed (diff by lines and sentences)."""

    draft: Draft
    old_text: str
    new_text: str
    diff: str
    index: int = 0  # position of the changed part in draft.parts
    warnings: list[DraftWarning] = field(default_factory=list)


@dataclass
class PolishResult:
    """A polished draft, or the original with a warning when facts were lost."""

    draft: Draft
    old_text: str
    new_text: str
    diff: str
    applied: bool
    missing: list[str] = field(default_factory=list)
    warnings: list[DraftWarning] = field(default_factory=list)


_SENTENCE_SPLIT_RE = re.compile(r"(?<=[。！？；])")


def _diff_units(text: str) -> list[str]:
    units: list[str] = []
    for line in text.split("\n"):
        units.extend(u for u in _SENTENCE_SPLIT_RE.split(line) if u)
    return units


def text_diff(old: str, new: str) -> str:
    """Unified diff of two Chinese texts, one sentence per diff line."""
    return "\n".join(
        difflib.unified_diff(
            _diff_units(old), _diff_units(new), "修改前", "修改后", lineterm="", n=1
        )
    )


_SECTION_NAMES = {"opening": 0, "开场": 0, "开场白": 0, "closing": -1, "结束语": -1, "结尾": -1}


def part_position(draft: Draft, index: int | str) -> int:
    """Position in draft.parts of section ``index`` (1..n), 0/"opening" = opening, -1/"closing" = closing."""
    if isinstance(index, str):
        key = index.strip()
        if key in _SECTION_NAMES:
            index = _SECTION_NAMES[key]
        else:
            try:
                index = int(key)
            except ValueError:
                raise DraftError(
                    f"无法识别要修改的部分“{key}”：请填写一级标题序号（1、2……），0 表示开场白，-1 表示结束语。"
                ) from None
    sections = [i for i, p in enumerate(draft.parts) if p.number > 0]
    if index == 0 or index == -1:
        role = "opening" if index == 0 else "closing"
        for i, p in enumerate(draft.parts):
            if p.role == role:
                return i
        raise DraftError(f"这篇讲话稿没有{'开场白' if index == 0 else '结束语'}，无法修改。")
    if 1 <= index <= len(sections):
        return sections[index - 1]
    raise DraftError(
        f"第 {index} 部分不存在：这篇讲话稿共有 {len(sections)} 个一级标题"
        f"（可填 1–{len(sections)}；0 表示开场白，-1 表示结束语）。"
    )


def brief_for(draft: Draft, kinds: dict[str, MeetingKind] | None = None) -> Brief:
    """The brief a draft was written from, or a neutral stand-in for imported text drafts."""
    if draft.brief:
        return parse_brief(draft.brief, "（讲话稿中保存的约谈要素）", kinds)
    kinds = kinds if kinds is not None else default_kinds()
    kind = draft.kind if draft.kind in kinds else GENERAL_KIND
    if kind not in kinds:
        kind = next(iter(kinds))
    placeholder = ["（以讲话稿原文为准）"]
    return Brief(
        kind=kind,
        meeting=draft.title or "约谈会",
        targets=placeholder,
        issues=placeholder,
        requirements=placeholder,
    )


def _revision_refs(
    library: Any, brief: Brief, kind: MeetingKind, part: DraftPart, instruction: str
) -> list[SearchHit]:
    if library is None:
        return []
    role = part.role if kind.role_spec(part.role) else None
    query = f"{part.heading or ROLE_LABELS.get(part.role, '')}；{instruction}"[:QUERY_MAX_CHARS]
    hits = _search(library, brief, kind, query, role, 6, lambda _m: None)
    return select_references(hits, set(), DEFAULT_REFS_PER_PART, DEFAULT_REF_CHARS)


def _merge_usage(draft: Draft, s: _Session) -> dict[str, int]:
    usage = dict(draft.usage)
    for key in ("prompt_tokens", "completion_tokens"):
        usage[key] = usage.get(key, 0) + s.usage[key]
    usage["total_tokens"] = usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)
    usage["calls"] = usage.get("calls", 0) + s.calls
    return usage


def _replace_part(
    draft: Draft, pos: int, text: str, heading: str, hits: Sequence[SearchHit], s: _Session
) -> RevisionResult:
    """A copy of the draft with one part's text replaced; every other part is untouched."""
    part = draft.parts[pos]
    new_part = part.model_copy(
        update={
            "text": text,
            "heading": heading,
            "sources": list(dict.fromkeys([*part.sources, *(h.chunk_id for h in hits if h.chunk_id)])),
        }
    )
    new_draft = draft.model_copy(deep=True)
    new_draft.parts[pos] = new_part
    new_draft.usage = _merge_usage(draft, s)
    s.emit(PartDone(new_part, pos))
    return RevisionResult(new_draft, part.text, text, text_diff(part.text, text), pos, s.warnings)


def revise_part(
    draft: Draft,
    index: int | str,
    instruction: str,
    model: BaseChatModel,
    brief: Brief | None = None,
    library: Any = None,
    settings: Settings | None = None,
    *,
    kinds: dict[str, MeetingKind] | None = None,
    on_event: EventCallback | None = None,
) -> RevisionResult:
    """Rewrite one part (1..n = section, 0 = opening, -1/"closing" = closing); others stay identical."""
    settings = settings or get_settings()
    kinds = kinds if kinds is not None else default_kinds(settings.structures_dir)
    brief = brief or brief_for(draft, kinds)
    settings, kinds, kind, prompts = _resolve(brief, settings, kinds)
    pos = part_position(draft, index)
    part = draft.parts[pos]
    text = resolve_instruction(instruction, load_revise_presets(settings.prompts_dir))
    hits = _revision_refs(library, brief, kind, part, text)
    messages = revise_messages(
        brief,
        draft=draft.text,
        part=part.text,
        instruction=text,
        references=hits,
        meeting_kind=kind,
        prompts=prompts,
        presets={},
    )
    s = _Session(model, on_event)
    found: list[str] = []
    body = s.write_part(
        messages,
        index=pos,
        role=part.role,
        number=part.number,
        heading=part.heading,
        title=draft.title,
        target=0,
        adjusting=True,
        found_heading=found,
        with_heading=False,
    )
    if not body.strip():
        raise DraftError("模型没有返回修改后的内容，原文未改动。请重试或换一种修改要求。")
    heading = part.heading
    if part.number:
        # The revise prompt allows a reworded heading; its number always stays.
        heading = (found[0] if found else part.heading).strip().rstrip("。")
        body = heading_line(part.number, heading) + "\n" + body
    return _replace_part(draft, pos, body, heading, hits, s)


def revise_passage(
    draft: Draft,
    passage: str,
    instruction: str,
    model: BaseChatModel,
    brief: Brief | None = None,
    library: Any = None,
    settings: Settings | None = None,
    *,
    kinds: dict[str, MeetingKind] | None = None,
    on_event: EventCallback | None = None,
) -> RevisionResult:
    """Rewrite a selected passage (it must occur exactly once, inside one part)."""
    settings = settings or get_settings()
    kinds = kinds if kinds is not None else default_kinds(settings.structures_dir)
    passage = (passage or "").strip()
    if not passage:
        raise DraftError("请先选中要修改的文字。")
    full = draft.text
    count = full.count(passage)
    if count == 0:
        raise DraftError("所选文字在讲话稿中没有找到，请确认与原文完全一致（包括标点）。")
    if count > 1:
        raise DraftError(f"所选文字在讲话稿中出现了 {count} 次，请多选一些上下文，使它只出现一次。")
    positions = [i for i, p in enumerate(draft.parts) if passage in p.text]
    if not positions:
        raise DraftError("所选文字跨越了两个部分，请只选择同一部分内的文字。")
    pos = positions[0]
    part = draft.parts[pos]
    brief = brief or brief_for(draft, kinds)
    settings, kinds, kind, prompts = _resolve(brief, settings, kinds)
    text = resolve_instruction(instruction, load_revise_presets(settings.prompts_dir))
    hits = _revision_refs(library, brief, kind, part, text)
    messages = revise_messages(
        brief,
        draft=full,
        part=passage,
        instruction=text,
        references=hits,
        meeting_kind=kind,
        prompts=prompts,
        presets={},
    )
    s = _Session(model, on_event)
    s.emit(PartStarted(part.role, part.number, part.heading, pos, 0, True))

    cleaner = _Cleaner()

    def on_token(piece: str) -> None:
        out = cleaner.feed(piece)
        if out:
            s.emit(PartToken(out, pos))

    s.chat(messages, on_token)
    cleaner.flush()
    new_passage = cleaner.text.strip()
    if not new_passage:
        raise DraftError("模型没有返回修改后的内容，原文未改动。请重试或换一种修改要求。")
    new_text = part.text.replace(passage, new_passage, 1)
    heading = part.heading
    if part.number:
        # Keep exactly one correctly numbered heading line even if the passage touched it.
        found: list[str] = []
        body = clean_model_text(new_text, _section_head(part.heading, found))
        heading = (found[0] if found else part.heading).strip().rstrip("。")
        new_text = heading_line(part.number, heading) + ("\n" + body if body else "")
    return _replace_part(draft, pos, new_text, heading, hits, s)


# ---------------------------------------------------------------- polishing

_DATE_RE = re.compile(
    r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}\s*年\s*\d{1,2}\s*月|\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}\s*年(?:度)?"
)
_NUMBER_RE = re.compile(r"\d+(?:[.．]\d+)?\s*(?:%|％|‰)?")
_QUOTED_RE = re.compile(r"“([^”]{2,30})”|《([^》]{1,40})》")


def fact_strings(brief: Brief) -> list[str]:
    """Numbers, dates and names of the brief that a rewrite must not lose."""
    out: list[str] = [*brief.targets, brief.speaker, brief.meeting]
    for text in brief.all_facts():
        out += [m.group(0) for m in _DATE_RE.finditer(text)]
        out += [m.group(0) for m in _NUMBER_RE.finditer(text)]
        out += [m.group(1) or m.group(2) for m in _QUOTED_RE.finditer(text)]
    seen: dict[str, None] = {}
    for f in out:
        f = re.sub(r"\s", "", f or "")
        if f:
            seen.setdefault(f, None)
    return list(seen)


def missing_facts(brief: Brief, before: str, after: str) -> list[str]:
    """Brief facts that were in ``before`` but are not in ``after``."""
    a, b = re.sub(r"\s", "", before), re.sub(r"\s", "", after)
    return [f for f in fact_strings(brief) if f in a and f not in b]


def _polished_parts(draft: Draft, text: str, settings: Settings) -> list[DraftPart] | None:
    """Map polished text back onto the draft's parts; None when the structure changed."""
    doc = parse_speech(text, structures_dir=settings.structures_dir)
    secs = [s for s in doc.sections if s.heading]
    old_secs = draft.sections()
    if len(secs) != len(old_secs):
        return None
    roles = {p.role for p in draft.parts}
    if ("opening" in roles and not doc.opening) or ("closing" in roles and not doc.closing):
        return None
    new_secs = iter(secs)
    out: list[DraftPart] = []
    for p in draft.parts:
        if p.number > 0:
            sec = next(new_secs)
            heading = sec.heading.strip().rstrip("。")
            body = "\n".join(sec.paragraphs)
            text_ = heading_line(p.number, heading) + ("\n" + body if body else "")
            out.append(p.model_copy(update={"text": text_, "heading": heading}))
        elif p.role == "title":
            out.append(p.model_copy(update={"text": doc.title or p.text}))
        elif p.role == "opening":
            out.append(p.model_copy(update={"text": doc.opening}))
        elif p.role == "closing":
            out.append(p.model_copy(update={"text": doc.closing}))
        else:
            out.append(p.model_copy())
    return out


def polish_draft(
    draft: Draft,
    model: BaseChatModel,
    brief: Brief | None = None,
    settings: Settings | None = None,
    *,
    kinds: dict[str, MeetingKind] | None = None,
    on_event: EventCallback | None = None,
) -> PolishResult:
    """Polish the whole draft; if a brief fact or the structure is lost, keep the original and warn."""
    settings = settings or get_settings()
    kinds = kinds if kinds is not None else default_kinds(settings.structures_dir)
    brief = brief or brief_for(draft, kinds)
    settings, kinds, kind, prompts = _resolve(brief, settings, kinds)
    old = draft.text
    messages = polish_messages(brief, draft=old, meeting_kind=kind, prompts=prompts)
    s = _Session(model, on_event)
    result = s.chat(messages, None)
    polished = clean_model_text(result.text)
    parts = _polished_parts(draft, polished, settings)
    usage = _merge_usage(draft, s)
    if parts is None:
        w = DraftWarning("润色稿的结构（一级标题、开场或结束语）与原稿不一致，已保留原稿。")
        s.emit(w)
        kept = draft.model_copy(update={"usage": usage})
        return PolishResult(kept, old, polished, text_diff(old, polished), False, [], [w])
    new_draft = draft.model_copy(deep=True)
    new_draft.parts = parts
    new_draft.usage = usage
    new_text = new_draft.text
    lost = missing_facts(brief, old, new_text)
    if lost:
        w = DraftWarning(
            "润色稿遗漏或改动了约谈要素中的以下内容：" + "、".join(lost[:10])
            + ("等" if len(lost) > 10 else "") + "，已保留原稿。"
        )
        s.emit(w)
        kept = draft.model_copy(update={"usage": usage})
        return PolishResult(kept, old, new_text, text_diff(old, new_text), False, lost, [w])
    return PolishResult(new_draft, old, new_text, text_diff(old, new_text), True)


__all__ = [
    "DraftError",
    "DraftFinished",
    "DraftInterrupted",
    "DraftWarning",
    "OutlineDone",
    "OutlineStarted",
    "OutlineToken",
    "PartDone",
    "PartStarted",
    "PartToken",
    "PolishResult",
    "RevisionResult",
    "Warning",
    "build_query",
    "clean_model_text",
    "draft_speech",
    "polish_draft",
    "retrieve_references",
    "revise_part",
    "revise_passage",
    "speech_chars",
    "text_diff",
]
