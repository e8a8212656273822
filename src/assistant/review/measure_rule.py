"""Rule "measure": wording beyond the brief's 问责层级, and a heavy measure never announced.

The ladder and each level's ``beyond`` words are data (data/measures.yaml); what marks a threat,
a denial and an announcement is data too (review_rules.yaml, ``measure``). A sentence using a
beyond word as this meeting's own act is a warning; the same word in a threat of what follows
failure ("对整改不力的，将予以通报批评"), denied ("不予通报批评") or told as what already happened
("已立案审查调查3人") is a hint only: such threats are how every 约谈 speech ends a part. Wording the brief itself gave is the clerk's fact and
is not reported. A speech at a level that announces a decision (通报批评 and up) and never does so
is a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from assistant.domain.measures import Measure, find_measure
from assistant.review.model import CheckInput, Finding
from assistant.review.placeholders import FILL_MARK
from assistant.review.registry import finding, load_data, rule

NAME = "measure"

_SENTENCE_RE = re.compile(r"[^。！？；!?;]+[。！？；!?;]*")
_CLAUSE_SPLIT_RE = re.compile(r"[，。；：、！？,;:]")


@dataclass(frozen=True)
class _Markers:
    conditional: tuple[re.Pattern[str], ...]
    negated: re.Pattern[str]
    reported: re.Pattern[str]
    decision_verbs: re.Pattern[str]
    decision_lead: re.Pattern[str]


@lru_cache(maxsize=1)
def _markers() -> _Markers:
    data = load_data("review_rules.yaml")["measure"]
    return _Markers(
        tuple(re.compile(p) for p in data["conditional"]),
        re.compile(data["negated"]),
        re.compile(data["reported"]),
        re.compile(data["decision_verbs"]),
        re.compile(data["decision_lead"]),
    )


def decision_blank(measure: Measure) -> str:
    """The marked blank a draft holds where a decision the brief does not give is to be announced."""
    return f"{FILL_MARK}（{measure.decision}）"


def usage(sentence: str, word: str) -> str:
    """How a sentence uses a measure word: "conditional", "negated", "reported" or "actual"."""
    at = sentence.find(word)
    before = sentence[:at] if at >= 0 else sentence
    m = _markers()
    if m.negated.search(before):
        return "negated"
    if any(p.search(before) for p in m.conditional):
        return "conditional"
    if m.reported.search(before):
        return "reported"
    return "actual"


def _from_brief(word: str, sentence: str, brief_texts: list[str]) -> bool:
    # The brief's own wording ("曾因同类问题被全市通报批评") is the clerk's fact, said on purpose.
    for text in brief_texts:
        for clause in _CLAUSE_SPLIT_RE.split(text):
            if word in clause and len(clause) > len(word) and clause in sentence:
                return True
    return False


def beyond_findings(text_lines: list[str], measure: Measure, brief_texts: list[str]) -> Iterator[tuple[int, int, str, str, str]]:
    """(line index, column, sentence, word, usage) of each sentence using a beyond word of the level."""
    for i, line in enumerate(text_lines):
        for m in _SENTENCE_RE.finditer(line):
            sentence = m.group(0).strip()
            words = [w for w in measure.beyond_in(sentence) if not _from_brief(w, sentence, brief_texts)]
            if not words:
                continue
            # A shorter beyond word inside a longer one (处分 in 给予处分) is the same use.
            first = min(words, key=sentence.find)
            yield i, m.start() + m.group(0).find(sentence), sentence, first, usage(sentence, first)


def states_decision(text: str, measure: Measure, decisions: list[str]) -> bool:
    """Whether a text announces the level's decision: a brief decision, a marked blank, or its words."""
    if FILL_MARK in text:
        return True  # the blank is there; the placeholder rule asks to fill it
    for d in decisions:
        clauses = [c for c in _CLAUSE_SPLIT_RE.split(d) if len(c) >= 4]
        if clauses and any(c in text for c in clauses):
            return True
    markers = _markers()
    for line in text.split("\n"):
        for m in _SENTENCE_RE.finditer(line):
            sentence = m.group(0)
            if markers.decision_lead.search(sentence):
                continue
            for word in measure.decision_words:
                if word in sentence and markers.decision_verbs.search(sentence) and usage(sentence, word) == "actual":
                    return True
    return False


@rule(NAME, "问责层级")
def check_measure(ctx: CheckInput) -> Iterator[Finding]:
    """Sentences whose wording goes beyond the brief's level; a heavy level's decision never stated."""
    if ctx.brief is None:
        return  # no brief, no level: nothing to measure against
    measure = find_measure(ctx.brief.measure)
    brief_texts = ctx.brief.all_facts()
    for i, column, sentence, word, use in beyond_findings(ctx.lines, measure, brief_texts):
        if use == "actual":
            yield finding(
                ctx, NAME, "warning",
                f"本次问责层级为“{measure.name}”（{measure.tone}），此句用了“{word}”，措辞超出了这一层级。"
                f"如确要宣布这样的处理，请把约谈要素的问责层级改为相应层级；否则请改写此句。",
                i, sentence, column,
            )  # fmt: skip
        else:
            how = {"negated": "以否定方式", "reported": "作为已经发生的事实"}.get(use, "作为对后续情形的警示")
            yield finding(
                ctx, NAME, "hint",
                f"本次问责层级为“{measure.name}”，此句{how}提到“{word}”，不是本次的处理；"
                f"如希望措辞更符合“{measure.name}”的分寸，可删去或改轻。",
                i, sentence, column,
            )  # fmt: skip
    if measure.announces and not states_decision(ctx.text, measure, ctx.brief.decisions):
        yield finding(
            ctx, NAME, "warning",
            f"本次问责层级为“{measure.name}”，但讲话稿中没有宣布{measure.name}决定（应写明{measure.decision}）。"
            f"请在约谈要素的“约谈决定”中填写决定，或在稿中补上。",
        )  # fmt: skip
