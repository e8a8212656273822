"""Web-page noise removal and whitespace/punctuation normalisation for uploaded speeches.

The rules (regexes and word lists) live in ``assistant/data/noise_patterns.yaml`` so a
new site style is supported by editing data. This module applies them in four passes:

1. per-line rules (breadcrumbs, metadata lines, promos, URLs, copyright, …);
2. navigation detection (menu lines, vertical menus) and footer blocks
   (everything after a "相关推荐" header at the end of the page);
3. duplicate page titles at the top;
4. normalisation of whitespace and half-width punctuation in the lines that remain.

It never changes wording: only whole lines are dropped (plus a site-name suffix on the
title), and inside lines only whitespace and punctuation width change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.models import CleanResult, RemovedLine

DEFAULT_PATTERNS_FILE = Path(__file__).resolve().parent.parent / "data" / "noise_patterns.yaml"

REASON_NAV = "导航"
REASON_FOOTER = "页脚"
REASON_DUP_TITLE = "重复标题"
REASON_SITE_NAME = "站点名称"


@dataclass(frozen=True)
class LineRule:
    """One line rule from the YAML file."""

    id: str
    reason: str
    patterns: tuple[re.Pattern[str], ...] = ()
    max_length: int | None = None
    zone: str = "any"
    allow_prose: bool = False
    allow_protected: bool = False
    keys_re: re.Pattern[str] | None = None
    min_keys: int = 2

    def matches(self, line: str) -> bool:
        """Whether the rule's patterns (or key count) match the line."""
        if self.keys_re is not None:
            return len({m.group("key") for m in self.keys_re.finditer(line)}) >= self.min_keys
        return any(p.search(line) for p in self.patterns)


@dataclass(frozen=True)
class NoisePatterns:
    """All cleaning rules, compiled."""

    line_rules: tuple[LineRule, ...]
    protected: tuple[re.Pattern[str], ...]
    structural: tuple[re.Pattern[str], ...]
    sentence_end: re.Pattern[str]
    salutation: re.Pattern[str]
    closing: re.Pattern[str]
    nav_split: re.Pattern[str]
    nav_words: frozenset[str]
    nav_word_suffixes: tuple[str, ...]
    footer_header: re.Pattern[str]
    title_site_suffix: re.Pattern[str]
    title_decorations: tuple[re.Pattern[str], ...]
    prose_min_length: int = 30
    nav_item_max_length: int = 10
    nav_run_item_max_length: int = 8
    nav_run_min_lines: int = 3
    list_item_max_length: int = 50
    head_fallback_lines: int = 6
    tail_fraction: float = 0.3
    footer_cut_min_fraction: float = 0.5
    speech_paragraph_min_length: int = 80
    title_max_length: int = 60


def _compile_all(items: list[str] | None) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in (items or []))


def _footer_header_regex(headers: list[str]) -> re.Pattern[str]:
    words = "|".join(re.escape(h) for h in sorted(headers, key=len, reverse=True))
    deco = r"[\s【】\[\]「」『』—\-–_=*·•<>《》○●◆▶►#]*"
    return re.compile(
        rf"(?i)^{deco}(?:{words}){deco}(?:(?:更多|查看更多|more)\s*[>》»]*)?\s*[：:]?$"
    )


def _parse_patterns(raw: dict) -> NoisePatterns:
    limits = raw.get("limits") or {}
    footer_header = _footer_header_regex(raw.get("footer_headers") or [])
    rules: list[LineRule] = []
    for item in raw.get("line_rules") or []:
        keys_re = None
        patterns = _compile_all(item.get("patterns"))
        if item.get("kind") == "keys":
            keys = "|".join(re.escape(k) for k in sorted(item["keys"], key=len, reverse=True))
            # A key only counts at the start of the line or after a separator, so
            # "问题来源：" inside a sentence is not the web label "来源：".
            keys_re = re.compile(rf"(?:^|[\s|｜丨/【\[（(])(?P<key>{keys})\s*[】\]]?\s*[：:｜|丨]")
        if item.get("from_footer_headers"):
            patterns = (footer_header,)
        rules.append(
            LineRule(
                id=item["id"],
                reason=item["reason"],
                patterns=patterns,
                max_length=item.get("max_length"),
                zone=item.get("zone", "any"),
                allow_prose=bool(item.get("allow_prose", False)),
                allow_protected=bool(item.get("allow_protected", False)),
                keys_re=keys_re,
                min_keys=int(item.get("min_keys", 2)),
            )
        )
    return NoisePatterns(
        line_rules=tuple(rules),
        protected=_compile_all(raw.get("protected")),
        structural=_compile_all(raw.get("structural")),
        sentence_end=re.compile(raw.get("sentence_end", r"[。！？；…”）!?;]$")),
        salutation=re.compile(raw["salutation"]),
        closing=re.compile(raw["closing"]),
        nav_split=re.compile(raw["nav_separators"]),
        nav_words=frozenset(str(w) for w in raw.get("nav_words") or []),
        nav_word_suffixes=tuple(raw.get("nav_word_suffixes") or []),
        footer_header=footer_header,
        title_site_suffix=re.compile(raw["title_site_suffix"]),
        title_decorations=_compile_all(raw.get("title_decorations")),
        **{k: limits[k] for k in limits if k in NoisePatterns.__dataclass_fields__},
    )


def load_patterns(path: str | Path | None = None) -> NoisePatterns:
    """Load and compile the noise rules (the bundled YAML file by default)."""
    if path is None:
        return _default_patterns()
    return _parse_patterns(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def _default_patterns() -> NoisePatterns:
    return _parse_patterns(yaml.safe_load(DEFAULT_PATTERNS_FILE.read_text(encoding="utf-8")))


# --- whitespace -------------------------------------------------------------------------

# Zero-width characters and stray control codes carry no text.
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\x00-\x08\x0e-\x1f\x7f]")
_ENTITY_SPACE_RE = re.compile(r"&(?:nbsp|ensp|emsp|#160|#12288|#x3000);", re.IGNORECASE)
# Every horizontal space a web page or a Word file can produce.
_HSPACE = "\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_EDGE_SPACE_RE = re.compile(f"^[{_HSPACE}]+|[{_HSPACE}]+$")
_INNER_SPACE_RE = re.compile(f"[{_HSPACE}]+")

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Han plus Chinese punctuation: the "Chinese context" for punctuation and spaces.
_CJK = (
    _HAN
    + "\u3000-\u303f"  # CJK symbols and punctuation
    + "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"  # full-width forms, no digits/letters
    + "\u2014\u2018\u2019\u201c\u201d\u2026\u00b7"  # — ‘ ’ “ ” … ·
)
_CJK_CHAR_RE = re.compile(f"[{_CJK}]")
_HAN_RE = re.compile(f"[{_HAN}]")
_SPACE_BETWEEN_CJK_RE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
_FULLWIDTH_PUNCT = "，。；：？！（）、“”‘’《》【】〔〕"
_SPACE_AROUND_FULLWIDTH_RE = re.compile(f" (?=[{_FULLWIDTH_PUNCT}])|(?<=[{_FULLWIDTH_PUNCT}]) ")


def _normalise_spaces(line: str) -> str:
    line = _EDGE_SPACE_RE.sub("", line)

    def collapse(m: re.Match[str]) -> str:
        # A full-width space (or tab, e.g. table cells) separates fields; keep one of it.
        return "\u3000" if ("\u3000" in m.group() or "\t" in m.group()) else " "

    return _INNER_SPACE_RE.sub(collapse, line)


def _split_lines(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n").replace("\x0c", "\n").replace("\x0b", "\n")
    text = _ENTITY_SPACE_RE.sub(" ", _INVISIBLE_RE.sub("", text))
    lines = (_normalise_spaces(line) for line in text.split("\n"))
    return [line for line in lines if line]


# --- punctuation ------------------------------------------------------------------------

_URL_RE = re.compile(
    r"(?i)(?:https?://|ftp://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+"
    r"|[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
    r"|\b[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.(?:com|cn|net|org|gov|edu|info)(?:\.[a-z]{2})?(?:/[\x21-\x7e]*)?"
)
_PAREN_PAIR_RE = re.compile(r"\(([^()\n]{0,80})\)")
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_CN_NUMERAL_MARKER_RE = re.compile(r"^[（(]?[一二三四五六七八九十百]+[）)]?$")


def _trim_url(url: str) -> str:
    """A URL without the sentence punctuation a writer put right after it."""
    while url and (url[-1] in ".,;:!?'(" or (url[-1] == ")" and "(" not in url)):
        url = url[:-1]
    return url


def _is_cjk(ch: str | None) -> bool:
    return ch is not None and bool(_CJK_CHAR_RE.match(ch))


def _is_digit(ch: str | None) -> bool:
    return ch is not None and ch.isascii() and ch.isdigit()


def _neighbour(chars: list[str], i: int, step: int) -> str | None:
    j = i + step
    while 0 <= j < len(chars):
        if chars[j] != " ":
            return chars[j]
        j += step
    return None


def _normalise_punctuation(line: str) -> str:
    """Half-width , ; : ? ! ( ) and sentence-final . become full-width in Chinese context."""
    if not _HAN_RE.search(line):
        return line
    protected: set[int] = set()
    for m in _URL_RE.finditer(line):
        protected.update(range(m.start(), m.start() + len(_trim_url(m.group()))))
    chars = list(line)

    # Parentheses as pairs first, so "(一)" and "(2025年)" convert together.
    for m in _PAREN_PAIR_RE.finditer(line):
        start, end = m.start(), m.end() - 1
        if start in protected or end in protected:
            continue
        before = chars[start - 1] if start > 0 else None
        after = chars[end + 1] if end + 1 < len(chars) else None
        if _HAN_RE.search(m.group(1)) or _is_cjk(before) or _is_cjk(after):
            chars[start], chars[end] = "（", "）"

    for i, ch in enumerate(chars):
        if i in protected or ch not in _HALF_TO_FULL:
            continue
        prev_raw = chars[i - 1] if i > 0 else None
        next_raw = chars[i + 1] if i + 1 < len(chars) else None
        prev, nxt = _neighbour(chars, i, -1), _neighbour(chars, i, 1)
        if ch in ",;:" and _is_digit(prev_raw) and _is_digit(next_raw):
            continue  # 1,000 / 10:30 / 1:500
        if ch in ",;()":
            convert = _is_cjk(prev) or _is_cjk(nxt)
        else:  # : ? ! end a clause; after an English word they stay half-width
            after_latin = prev is not None and prev.isascii() and prev.isalpha()
            convert = _is_cjk(prev) or (_is_cjk(nxt) and not after_latin)
        if convert:
            chars[i] = _HALF_TO_FULL[ch]

    for i, ch in enumerate(chars):
        if ch != "." or i in protected:
            continue
        prev_raw = chars[i - 1] if i > 0 else None
        next_raw = chars[i + 1] if i + 1 < len(chars) else None
        if prev_raw == "." or next_raw == ".":
            continue  # an ellipsis written with dots
        if not (prev_raw and (_HAN_RE.match(prev_raw) or prev_raw in "”’）》」』")):
            continue
        if next_raw is not None and not (next_raw in " \u3000" or _is_cjk(next_raw)):
            continue
        if _CN_NUMERAL_MARKER_RE.match("".join(chars[:i])):
            continue  # "一.正视问题" is a list marker, not a sentence end
        chars[i] = "。"

    out = "".join(chars)
    out = _SPACE_BETWEEN_CJK_RE.sub("", out)
    return _SPACE_AROUND_FULLWIDTH_RE.sub("", out)


def normalise_line(line: str) -> str:
    """Whitespace and punctuation normalisation of one kept line (wording unchanged)."""
    return _normalise_punctuation(_normalise_spaces(line))


# --- classification ---------------------------------------------------------------------


@dataclass
class _Doc:
    lines: list[str]
    reasons: list[str | None]
    sal_idx: int | None
    head_end: int
    tail_start: int


def _matches_any(patterns: tuple[re.Pattern[str], ...], line: str) -> bool:
    return any(p.search(line) for p in patterns)


def _is_prose(line: str, pats: NoisePatterns) -> bool:
    return len(line) >= pats.prose_min_length and bool(pats.sentence_end.search(line))


def _is_nav_word(item: str, pats: NoisePatterns) -> bool:
    return item in pats.nav_words or (
        len(item) >= 3 and any(item.endswith(s) for s in pats.nav_word_suffixes)
    )


_SENTENCE_PUNCT_RE = re.compile(r"[，。；！？：、,;!?:“”\"'（）()]")


def _nav_items(line: str, pats: NoisePatterns) -> list[str] | None:
    """Items of a menu-like line, or None when the line has sentence punctuation."""
    if _SENTENCE_PUNCT_RE.search(line):
        return None
    items = [it for it in pats.nav_split.split(line) if it]
    if not items or any(len(it) > pats.nav_item_max_length for it in items):
        return None
    return items


def _is_nav_line(line: str, pats: NoisePatterns) -> bool:
    items = _nav_items(line, pats)
    if not items:
        return False
    hits = sum(_is_nav_word(it, pats) for it in items)
    if hits == len(items):
        return True
    return len(items) >= 3 and hits >= max(2, (len(items) + 1) // 2)


def _locate(lines: list[str], pats: NoisePatterns) -> tuple[int | None, int, int]:
    """Salutation index, end of the head zone and start of the tail zone."""
    n = len(lines)
    sal_idx = next(
        (i for i, line in enumerate(lines[: max(40, n // 2)]) if pats.salutation.search(line)),
        None,
    )
    head_end = sal_idx if sal_idx is not None else min(n, pats.head_fallback_lines)
    closing = [i for i, line in enumerate(lines) if pats.closing.search(line)]
    # "同志们，" also opens paragraphs mid-speech; only a late one is the closing.
    if closing and closing[-1] > (sal_idx or 0) and closing[-1] >= n * (1 - 2 * pats.tail_fraction):
        tail_start = closing[-1] + 1
    else:
        tail_start = max(head_end, int(n * (1 - pats.tail_fraction)))
    return sal_idx, head_end, tail_start


def _in_zone(zone: str, i: int, doc: _Doc) -> bool:
    if zone == "head":
        return i < doc.head_end
    if zone == "tail":
        return i >= doc.tail_start
    if zone == "edges":
        return i < doc.head_end or i >= doc.tail_start
    return True


_SENTENCE_RE = re.compile(r"[。！？!?]$")


def _apply_line_rules(doc: _Doc, pats: NoisePatterns) -> None:
    for i, line in enumerate(doc.lines):
        protected = _matches_any(pats.protected, line)
        # Junk rarely ends like a sentence; only rules that say allow_prose touch sentences.
        prose = _is_prose(line, pats) or bool(_SENTENCE_RE.search(line))
        for rule in pats.line_rules:
            if rule.max_length is not None and len(line) > rule.max_length:
                continue
            if (prose and not rule.allow_prose) or (protected and not rule.allow_protected):
                continue
            if _in_zone(rule.zone, i, doc) and rule.matches(line):
                doc.reasons[i] = rule.reason
                break
        if doc.reasons[i] is None and not protected and not prose and _is_nav_line(line, pats):
            doc.reasons[i] = REASON_FOOTER if i >= doc.tail_start else REASON_NAV


def _title_index(doc: _Doc) -> int | None:
    """The line kept as the title: the last surviving line before the salutation."""
    if doc.sal_idx is None:
        return None
    return next((i for i in range(doc.sal_idx - 1, -1, -1) if doc.reasons[i] is None), None)


def _apply_vertical_menus(doc: _Doc, pats: NoisePatterns, title_idx: int | None) -> None:
    """Runs of short one-item lines (a menu pasted one item per line)."""

    def candidate(i: int) -> bool:
        line = doc.lines[i]
        if doc.reasons[i] in (REASON_NAV, REASON_FOOTER):
            return True
        return (
            doc.reasons[i] is None
            and i != title_idx
            and len(line) <= pats.nav_run_item_max_length
            and not _SENTENCE_PUNCT_RE.search(line)
            and not _matches_any(pats.protected, line)
            and len(pats.nav_split.split(line)) == 1
        )

    i, n = 0, len(doc.lines)
    while i < n:
        if not candidate(i):
            i += 1
            continue
        j = i
        while j < n and candidate(j):
            j += 1
        run = range(i, j)
        hits = sum(
            1
            for k in run
            if doc.reasons[k] in (REASON_NAV, REASON_FOOTER) or _is_nav_word(doc.lines[k], pats)
        )
        if len(run) >= pats.nav_run_min_lines and hits * 2 >= len(run):
            for k in run:
                if doc.reasons[k] is None:
                    doc.reasons[k] = REASON_FOOTER if k >= doc.tail_start else REASON_NAV
        i = j


def _apply_footer_blocks(doc: _Doc, pats: NoisePatterns, title_idx: int | None) -> None:
    """Related-article lists after a header such as 相关推荐 / 往期推荐 / END."""
    n = len(doc.lines)
    i = 0
    while i < n:
        if not pats.footer_header.search(doc.lines[i]):
            i += 1
            continue
        doc.reasons[i] = doc.reasons[i] or REASON_FOOTER
        rest = range(i + 1, n)
        late = i >= n * pats.footer_cut_min_fraction or i >= doc.tail_start
        # Speech paragraphs after the header mean it was not the page footer.
        speech_follows = any(
            _matches_any(pats.structural, doc.lines[k])
            or (
                len(doc.lines[k]) >= pats.speech_paragraph_min_length
                and _is_prose(doc.lines[k], pats)
            )
            for k in rest
        )
        if late and not speech_follows:
            for k in rest:
                doc.reasons[k] = doc.reasons[k] or REASON_FOOTER
            return
        # Early or mid-document: only the list right under the header.
        k = i + 1
        while k < n and k != title_idx and k != doc.sal_idx:
            line = doc.lines[k]
            if doc.reasons[k] is None and (
                len(line) > pats.list_item_max_length
                or _is_prose(line, pats)
                or _matches_any(pats.structural, line)
            ):
                break
            doc.reasons[k] = doc.reasons[k] or REASON_NAV
            k += 1
        i = k


def _title_key(line: str, pats: NoisePatterns) -> str:
    key = pats.title_site_suffix.sub("", line)
    for p in pats.title_decorations:
        key = p.sub("", key)
    return re.sub(r"\s+", "", key)


def _apply_duplicate_titles(doc: _Doc, pats: NoisePatterns) -> dict[int, RemovedLine]:
    """Keep one copy of a title repeated at the top; strip a site-name suffix from it."""
    extra: dict[int, RemovedLine] = {}
    head = [
        i
        for i in range(doc.head_end)
        if doc.reasons[i] is None
        and len(doc.lines[i]) <= pats.title_max_length + 20
        and not pats.sentence_end.search(doc.lines[i])
    ]
    groups: dict[str, list[int]] = {}
    for i in head:
        key = _title_key(doc.lines[i], pats)
        if len(key) >= 4:
            groups.setdefault(key, []).append(i)
    for key, members in groups.items():
        bare = [i for i in members if re.sub(r"\s+", "", doc.lines[i]) == key]
        keep = bare[0] if bare else members[0]
        for i in members:
            if i != keep:
                doc.reasons[i] = REASON_DUP_TITLE
        m = pats.title_site_suffix.search(doc.lines[keep])
        if m:
            extra[keep] = RemovedLine(line=m.group(1), reason=REASON_SITE_NAME)
            doc.lines[keep] = doc.lines[keep][: m.start()]
    return extra


def clean_text(text: str, *, patterns: NoisePatterns | None = None) -> CleanResult:
    """Remove web-page noise and normalise whitespace/punctuation; report removed lines."""
    pats = patterns or _default_patterns()
    lines = _split_lines(text)
    sal_idx, head_end, tail_start = _locate(lines, pats)
    doc = _Doc(list(lines), [None] * len(lines), sal_idx, head_end, tail_start)

    _apply_line_rules(doc, pats)
    title_idx = _title_index(doc)
    _apply_vertical_menus(doc, pats, title_idx)
    _apply_footer_blocks(doc, pats, title_idx)
    suffixes = _apply_duplicate_titles(doc, pats)

    kept: list[str] = []
    removed: list[RemovedLine] = []
    for i, (original, line, reason) in enumerate(zip(lines, doc.lines, doc.reasons, strict=True)):
        if reason is not None:
            removed.append(RemovedLine(line=original, reason=reason))
            continue
        if i in suffixes:
            removed.append(suffixes[i])
        out = normalise_line(line)
        if out:
            kept.append(out)
    return CleanResult(text="\n".join(kept), removed=removed)
