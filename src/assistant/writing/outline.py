"""The outline: parsed with the speech parser into the parts to write, or the kind's skeleton."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from assistant.domain.kinds import MeetingKind, kinds_for_reading
from assistant.domain.numbering import cn_number, heading_line, marker_for
from assistant.domain.plan import SpeechPlan
from assistant.domain.tokenize import tokenize
from assistant.intake.parsing import load_role_keywords, parse_speech
from assistant.support.config import SettingsError, get_settings
from assistant.writing.prompts.model_text import clean_model_text

MIN_PART_CHARS = 60
#: A word in the files of this many kinds or more is the speech's frame (责任, 整改, 单位 …), not a subject.
FRAME_KINDS = 4
#: Headings whose subject words are less than this share the brief's are about another subject.
#: Measured on 15 outlines (tests/unit/test_model_habits.py): off-subject ones score 0–0.29,
#: on-subject ones (the kinds' own headings and free rephrasings of the brief) 0.52–1.
OWN_SHARE_MIN = 0.4
#: Words that appear in no kind file and not in the brief weigh half: a rephrasing (管网 for
#: 管道, 直面, 动真碰硬) is as likely as another subject.
UNKNOWN_WEIGHT = 0.5
#: At least this much foreign weight before an outline is called off-subject (one odd word is not).
MIN_FOREIGN = 2.0


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


def _problems(headings: Sequence[str], plan: SpeechPlan) -> list[str]:
    n = len(plan.kind.body_roles)
    if not headings:
        return [f"没有一级标题（应有“一、”至“{cn_number(n)}、”共 {n} 个）"]
    if len(headings) != n:
        return [f"应有 {n} 个一级标题，实际有 {len(headings)} 个"]
    return []


def _kind_text(kind: MeetingKind) -> str:
    roles = kind.roles
    return " ".join(
        [kind.name, *kind.aliases, kind.topic, *kind.keywords, kind.emphasis,
         *(r.heading_for(kind.topic) for r in roles), *(m for r in roles for m in r.must_contain)]
    )  # fmt: skip


_VOCAB_CACHE: dict[tuple[str, ...], tuple[dict[str, frozenset[str]], Counter[str], frozenset[str]]] = {}


def _vocabulary(kinds: Mapping[str, MeetingKind]) -> tuple[dict[str, frozenset[str]], Counter[str], frozenset[str]]:
    """Each kind's words, in how many kinds' files each word is, and the speech's frame words."""
    texts = {k.id: _kind_text(k) for k in kinds.values()}
    key = tuple(f"{i}\0{t}" for i, t in sorted(texts.items()))
    if key not in _VOCAB_CACHE:
        words = {i: frozenset(tokenize(t)) for i, t in texts.items()}
        counts: Counter[str] = Counter()
        for ws in words.values():
            counts.update(ws)
        # The role keywords (正视, 根源, 整改 …) say which part a heading is, never what it is about.
        frame = {w for kws in load_role_keywords().roles.values() for k in kws for w in tokenize(k)}
        frame |= {w for w, c in counts.items() if c >= FRAME_KINDS}
        _VOCAB_CACHE[key] = (words, counts, frozenset(frame))
    return _VOCAB_CACHE[key]


@dataclass(frozen=True)
class SubjectScore:
    """How far an outline's headings speak about this meeting: its own words against foreign ones."""

    own: tuple[str, ...]  # subject words the brief or its kind has
    foreign: tuple[str, ...]  # subject words of another kind's files
    unknown: tuple[str, ...]  # subject words in neither (a rephrasing, or a subject no kind has)

    @property
    def foreign_weight(self) -> float:
        return len(self.foreign) + UNKNOWN_WEIGHT * len(self.unknown)

    @property
    def own_share(self) -> float:
        """Share of the headings' subject weight that is the meeting's own (1.0 with no subject words)."""
        total = len(self.own) + self.foreign_weight
        return len(self.own) / total if total else 1.0

    @property
    def off_subject(self) -> bool:
        """Whether the headings are about another subject than the brief's."""
        return self.foreign_weight >= MIN_FOREIGN and self.own_share < OWN_SHARE_MIN


def _default_kinds() -> Mapping[str, MeetingKind]:
    try:
        return kinds_for_reading(get_settings().structures_dir)
    except SettingsError:
        return {}


def subject_score(
    headings: Sequence[str], plan: SpeechPlan, kinds: Mapping[str, MeetingKind] | None = None
) -> SubjectScore:
    """Score headings' content words (jieba) against the brief's and its kind's words."""
    all_kinds = dict(kinds if kinds is not None else _default_kinds())
    all_kinds.setdefault(plan.kind.id, plan.kind)
    words, counts, frame = _vocabulary(all_kinds)
    brief = plan.brief
    meeting = set(tokenize(" ".join(brief.all_facts()))) | words[plan.kind.id]
    own: dict[str, None] = {}
    foreign: dict[str, None] = {}
    unknown: dict[str, None] = {}
    for h in headings:
        for w in tokenize(h):
            if w in frame or len(w) < 2:  # one-character tokens (约, 谈, 县) carry no subject
                continue
            bucket = own if w in meeting else foreign if counts[w] else unknown
            bucket[w] = None
    return SubjectScore(tuple(own), tuple(foreign), tuple(unknown))


def _subject_problem(headings: Sequence[str], plan: SpeechPlan, kinds: Mapping[str, MeetingKind] | None) -> str:
    score = subject_score(headings, plan, kinds)
    if not score.off_subject:
        return ""
    words = "、".join([*score.foreign, *score.unknown][:6])
    return (
        f"一级标题讲的是“{words}”，与本次约谈（{plan.brief.meeting}）的内容不符，"
        "标题应围绕约谈要素中的问题、事实和要求"
    )


def _targets(plan: SpeechPlan, roles: Sequence[str]) -> list[int]:
    """Target characters per planned part: the plan's part lengths, rescaled to the total."""
    raw = [plan.target(r) for r in roles]
    factor = plan.length / sum(raw) if sum(raw) else 1.0
    return [max(MIN_PART_CHARS, round(t * factor)) for t in raw]


def _parts(plan: SpeechPlan, sections: Sequence[tuple[str, str]]) -> list[PlannedPart]:
    roles = ["opening", *(r for r, _ in sections), "closing"]
    targets = _targets(plan, roles)
    parts = [PlannedPart("opening", target=targets[0])]
    for n, ((role, heading), target) in enumerate(zip(sections, targets[1:-1], strict=True), 1):
        parts.append(PlannedPart(role, n, heading, target))
    parts.append(PlannedPart("closing", target=targets[-1]))
    return parts


def skeleton_outline(plan: SpeechPlan) -> str:
    """An outline built from the kind's structure alone (used when the model's is unusable)."""
    kind = plan.kind
    lines = [plan.title, "同志们："]
    opening = kind.role_spec("opening")
    lines.append("开场：" + "；".join(opening.must_contain if opening else ["说明约谈缘由"]) + "。")
    for n, spec in enumerate(kind.body_roles, 1):
        lines.append(heading_line(n, spec.heading_for(kind.topic)))
        for i, must in enumerate(spec.must_contain, 1):
            lines.append(f"{marker_for(spec.markers, i)}{must}。")
    closing = kind.role_spec("closing")
    lines.append("同志们，" + "；".join(closing.must_contain if closing else ["提出希望和要求"]) + "。")
    return "\n".join(lines)


def _title(doc_title: str, plan: SpeechPlan, edited: bool) -> str:
    """The brief decides the title: the clerk's own, else 在{meeting}上的讲话.

    A model's title line is never taken (it may name another meeting: "在县政府集体约谈会上的讲话
    提纲"); a clerk's edited outline keeps its title when it names this meeting.
    """
    if plan.brief.title:
        return plan.brief.title
    meeting = "".join(plan.brief.meeting.split())
    if edited and doc_title and meeting and meeting in "".join(doc_title.split()):
        return doc_title.strip()
    return plan.title


def plan_outline(
    text: str,
    plan: SpeechPlan,
    *,
    lenient: bool = True,
    edited: bool = False,
    kinds: Mapping[str, MeetingKind] | None = None,
) -> OutlinePlan:
    """Parse an outline into parts to write, with roles by position when the count matches.

    ``lenient``: an outline with a different number of sections is still used (extra sections
    become "other") as long as every part of the kind is recognised; otherwise, or when it
    has no 一、 headings at all, the kind's skeleton is used and ``fallback`` is set.
    A model's outline whose headings are about another subject than the brief's is never used
    (``kinds``: every meeting kind, to tell subject words from the speech's frame).
    ``edited``: the user's own outline; any outline with 一、 headings is followed as written.
    """
    kind = plan.kind
    cleaned = clean_model_text(text)
    doc = parse_speech(cleaned)
    secs = [s for s in doc.sections if s.heading]
    headings = [s.heading.strip().rstrip("。") for s in secs]
    problems = _problems(headings, plan)
    title = _title(doc.title or "", plan, edited)
    body = [r.role for r in kind.body_roles]
    off_subject = "" if edited or not headings else _subject_problem(headings, plan, kinds)
    if off_subject:
        problems.append(off_subject)
    elif not problems:
        return OutlinePlan(cleaned, title, _parts(plan, list(zip(body, headings, strict=True))))
    sections = []
    used: set[str] = set()
    for s, h in zip(secs, headings, strict=True):
        role = s.role if s.role in body and s.role not in used else "other"
        used.add(role)
        sections.append((role, h))
    if secs and not off_subject and (edited or (lenient and set(body) <= used)):
        return OutlinePlan(cleaned, title, _parts(plan, sections), problems)
    skeleton = [(r.role, r.heading_for(kind.topic)) for r in kind.body_roles]
    return OutlinePlan(
        skeleton_outline(plan), title, _parts(plan, skeleton), problems, fallback=True
    )
