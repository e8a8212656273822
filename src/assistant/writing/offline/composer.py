"""Offline composer: a complete draft from the brief and the reference library, without an LLM.

The brief supplies every fact (targets, issues, facts, decisions, requirements, deadlines), used
verbatim. The library supplies only connective rhetoric: sentences of retrieved reference points
that carry no names, places, units, numbers or dates of their own (see `sentence_filter`) and
whose subject fits this meeting (`subject`: no 火灾 in a gas-leak speech). Original generic
sentences, points and one sentence per summoned unit from `data/offline_phrases.yaml` fill in
when the library is missing, empty, or runs out. No set phrase is used more than twice (once per
part), and no sentence or clause twice (`repetition`).

Length: each part aims at its share of the target length, counted in non-whitespace characters;
connective sentences are added until a part is as close to its target as a whole sentence
allows, and removed (newest first) when the draft runs over. Facts from the brief are never
dropped: if they alone exceed the target, the draft is longer than asked. A draft more than 15%
off its target carries a warning saying how much was reached and why (`length.length_notice`). The output is
deterministic: no randomness, hits sorted stably, varied phrasing picked by a hash of the brief.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.domain.kinds import MeetingKind
from assistant.domain.models import Draft, SearchHit, count_chars, speech_chars
from assistant.domain.numbering import CN_NUMERALS
from assistant.domain.plan import SpeechPlan
from assistant.intake.chunking import split_sentences
from assistant.library.protocol import SearchLibrary
from assistant.library.references import search_references
from assistant.review.measure_rule import decision_blank
from assistant.writing.offline.layout import (
    Block,
    Candidate,
    Part,
    bigrams,
    brief_hash,
    clause,
    draft_parts,
    norm,
    rotate,
    sentence,
    short_form,
    speaker_org,
)
from assistant.writing.offline.length import balance, length_notice
from assistant.writing.offline.repetition import Repetition
from assistant.writing.offline.sentence_filter import is_generic_sentence, load_phrases, place_names
from assistant.writing.offline.subject import SubjectFit
from assistant.writing.offline.vocabulary import nouns_and_verbs

OFFLINE_MODE = "offline"
OFFLINE_LABEL = "离线组稿（未使用大模型）"
CLOSING_LEAD = "同志们，"

#: Hits fetched per library query (per filter): at least this many, more for long speeches.
HITS_PER_QUERY = 8
MAX_HITS_PER_QUERY = 60
CHARS_PER_HIT = 200
#: Issues named in the opening; the rest are summed up with 等.
OPENING_ISSUES = 3
#: Shared han bigrams needed to file a fact under an issue instead of the overview paragraph.
FACT_OVERLAP = 3
#: A connective is a near-duplicate when this share of its (or the other's) bigrams recur …
NEAR_DUPLICATE = 0.5
#: … or when it opens with the same characters as a sentence of its paragraph (说到底，…) …
OPENER = 3
#: … or as this many sentences elsewhere in the draft (整改要…, 整改要…, 整改要…, 整改要…).
OPENER_USES = 3
#: The sentences a connective is read next to: the last ones of its block.
NEAR = 4


class _Composer:
    def __init__(
        self,
        plan: SpeechPlan,
        library: SearchLibrary | None,
        phrases: dict[str, Any],
        kinds: dict[str, MeetingKind],
    ):
        brief, kind = plan.brief, plan.kind
        self.plan = plan
        self.brief = brief
        self.kind = kind
        self.measure = plan.measure
        # The level's own wording (data/offline_phrases.yaml `measures`) replaces the default.
        self.level_phrases: dict[str, Any] = (phrases.get("measures", {}) or {}).get(plan.measure.id, {}) or {}
        self.library = library
        self.phrases = phrases
        self.seed = brief_hash(brief)
        self.allowed = "\n".join(
            [
                *brief.all_facts(),
                *kind.names,
                kind.topic,
                *kind.keywords,
                *(r.heading_for(kind.topic) for r in kind.roles),
            ]
        )
        self.reject_words = tuple(str(w) for w in phrases.get("reject_words", []))
        # Keywords of the other meeting kinds mark sentences about another field (耕地, 信访 …).
        self.foreign_words = tuple(
            sorted(
                {
                    w
                    for k in kinds.values()
                    if k.id != kind.id
                    for w in k.keywords
                    if len(w) >= 2 and w not in self.allowed
                }
            )
        )
        # The subject test uses the brief and the kind's file; other kinds' keywords are blocked.
        self.subject = SubjectFit.for_meeting(
            "\n".join(brief.all_facts()),
            kind,
            kinds.values(),
            [str(w) for w in phrases.get("event_words", [])],
        )
        self.repetition = Repetition(
            [str(p) for p in phrases.get("set_phrases", [])], "\n".join(brief.all_facts())
        )
        self._cache: dict[tuple, list[SearchHit]] = {}
        self._grams: dict[str, set[str]] = {}
        self.used: set[str] = set()
        self.org = speaker_org(brief.speaker)

    # ------------------------------------------------------------ retrieval

    def _search(self, query: str, role: str, kind: str | None, mode: str) -> list[SearchHit]:
        key = (query, role, kind, mode)
        if key not in self._cache:
            k = min(MAX_HITS_PER_QUERY, max(HITS_PER_QUERY, self.plan.length // CHARS_PER_HIT))
            self._cache[key] = search_references(
                self.library, self.plan, query, role=role, k=k, kind=kind, mode=mode
            )
        return self._cache[key]

    def _candidates(self, hits: list[SearchHit], role: str) -> list[Candidate]:
        out: list[Candidate] = []
        seen: set[str] = set()
        for h in hits:
            after_semicolon = False
            names = place_names(h.title)
            for s in split_sentences(h.text):
                s = s.strip()
                # A sentence after "；" continues the one before it and cannot stand alone.
                follows, after_semicolon = after_semicolon, s.endswith("；")
                if follows:
                    continue
                # "同志们，……" opens a closing by summing up that speech's own subject.
                if s.startswith(CLOSING_LEAD):
                    continue
                key = norm(s)
                if key in seen or not is_generic_sentence(
                    s, self.allowed, self.reject_words, self.foreign_words, names
                ):
                    continue
                # Generic in form, but about another meeting's subject (火灾 in a gas-leak speech).
                if not self.subject.fits(s) or not self.fits_level(s):
                    continue
                seen.add(key)
                out.append((s, h.chunk_id))
        return out

    def _retrieve(
        self, query: str, role: str, dense: bool
    ) -> tuple[list[Candidate], list[Candidate]]:
        same = self._search(query, role, self.kind.id, "hybrid" if dense else "bm25")
        anyk = self._search(query, role, None, "bm25")
        return self._candidates(same, role), self._candidates(anyk, role)

    # ------------------------------------------------------------ building parts

    def fits_level(self, text: str) -> bool:
        """No wording beyond the brief's 问责层级 (no 问责 or 通报批评 in a 提醒谈话)."""
        return not self.measure.beyond_in(text)

    def _level_only(self, items: list[str]) -> list[str]:
        return [s for s in items if self.fits_level(s)]

    def _fallback(self, role: str) -> list[str]:
        items = [str(s) for s in (self.phrases.get(role, {}) or {}).get("fallback", [])]
        return rotate(self._level_only(items), self.seed)

    def _template(self, role: str, key: str) -> Any:
        own = (self.level_phrases.get(role, {}) or {}).get(key)
        return own if own is not None else self.phrases[role][key]

    def _phrase(self, role: str, key: str, index: int = 0, **values: str) -> str:
        template = self._template(role, key)
        if isinstance(template, list):  # variants, taken in turn
            template = template[index % len(template)]
        return str(template).format(**values)

    def build(self) -> list[Part]:
        parts: list[Part] = []
        number = 0
        done: set[str] = set()
        for spec in self.kind.roles:
            part = Part(spec=spec, fallback=self._fallback(spec.role))
            if spec.is_body:
                number += 1
                part.number = number
                part.heading = spec.heading_for(self.kind.topic)
            first = spec.role not in done
            done.add(spec.role)
            builder = getattr(self, f"_build_{spec.role}")
            queries = builder(part, first)
            # Part-wide pools: every query's candidates, same kind first.
            for n, (block, query) in enumerate(queries):
                # Embedding a query is the slow step: one meaning-based (hybrid) query per
                # numbered section; the opening, the closing and per-item queries use BM25.
                same, anyk = self._retrieve(query, spec.role, dense=n == 0 and spec.is_body)
                if block is not None:
                    block.own, block.own_any = same, anyk
                part.pool += same
                part.pool_any += anyk
            parts.append(part)
        self._register(parts)
        return parts

    def _register(self, parts: list[Part]) -> None:
        # What the draft says before any connective: headings, the brief's sentences, templates.
        for part in parts:
            self.repetition.add(part.heading)
            for block in part.blocks:
                for text in (block.prefix, *block.core, block.suffix):
                    if text:
                        self.repetition.add(text)
                        self.used.add(norm(text))

    def _per_target(self, role: str) -> list[Candidate]:
        """One sentence per summoned unit, each variant in turn: about this meeting by construction."""
        templates = self._level_only([str(t) for t in (self.phrases.get(role, {}) or {}).get("per_target", [])])
        if not templates:
            return []
        templates = rotate(templates, self.seed)
        return [
            (templates[n % len(templates)].format(target=clause(t)), "")
            for n, t in enumerate(self.brief.targets)
        ]

    def _verb(self) -> str:
        own = (self.level_phrases.get("opening", {}) or {}).get("verb")
        if own:
            return str(own)
        m = self.brief.meeting
        return "谈话" if "谈话" in m and "约谈" not in m else "约谈"

    def _build_opening(self, part: Part, first: bool) -> list[tuple[Block | None, str]]:
        b = self.brief
        targets = "、".join(clause(t) for t in b.targets)
        values = {"meeting": clause(b.meeting), "targets": targets, "verb": self._verb()}
        if self.org:
            decided = self._phrase("opening", "decided_by", org=self.org, **values)
        else:
            decided = self._phrase("opening", "decided", **values)
        # The issues are stated in full in the first section; the opening only names them.
        issues = [short_form(i) for i in b.issues[:OPENING_ISSUES]]
        reason = self._phrase("opening", "reason", issues="、".join(issues))
        key = "transition_by" if self.org else "transition"
        transition = self._phrase("opening", key, org=self.org)
        # A kind has exactly one opening (checked when kinds are loaded).
        block = Block(core=[decided, reason], suffix=transition)
        part.blocks.append(block)
        return [(block, f"开场白 召开约谈会的缘由 {b.meeting}")]

    def _attach_facts(self) -> tuple[list[list[str]], list[str]]:
        issues = self.brief.issues
        grams = [bigrams(i) for i in issues]
        attached: list[list[str]] = [[] for _ in issues]
        loose: list[str] = []
        for fact in self.brief.facts:
            fg = bigrams(fact)
            scores = [len(fg & g) for g in grams]
            best = max(scores, default=0)
            if best >= FACT_OVERLAP:
                attached[scores.index(best)].append(fact)
            else:
                loose.append(fact)
        return attached, loose

    def _build_harm(self, part: Part, first: bool) -> list[tuple[Block | None, str]]:
        b = self.brief
        queries: list[tuple[Block | None, str]] = []
        lead = Block()
        part.blocks.append(lead)
        queries.append((lead, f"{self.kind.topic}的严重危害和影响 {b.meeting}"))
        if not first:
            return queries
        attached, loose = self._attach_facts()
        if loose:
            lead.core.append(
                self._phrase("harm", "facts", facts="；".join(clause(f) for f in loose))
            )
        for issue, facts in zip(b.issues, attached, strict=True):
            block = Block(core=[sentence(issue), *(sentence(f) for f in facts)], point=True)
            part.blocks.append(block)
            queries.append((block, f"{clause(issue)}的危害"))
        part.optional_points = self._level_only([str(p) for p in self.phrases["harm"].get("points", [])])
        return queries

    def _build_causes(self, part: Part, first: bool) -> list[tuple[Block | None, str]]:
        b = self.brief
        queries: list[tuple[Block | None, str]] = []
        lead = Block()
        part.blocks.append(lead)
        queries.append((lead, f"{self.kind.topic}背后的原因 根源 主观 客观"))
        if not first:
            return queries
        roots = rotate([str(r) for r in self.phrases["causes"]["roots"]], self.seed // 7)
        templates = [str(t) for t in self.phrases["causes"]["points_from_issues"]]
        for n, issue in enumerate(b.issues):
            template = templates[n % len(templates)]
            text = template.format(issue=short_form(issue), root=roots[n % len(roots)])
            block = Block(core=[text], point=True)
            part.blocks.append(block)
            queries.append((block, f"{clause(issue)}的原因"))
        part.optional_points = self._level_only([str(p) for p in self.phrases["causes"].get("points", [])])
        return queries

    def _build_decisions(self, part: Part, first: bool) -> list[tuple[Block | None, str]]:
        b = self.brief
        attitude = Block()
        if first:
            key = "intro_by" if self.org else "intro"
            intro = self._phrase("decisions", key, org=self.org)
            if b.decisions:
                part.blocks.append(Block(core=[intro], fillable=False))
                for d in b.decisions:
                    part.blocks.append(Block(core=[sentence(d)], point=True, fillable=False))
            elif self.measure.announces:
                # A level that announces a decision the brief does not give: a marked blank, never
                # an invented decision (the checker's placeholder rule asks to fill it).
                blank = self._phrase("decisions", "blank", name=self.measure.name, blank=decision_blank(self.measure))
                part.blocks.append(Block(core=[blank], fillable=False))
            else:
                part.blocks.append(Block(core=[str(self._template("decisions", "none"))], fillable=False))
            attitude.core.append(str(self._template("decisions", "attitude")))
        part.blocks.append(attitude)
        if first:
            part.pool += self._per_target("decisions")
        query = "端正态度 正确对待约谈 处理决定 追责问责"
        if b.decisions:
            query += " " + clause(b.decisions[0])
        return [(attitude, query)]

    def _build_rectification(self, part: Part, first: bool) -> list[tuple[Block | None, str]]:
        b = self.brief
        queries: list[tuple[Block | None, str]] = []
        lead = Block()
        part.blocks.append(lead)
        queries.append((lead, "整改落实 限期整改 举一反三 长效机制"))
        if not first:
            return queries
        timed = 0
        for req in b.requirements:
            c = clause(req)
            if _TIME_START_RE.match(c):
                req_text = as_requirement(c)
                text = sentence(self._phrase("rectification", "timed", index=timed, req=req_text))
                timed += 1
            else:
                text = sentence(as_requirement(c))
            block = Block(core=[text], point=True)
            part.blocks.append(block)
            queries.append((block, f"{c} 整改"))
        if not b.requirements:
            part.blocks.append(Block(core=[str(self.phrases["rectification"]["none"])]))
        part.optional_points = self._level_only(
            [str(p) for p in self.phrases["rectification"].get("points", [])]
        )
        part.pool += self._per_target("rectification")
        return queries

    def _build_closing(self, part: Part, first: bool) -> list[tuple[Block | None, str]]:
        # Each half of a mixed tone ("严肃中有鼓励") adds its own sentence.
        tones = self.level_phrases.get("tones") or self.phrases.get("tones", [])
        toned = [str(t["closing"]) for t in tones if any(w in self.plan.tone for w in t["words"])]
        block = Block(
            core=[*self._level_only(toned), str(self._template("closing", "default"))],
            prefix=CLOSING_LEAD,
            extras_first=True,
        )
        part.blocks.append(block)
        return [(block, f"结束语 同志们 {self.brief.meeting} 抓好整改")]

    # ------------------------------------------------------------ length

    def _next(self, part: Part, block: Block, tier: int) -> Candidate | None:
        # Sentences from other kinds of meetings often speak of another field: they are used
        # (tier 2) only when same-kind and built-in sentences are exhausted everywhere.
        sources = [block.own, part.pool, [(s, "") for s in part.fallback]]
        if tier >= 2:
            sources += [block.own_any, part.pool_any]
        # A set phrase is said once per part at most (说到底 … 二是……说到底是……).
        context = part.heading + part.render()
        for source in sources:
            for cand in source:
                if (
                    norm(cand[0]) not in self.used
                    and not self.echoes(cand[0], block)
                    and self.repetition.allows(cand[0], context)
                ):
                    return cand
        return None

    def echoes(self, text: str, block: Block | None = None) -> bool:
        """A near-duplicate of a sentence already in the draft, or opening with the same words."""
        grams = self._bigrams(text)
        opener = text[:OPENER]
        if block is not None and any(c.startswith(opener) for c in block_sentences(block)[-NEAR:]):
            return True
        if sum(other.startswith(opener) for other in self.used) >= OPENER_USES:
            return True
        for other in self.used:
            theirs = self._bigrams(other)
            shared = grams & theirs
            if shared and len(shared) >= NEAR_DUPLICATE * min(len(grams), len(theirs)):
                return True
        return False

    def _bigrams(self, text: str) -> set[str]:
        if text not in self._grams:
            self._grams[text] = bigrams(text)
        return self._grams[text]

    def _use(self, part: Part, block: Block, cand: Candidate) -> None:
        block.extras.append(cand)
        self.used.add(norm(cand[0]))
        self.repetition.add(cand[0])
        part.history.append((block, cand))

    def fill(self, part: Part, target: int, tier: int = 1) -> bool:
        """Add connectives (and generic points) while that brings the part nearer its target."""
        grew = False
        cur = part.length()
        while cur < target:
            added = False
            context = part.heading + part.render()
            while part.optional_points and not self.repetition.allows(
                part.optional_points[0], context
            ):
                part.optional_points.pop(0)  # a generic point that would repeat a set phrase
            if part.optional_points:
                text = part.optional_points[0]
                n = count_chars(text) + 2
                if 2 * cur + n < 2 * target:
                    part.optional_points.pop(0)
                    block = Block(core=[text], point=True, fillable=False)
                    part.blocks.append(block)
                    part.history.append((block, None))
                    self.repetition.add(text)
                    cur = part.length()
                    added = grew = True
            for block in [b for b in part.blocks if b.fillable]:
                if cur >= target:
                    break
                cand = self._next(part, block, tier)
                if cand is None:
                    continue
                n = count_chars(cand[0])
                if 2 * cur + n >= 2 * target:  # would overshoot by more than it gains
                    continue
                self._use(part, block, cand)
                cur = part.length()
                added = grew = True
            if not added:
                break
        return grew

    def trim(self, part: Part) -> bool:
        """Remove the newest connective or generic point; brief facts are never removed."""
        if not part.history:
            return False
        block, cand = part.history.pop()
        if cand is None:
            part.blocks.remove(block)
            part.optional_points.insert(0, block.core[0])
            self.repetition.remove(block.core[0])
        else:
            block.extras.remove(cand)
            self.used.discard(norm(cand[0]))
            self.repetition.remove(cand[0])
        return True


def block_sentences(block: Block) -> list[str]:
    """The sentences of a block as they stand: its core, then its connectives."""
    return [*block.core, *(c[0] for c in block.extras)]


def as_requirement(req: str) -> str:
    """A requirement as the body of "一要……": 确保 before a deadline or a subject, else as given."""
    req = req.removeprefix("要")
    words = nouns_and_verbs(req)
    first = words[0] if words else ("", "")
    # "工程12月底前通水运行": a subject before its deadline needs a verb of its own.
    dated_later = bool(_DEADLINE_RE.search(req[len(first[0]) :]))
    if first[1].startswith("v") and first[0] not in ("是", "有") and not dated_later:
        return req
    return "确保" + req


_DEADLINE_RE = re.compile(r"\d+月|\d+日|[一二三四五六七八九十两]个?(?:月|周|星期|工作日)内|年底|年内|月底")


_TIME_START_RE = re.compile(
    rf"^([0-9０-９]|[{CN_NUMERALS}]+月|约谈后|即日起|立即|年底|年内|月底|本月|本周|本季度|下月|今年|明年)"
)


def compose_offline(
    plan: SpeechPlan,
    library: SearchLibrary | None,
    kinds: dict[str, MeetingKind],
    created_at: str = "",
) -> Draft:
    """A complete speech in the kind's structure from the plan's brief and the library, without an LLM."""
    composer = _Composer(plan, library, load_phrases(), kinds)
    parts = composer.build()
    balance(composer, plan.title, parts, plan.length)
    draft = Draft(
        title=plan.title,
        kind=plan.kind.id,
        parts=draft_parts(plan.title, parts),
        mode=OFFLINE_MODE,
        label=OFFLINE_LABEL,
        created_at=created_at,
        brief=plan.brief.model_dump(),
    )
    # Never silently short (or long): the clerk is told how much was reached and why.
    notice = length_notice(speech_chars(draft), plan.length, library is not None)
    return draft.model_copy(update={"warnings": [notice]}) if notice else draft
