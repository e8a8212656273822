"""Revision marks drawn as Word draws them: deleted text struck through in red, inserted in green."""

from __future__ import annotations

import html

from assistant.domain.text_diff import changes

_STYLE = {
    "del": "color:#b42318;text-decoration:line-through;background:#fde8e7",
    "ins": "color:#067647;text-decoration:none;background:#e3f6e8",
}
_TAG = {"del": "del", "ins": "ins"}


def marks_html(old: str, new: str, old_name: str, new_name: str) -> str:
    """The changed paragraphs from ``old`` to ``new`` as HTML, every outside string escaped."""
    found = changes(old, new)
    head = (
        f'<div style="font-size:0.9rem;color:#555;margin-bottom:0.4rem">{html.escape(old_name)} → '
        f'{html.escape(new_name)}：<del style="{_STYLE["del"]}">删去的文字</del>　'
        f'<ins style="{_STYLE["ins"]}">加入的文字</ins></div>'
    )
    if not found:
        return head + "<p>两个版本内容相同。</p>"
    blocks = []
    for change in found:
        where = f"第 {change.number} 段" if change.number else "删去的段落"
        body = "".join(
            html.escape(m.text)
            if m.op == "same"
            else f'<{_TAG[m.op]} style="{_STYLE[m.op]}">{html.escape(m.text)}</{_TAG[m.op]}>'
            for m in change.marks
        )
        blocks.append(
            f'<div style="margin:0.3rem 0"><span style="color:#888;font-size:0.8rem">{where}</span>'
            f'<div style="white-space:pre-wrap;word-break:break-all;line-height:1.8">{body}</div></div>'
        )
    return head + "".join(blocks)
