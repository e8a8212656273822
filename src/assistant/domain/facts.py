"""Specifics of a Chinese text: numbers with units, percentages, amounts, dates, deadlines,
place and unit names, quoted remarks — and the brief's facts to compare them with.

One module does this for everyone: the leak guard (reference specifics in a draft), polishing
(brief facts a rewrite must keep), the checker's facts rule and the conformance pass. The word
lists live in ``data/facts.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import yaml

from assistant.data import DATA_DIR
from assistant.domain import lexicon

if TYPE_CHECKING:
    from assistant.domain.brief import Brief

FACTS_FILE = DATA_DIR / "facts.yaml"

#: What a specific is. Brief items (`brief_facts`) also use target, decision, requirement, issue.
FactKind = Literal[
    "number", "percent", "amount", "date", "deadline", "place", "unit", "quote",
    "target", "decision", "requirement", "fact", "issue",
]  # fmt: skip
#: Kinds `specifics` finds in running text.
SPECIFIC_KINDS = ("number", "percent", "amount", "date", "deadline", "place", "unit", "quote")


@dataclass(frozen=True)
class Fact:
    """One specific: its text as written, kind, span in the text, comparable value, brief field."""

    text: str
    kind: str
    start: int = -1
    end: int = -1
    value: str = ""  # "3起", "38.2%", "5-14", "7-15前", "临江市": equal values state the same fact
    field: str = ""  # the brief field it came from ("facts", "requirements" …); "" in a draft


@dataclass(frozen=True)
class _Vocab:
    not_a_place: frozenset[str]
    not_a_place_tags: frozenset[str]
    not_a_place_words: frozenset[str]
    generic_stems: frozenset[str]
    suffix_words: frozenset[str]
    place_re: re.Pattern[str]
    unit_re: re.Pattern[str]
    descriptors: tuple[str, ...]
    generic_units: frozenset[str]
    number_re: re.Pattern[str]
    cn_number_re: re.Pattern[str]
    deadline_re: re.Pattern[str]


def _alt(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.．]\d+)?"
_CN = "零〇一二两三四五六七八九十百千万亿"
_YEAR = r"(?:19|20)\d{2}\s*年"
_MONTH = r"(?:1[0-2]|0?[1-9])\s*月"
_DAY = r"(?:3[01]|[12]\d|0?[1-9])\s*[日号]"
_DATE = (
    rf"(?:{_YEAR}\s*)?{_MONTH}\s*(?:{_DAY}|底|末|初|中旬|上旬|下旬|份)?"
    rf"|{_YEAR}(?:度)?"
    r"|(?<!\d)\d{1,2}[·•]\d{1,2}(?!\d)"  # “6·12” event names
)
DATE_RE = re.compile(_DATE)


@lru_cache(maxsize=2)
def _vocab(path: str = str(FACTS_FILE)) -> _Vocab:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    places = _alt(data["place_suffixes"] + ["高新区", "开发区", "经开区", "工业园区", "产业园区", "园区"])
    units = _alt(data["unit_suffixes"])
    measures = _alt(data["measure_words"])
    # A bare 万/亿 is money only when no measure word follows it: 2万人 is people, 2万元 money.
    money = "|".join(
        re.escape(u) + ("" if u.endswith("元") else rf"(?!{measures})")
        for u in sorted(data["money_units"], key=len, reverse=True)
    )
    points = _alt(data["deadline_points"])
    return _Vocab(
        not_a_place=frozenset(data["not_a_place_chars"]),
        not_a_place_tags=frozenset(data["not_a_place_tags"]),
        not_a_place_words=frozenset(data["not_a_place_words"]),
        generic_stems=frozenset(data["generic_stems"]),
        suffix_words=frozenset(data["suffix_words"]),
        place_re=re.compile(rf"([\u4e00-\u9fff]{{2}})({places})"),
        unit_re=re.compile(rf"([\u4e00-\u9fff]{{2,14}}?)({units})"),
        descriptors=tuple(sorted(data["unit_descriptors"], key=len, reverse=True)),
        generic_units=frozenset(data["generic_unit_names"]),
        number_re=re.compile(
            rf"(第\s*)?({_NUM})\s*(多|余)?\s*(?:(%|％|‰)|({money})|({measures}))"
            rf"|百分之([{_CN}\d.点]+)"
            # 六成 is 60%: tenths in words (not 一成不变, 成本, 成效 …).
            r"|(?<![零〇一二两三四五六七八九十百千万])([二三四五六七八九])成(?![本绩功员为立果效就熟长交型分])"
        ),
        cn_number_re=re.compile(
            rf"(?<![第{_CN}])([{_CN}]{{1,6}})(多|余)?({_alt(data['strong_measure_words'])})"
        ),
        deadline_re=re.compile(
            rf"(?:(?P<date>{_DATE})|(?P<point>{points}))\s*(?:之前|以前|前)"
            rf"|(?P<span>(?:{_NUM}|[{_CN}半]{{1,3}})\s*个?\s*(?:工作日|日|天|周|星期|个月|月|年))\s*(?:之内|以内|内)"
            r"|(?P<within>年内|月内)"
        ),
    )


# ---------------------------------------------------------------- values

_FULL = str.maketrans("０１２３４５６７８９．％", "0123456789.%")
_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def cn_value(s: str) -> int | None:
    """Chinese numeral → int (三 → 3, 十二 → 12, 一千二百 → 1200, 两万 → 20000); None if not one."""
    if not s or any(c not in _CN_DIGITS and c not in _CN_UNITS and c not in "万亿" for c in s):
        return None
    total, section, digit = 0, 0, None
    for c in s:
        if c in _CN_DIGITS:
            digit = _CN_DIGITS[c]
        elif c in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[c]
            digit = None
        else:  # 万, 亿
            section += digit or 0
            total += (section or 1) * (10_000 if c == "万" else 100_000_000)
            section, digit = 0, None
    return total + section + (digit or 0)


def _cn_decimal(s: str) -> str | None:
    """三十七点五 → "37.5", 三十七 → "37"; None if not a Chinese numeral."""
    whole, _, frac = s.partition("点")
    n = cn_value(whole)
    if n is None or (frac and any(c not in _CN_DIGITS for c in frac)):
        return None
    return f"{n}.{''.join(str(_CN_DIGITS[c]) for c in frac)}" if frac else str(n)


#: Measure words that count people: 两名干部, 2人受伤 and 两位同志 state the same count.
_PERSON_MEASURES = {"名": "人", "位": "人"}


def _count_value(n: str, measure: str, ordinal: bool = False) -> str:
    """The comparable value of a count: 2万人 → "20000人", 两名 → "2人" (第2名 stays a rank)."""
    if ordinal:
        return f"第{n}{measure}"
    if measure.startswith("万") and len(measure) > 1:
        n = _num(format(Decimal(n) * 10_000, "f"))
        measure = measure[1:]
    return f"{n}{_PERSON_MEASURES.get(measure, measure)}"


def _num(s: str) -> str:
    s = s.translate(_FULL).replace(",", "")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def _date_value(s: str) -> str:
    s = re.sub(r"\s", "", s)
    m = re.fullmatch(r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2}[日号]|底|末|初|中旬|上旬|下旬|份|度)?", s)
    if m:
        year, month, rest = m.groups()
        rest = (rest or "").rstrip("日号")
        rest = "" if rest in ("份", "度") else rest
        return "-".join(str(int(x)) if x.isdigit() else x for x in (year, month, rest) if x)
    m = re.fullmatch(r"(\d{1,2})[·•](\d{1,2})", s)
    return f"{int(m.group(1))}-{int(m.group(2))}" if m else s


def compact(text: str) -> str:
    """Text without whitespace, full-width digits made half-width: how specifics are compared."""
    return re.sub(r"\s", "", text or "").translate(_FULL)


# ---------------------------------------------------------------- extraction


def _dates_and_deadlines(text: str, v: _Vocab) -> list[Fact]:
    out: list[Fact] = []
    taken: list[tuple[int, int]] = []
    for m in v.deadline_re.finditer(text):
        if m.group("date"):
            value = _date_value(m.group("date")) + "前"
            # The date inside a deadline is a date too ("9月30日" of "9月30日前").
            a, b = m.span("date")
            out.append(Fact(compact(m.group("date")), "date", a, b, _date_value(m.group("date"))))
        elif m.group("point"):
            value = m.group("point") + "前"
        elif m.group("span"):
            span = re.sub(r"\s", "", m.group("span")).translate(_FULL)
            head = re.match(rf"[{_CN}半]+", span)
            if head and cn_value(head.group(0)) is not None:
                span = str(cn_value(head.group(0))) + span[head.end() :]
            value = span.replace("个", "") + "内"
        else:
            value = m.group("within")
        out.append(Fact(compact(m.group(0)), "deadline", m.start(), m.end(), value))
        taken.append(m.span())
    for m in DATE_RE.finditer(text):
        if not m.group(0).strip() or any(a <= m.start() < b for a, b in taken):
            continue
        # "3年" is three years and "5月" alone a month count only after a number word; a bare
        # month is a date ("5月完成").
        out.append(Fact(compact(m.group(0)), "date", m.start(), m.end(), _date_value(m.group(0))))
    return out


def _numbers(text: str, v: _Vocab, taken: list[tuple[int, int]]) -> list[Fact]:
    out: list[Fact] = []

    def free(a: int, b: int) -> bool:
        return not any(a < y and x < b for x, y in taken)

    for m in v.number_re.finditer(text):
        if not free(*m.span()):
            continue
        if m.group(8) is not None:  # 六成
            out.append(Fact(m.group(0), "percent", m.start(), m.end(), f"{cn_value(m.group(8)) * 10}%"))
            continue
        if m.group(7) is not None:  # 百分之三十
            raw = m.group(7)
            n = _num(raw.replace("点", ".")) if re.fullmatch(r"[\d.点]+", raw) else _cn_decimal(raw)
            if n is None:
                continue
            out.append(Fact(compact(m.group(0)), "percent", m.start(), m.end(), f"{n}%"))
            continue
        ordinal, number, _, pct, money, measure = m.groups()[:6]
        n = _num(number)
        if pct:
            kind, value = "percent", f"{n}{pct.translate(_FULL)}"
        elif money:
            kind, value = "amount", f"{n}{money if money.endswith('元') else money + '元'}"
        else:
            kind = "percent" if measure == "个百分点" else "number"
            value = _count_value(n, measure, bool(ordinal))
        out.append(Fact(compact(m.group(0)), kind, m.start(), m.end(), value))
    for m in v.cn_number_re.finditer(text):
        n = cn_value(m.group(1))
        if n is None or n < 2 or not free(*m.span()):
            continue  # 一 + measure word is rarely a count (一起, 一名干部)
        if not re.search("[零〇一二两三四五六七八九]", m.group(1)) and not m.group(1).startswith("十"):
            continue  # 千家万户, 百人百样: figures of speech, not counts
        unit = m.group(3)
        kind = "amount" if unit.endswith("元") else "percent" if unit == "个百分点" else "number"
        value = f"{n}{unit}" if kind != "number" else _count_value(str(n), unit)
        out.append(Fact(compact(m.group(0)), kind, m.start(), m.end(), value))
    return out


def _is_place_stem(stem: str, suffix: str, v: _Vocab) -> bool:
    if set(stem) & v.not_a_place or stem in v.generic_stems or stem in v.not_a_place_words:
        return False
    if lexicon.tag(stem) in v.not_a_place_tags:
        return False  # 根据县, 要求县, 督促区: a verb or preposition before a unit, not a name
    if lexicon.freq(stem + suffix):
        return True  # a place jieba knows (西山区)
    # 片区, 园区, 超市, 农村 …: the stem's last character and the suffix make an ordinary word.
    return lexicon.freq(stem[-1] + suffix) < 10


def _places(text: str, v: _Vocab) -> list[Fact]:
    out = []
    for m in v.place_re.finditer(text):
        stem, suffix = m.group(1), m.group(2)
        # 暴露出县城…: the suffix begins a word with what follows, so 露出县 is no place.
        if text[m.end(2) - len(suffix) : m.end(2) + 1] in v.suffix_words:
            continue
        if _is_place_stem(stem, suffix, v):
            out.append(Fact(m.group(0), "place", m.start(), m.end(), stem + suffix))
    return out


def _units(text: str, v: _Vocab) -> list[Fact]:
    out = []
    for m in v.unit_re.finditer(text):
        head = m.group(1)
        stripped = True
        while stripped:
            stripped = False
            for d in v.descriptors:
                if head.endswith(d) and len(head) > len(d):
                    head, stripped = head[: -len(d)], True
                    break
        core = head[-2:]
        if len(core) < 2 or core in v.generic_units or set(core) & v.not_a_place:
            continue
        start = m.start(1) + len(head) - 2
        out.append(Fact(text[start : m.end()], "unit", start, m.end(), core))
    return out


_QUOTE_RE = re.compile(r"“([^“”\n]{2,30})”|《([^《》\n]{1,40})》")


def _quotes(text: str) -> list[Fact]:
    return [
        Fact(m.group(1) or m.group(2), "quote", m.start(), m.end(), m.group(1) or m.group(2))
        for m in _QUOTE_RE.finditer(text)
    ]


def specifics(text: str, kinds: Iterable[str] = SPECIFIC_KINDS) -> list[Fact]:
    """Every specific of a text, in text order, each with its span and comparable value."""
    v = _vocab()
    wanted = set(kinds)
    found = _dates_and_deadlines(text, v)
    taken = [(f.start, f.end) for f in found]
    found += _numbers(text, v, taken)
    if "place" in wanted:
        found += _places(text, v)
    if "unit" in wanted:
        found += _units(text, v)
    if "quote" in wanted:
        found += _quotes(text)
    return sorted((f for f in found if f.kind in wanted), key=lambda f: (f.start, -f.end))


# ---------------------------------------------------------------- what callers compare


def reference_specifics(text: str) -> set[str]:
    """Strings of a reference speech that would be another meeting's facts in a draft.

    Numbers with units, dates, quoted remarks and place names (with their bare stems: 临江市,
    临江); deadline words without a digit (年底前) and company names are left out: they are
    common wording, not another meeting's facts.
    """
    found: set[str] = set()
    for f in specifics(text, ("number", "percent", "amount", "date", "deadline", "place", "quote")):
        if f.kind == "deadline" and not re.search(r"\d", f.text):
            continue
        found.add(f.text)
        if f.kind == "place":
            found.add(f.text[:2])
    return found


_BARE_NUMBER_RE = re.compile(r"\d+(?:[.．]\d+)?\s*(?:%|％|‰)?")


def brief_fact_strings(brief: Brief) -> list[str]:
    """Numbers, dates, quotations and names of the brief that a rewrite must not lose."""
    out: list[str] = [*brief.targets, brief.speaker, brief.meeting]
    for text in brief.all_facts():
        out += [f.text for f in specifics(text, ("date",))]
        # Bare numbers: a rewrite may change "18.6亿元" into "18.6亿", never the number.
        out += [m.group(0) for m in _BARE_NUMBER_RE.finditer(text)]
        out += [f.text for f in specifics(text, ("quote",))]
    seen: dict[str, None] = {}
    for f in out:
        f = compact(f)
        if f:
            seen.setdefault(f, None)
    return list(seen)


_BRIEF_ITEMS = (
    ("targets", "target"),
    ("issues", "issue"),
    ("facts", "fact"),
    ("decisions", "decision"),
    ("requirements", "requirement"),
)


def brief_facts(brief: Brief) -> list[Fact]:
    """The brief's items (targets, issues, facts, decisions, requirements) and every specific in them.

    Items come first as kind target/issue/fact/decision/requirement; then the numbers, dates,
    deadlines, places, units and quotes inside all brief texts, each with the field it came from.
    """
    items: list[Fact] = []
    inner: list[Fact] = []
    for name, kind in _BRIEF_ITEMS:
        for text in getattr(brief, name):
            items.append(Fact(text, kind, value=compact(text), field=name))
            inner += [
                Fact(f.text, f.kind, value=f.value, field=name) for f in specifics(text)
            ]
    for name in ("meeting", "speaker", "title"):
        text = getattr(brief, name) or ""
        inner += [Fact(f.text, f.kind, value=f.value, field=name) for f in specifics(text)]
    seen: set[tuple[str, str]] = set()
    unique = []
    for f in inner:
        if (f.kind, f.value) not in seen:
            seen.add((f.kind, f.value))
            unique.append(f)
    return items + unique


@dataclass(frozen=True)
class FactIndex:
    """What a text (a brief) states, for asking whether a specific of another text is among it."""

    text: str  # compact text
    values: frozenset[tuple[str, str]]  # (kind family, value)

    @classmethod
    def of(cls, texts: Iterable[str]) -> FactIndex:
        """Index the specifics of some texts (the brief's, the references')."""
        joined = "\n".join(t for t in texts if t)
        values = {(_family(f.kind), f.value) for f in specifics(joined)}
        for f in specifics(joined, ("deadline",)):
            values.add(("date", f.value.rstrip("前")))
        return cls(compact(joined), frozenset(values))

    def covers(self, fact: Fact) -> bool:
        """True when the text states this specific (same value, same words, or a fuller date)."""
        if fact.text and fact.text in self.text:
            return True
        family = _family(fact.kind)
        if (family, fact.value) in self.values:
            return True
        if fact.kind == "place":
            return fact.value[:2] in self.text
        if fact.kind == "unit":
            return fact.value in self.text
        if family == "date":
            core = fact.value.rstrip("前")
            # "5-14" is covered by "2025-5-14"; "2025" by any date of that year.
            return any(
                k == "date" and (val == core or val.endswith("-" + core) or val.startswith(core + "-"))
                for k, val in self.values
            )
        return False


_HAN_RUN_RE = re.compile(r"[\u4e00-\u9fff]{2,}")


def char_pairs(text: str) -> set[str]:
    """The pairs of adjacent Chinese characters of a text: how much of a brief item a line says."""
    out: set[str] = set()
    for run in _HAN_RUN_RE.findall(text):
        out |= {run[k : k + 2] for k in range(len(run) - 1)}
    return out


def one_in_words(fact: Fact, text: str) -> bool:
    """"1起" written 一起 (发生了一起事故) in ``text``: a count of one in words is not read as a number."""
    m = re.fullmatch(r"1(\D+)", fact.value)
    return bool(m) and fact.kind == "number" and "一" + m.group(1) in text


def _family(kind: str) -> str:
    return "date" if kind in ("date", "deadline") else kind
