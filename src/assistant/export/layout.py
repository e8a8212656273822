"""A speech as export paragraphs (Blocks): the project's parser decides headings and their levels.

The speech text is read by the parser; which paragraph is a heading of which level comes from
it (sections, their heading line and run-in text, points and the points inside them), and
`numbering.heading_level` names the level of a marker. Nothing is guessed here. Markdown left
in a draft (bullets, emphasis, links, rules) is dropped first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from assistant.domain.models import Draft, Point
from assistant.domain.numbering import heading_level
from assistant.intake.parsing import extract_points, parse_speech, point_heading
from assistant.support.visible import strip_controls

__all__ = ["Block", "Layout", "layout"]


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
    # Control characters (Word refuses them in its XML) and text-reordering marks: never part of a speech.
    line = strip_controls(line.replace("\t", " "))
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
