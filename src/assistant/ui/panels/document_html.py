"""A draft as HTML laid out like the printed speech; every piece of text is escaped.

Model output and user edits are text, never markup: each line goes through html.escape,
and the only tags are the ones written here. The fonts follow GB/T 9704 with fallbacks a
browser is likely to have (title 小标宋, body 仿宋, level-1 headings 黑体, level-2 楷体).
"""

from __future__ import annotations

import html
import re

from assistant.domain.models import Draft, DraftPart
from assistant.domain.numbering import NUMERAL, TOP_HEADING_RE

FONT_TITLE = (
    '"方正小标宋简体","FZXiaoBiaoSong-B05S","华文中宋","STZhongsong","宋体","SimSun",'
    '"Noto Serif CJK SC","Source Han Serif SC",serif'
)
FONT_BODY = (
    '"仿宋_GB2312","FangSong_GB2312","仿宋","FangSong","华文仿宋","STFangsong",'
    '"Noto Serif CJK SC","Source Han Serif SC",serif'
)
FONT_H1 = '"黑体","SimHei","华文黑体","STHeiti","Noto Sans CJK SC","Source Han Sans SC",sans-serif'
FONT_H2 = '"楷体_GB2312","KaiTi_GB2312","楷体","KaiTi","华文楷体","STKaiti",' + FONT_BODY

_BASE = f"font-family:{FONT_BODY};font-size:1.15rem;line-height:2;color:#1f1f1f;margin:0;"
STYLES = {
    "title": f"font-family:{FONT_TITLE};font-size:1.6rem;font-weight:700;text-align:center;"
    "line-height:1.6;margin:0.4em 0 0.8em 0;color:#1f1f1f;",
    "salutation": _BASE,
    "h1": _BASE + f"font-family:{FONT_H1};font-weight:700;text-indent:2em;",
    "p": _BASE + "text-indent:2em;",
}
# （一）… up to the first full stop is a level-2 heading run in with its paragraph.
_H2_RE = re.compile(rf"^([（(]{NUMERAL}[）)][^。！？]{{0,40}}[。！？]?)(.*)$")
_RUN_IN_RE = re.compile(r"^(.{2,45}?[。！？])(.+)$")
_SALUTATION_RE = re.compile(r"^[^，。]{1,12}[：:]$")


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def line_html(line: str, kind: str) -> str:
    """One paragraph as a <p> of its kind (title, salutation, h1 or p)."""
    style = STYLES[kind]
    if kind == "h1":
        m = _RUN_IN_RE.match(line)
        if m and len(line) > 40:  # a heading with its paragraph run in: only the heading is bold
            head = f'<span style="font-family:{_esc(FONT_H1)};font-weight:700;">{_esc(m.group(1))}</span>'
            return f'<p style="{_esc(STYLES["p"])}">{head}{_esc(m.group(2))}</p>'
    if kind == "p":
        m = _H2_RE.match(line)
        if m and m.group(2):
            head = f'<span style="font-family:{_esc(FONT_H2)};font-weight:700;">{_esc(m.group(1))}</span>'
            return f'<p style="{_esc(style)}">{head}{_esc(m.group(2))}</p>'
    return f'<p style="{_esc(style)}">{_esc(line)}</p>'


def _kinds(part: DraftPart, lines: list[str]) -> list[str]:
    if part.role == "title":
        return ["title"] * len(lines)
    if part.role == "salutation":
        return ["salutation"] * len(lines)
    kinds = ["p"] * len(lines)
    if part.number and lines:
        kinds[0] = "h1"
    return kinds


def part_html(part: DraftPart) -> str:
    """One part of a draft: its paragraphs, headings marked as the printed speech marks them."""
    lines = [x.strip() for x in part.text.split("\n") if x.strip()]
    return "".join(line_html(line, kind) for line, kind in zip(lines, _kinds(part, lines), strict=True))


def wrap(inner: str) -> str:
    """The block every rendered piece of a document sits in."""
    return f'<div class="speech-doc" style="max-width:46em;">{inner}</div>'


def document_html(draft: Draft) -> str:
    """The whole draft as one block of HTML."""
    return wrap("".join(part_html(p) for p in draft.parts if p.text.strip()))


def text_html(text: str) -> str:
    """Speech text without parts (a draft still being written): headings found by their numbers."""
    out: list[str] = []
    lines = [x.strip() for x in (text or "").split("\n") if x.strip()]
    for n, line in enumerate(lines):
        if n == 0 and not TOP_HEADING_RE.match(line) and not line.endswith("。") and len(line) <= 60:
            kind = "title"
        elif _SALUTATION_RE.match(line):
            kind = "salutation"
        elif TOP_HEADING_RE.match(line) and len(line) <= 60:
            kind = "h1"
        else:
            kind = "p"
        out.append(line_html(line, kind))
    return wrap("".join(out))
