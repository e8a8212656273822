"""A draft edited by hand: the typed text becomes the draft's parts, word for word.

The speech parser finds the parts again (title, salutation, opening, 一、二、… sections,
closing) from the text as typed, and every line is kept exactly as typed: the parse is
lossless, and if the parts ever failed to give back the text, the whole text is kept as one
part rather than losing a word. Parts whose text did not change keep their sources and
warnings; changed parts lose their warnings, which were about the old text.
"""

from __future__ import annotations

from pathlib import Path

from assistant.domain.models import Draft, DraftPart
from assistant.intake.parsing import parse_speech, split_paragraphs


def _parts_of(text: str, structures_dir: Path | None) -> list[DraftPart]:
    doc = parse_speech(text, None, structures_dir)
    parts: list[DraftPart] = []
    if doc.title_line:
        parts.append(DraftPart(role="title", text=doc.title_line))
    if doc.byline:
        parts.append(DraftPart(role="other", text=doc.byline))
    if doc.salutation:
        parts.append(DraftPart(role="salutation", text=doc.salutation))
    if doc.opening:
        parts.append(DraftPart(role="opening", text=doc.opening))
    for s in doc.sections:
        lines = "\n".join(s.lines())
        if s.heading_line:
            parts.append(DraftPart(role=s.role, number=s.number, heading=s.heading, text=lines))
        elif lines:
            parts.append(DraftPart(role="other", text=lines))
    if doc.closing:
        parts.append(DraftPart(role="closing", text=doc.closing))
    return parts


def edited_draft(draft: Draft, text: str, structures_dir: Path | None = None) -> Draft:
    """The draft with ``text`` as its content (one paragraph per line), structure found again."""
    wanted = "\n".join(split_paragraphs(text))
    parts = _parts_of(wanted, structures_dir)
    if "\n".join(p.text for p in parts) != wanted:
        parts = [DraftPart(role="other", text=wanted)] if wanted else []
    before = {(p.role, p.number): p for p in draft.parts}
    kept: list[DraftPart] = []
    for p in parts:
        old = before.get((p.role, p.number))
        if old is None and p.number:
            # A section renamed so that its role reads differently is still that section.
            old = next((q for q in draft.parts if q.number == p.number), None)
        if old is not None:
            same = old.text.strip() == p.text.strip()
            p = p.model_copy(
                update={"sources": list(old.sources), "warnings": list(old.warnings) if same else [],
                        "complete": old.complete if same else True}
            )  # fmt: skip
        kept.append(p)
    title = next((p.text for p in kept if p.role == "title"), draft.title)
    unchanged = wanted == "\n".join(split_paragraphs(draft.text))
    return draft.model_copy(
        update={"parts": kept, "title": title, "warnings": list(draft.warnings) if unchanged else []}
    )
