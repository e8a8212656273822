"""Which reference sentences the offline composer may reuse: generic rhetoric, never a specific.

A sentence carrying a name, place, unit, number, date word or quoted remark that the brief does
not contain would put another meeting's facts into this speech, so it is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from assistant.domain.numbering import INLINE_MARKER_RE
from assistant.review.placeholders import has_placeholder
from assistant.writing.offline.vocabulary import PHRASES_FILE, rare_nouns

#: Length window of a reusable reference sentence (characters).
MIN_SENTENCE, MAX_SENTENCE = 10, 90
#: A sentence listing this many items (、) is a concrete measure, not rhetoric.
MAX_ENUMERATION = 3

_HAN = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=4)
def _load_phrases(path: str) -> dict[str, Any]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"离线组稿用语文件 {path} 格式不正确")
    return data


def load_phrases(path: Path | str | None = None) -> dict[str, Any]:
    """The offline composer's phrase file (templates, fallback sentences, reject words)."""
    return _load_phrases(str(path or PHRASES_FILE))


_END_RE = re.compile(r"[。！？][”’]?$")
# Digits, Latin letters, half-width punctuation and symbols that come with specifics.
_BAD_CHARS_RE = re.compile(
    r"[0-9０-９A-Za-zＡ-Ｚａ-ｚ,;:!?()\[\]{}<>/\\|_*#@&%％=+~^`'\"：（）【】［］＿×…—·•‘’「」『』\-]"
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


# Time words that date a sentence to another meeting (本月底前, 上半年 …).
_TIME_WORDS_RE = re.compile(
    r"月底|月初|月中|年底|年初|年中|本月|本周|下周|下月|上月|上周|本季度|下季度|上半年|下半年|年内|今年|去年|明年|前年|春节|国庆|汛期前"
)


def place_names(text: str) -> set[str]:
    """Place and unit names in a text, with their bare stems (临江市 → 临江市, 临江)."""
    names: set[str] = set()
    for tok in _unit_tokens(text):
        names.add(tok)
        stem = tok[:-1] if len(tok) >= 3 else ""
        if len(stem) >= 2:
            names.add(stem)
    return names


def is_generic_sentence(
    sentence: str,
    allowed_text: str = "",
    reject_words: Iterable[str] | None = None,
    foreign_words: Iterable[str] = (),
    names: Iterable[str] = (),
) -> bool:
    """True when a reference sentence carries no name, place, unit, number or date absent from allowed_text."""
    s = sentence.strip()
    if not MIN_SENTENCE <= len(s) <= MAX_SENTENCE or not _END_RE.search(s):
        return False
    if s.count("、") >= MAX_ENUMERATION:
        return False
    # Placeholders are the checker's (review_rules.yaml); the x, ×, ＿, 【】 and [ ] of most of
    # them are bad characters here anyway.
    if _BAD_CHARS_RE.search(s) or has_placeholder(s) or INLINE_MARKER_RE.search(s):
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
    if any(m.group(0) not in allowed_text for m in _TIME_WORDS_RE.finditer(s)):
        return False
    # Places named in the speech a sentence came from ("临江" of 临江市) are that speech's facts.
    if any(n in s and n not in allowed_text for n in names):
        return False
    if any(tok not in allowed_text for tok in _unit_tokens(s)):
        return False
    if any(m.group(0) not in allowed_text for m in _OFFICIAL_TITLES.finditer(s)):
        return False
    if s.count("“") != s.count("”") or any(b not in allowed_text for b in _BOOK_RE.findall(s)):
        return False
    # A quotation is somebody's words or a name from the other speech (“房子什么时候能住”,
    # “钱花不出去”): only quotations the brief itself contains may pass.
    if not all(m.group(1) and m.group(1) in allowed_text for m in _QUOTE_RE.finditer(s)):
        return False
    # A noun few example speeches use names that speech's own problem or scene (工单, 评价组).
    return not rare_nouns(s, allowed_text)
