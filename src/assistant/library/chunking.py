"""SpeechDoc → retrievable chunks: one per point or paragraph, never crossing a top-level section."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from assistant.models import Chunk, Section, SpeechDoc

# Constants, not settings: changing them for a library that already holds chunks would mix
# two chunkings in one index. The maximum was chosen on bench/queries (BENCHMARKS.md).
CHUNK_MAX_CHARS = 160
CHUNK_MIN_CHARS = 50

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


def _section_units(section: Section) -> list[tuple[int, str]]:
    """(point_index, text) units of a section: its points, and loose paragraphs as index 0."""
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
    units: list[tuple[int, str]] = []
    i = 0
    while i < len(paras):
        if i in starts:
            index, owned = starts[i]
            units.append((index, "\n".join(paras[i : i + owned])))
            i += owned
        else:
            units.append((0, paras[i]))
            i += 1
    return units


def _finish(units: list[tuple[int, str]], max_chars: int, min_chars: int) -> list[tuple[int, str]]:
    split: list[tuple[int, str]] = []
    for index, text in units:
        split += [(index, part) for part in _split_long(text, max_chars)]
    # Tiny pieces (a bare sub-heading, a one-line transition) join a neighbour in the same part.
    merged: list[tuple[int, str]] = []
    for index, text in split:
        if merged and (len(merged[-1][1]) < min_chars) and len(merged[-1][1]) + len(text) <= max_chars * 1.5:
            prev_index, prev_text = merged.pop()
            merged.append((prev_index or index, prev_text + "\n" + text))
        else:
            merged.append((index, text))
    if len(merged) > 1 and len(merged[-1][1]) < min_chars:
        index, text = merged.pop()
        prev_index, prev_text = merged.pop()
        merged.append((prev_index or index, prev_text + "\n" + text))
    return merged


def chunk_speech(
    doc: SpeechDoc, doc_id: str, max_chars: int = CHUNK_MAX_CHARS, min_chars: int = CHUNK_MIN_CHARS
) -> list[Chunk]:
    """Structure-aware chunks of a parsed speech."""
    chunks: list[Chunk] = []

    def emit(units: list[tuple[int, str]], section: str, role: str) -> None:
        for index, text in _finish(units, max_chars, min_chars):
            chunks.append(
                Chunk(
                    chunk_id=f"{doc_id}-{len(chunks):04d}",
                    doc_id=doc_id,
                    title=doc.title,
                    kind=doc.kind,
                    section=section,
                    role=role,
                    point_index=index,
                    text=text,
                )
            )

    if doc.opening:
        emit([(0, p) for p in doc.opening.split("\n") if p.strip()], "开场", "opening")
    for section in doc.sections:
        emit(_section_units(section), section.heading, section.role)
    if doc.closing:
        emit([(0, p) for p in doc.closing.split("\n") if p.strip()], "结束语", "closing")
    return chunks


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
