"""Line normalisation: whitespace and half-width → full-width punctuation in Chinese context."""

from __future__ import annotations

import re

# --- whitespace -------------------------------------------------------------------------

# Format characters (Unicode category Cf: zero-width spaces and joiners, BOMs, soft hyphens,
# bidi overrides) and stray control codes carry no text. Web pages sprinkle them between
# characters to spoil copying. FORMAT_CHARS is Python's Cf set, written out (a test checks it
# against unicodedata) so that importing costs nothing.
FORMAT_CHARS = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_INVISIBLE_RE = re.compile(f"[{FORMAT_CHARS}\x00-\x08\x0e-\x1f\x7f]")
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


def drop_invisible(text: str) -> str:
    """The text without format characters (Cf) and stray control codes: what the library keeps."""
    return _INVISIBLE_RE.sub("", text)


def split_lines(text: str) -> list[str]:
    """Non-empty lines of the text: newlines unified, invisible chars dropped, spaces collapsed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n").replace("\x0c", "\n").replace("\x0b", "\n")
    text = _ENTITY_SPACE_RE.sub(" ", drop_invisible(text))
    lines = (_normalise_spaces(line) for line in text.split("\n"))
    return [line for line in lines if line]


# --- punctuation ------------------------------------------------------------------------

_URL_RE = re.compile(
    r"(?i)(?:https?://|ftp://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+"
    r"|[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
    r"|\b[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.(?:com|cn|net|org|gov|edu|info)(?:\.[a-z]{2})?(?:/[\x21-\x7e]*)?"
)
_PAREN_PAIR_RE = re.compile(r"\(([^()\n]{0,80})\)")
#: Half-width clause punctuation and the full-width form that replaces it in Chinese text
#: (here and in the model-output cleaner, writing/prompts/model_text.py).
HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
#: Half-width parentheses and their full-width forms, apart because each user pairs them by its
#: own rule (here: a pair around Chinese text, then single ones beside it).
PAREN_HALF_TO_FULL = {"(": "（", ")": "）"}
_HALF_TO_FULL = {**HALF_TO_FULL, **PAREN_HALF_TO_FULL}
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
            chars[start], chars[end] = PAREN_HALF_TO_FULL["("], PAREN_HALF_TO_FULL[")"]

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
        # "清零.158处": a sentence ended right before a number that starts the next one.
        after_han = prev_raw is not None and bool(_HAN_RE.match(prev_raw))
        if next_raw is not None and not (
            next_raw in " \u3000" or _is_cjk(next_raw) or (after_han and _is_digit(next_raw))
        ):
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
