"""GB/T 9704 numbering: Chinese numerals, heading and paragraph-marker patterns, heading lines.

Every module that reads or writes 一、/（一）/1./（1） or 一是/一要 uses this one: the parser,
the prompts, the model-output cleaner, the offline composer and the checker.
"""

from __future__ import annotations

import re

#: Numerals used in headings and markers (up to 十; 十一 … are written with these too).
CN_NUMERALS = "一二三四五六七八九十"
_DIGITS = "零一二三四五六七八九"
_VALUES = {c: i + 1 for i, c in enumerate(CN_NUMERALS)}
#: A regex fragment for one heading numeral (一 … 九十九).
NUMERAL = rf"[{CN_NUMERALS}]{{1,3}}"

#: A top-level heading: 一、 … (also "一." / "一．", which people type by mistake).
TOP_HEADING_RE = re.compile(rf"^({NUMERAL})\s*[、.．]\s*(.*)$")
#: A second-level heading （一）…, used as the top level when a speech has no 一、 headings.
PAREN_HEADING_RE = re.compile(rf"^[（(]({NUMERAL})[）)]\s*(.*)$")
#: A top-level heading at a line start, capturing the heading text up to its first stop.
HEADING_TEXT_RE = re.compile(rf"^{NUMERAL}\s*[、.．]\s*([^。！？：:\n]{{0,40}})(?:[。！？：:]|$)")

#: Paragraph-initial point markers by family, highest level first. Only a marker at the start
#: of a paragraph makes a point; an enumeration inside one paragraph does not.
POINT_FAMILIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("paren_cn", re.compile(rf"^[（(]({NUMERAL})[）)]")),
    ("arabic", re.compile(r"^(\d{1,2})\s*[.．、]")),
    ("shi", re.compile(rf"^({NUMERAL})是")),
    ("yao", re.compile(rf"^({NUMERAL})要")),
    ("di", re.compile(rf"^第({NUMERAL})\s*[，,、：:]")),
    ("order", re.compile(r"^(首先|其次|再次|再者|最后)\s*[，,：:]")),
    ("paren_arabic", re.compile(r"^[（(](\d{1,2})[）)]")),
)
#: Values of the ordinal words of the "order" family.
ORDER_WORDS = {"首先": 1, "其次": 2, "再次": 3, "再者": 3, "最后": 4}

#: A marker anywhere a sentence may start (used to keep numbered text out of connective prose).
INLINE_MARKER_RE = re.compile(
    rf"(^{NUMERAL}、)|(^|[，。；！？、“])\s*({NUMERAL}[是要]|[（(][{CN_NUMERALS}0-9]{{1,3}}[）)]"
    rf"|第{NUMERAL}[，、]|首先|其次|再次|最后)"
)

#: A line that starts a paragraph, so a line broken before it (PDF, document viewer) is not
#: joined to it: a heading or point marker (一、 （一） 1. 一是 一要 第一，), the salutation, or
#: the date line under the title (（2024年3月5日）). Lines are matched as extracted, before
#: punctuation is normalised, so half-width forms count too.
PARAGRAPH_START_RE = re.compile(
    rf"^(?:[{CN_NUMERALS}百]+[、.．]|[（(][{CN_NUMERALS}百\d]+[）)]|\d{{1,2}}[.．、]"
    rf"|[{CN_NUMERALS}]+[是要]|第[{CN_NUMERALS}]+[，、,]|同志们|各位|[（(]\s*\d{{4}}\s*年)"
)

#: Paragraph-marker styles a part of a speech may use ("" = no numbered paragraphs).
MARKER_STYLES: tuple[str, ...] = ("一是", "一要", "（一）", "")


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三 (1–99; other numbers as digits)."""
    if n < 1 or n > 99:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "" if tens == 1 else _DIGITS[tens]
    return head + "十" + (_DIGITS[ones] if ones else "")


def cn_to_int(s: str) -> int:
    """Chinese numeral up to 九十九 → int (一 → 1, 十二 → 12, 二十 → 20); digits pass through."""
    if not s:
        return 0
    if s.isdigit():
        return int(s)
    if "十" not in s:
        return _VALUES.get(s, 0)
    tens, _, ones = s.partition("十")
    return (_VALUES.get(tens, 1) if tens else 1) * 10 + (_VALUES.get(ones, 0) if ones else 0)


def heading_line(number: int, heading: str) -> str:
    """The first line of a top-level section: "一、heading"."""
    return f"{cn_number(number)}、{heading.strip()}"


def strip_heading_number(text: str) -> str:
    """"二、加强监管" → "加强监管" (a heading without its top-level number)."""
    return re.sub(rf"^{NUMERAL}\s*[、.．]\s*", "", text.strip())


def marker_for(style: str, n: int) -> str:
    """The n-th paragraph marker of a style: 一是 → 三是, 一要 → 三要, （一） → （三）."""
    num = cn_number(n)
    if style == "一要":
        return f"{num}要"
    if style == "（一）":
        return f"（{num}）"
    return f"{num}是"


#: GB/T 9704 heading level of each point family; the families not listed (一是, 一要, 第一，,
#: 首先 …) number sentences inside a paragraph and are no heading level (0).
#: GB/T 9704 level of each numbered point family (一、 is level 1).
FAMILY_LEVELS = {"paren_cn": 2, "arabic": 3, "paren_arabic": 4}


def heading_level(line: str) -> int:
    """GB/T 9704 level of a line's leading number: 一、 → 1, （一） → 2, 1. → 3, （1） → 4, else 0."""
    line = line.lstrip()
    if TOP_HEADING_RE.match(line):
        return 1
    for family, pattern in POINT_FAMILIES:
        if pattern.match(line):
            return FAMILY_LEVELS.get(family, 0)
    return 0
