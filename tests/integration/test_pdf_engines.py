"""PDFs whose subset CJK fonts pypdf decodes into garbage (fpdf2 makes them) come in as written."""

from __future__ import annotations

import io
import re

import pytest

from assistant.intake.pdf.glyphs import garbled
from assistant.intake.pdf_text import load_pdf
from tests.fixtures.make_files import find_cjk_font
from tests.shared import CORPUS


def _speech(name: str) -> str:
    text = (CORPUS / name).read_text(encoding="utf-8")
    return re.sub(r"^---\n.*?\n---\n", "", text, flags=re.S).replace("#", "")


def _subset_font_pdf(text: str) -> bytes:
    """The speech as fpdf2 writes it: a subset CJK font, wrapped at the page width, several pages."""
    from fpdf import FPDF

    font = find_cjk_font()
    if font is None:
        pytest.fail("no CJK font on this machine: apt-get install fonts-noto-cjk (CI installs it)")
    pdf = FPDF(format="A4")
    pdf.add_font("cjk", fname=str(font), **({"collection_font_number": 2} if font.suffix == ".ttc" else {}))
    pdf.set_font("cjk", size=14)
    pdf.add_page()
    for paragraph in (p.strip() for p in text.split("\n") if p.strip()):
        pdf.multi_cell(0, 9, paragraph, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _chars(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("name", ["petition-02.md", "work_safety-01.md", "eco_env-03.md"])
def test_a_subset_font_pdf_is_read_as_written(name):

    from pypdf import PdfReader

    data = _subset_font_pdf(_speech(name))
    pages = [p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages]
    assert len(pages) >= 2 and any(garbled(p) for p in pages)  # pypdf alone gets these wrong
    got = load_pdf(data, name.replace(".md", ".pdf")).text
    assert _chars(got) == _chars(_speech(name))  # no character lost, changed or added


