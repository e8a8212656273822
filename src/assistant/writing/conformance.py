"""The conformance pass: is a finished draft what the brief and the kind ask for, part by part?

Run after every draft and revision, whichever writer produced it. The checker's rules
(`review`: numbering, placeholders, facts against the brief) are mapped back to the part each
finding is in; this module adds what only a draft knows: one salutation, the kind's order of
parts, the kind's paragraph markers in each part, and specifics of the references the model was
shown. A part with problems is re-asked once by the LLM pipeline; what remains becomes that
part's warnings (page) or a stderr line (CLI).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from assistant.domain.models import Draft, DraftPart, SearchHit, count_chars
from assistant.domain.numbering import POINT_FAMILIES
from assistant.domain.plan import SpeechPlan
from assistant.llm import LLMError
from assistant.review.checks import run_checks
from assistant.review.placeholders import FILL_MARK
from assistant.writing.events import PartDone
from assistant.writing.leak_guard import leaked_specifics
from assistant.writing.model_calls import ModelCalls, stage_label
from assistant.writing.prompts.messages import fix_part_instruction, revise_messages
from assistant.writing.prompts.templates import PromptSet

#: The checker rules whose findings a draft must not have.
RULES = ("structure", "placeholders", "facts", "measure")
#: A part's rewrite must keep at least this share of its length to be accepted.
KEEP_SHARE = 0.6
SALUTATION_RE = re.compile(r"^\s*同志们[：:]\s*$")
#: A kind's marker style and the numbering family that writes it.
_STYLE_FAMILY = {"一是": "shi", "一要": "yao", "（一）": "paren_cn"}
_FAMILY_STYLE = {v: k for k, v in _STYLE_FAMILY.items()}
#: A sentence this long (characters, punctuation aside) told again in another part is a copy.
#: Shorter ones are set phrases (问题就是命令，时间就是效率) a speech may repeat as a refrain.
MIN_REPEATED_CHARS = 24
_SENTENCE_RE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]*")
_NOT_TEXT_RE = re.compile(r"[\s，。！？；：、“”‘’（）《》,.!?;:()\-—…]")
#: The part a missing brief item belongs in, by the brief's field.
_FIELD_ROLE = {
    "targets": "opening", "issues": "harm", "facts": "harm",
    "decisions": "decisions", "requirements": "rectification",
}  # fmt: skip


@dataclass
class Conformance:
    """Problems of a draft: per part index, and for the draft as a whole (all in Chinese)."""

    parts: dict[int, list[str]] = field(default_factory=dict)
    draft: list[str] = field(default_factory=list)
    structural: set[str] = field(default_factory=set)  # the messages about form, not facts

    def add(self, index: int | None, message: str, structural: bool = False) -> None:
        target = self.draft if index is None else self.parts.setdefault(index, [])
        if message not in target:
            target.append(message)
        if structural:
            self.structural.add(message)

    @property
    def ok(self) -> bool:
        return not self.draft and not any(self.parts.values())

    def all(self) -> list[str]:
        """Every problem, whole-draft ones first."""
        return [*self.draft, *(m for i in sorted(self.parts) for m in self.parts[i])]


def _part_for_role(draft: Draft, role: str) -> int | None:
    for i, p in enumerate(draft.parts):
        if p.role == role:
            return i
    return None


def check_draft(
    draft: Draft, plan: SpeechPlan, references: Iterable[str] = (), only: Sequence[int] | None = None
) -> Conformance:
    """Conformance problems of a draft; ``only`` limits part problems to those part indices."""
    found = Conformance()
    lines = draft.text.split("\n")
    owner = draft.line_parts()

    def owner_of(line: int) -> int | None:  # 1-based; 0 = the whole text
        return owner[line - 1] if 0 < line <= len(owner) else None

    # One salutation, on its own line, where the salutation part is.
    for n, line in enumerate(lines, start=1):
        i = owner_of(n)
        if SALUTATION_RE.match(line) and i is not None and draft.parts[i].role != "salutation":
            found.add(i, "本部分重复了称呼“同志们：”，全文只在开头称呼一次。", structural=True)

    # The kind's parts, in its order.
    kind_order = [r.role for r in plan.kind.roles]
    drafted = [p.role for p in draft.parts if p.role in kind_order]
    if [r for r in kind_order if r in drafted] != drafted or set(kind_order) - set(drafted):
        want = "、".join(r.heading_for(plan.kind.topic) for r in plan.kind.body_roles)
        found.add(None, f"各部分的顺序或数量与“{plan.kind.name}”的标准结构不一致（{want}）。", True)

    # Each body part numbers its paragraphs as the kind specifies.
    specs = {r.role: r for r in plan.kind.roles}
    for i, p in enumerate(draft.parts):
        spec = specs.get(p.role)
        if spec is None or not spec.markers or p.number == 0:
            continue
        families = set()
        for para in p.text.split("\n")[1:]:
            for family, pattern in POINT_FAMILIES:
                if family in _FAMILY_STYLE and pattern.match(para.strip()):
                    families.add(family)
        expected = _STYLE_FAMILY[spec.markers]
        if families and expected not in families:
            used = "、".join(_FAMILY_STYLE[f] for f in sorted(families))
            found.add(i, f"本部分的分条序号应使用“{spec.markers}”，稿中用的是“{used}”。", structural=True)

    # The checker's rules, each finding filed under the part its line is in.
    report = run_checks(draft.text, brief=plan.brief, kind=plan.kind, rules=RULES)
    blank_asked = plan.measure.announces and not plan.brief.decisions
    for f in report.findings:
        if f.severity == "hint":
            continue
        if blank_asked and f.rule == "placeholders" and f.excerpt == FILL_MARK:
            continue  # the decision's marked blank the prompt asked for: re-asking would invent one
        i = owner_of(f.line)
        if i is None and f.field:
            i = _part_for_role(draft, _FIELD_ROLE.get(f.field, ""))
        found.add(i, f.message, structural=f.rule == "structure")

    for i, first in repeated_sentences(draft):
        p, earlier = draft.parts[i], draft.parts[first[0]]
        found.add(
            i,
            f"本部分与{stage_label(earlier.role, earlier.number)}有相同的句子（“{first[1]}”），"
            "请删去重复的句子或改写。",
        )

    leaked = leaked_specifics(draft.text, references, "\n".join(plan.brief.all_facts()))
    for item in leaked:
        where = next((i for i, p in enumerate(draft.parts) if item in re.sub(r"\s", "", p.text)), None)
        found.add(where, f"“{item}”来自参考范文，约谈要素中没有，请核实或删除。")

    if only is not None:
        found.parts = {i: m for i, m in found.parts.items() if i in only}
    return found


def long_sentences(part: DraftPart) -> list[tuple[str, str]]:
    """(sentence, its text without punctuation) of each long sentence of a part (not its heading)."""
    if part.role in ("title", "salutation"):
        return []
    lines = part.text.split("\n")[1 if part.number else 0 :]  # a section's heading is not a sentence
    out = []
    for m in _SENTENCE_RE.finditer("\n".join(lines)):
        key = _NOT_TEXT_RE.sub("", m.group(0))
        if len(key) >= MIN_REPEATED_CHARS:
            out.append((m.group(0).strip(), key))
    return out


def _long_sentences(draft: Draft) -> Iterable[tuple[int, str, str]]:
    """(part index, sentence, its text without punctuation) of every long sentence, in order."""
    for i, p in enumerate(draft.parts):
        for sentence, key in long_sentences(p):
            yield i, sentence, key


def repeated_sentences(draft: Draft) -> list[tuple[int, tuple[int, str]]]:
    """(part index, (index of the part it is copied from, the sentence)) for each part that retells
    a long sentence of an earlier part — a model that starts every part with the same opening."""
    seen: dict[str, int] = {}
    out: list[tuple[int, tuple[int, str]]] = []
    for i, sentence, key in _long_sentences(draft):
        first = seen.setdefault(key, i)
        if first != i and (not out or out[-1][0] != i):
            out.append((i, (first, sentence)))  # one sentence names the problem; the re-ask sees the part
    return out


def _copied_sentences(draft: Draft, index: int) -> list[str]:
    """The long sentences of part ``index`` that an earlier part already has."""
    seen: dict[str, int] = {}
    copied = []
    for i, sentence, key in _long_sentences(draft):
        if seen.setdefault(key, i) != i and i == index:
            copied.append(sentence)
    return copied


def with_warnings(draft: Draft, found: Conformance) -> Draft:
    """The draft with each part's remaining problems as its warnings, and the rest on the draft."""
    parts = [p.model_copy(update={"warnings": list(found.parts.get(i, []))}) for i, p in enumerate(draft.parts)]
    return draft.model_copy(update={"parts": parts, "warnings": list(found.draft)})



def conform(
    draft: Draft,
    plan: SpeechPlan,
    prompts: PromptSet,
    s: ModelCalls,
    references: Sequence[str],
    part_hits: Callable[[int], Sequence[SearchHit]],
    *,
    reask: bool = True,
) -> Draft:
    """Re-ask each part with problems once, keep a rewrite only when it has fewer; the rest are warnings."""
    found = check_draft(draft, plan, references) if reask else Conformance()
    for i, problems in sorted(found.parts.items()):
        part = draft.parts[i]
        if not problems or part.role in ("title", "salutation"):
            continue
        label = stage_label(part.role, part.number)
        s.warn(f"{label}检查出 {len(problems)} 处问题（{problems[0]}），正在重新生成{label}。")
        messages = revise_messages(
            plan, prompts, draft=draft.text, part=part.text,
            instruction=fix_part_instruction(prompts, problems), references=part_hits(i),
        )  # fmt: skip
        try:
            text = s.write_part(
                messages, index=i, role=part.role, number=part.number, heading=part.heading,
                title=draft.title, target=count_chars(part.text), adjusting=True, reask=False,
            )  # fmt: skip
        except LLMError as e:
            s.warn(f"重新生成{label}失败，保留原文：{e.message}")
            s.emit(PartDone(part, i))
            continue
        candidate = draft.model_copy(deep=True)
        candidate.parts[i] = part.model_copy(update={"text": text})
        after = check_draft(candidate, plan, references, only=[i]).parts.get(i, [])
        # A rewrite that dropped most of the part "fixes" its problems by losing its content;
        # one that brings in a problem of form (a title, a salutation, other markers) is worse.
        # Sentences copied from another part are not content: dropping them is the fix asked for.
        copied = sum(count_chars(x) for x in _copied_sentences(draft, i))
        shrunk = count_chars(text) < KEEP_SHARE * (count_chars(part.text) - copied)
        worse = shrunk or bool(broken_by(draft, candidate, plan, i))
        if s.last_cut or worse or len(after) >= len(problems):
            s.emit(PartDone(part, i))  # the rewrite is no better: the part stays as it was
            continue
        draft = candidate
        s.emit(PartDone(candidate.parts[i], i))
    final = check_draft(draft, plan, references)
    for i, problems in sorted(final.parts.items()):
        part = draft.parts[i]
        for m in problems:
            s.warn(f"{stage_label(part.role, part.number)}：{m}")
    for m in final.draft:
        s.warn(m)
    return with_warnings(draft, final)


def broken_by(before: Draft, after: Draft, plan: SpeechPlan, index: int) -> list[str]:
    """Problems of form that a rewrite of part ``index`` brought in (a revision with any is refused)."""
    old = check_draft(before, plan, only=[index])
    new = check_draft(after, plan, only=[index])
    had = set(old.parts.get(index, [])) | set(old.draft)
    return [m for m in [*new.parts.get(index, []), *new.draft] if m in new.structural and m not in had]
