"""Plain text that pastes cleanly into Word/WPS (one paragraph a line) and Markdown, from a Layout."""

from __future__ import annotations

import re

from assistant.export.layout import Block, Layout

__all__ = ["markdown_text", "plain_text"]


def plain_text(lay: Layout) -> str:
    """One paragraph per line; one empty line under the title block and nowhere else.

    Word and WPS make each pasted line a paragraph, so empty lines between paragraphs would
    become empty paragraphs a typist has to delete.
    """
    lines: list[str] = []
    for i, b in enumerate(lay.blocks):
        lines.append(b.text)
        in_head = b.kind in ("title", "byline")
        nxt = lay.blocks[i + 1] if i + 1 < len(lay.blocks) else None
        if in_head and nxt is not None and nxt.kind not in ("title", "byline"):
            lines.append("")
    return "\n".join(lines) + "\n" if lines else ""


_MD_ESCAPE_RE = re.compile(r"([\\`*_\[\]<>|])")
_MD_LIST_START_RE = re.compile(r"^(\d{1,9})([.)])(\s)")
_MD_BLOCK_START_RE = re.compile(r"^([#>+\-=])")


def _md_escape(text: str) -> str:
    text = _MD_ESCAPE_RE.sub(r"\\\1", text)
    text = _MD_LIST_START_RE.sub(r"\1\\\2\3", text)  # "1. 强化" is not an ordered list
    return _MD_BLOCK_START_RE.sub(r"\\\1", text)


def _md_block(b: Block) -> str:
    if b.kind == "title":
        return "# " + _md_escape(b.text)
    if b.kind != "heading":
        return _md_escape(b.text)
    if not b.rest:
        return "#" * (b.level + 1) + " " + _md_escape(b.text)
    if b.level > 2:
        return _md_escape(b.text)  # 1./（1） items with text: paragraphs, as in the document
    # A run-in heading in bold; the closing ** goes before the stop, because CommonMark does
    # not close emphasis between a full-width stop and the Chinese text after it.
    head = b.head.rstrip()
    return f"**{_md_escape(head[:-1])}**{_md_escape(head[-1] + b.text[len(head) :])}"


def markdown_text(lay: Layout) -> str:
    return "\n\n".join(_md_block(b) for b in lay.blocks) + "\n" if lay.blocks else ""
