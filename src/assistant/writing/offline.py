"""Offline composer: a complete draft from the brief and the reference library, without an LLM.

The brief supplies every fact (targets, issues, facts, decisions, requirements, deadlines), used
verbatim. The library supplies only connective rhetoric: sentences of retrieved reference points
that carry no names, places, units, numbers or dates of their own (see `is_generic_sentence`).
When the library is missing, empty, or yields nothing usable, original generic sentences from
`data/offline_phrases.yaml` are used instead.

Length: each part aims at its share (the kind's `share`) of `brief.length`, counted in
non-whitespace characters; connective sentences are added until a part is as close to its target
as a whole sentence allows, and removed (newest first) when the draft runs over. Facts from the
brief are never dropped: if they alone exceed the target, the draft is longer than asked.
The output is deterministic: no randomness, hits sorted stably, varied phrasing picked by a hash
of the brief.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from assistant.brief import Brief
from assistant.kinds import MeetingKind, RoleSpec, default_kinds, resolve_kind
from assistant.library.chunking import split_sentences
from assistant.models import Draft, DraftPart, SearchHit, count_chars
from assistant.writing.prompts import cn_number, heading_line

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.library.store import Library

OFFLINE_MODE = "offline"
OFFLINE_LABEL = "离线组稿（未使用大模型）"
SALUTATION = "同志们："
CLOSING_LEAD = "同志们，"
PHRASES_FILE = Path(__file__).resolve().parents[1] / "data" / "offline_phrases.yaml"

#: Hits fetched per library query (per filter): at least this many, more for long speeches.
HITS_PER_QUERY = 8
MAX_HITS_PER_QUERY = 40
CHARS_PER_HIT = 200
#: Issues named in the opening; the rest are summed up with 等.
OPENING_ISSUES = 3
#: Length window of a reusable reference sentence (characters).
MIN_SENTENCE, MAX_SENTENCE = 10, 90
#: Connectives of an unnumbered paragraph start a new paragraph beyond this many characters.
PARAGRAPH_CHARS = 160
#: A sentence listing this many items (、) is a concrete measure, not rhetoric.
MAX_ENUMERATION = 3
#: Shared han bigrams needed to file a fact under an issue instead of the overview paragraph.
FACT_OVERLAP = 3
#: The draft is topped up while shorter than this fraction of the target length.
TOP_UP_BELOW = 0.97
#: ... and trimmed while longer than this fraction.
TRIM_ABOVE = 1.05

Candidate = tuple[str, str]  # (sentence, chunk_id); chunk_id is "" for the phrase file

_CN = "一二三四五六七八九十"
_HAN = re.compile(r"[\u4e00-\u9fff]")
_WS = re.compile(r"\s+")


# ---------------------------------------------------------------- small helpers


def marker_for(style: str, n: int) -> str:
    """The n-th paragraph marker of a style: 一是 → 三是, 一要 → 三要, （一） → （三）."""
    num = cn_number(n)
    if style == "一要":
        return f"{num}要"
    if style == "（一）":
        return f"（{num}）"
    return f"{num}是"


def _clause(s: str) -> str:
    """A brief item without trailing punctuation, so it can be built into a sentence."""
    return s.strip().rstrip("。；;，,.．、 ")


def _sentence(s: str) -> str:
    c = _clause(s)
    return c if c.endswith(("！", "？", "!", "?")) else c + "。"


def _norm(s: str) -> str:
    return _WS.sub("", s)


def _bigrams(s: str) -> set[str]:
    out: set[str] = set()
    for run in re.findall(r"[\u4e00-\u9fff]+", s):
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    return out


def _brief_hash(brief: Brief) -> int:
    return int(hashlib.sha256(brief.model_dump_json().encode("utf-8")).hexdigest()[:12], 16)


def _rotate(items: list[str], offset: int) -> list[str]:
    if not items:
        return []
    k = offset % len(items)
    return items[k:] + items[:k]


_TITLE_TAIL = re.compile(
    r"(常务副|副)?(市长|县长|区长|镇长|乡长|州长|省长|书记|主任|局长|厅长|部长|主席|组长|处长|科长|委员|秘书长|董事长|总经理)$"
)


def speaker_org(speaker: str) -> str:
    """The organisation in a speaker's title: 临江市人民政府副市长 → 临江市人民政府 ("" if none)."""
    first = re.split(r"[、，,；;/ ]", speaker.strip(), maxsplit=1)[0]
    org = first
    while True:
        m = _TITLE_TAIL.search(org)
        if not m or m.start() == 0:
            break
        org = org[: m.start()]
    return org if org != first and len(org) >= 2 else ""


@lru_cache(maxsize=4)
def _load_phrases(path: str) -> dict[str, Any]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"离线组稿用语文件 {path} 格式不正确")
    return data


def load_phrases(path: Path | str | None = None) -> dict[str, Any]:
    """The offline composer's phrase file (templates, fallback sentences, reject words)."""
    return _load_phrases(str(path or PHRASES_FILE))


# ---------------------------------------------------------------- the sentence filter

_END_RE = re.compile(r"[。！？][”’]?$")
# Digits, Latin letters, half-width punctuation and symbols that come with specifics.
_BAD_CHARS_RE = re.compile(
    r"[0-9０-９A-Za-zＡ-Ｚａ-ｚ,;:!?()\[\]{}<>/\\|_*#@&%％=+~^`'\"：（）【】［］＿×…—·•‘’「」『』\-]"
)
_PLACEHOLDER_RE = re.compile(r"XX|xx|××|某某|＿|【|】|\[\s*\]")
_MARKER_RE = re.compile(
    rf"(^[{_CN}]{{1,3}}、)|(^|[，。；！？、“])\s*([{_CN}]{{1,3}}[是要]|[（(][{_CN}0-9]{{1,3}}[）)]"
    rf"|第[{_CN}]{{1,3}}[，、]|首先|其次|再次|最后)"
)
_LEAD_RE = re.compile(
    r"^(但是?|而且?|所以|因此|因而|同时|另外|此外|还要|也|比如|例如|其中|特别是|尤其是|对此|为此|于是|"
    r"结果|然而|可是|不过|并且|总之|归结起来|综上|他|她|它|这(?!些)|那|此|上述|以上|后来|随后|接着|"
    r"偏偏|恰恰|正因|正是|如此|其实|事实上|实际上|可见|显然|换句话说|也就是说|何况|况且|甚至|更|还|又|"
    r"再|并|却|才|就|都|只|所谓|至于|另一方面|一方面|与此)"
)
_ME_RE = re.compile(r"(?<!自)我(?!们|国|党)")
_CN_NUMERALS = "零〇一二三四五六七八九十百千万亿两半几"
_QTY_RE = re.compile(
    rf"(第)?([{_CN_NUMERALS}]+)(小时|分钟|公里|季度|百分点|平方米|[个名家条起次项年月日号天人户亩元成倍批所座处轮期层件宗台辆吨米周位种类级只份分点场遍届栋间趟道些半])"
)
# After a bare 一 these measure words are usually not a quantity (一个, 一次, 一些 …).
_ONE_OK = set("个次些项种类级场遍点道份位批件处起条")
_UNIT_SUFFIXES = (
    "办公室", "公司", "集团", "中心", "项目", "工程", "街道", "社区", "园区",
    "省", "市", "县", "区", "镇", "乡", "村", "局", "委", "厂", "矿",
)  # fmt: skip
# Common words in which a suffix character does not name a unit (市场, 格局, 委托 …).
_NEXT_SKIP = {
    "市": "场民值", "区": "别分域间划", "局": "面势限部外", "委": "托员屈婉", "乡": "土愁亲情",
    "省": "略得力去心察", "矿": "产物石", "厂": "商家", "村": "庄",
}  # fmt: skip
_PREV_SKIP = {
    "局": "格大布全结开当骗残变时", "区": "误盲禁辖雷", "市": "城超", "乡": "城家故异",
    "村": "农", "镇": "坐重城", "省": "反节自", "中心": "为", "工程": "统",
}  # fmt: skip
_OFFICIAL_TITLES = re.compile(
    r"书记|市长|县长|区长|镇长|乡长|局长|厅长|处长|科长|主任|经理|董事长|总监|所长|站长|村长|队长|部长"
)
_QUOTE_RE = re.compile(r"“([^“”]*)”")
_BOOK_RE = re.compile(r"《[^《》]*》")
# A quoted phrase followed by one of these names a thing (“……”行动, “……”平台).
_NAME_HEADS = (
    "项目", "工程", "平台", "系统", "行动", "活动", "专项", "名单", "品牌", "计划", "方案",
    "小区", "公司", "工作法", "模式", "号", "杯", "奖", "大会",
)  # fmt: skip


_DURATION_RE = re.compile(r"[一两几半]个(月|星期|季度|工作日|小时|周)")


def _has_quantity(s: str) -> bool:
    if _DURATION_RE.search(s):
        return True
    for m in _QTY_RE.finditer(s):
        ordinal, numeral, unit = m.group(1), m.group(2), m.group(3)
        if ordinal:
            return True
        if numeral == "一" and unit in _ONE_OK:
            continue
        if numeral == "十" and unit == "分":  # 十分 = very
            continue
        return True
    return False


def _unit_tokens(s: str) -> Iterator[str]:
    """Place- and unit-like tokens: up to two han characters before a unit suffix (东湖区, 住建局)."""
    i = 0
    while i < len(s):
        for suffix in _UNIT_SUFFIXES:
            if not s.startswith(suffix, i):
                continue
            nxt = s[i + len(suffix) : i + len(suffix) + 1]
            prev = s[i - 1 : i] if i else ""
            if (nxt and nxt in _NEXT_SKIP.get(suffix, "")) or (
                prev and prev in _PREV_SKIP.get(suffix, "")
            ):
                break
            start = i
            while start > 0 and i - start < 2 and _HAN.match(s[start - 1]):
                start -= 1
            if start < i:
                yield s[start : i + len(suffix)]
            elif len(suffix) > 1:
                yield suffix  # 街道要…, 公司的…: a unit named by its kind alone
            else:
                # 市政府, 区住建局, 县委: a bare place character opening an abbreviation.
                end = i + 1
                while end < len(s) and end - i < 4 and _HAN.match(s[end]):
                    end += 1
                if end - i > 1:
                    yield s[i:end]
            i += len(suffix) - 1
            break
        i += 1


def is_generic_sentence(
    sentence: str,
    allowed_text: str = "",
    reject_words: Iterable[str] | None = None,
    foreign_words: Iterable[str] = (),
) -> bool:
    """True when a reference sentence carries no name, place, unit, number or date absent from allowed_text."""
    s = sentence.strip()
    if not MIN_SENTENCE <= len(s) <= MAX_SENTENCE or not _END_RE.search(s):
        return False
    if s.count("、") >= MAX_ENUMERATION:
        return False
    if _BAD_CHARS_RE.search(s) or _PLACEHOLDER_RE.search(s) or _MARKER_RE.search(s):
        return False
    if _LEAD_RE.match(s) or _ME_RE.search(s):
        return False
    phrases = load_phrases()
    words = phrases.get("reject_words", []) if reject_words is None else reject_words
    if any(w in s for w in words) or any(w in s for w in foreign_words):
        return False
    if any(w in s and w not in allowed_text for w in phrases.get("sanction_words", [])):
        return False
    if _has_quantity(s):
        return False
    if any(tok not in allowed_text for tok in _unit_tokens(s)):
        return False
    if any(m.group(0) not in allowed_text for m in _OFFICIAL_TITLES.finditer(s)):
        return False
    if s.count("“") != s.count("”") or any(b not in allowed_text for b in _BOOK_RE.findall(s)):
        return False
    for m in _QUOTE_RE.finditer(s):
        inner = m.group(1)
        if inner and inner in allowed_text:
            continue
        if re.search(rf"[{_CN_NUMERALS}]", inner):
            return False
        if s[m.end() :].startswith(_NAME_HEADS):
            return False
    return True


# ---------------------------------------------------------------- plan of a draft


@dataclass
class _Block:
    """One paragraph of a part: fixed core sentences plus connective extras."""

    core: list[str] = field(default_factory=list)
    point: bool = False  # numbered with the part's marker
    fillable: bool = True  # may receive connective sentences
    prefix: str = ""  # 同志们， for the closing
    suffix: str = ""  # 下面，我讲几点意见。 for the opening
    extras_first: bool = False  # closing: connectives come before the core sentence
    own: list[Candidate] = field(default_factory=list)  # from this block's own query, same kind
    own_any: list[Candidate] = field(default_factory=list)  # … any kind
    extras: list[Candidate] = field(default_factory=list)

    def paragraphs(self) -> list[str]:
        body = [c[0] for c in self.extras]
        if self.point or self.extras_first:
            parts = body + self.core if self.extras_first else self.core + body
            return [self.prefix + "".join(parts) + self.suffix]
        # An unnumbered paragraph: the core, then the connectives in paragraphs of moderate size.
        paras = ["".join(self.core)] if self.core else []
        current = ""
        for sentence in body:
            if current and count_chars(current) + count_chars(sentence) > PARAGRAPH_CHARS:
                paras.append(current)
                current = ""
            current += sentence
        if current:
            paras.append(current)
        if not paras:
            paras = [""]
        paras[0] = self.prefix + paras[0]
        paras[-1] += self.suffix
        return paras

    def empty(self) -> bool:
        return not self.core and not self.extras


@dataclass
class _Part:
    spec: RoleSpec
    number: int = 0
    heading: str = ""
    blocks: list[_Block] = field(default_factory=list)
    pool: list[Candidate] = field(default_factory=list)  # all same-kind candidates of the part
    pool_any: list[Candidate] = field(default_factory=list)
    fallback: list[str] = field(default_factory=list)
    optional_points: list[str] = field(default_factory=list)  # generic points not yet added
    # What fill() added, in order; None marks a whole generic point. trim() pops from the end.
    history: list[tuple[_Block, Candidate | None]] = field(default_factory=list)
    target: int = 0

    def render(self) -> str:
        lines: list[str] = []
        if self.number:
            lines.append(heading_line(self.number, self.heading))
        n = 0
        style = self.spec.markers or "一是"
        for b in self.blocks:
            if b.empty():
                continue
            paras = b.paragraphs()
            if b.point:
                n += 1
                paras[0] = marker_for(style, n) + paras[0]
            lines.extend(paras)
        return "\n".join(lines)

    def length(self) -> int:
        return count_chars(self.render())

    def sources(self) -> list[str]:
        seen: list[str] = []
        for b in self.blocks:
            for _, cid in b.extras:
                if cid and cid not in seen:
                    seen.append(cid)
        return seen


class _Composer:
    def __init__(
        self,
        brief: Brief,
        kind: MeetingKind,
        library: Library | None,
        phrases: dict[str, Any],
        kinds: dict[str, MeetingKind],
    ):
        self.brief = brief
        self.kind = kind
        self.library = library
        self.phrases = phrases
        self.seed = _brief_hash(brief)
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
        self._cache: dict[tuple, list[SearchHit]] = {}
        self.used: set[str] = set()
        self.org = speaker_org(brief.speaker)
        self.title = brief.title or f"在{brief.meeting}上的讲话"

    # ------------------------------------------------------------ retrieval

    def _search(self, query: str, role: str, kind: str | None, mode: str) -> list[SearchHit]:
        from assistant.library.embeddings import EmbeddingError
        from assistant.library.store import EmbeddingMismatchError, LibraryError

        lib = self.library
        if lib is None or not query.strip():
            return []
        key = (query, role, kind, mode)
        if key in self._cache:
            return self._cache[key]
        k = min(MAX_HITS_PER_QUERY, max(HITS_PER_QUERY, self.brief.length // CHARS_PER_HIT))
        args: dict[str, Any] = {"k": k, "role": role, "kind": kind, "mode": mode}
        if self.brief.exclude_docs:
            args["exclude_doc_ids"] = list(self.brief.exclude_docs)
        hits: list[SearchHit] = []
        calls = [{"doc_ids": list(self.brief.prefer_docs)}] if self.brief.prefer_docs else []
        for extra in [*calls, {}]:
            try:
                try:
                    got = lib.search(query, **args, **extra)
                except EmbeddingMismatchError:
                    got = lib.search(query, **{**args, "mode": "bm25"}, **extra)
            except (LibraryError, EmbeddingError):
                got = []
            hits += sorted(got, key=lambda h: (-h.score, h.chunk_id))
        self._cache[key] = hits
        return hits

    def _candidates(self, hits: list[SearchHit], role: str) -> list[Candidate]:
        out: list[Candidate] = []
        seen: set[str] = set()
        for h in hits:
            after_semicolon = False
            for s in split_sentences(h.text):
                s = s.strip()
                # A sentence after "；" continues the one before it and cannot stand alone.
                follows, after_semicolon = after_semicolon, s.endswith("；")
                if follows:
                    continue
                if role == "closing" and s.startswith(CLOSING_LEAD):
                    s = s[len(CLOSING_LEAD) :]
                key = _norm(s)
                if key in seen or not is_generic_sentence(
                    s, self.allowed, self.reject_words, self.foreign_words
                ):
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

    def _fallback(self, role: str) -> list[str]:
        items = [str(s) for s in (self.phrases.get(role, {}) or {}).get("fallback", [])]
        return _rotate(items, self.seed)

    def _phrase(self, role: str, key: str, index: int = 0, **values: str) -> str:
        template = self.phrases[role][key]
        if isinstance(template, list):  # variants, taken in turn
            template = template[index % len(template)]
        return str(template).format(**values)

    def build(self) -> list[_Part]:
        parts: list[_Part] = []
        number = 0
        done: set[str] = set()
        for spec in self.kind.roles:
            part = _Part(spec=spec, fallback=self._fallback(spec.role))
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
        return parts

    def _verb(self) -> str:
        m = self.brief.meeting
        return "谈话" if "谈话" in m and "约谈" not in m else "约谈"

    def _build_opening(self, part: _Part, first: bool) -> list[tuple[_Block | None, str]]:
        b = self.brief
        targets = "、".join(_clause(t) for t in b.targets)
        values = {"meeting": _clause(b.meeting), "targets": targets, "verb": self._verb()}
        if self.org:
            decided = self._phrase("opening", "decided_by", org=self.org, **values)
        else:
            decided = self._phrase("opening", "decided", **values)
        issues = [_clause(i) for i in b.issues]
        more = self.phrases["opening"].get("more", "等") if len(issues) > OPENING_ISSUES else ""
        reason = self._phrase(
            "opening", "reason", issues="；".join(issues[:OPENING_ISSUES]), more=str(more)
        )
        # A kind has exactly one opening (checked when kinds are loaded).
        block = _Block(core=[decided, reason], suffix=str(self.phrases["opening"]["transition"]))
        part.blocks.append(block)
        return [(block, f"开场白 召开约谈会的缘由 {b.meeting}")]

    def _attach_facts(self) -> tuple[list[list[str]], list[str]]:
        issues = self.brief.issues
        grams = [_bigrams(i) for i in issues]
        attached: list[list[str]] = [[] for _ in issues]
        loose: list[str] = []
        for fact in self.brief.facts:
            fg = _bigrams(fact)
            scores = [len(fg & g) for g in grams]
            best = max(scores, default=0)
            if best >= FACT_OVERLAP:
                attached[scores.index(best)].append(fact)
            else:
                loose.append(fact)
        return attached, loose

    def _build_harm(self, part: _Part, first: bool) -> list[tuple[_Block | None, str]]:
        b = self.brief
        queries: list[tuple[_Block | None, str]] = []
        lead = _Block()
        part.blocks.append(lead)
        queries.append((lead, f"{self.kind.topic}的严重危害和影响 {b.meeting}"))
        if not first:
            return queries
        attached, loose = self._attach_facts()
        if loose:
            lead.core.append(
                self._phrase("harm", "facts", facts="；".join(_clause(f) for f in loose))
            )
        for issue, facts in zip(b.issues, attached, strict=True):
            block = _Block(core=[_sentence(issue), *(_sentence(f) for f in facts)], point=True)
            part.blocks.append(block)
            queries.append((block, f"{_clause(issue)}的危害"))
        return queries

    def _build_causes(self, part: _Part, first: bool) -> list[tuple[_Block | None, str]]:
        b = self.brief
        queries: list[tuple[_Block | None, str]] = []
        lead = _Block()
        part.blocks.append(lead)
        queries.append((lead, f"{self.kind.topic}背后的原因 根源 主观 客观"))
        if not first:
            return queries
        roots = _rotate([str(r) for r in self.phrases["causes"]["roots"]], self.seed // 7)
        templates = [str(t) for t in self.phrases["causes"]["points_from_issues"]]
        for n, issue in enumerate(b.issues):
            template = templates[n % len(templates)]
            text = template.format(issue=_clause(issue), root=roots[n % len(roots)])
            block = _Block(core=[text], point=True)
            part.blocks.append(block)
            queries.append((block, f"{_clause(issue)}的原因"))
        part.optional_points = [str(p) for p in self.phrases["causes"].get("points", [])]
        return queries

    def _build_decisions(self, part: _Part, first: bool) -> list[tuple[_Block | None, str]]:
        b = self.brief
        attitude = _Block()
        if first:
            key = "intro_by" if self.org else "intro"
            intro = self._phrase("decisions", key, org=self.org)
            if b.decisions:
                part.blocks.append(_Block(core=[intro], fillable=False))
                for d in b.decisions:
                    part.blocks.append(_Block(core=[_sentence(d)], point=True, fillable=False))
            else:
                part.blocks.append(
                    _Block(core=[str(self.phrases["decisions"]["none"])], fillable=False)
                )
            attitude.core.append(str(self.phrases["decisions"]["attitude"]))
        part.blocks.append(attitude)
        query = "端正态度 正确对待约谈 处理决定 追责问责"
        if b.decisions:
            query += " " + _clause(b.decisions[0])
        return [(attitude, query)]

    def _build_rectification(self, part: _Part, first: bool) -> list[tuple[_Block | None, str]]:
        b = self.brief
        queries: list[tuple[_Block | None, str]] = []
        lead = _Block()
        part.blocks.append(lead)
        queries.append((lead, "整改落实 限期整改 举一反三 长效机制"))
        if not first:
            return queries
        timed = 0
        for req in b.requirements:
            c = _clause(req)
            if _TIME_START_RE.match(c):
                text = _sentence(self._phrase("rectification", "timed", index=timed, req=c))
                timed += 1
            else:
                text = _sentence(c)
            block = _Block(core=[text], point=True)
            part.blocks.append(block)
            queries.append((block, f"{c} 整改"))
        if not b.requirements:
            part.blocks.append(_Block(core=[str(self.phrases["rectification"]["none"])]))
        part.optional_points = [str(p) for p in self.phrases["rectification"].get("points", [])]
        return queries

    def _build_closing(self, part: _Part, first: bool) -> list[tuple[_Block | None, str]]:
        block = _Block(
            core=[str(self.phrases["closing"]["default"])], prefix=CLOSING_LEAD, extras_first=True
        )
        part.blocks.append(block)
        return [(block, f"结束语 同志们 {self.brief.meeting} 抓好整改")]

    # ------------------------------------------------------------ length

    def _next(self, part: _Part, block: _Block, tier: int) -> Candidate | None:
        # Sentences from other kinds of meetings often speak of another field: they are used
        # (tier 2) only when same-kind and built-in sentences are exhausted everywhere.
        sources = [block.own, part.pool, [(s, "") for s in part.fallback]]
        if tier >= 2:
            sources += [block.own_any, part.pool_any]
        for source in sources:
            for cand in source:
                if _norm(cand[0]) not in self.used:
                    return cand
        return None

    def _use(self, part: _Part, block: _Block, cand: Candidate) -> None:
        block.extras.append(cand)
        self.used.add(_norm(cand[0]))
        part.history.append((block, cand))

    def fill(self, part: _Part, target: int, tier: int = 1) -> bool:
        """Add connectives (and generic points) while that brings the part nearer its target."""
        grew = False
        cur = part.length()
        while cur < target:
            added = False
            if part.optional_points:
                text = part.optional_points[0]
                n = count_chars(text) + 2
                if 2 * cur + n < 2 * target:
                    part.optional_points.pop(0)
                    block = _Block(core=[text], point=True, fillable=False)
                    part.blocks.append(block)
                    part.history.append((block, None))
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

    def trim(self, part: _Part) -> bool:
        """Remove the newest connective or generic point; brief facts are never removed."""
        if not part.history:
            return False
        block, cand = part.history.pop()
        if cand is None:
            part.blocks.remove(block)
            part.optional_points.insert(0, block.core[0])
        else:
            block.extras.remove(cand)
            self.used.discard(_norm(cand[0]))
        return True


_TIME_START_RE = re.compile(
    rf"^([0-9０-９]|[{_CN}]+月|约谈后|即日起|立即|年底|年内|月底|本月|本周|本季度|下月|今年|明年)"
)


def _draft_parts(title: str, parts: list[_Part]) -> list[DraftPart]:
    out = [
        DraftPart(role="title", text=title),
        DraftPart(role="salutation", text=SALUTATION),
    ]
    for p in parts:
        text = p.render()
        if not count_chars(text):
            continue
        out.append(
            DraftPart(
                role=p.spec.role,
                number=p.number,
                heading=p.heading,
                text=text,
                sources=p.sources(),
            )
        )
    return out


def _total(title: str, parts: list[_Part]) -> int:
    return count_chars(title) + count_chars(SALUTATION) + sum(p.length() for p in parts)


def _balance(composer: _Composer, title: str, parts: list[_Part], total_target: int) -> None:
    """Distribute the target over the parts by share, fill, then top up or trim the whole."""
    fixed = count_chars(title) + count_chars(SALUTATION)
    shares = [p.spec.share for p in parts]
    s = sum(shares) or 1.0
    targets = [max(0.0, (total_target - fixed) * sh / s) for sh in shares]
    cores = [p.length() for p in parts]
    # Parts whose facts exceed their share keep them; the others give up the difference.
    over = sum(max(0.0, c - t) for c, t in zip(cores, targets, strict=True))
    slack = [max(0.0, t - c) for c, t in zip(cores, targets, strict=True)]
    room = sum(slack)
    for i, (c, t) in enumerate(zip(cores, targets, strict=True)):
        if c >= t:
            targets[i] = float(c)
        elif room > 0:
            targets[i] = max(float(c), t - over * slack[i] / room)
    for p, t in zip(parts, targets, strict=True):
        p.target = round(t)
        composer.fill(p, p.target)

    # Top up: parts that ran out of material leave a deficit the others may cover; material
    # from other kinds of meetings (tier 2) only when nothing else is left.
    for tier in (1, 2):
        for _ in range(6):
            deficit = total_target - _total(title, parts)
            if deficit <= total_target * (1 - TOP_UP_BELOW):
                break
            grew = False
            for p in parts:
                p.target = p.length() + round(deficit * p.spec.share / s) + 1
                grew = composer.fill(p, p.target, tier) or grew
            if not grew:
                break

    # Trim: newest connectives first, from the part furthest above its target.
    while _total(title, parts) > total_target * TRIM_ABOVE:
        candidates = [p for p in parts if p.history]
        if not candidates:
            break
        worst = max(candidates, key=lambda p: (p.length() - p.target, -parts.index(p)))
        composer.trim(worst)


def compose_offline(
    brief: Brief,
    library: Library | None,
    kinds: dict[str, MeetingKind] | None = None,
    settings: Settings | None = None,
    created_at: str = "",
) -> Draft:
    """A complete speech in the kind's structure from the brief and library, without an LLM."""
    if kinds is None:
        kinds = default_kinds(settings.structures_dir) if settings is not None else default_kinds()
    kind = resolve_kind(brief.kind, kinds)
    composer = _Composer(brief, kind, library, load_phrases(), kinds)
    parts = composer.build()
    _balance(composer, composer.title, parts, brief.length)
    return Draft(
        title=composer.title,
        kind=kind.id,
        parts=_draft_parts(composer.title, parts),
        mode=OFFLINE_MODE,
        label=OFFLINE_LABEL,
        created_at=created_at,
        brief=brief.model_dump(),
    )
