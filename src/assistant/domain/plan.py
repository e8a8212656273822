"""A brief resolved once: meeting kind, tone, title and each part's length. Everything below uses it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from assistant.domain.brief import Brief, choose_kind, parse_brief
from assistant.domain.kinds import MeetingKind, RoleSpec
from assistant.domain.measures import Measure, find_measure
from assistant.domain.models import Draft
from assistant.domain.titles import default_title


@dataclass(frozen=True)
class SpeechPlan:
    """What one speech is to be: the brief plus everything derived from it, computed once."""

    brief: Brief
    kind: MeetingKind
    tone: str
    title: str
    part_targets: tuple[int, ...]  # characters per part, aligned with kind.roles
    kind_notice: str = ""  # set when the kind was detected instead of given
    measure: Measure = field(default_factory=lambda: find_measure(""))  # the brief's 问责层级

    @property
    def length(self) -> int:
        """Target length of the whole speech in characters."""
        return self.brief.length

    def target(self, role: str) -> int:
        """Target characters of the first part with this role (an extra section: the mean body part)."""
        for spec, n in zip(self.kind.roles, self.part_targets, strict=True):
            if spec.role == role:
                return n
        body = [n for spec, n in zip(self.kind.roles, self.part_targets, strict=True) if spec.is_body]
        return round(sum(body) / len(body)) if body else max(200, round(self.length * 0.15))

    def spec(self, role: str) -> RoleSpec | None:
        """The kind's specification of a part, or None for an extra section."""
        return self.kind.role_spec(role)


def tone_for(brief: Brief, kind: MeetingKind) -> str:
    """The brief's tone when the user gave one, else the kind's default tone."""
    if "tone" in brief.model_fields_set and brief.tone.strip():
        return brief.tone
    return kind.tone or brief.tone


def left_out_roles(brief: Brief | None) -> frozenset[str]:
    """The parts a speech at the brief's level leaves out: its optional parts the brief does not fill."""
    if brief is None:
        return frozenset()
    measure = find_measure(brief.measure)
    return frozenset(r for r in measure.optional_parts if not getattr(brief, r, None))


def kind_at_level(kind: MeetingKind, brief: Brief, measure: Measure) -> MeetingKind:
    """The kind's parts as this level writes them: parts left out, headings replaced, no beyond wording.

    A must-contain item using wording beyond the level (考核问责 in a 提醒谈话) is dropped, so the
    prompt never asks for what the level forbids.
    """
    skip = left_out_roles(brief)
    roles = []
    for spec in kind.roles:
        if spec.role in skip:
            continue
        musts = [m for m in spec.must_contain if not measure.beyond_in(m)] or [measure.tone]
        update: dict = {"must_contain": musts}
        if spec.role in measure.headings:
            update["heading"] = measure.headings[spec.role]
        roles.append(spec.model_copy(update=update))
    emphasis = _without_beyond(kind.emphasis, measure)
    if roles == kind.roles and emphasis == kind.emphasis:
        return kind
    # model_copy skips validation on purpose: a level may leave out a part every kind file must have.
    return kind.model_copy(update={"roles": roles, "emphasis": emphasis})


def _without_beyond(text: str, measure: Measure) -> str:
    # "……节点管控和考核问责。" in a 提醒谈话: the item with the beyond word goes, the rest stays.
    pieces = re.split(r"(?<=[，、；。])", text)
    kept = "".join(p for p in pieces if not measure.beyond_in(p))
    if kept == text:
        return text
    kept = re.sub(r"[，、；]+(?=[。；]|$)", "", kept)
    return kept + "。" if text.endswith("。") and not kept.endswith("。") else kept


def make_plan(brief: Brief, kinds: dict[str, MeetingKind]) -> SpeechPlan:
    """Resolve a brief: its kind (given or detected, with a notice), level, tone, title and part lengths."""
    choice = choose_kind(brief, kinds)
    measure = find_measure(brief.measure)
    kind = kind_at_level(choice.kind, brief, measure)
    return SpeechPlan(
        brief=brief,
        kind=kind,
        tone=tone_for(brief, kind),
        title=default_title(brief.meeting, brief.title),
        part_targets=tuple(kind.part_lengths(brief.length)),
        kind_notice=choice.notice,
        measure=measure,
    )


def plan_for_draft(
    draft: Draft, kinds: dict[str, MeetingKind], brief: Brief | None = None
) -> SpeechPlan:
    """The plan a draft was written to: its saved brief (or a neutral stand-in) and its kind."""
    if brief is None and draft.brief:
        brief = parse_brief(draft.brief, "（讲话稿中保存的约谈要素）")
    if brief is None:
        placeholder = ["（以讲话稿原文为准）"]
        brief = Brief(
            meeting=draft.title or "约谈会",
            targets=placeholder,
            issues=placeholder,
            requirements=placeholder,
        )
    if draft.kind in kinds:
        # The kind was settled when the draft was written; never detect it again.
        brief = brief.model_copy(update={"kind": draft.kind})
    plan = make_plan(brief, kinds)
    return replace(plan, title=draft.title or plan.title)
