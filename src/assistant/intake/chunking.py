"""SpeechDoc → retrievable chunks: one per point or paragraph, never crossing a top-level section."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import NamedTuple

from assistant.domain.models import Chunk, Section, SpeechDoc

# Constants, not settings: changing them for a library that already holds chunks would mix
# two chunkings in one index. The maximum was chosen on bench/queries (BENCHMARKS.md).
CHUNK_MAX_CHARS = 160
CHUNK_MIN_CHARS = 50
#: A unit (point or paragraph) longer than this is not stored whole with each of its chunks:
#: a one-line 2 MB text would otherwise copy 2 MB into every one of its thousands of chunks.
#: Such a chunk's unit is a window of neighbouring pieces instead. Real points stay far below it.
UNIT_MAX_CHARS = 1500

_SENTENCE_RE = re.compile(r"[^。！？；\n]*[。！？；]+[”’」』）]?|[^。！？；\n]+")


def split_sentences(text: str) -> list[str]:
    """Sentences ending at 。！？； (closing quotes stay with their sentence)."""
    return [s for s in (m.group(0).strip() for m in _SENTENCE_RE.finditer(text)) if s]


def pack(pieces: Iterable[str], limit: int, size: Callable[[str], int] = len) -> list[str]:
    """Consecutive pieces joined into groups of at most ``limit`` (a longer piece stands alone)."""
    groups: list[str] = []
    current = ""
    for piece in pieces:
        if current and size(current) + size(piece) > limit:
            groups.append(current)
            current = ""
        current += piece
    if current:
        groups.append(current)
    return groups


def _split_long(text: str, max_chars: int) -> list[str]:
    return [text] if len(text) <= max_chars else pack(split_sentences(text), max_chars)


class _Unit(NamedTuple):
    """A point (index ≥ 1) or a loose paragraph (index 0) of one part, and where it starts."""

    point_index: int
    paragraph: int  # 1-based paragraph number of its first paragraph within the part
    text: str


def _section_units(section: Section) -> list[_Unit]:
    """The units of a section: its points, and loose paragraphs as index 0."""
    paras = section.paragraphs
    starts: dict[int, tuple[int, int]] = {}  # paragraph index → (point index, paragraphs owned)
    cursor = 0
    for point in section.points:
        first = point.text.split("\n", 1)[0]
        for i in range(cursor, len(paras)):
            if paras[i] == first:
                owned = point.text.count("\n") + 1
                starts[i] = (point.index, owned)
                cursor = i + owned
                break
    units: list[_Unit] = []
    i = 0
    while i < len(paras):
        if i in starts:
            index, owned = starts[i]
            units.append(_Unit(index, i + 1, "\n".join(paras[i : i + owned])))
            i += owned
        else:
            units.append(_Unit(0, i + 1, paras[i]))
            i += 1
    return units


class _Piece(NamedTuple):
    """A chunk's text and the units it was cut from (first and last, inclusive)."""

    point_index: int
    text: str
    first: int
    last: int


def _finish(units: list[_Unit], max_chars: int, min_chars: int) -> list[_Piece]:
    split: list[_Piece] = []
    for n, unit in enumerate(units):
        split += [_Piece(unit.point_index, part, n, n) for part in _split_long(unit.text, max_chars)]
    # Tiny pieces (a bare sub-heading, a one-line transition) join a neighbour in the same part.
    merged: list[_Piece] = []
    for piece in split:
        if merged and (len(merged[-1].text) < min_chars) and len(merged[-1].text) + len(piece.text) <= max_chars * 1.5:
            prev = merged.pop()
            merged.append(_join(prev, piece))
        else:
            merged.append(piece)
    if len(merged) > 1 and len(merged[-1].text) < min_chars:
        last = merged.pop()
        merged.append(_join(merged.pop(), last))
    return merged


def _join(a: _Piece, b: _Piece) -> _Piece:
    return _Piece(a.point_index or b.point_index, a.text + "\n" + b.text, a.first, b.last)


def _unit_groups(pieces: list[_Piece]) -> list[tuple[int, int]]:
    """(first, last) unit of the unit group each piece belongs to.

    A piece that joined two units (a tiny paragraph merged into the next point) makes them one
    unit for search, so every chunk's unit text contains the chunk.
    """
    spans: list[list[int]] = []
    owner: list[int] = []
    for piece in pieces:
        if spans and piece.first <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], piece.last)
        else:
            spans.append([piece.first, piece.last])
        owner.append(len(spans) - 1)
    return [(spans[o][0], spans[o][1]) for o in owner]


def _window(pieces: list[_Piece], groups: list[tuple[int, int]], n: int, limit: int) -> str:
    """Piece n with its neighbours of the same unit group, as many as fit in ``limit`` characters."""
    lo = hi = n
    size = len(pieces[n].text)
    while True:
        grew = False
        for j in (hi + 1, lo - 1):
            if 0 <= j < len(pieces) and groups[j] == groups[n] and size + len(pieces[j].text) <= limit:
                size += len(pieces[j].text)
                lo, hi = min(lo, j), max(hi, j)
                grew = True
        if not grew:
            break
    # Pieces of one unit were cut at sentence ends, so they join back without a separator.
    return "".join(p.text for p in pieces[lo : hi + 1])


def chunk_speech(
    doc: SpeechDoc, doc_id: str, max_chars: int = CHUNK_MAX_CHARS, min_chars: int = CHUNK_MIN_CHARS
) -> list[Chunk]:
    """Structure-aware chunks of a parsed speech, each knowing the whole unit it belongs to."""
    chunks: list[Chunk] = []

    def emit(units: list[_Unit], part: str, section: str, role: str, number: int = 0) -> None:
        pieces = _finish(units, max_chars, min_chars)
        groups = _unit_groups(pieces)
        for n, (piece, (first, last)) in enumerate(zip(pieces, groups, strict=True)):
            group = units[first : last + 1]
            point = next((u.point_index for u in group if u.point_index), 0)
            tag = f"p{point}" if point else f"para{group[0].paragraph}"
            unit_text = "\n".join(u.text for u in group)
            if len(unit_text) > UNIT_MAX_CHARS:
                unit_text = _window(pieces, groups, n, UNIT_MAX_CHARS)
                tag += f"w{n}"
            chunks.append(
                Chunk(
                    chunk_id=f"{doc_id}-{len(chunks):04d}",
                    doc_id=doc_id,
                    title=doc.title,
                    kind=doc.kind,
                    section=section,
                    role=role,
                    point_index=piece.point_index,
                    section_number=number,
                    unit=f"{doc_id}:{part}:{tag}",
                    unit_text=unit_text,
                    text=piece.text,
                )
            )

    def loose(text: str) -> list[_Unit]:
        paras = [p for p in text.split("\n") if p.strip()]
        return [_Unit(0, i + 1, p) for i, p in enumerate(paras)]

    if doc.opening:
        emit(loose(doc.opening), "opening", "开场", "opening")
    for n, section in enumerate(doc.sections, 1):
        emit(_section_units(section), f"s{n}", section.heading, section.role, section.number)
    if doc.closing:
        emit(loose(doc.closing), "closing", "结束语", "closing")
    return chunks


def units_for(chunks: list[Chunk], speech: SpeechDoc | None) -> list[Chunk]:
    """Stored chunks of one document (in order) with their units filled in, for a reindex.

    The saved parse gives the exact units when chunking it again gives the stored chunks.
    Otherwise (no parse saved beside this Chroma, or another chunker made the chunks) the
    consecutive pieces of one point are joined back, and a loose paragraph's chunk is its own unit.
    """
    if speech is not None and chunks:
        fresh = chunk_speech(speech, chunks[0].doc_id)
        if [c.text for c in fresh] == [c.text for c in chunks]:
            return [
                c.model_copy(update={"section_number": f.section_number, "unit": f.unit, "unit_text": f.unit_text})
                for c, f in zip(chunks, fresh, strict=True)
            ]
    numbers = {s.heading: s.number for s in speech.sections} if speech is not None else {}
    numbers.update({"开场": 0, "结束语": 0})
    groups: list[list[Chunk]] = []
    for c in chunks:
        prev = groups[-1][-1] if groups else None
        if prev and c.point_index and (prev.point_index, prev.section, prev.role) == (c.point_index, c.section, c.role):
            groups[-1].append(c)
        else:
            groups.append([c])
    out: list[Chunk] = []
    for group in groups:
        # Pieces of one point were cut at sentence ends, so they join back without a separator.
        unit = {"unit": group[0].chunk_id, "unit_text": "".join(c.text for c in group)}
        for c in group:
            out.append(c.model_copy(update={"section_number": numbers.get(c.section, 0), **unit}))
    return out


def embedding_text(chunk: Chunk) -> str:
    """Text that is embedded and BM25-indexed for a chunk.

    The speech title and the section heading go in front of the chunk: a writer's query often
    names the kind of meeting ("安全生产约谈开场白") or the part, which the chunk itself may not.
    """
    if chunk.role == "opening":
        context = "开场白"
    elif chunk.role == "closing":
        context = "结束语"
    else:
        context = chunk.section
    head = "｜".join(x for x in (chunk.title, context) if x)
    return f"{head}：{chunk.text}" if head else chunk.text


def match_span(unit_text: str, matched: str) -> tuple[int, int] | None:
    """Where a chunk lies in its unit's text (start, end), None when it cannot be found.

    A chunk cut at sentence ends has lost the line breaks between the unit's paragraphs, so
    it is found by its first and last sentences rather than as one substring.
    """
    sentences = split_sentences(matched)
    if not sentences or not unit_text:
        return None
    start = unit_text.find(sentences[0])
    if start < 0:
        return None
    last = unit_text.find(sentences[-1], start)
    if last < 0:
        return None
    return start, last + len(sentences[-1])


def split_at_match(unit_text: str, matched: str) -> tuple[str, str, str]:
    """(before, match, after) of a unit's text; ("", text, "") when the match is the whole unit."""
    span = match_span(unit_text, matched)
    if span is None:
        return unit_text, "", ""
    start, end = span
    return unit_text[:start], unit_text[start:end], unit_text[end:]


def excerpt(unit_text: str, matched: str, max_chars: int) -> str:
    """The unit's text within max_chars: whole when it fits, else whole sentences around the match.

    The first sentence (the point's marker and topic) is kept when there is room; cut places
    show "……". Used to fit a long point into a reference budget without losing the match.
    """
    if len(unit_text) <= max_chars:
        return unit_text
    max_chars -= 4  # room for the "……" of two cuts
    spans = [m.span() for m in _SENTENCE_RE.finditer(unit_text) if m.group(0).strip()]
    found = match_span(unit_text, matched)
    inside = [i for i, (a, b) in enumerate(spans) if found and a < found[1] and b > found[0]]
    lo = hi = inside[0] if inside else 0
    if spans[lo][1] - spans[lo][0] > max_chars:  # one sentence longer than the whole budget
        return unit_text[spans[lo][0] : spans[lo][0] + max_chars] + "……"

    def width(a: int, b: int) -> int:
        return spans[b][1] - spans[a][0]

    # The match first (as much of it as fits), then the topic sentence, then its neighbours.
    while inside and hi < inside[-1] and width(lo, hi + 1) <= max_chars:
        hi += 1
    head = lo > 1 and width(lo, hi) + width(0, 0) + 2 <= max_chars
    budget = max_chars - (width(0, 0) + 2 if head else 0)
    grow_after = grow_before = True
    while grow_after or grow_before:
        grow_after = grow_after and hi + 1 < len(spans) and width(lo, hi + 1) <= budget
        hi += grow_after
        stop = 1 if head else 0
        grow_before = grow_before and lo - 1 >= stop and width(lo - 1, hi) <= budget
        lo -= grow_before
    if head and lo == 1:
        lo, head = 0, False
    out = unit_text[spans[0][0] : spans[0][1]] + "……" if head else ("……" if lo > 0 else "")
    out += unit_text[spans[lo][0] : spans[hi][1]]
    return out + ("……" if hi < len(spans) - 1 else "")
