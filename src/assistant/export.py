"""Export a speech: .docx in GB/T 9704 layout, plain text that pastes cleanly into Word/WPS, Markdown.

The speech text is read by the project's parser; which paragraph is a heading of which level
comes from it (sections, their heading line and run-in text, points and the points inside
them), and `numbering.heading_level` names the level of a marker. Nothing is guessed here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, get_args

from assistant.library.parsing import extract_points, parse_speech, point_heading
from assistant.models import Draft, Point
from assistant.numbering import heading_level

Format = Literal["docx", "txt", "md"]
FORMATS: tuple[str, ...] = get_args(Format)
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "txt": "text/plain",
    "md": "text/markdown",
}
DEFAULT_NAME = "讲话稿"

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "Block",
    "ExportError",
    "Layout",
    "export_bytes",
    "export_filename",
    "export_text",
    "layout",
    "safe_filename",
]


class ExportError(ValueError):
    """An export that cannot be made (the message is Chinese)."""


BlockKind = Literal["title", "byline", "salutation", "heading", "body"]


@dataclass(frozen=True)
class Block:
    """One paragraph of the exported speech.

    ``head`` is the heading part of a heading paragraph ("（一）压实责任。"); the paragraph
    text starts with it and ``rest`` is the run-in text after it ("" for a heading on its own).
    """

    kind: BlockKind
    text: str
    level: int = 0  # 1–4 for headings (一、/（一）/1./（1）), 0 otherwise
    head: str = ""

    @property
    def rest(self) -> str:
        return self.text[len(self.head) :]


@dataclass(frozen=True)
class Layout:
    """A speech as export paragraphs: its title and every paragraph in order (title first)."""

    title: str
    blocks: tuple[Block, ...]


# ------------------------------------------------------------------ Markdown left in the text

# The parser drops a leading #, > and ** already; a hand-edited, imported or model-written
# draft can still carry list bullets, emphasis, code marks, links and rules, which must not
# reach a 公文 or the clipboard. Content characters ("3#楼", "2024-2025年") are kept.
_MD_PREFIX_RE = re.compile(r"^(?:#{1,6}[ \t]*|[-*+•][ \t]+|>[ \t]?)+")
_MD_RULE_RE = re.compile(r"^(?:-{3,}|\*{3,}|={3,}|_{3,}|`{3}.*|~{3}.*)$")
_MD_LINK_RE = re.compile(r"!?\[([^\]\n]*)\]\((?:[^)\s]*)\)")
_MD_UNDERSCORE_EM_RE = re.compile(r"(?<![_\w])__(?=\S)(.+?)(?<=\S)__(?![_\w])")


def _plain_line(line: str) -> str:
    line = line.strip().replace("\u3000", " ").strip()
    if _MD_RULE_RE.match(line):
        return ""
    line = _MD_PREFIX_RE.sub("", line)
    line = _MD_LINK_RE.sub(r"\1", line)
    line = _MD_UNDERSCORE_EM_RE.sub(r"\1", line)
    return line.replace("*", "").replace("`", "").strip()


def _plain(text: str) -> str:
    lines = (_plain_line(x) for x in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(x for x in lines if x)


# ------------------------------------------------------------------ layout from the parser


def _point_blocks(points: list[Point]) -> list[Block]:
    blocks: list[Block] = []
    for point in points:
        first, *rest = point.text.split("\n")
        level = heading_level(point.marker)
        head = point_heading(first)[0] if level else ""
        if head:
            blocks.append(Block("heading", first, level, head))
        else:  # an enumerated item, or 一是/一要/首先 inside a paragraph: body text
            blocks.append(Block("body", first))
        blocks += _nested_blocks(rest)
    return blocks


def _nested_blocks(paragraphs: list[str]) -> list[Block]:
    """Paragraphs inside a point: body, and the points of a lower level the parser finds there."""
    points = extract_points(paragraphs)
    first = len(paragraphs) - sum(p.text.count("\n") + 1 for p in points)
    return [Block("body", p) for p in paragraphs[:first]] + _point_blocks(points)


def layout(source: Draft | str) -> Layout:
    """The speech (a Draft or its text) as typed paragraphs: title, byline, salutation, headings, body."""
    text = source.text if isinstance(source, Draft) else str(source or "")
    doc = parse_speech(_plain(text))
    title = doc.title
    opening = doc.opening.split("\n") if doc.opening else []
    if not title and isinstance(source, Draft) and source.title.strip():
        title = _plain(source.title).replace("\n", "")
        if opening and opening[0] == title:  # a title the parser did not take for one
            opening = opening[1:]
    blocks: list[Block] = [Block("title", title)] if title else []
    blocks += [Block("byline", x) for x in doc.byline.split("\n") if x]
    if doc.salutation:
        blocks.append(Block("salutation", doc.salutation))
    blocks += [Block("body", x) for x in opening]
    for s in doc.sections:
        body = [Block("body", x) for x in s.intro.split("\n") if x] + _point_blocks(s.points)
        if s.heading_line:
            level = heading_level(s.heading_line) or 1
            if s.run_in and body:
                blocks.append(Block("heading", s.heading_line + body[0].text, level, s.heading_line))
                body = body[1:]
            else:
                blocks.append(Block("heading", s.heading_line, level, s.heading_line))
        blocks += body
    blocks += [Block("body", x) for x in doc.closing.split("\n") if x]
    return Layout(title=title, blocks=tuple(blocks))


# ------------------------------------------------------------------ plain text and Markdown


def _txt(lay: Layout) -> str:
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


def _md(lay: Layout) -> str:
    return "\n\n".join(_md_block(b) for b in lay.blocks) + "\n" if lay.blocks else ""


# ------------------------------------------------------------------ public API


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ExportError(f"不支持导出为“{fmt}”格式，可选：{'、'.join(FORMATS)}。")


def export_text(source: Draft | str, fmt: Literal["txt", "md"]) -> str:
    """The speech as plain text (one paragraph per line, no Markdown) or as Markdown."""
    _check_format(fmt)
    if fmt == "docx":
        raise ExportError("Word 文档不是文本格式，请用 export_bytes 导出。")
    lay = layout(source)
    return _txt(lay) if fmt == "txt" else _md(lay)


def export_bytes(source: Draft | str, fmt: Format) -> bytes:
    """The speech as a file's bytes: .docx (GB/T 9704), .txt (UTF-8 with BOM, CRLF) or .md (UTF-8)."""
    _check_format(fmt)
    if fmt == "docx":
        from assistant.gbt9704 import write_docx

        lay = layout(source)
        return write_docx(lay.blocks, lay.title)
    text = export_text(source, fmt)
    if fmt == "txt":
        # Notepad and WPS on older Chinese Windows read a file without a BOM as GBK.
        return "\ufeff".encode() + text.replace("\n", "\r\n").encode("utf-8")
    return text.encode("utf-8")


# Characters Windows or macOS refuse in a file name, replaced by their full-width forms.
_NAME_MAP = str.maketrans({
    "<": "《", ">": "》", ":": "：", '"': "“", "/": "／", "\\": "＼", "|": "｜", "?": "？", "*": "＊",
})
_WINDOWS_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?$", re.IGNORECASE)
_NAME_MAX = 80  # characters; 80 Chinese characters are 240 bytes, under the 255-byte limits


def safe_filename(name: str, default: str = DEFAULT_NAME) -> str:
    """A title as a file name (without extension) that Windows, macOS and Linux accept; Chinese kept."""
    name = unicodedata.normalize("NFC", name or "").translate(_NAME_MAP)
    name = "".join(" " if unicodedata.category(c).startswith("C") else c for c in name)
    name = re.sub(r"\s+", " ", name).strip()
    name = name[:_NAME_MAX].strip().strip(".").strip()  # Windows drops trailing dots; a leading one hides the file
    if not name or _WINDOWS_RESERVED.match(name):
        return default if not name else f"{name}_{default}"
    return name


def export_filename(source: Draft | str, fmt: Format) -> str:
    """The speech's title as a file name with the format's extension (讲话稿.docx when untitled)."""
    _check_format(fmt)
    return f"{safe_filename(layout(source).title)}.{fmt}"
