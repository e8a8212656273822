"""The PDF loader's verdict on garbled text: refused in Chinese, never stored.

Real PDFs that pypdf garbles and PDFium reads are in tests/integration/test_pdf_engines.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.intake.pdf.glyphs import unify_glyphs
from assistant.intake.pdf_text import _refuse_garbled, load_pdf
from assistant.support.errors import LoadError
from tests.fixtures.hostile import raw_pdf


def _stream(data: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def _pdf_whose_font_maps_to(path: Path, targets: list[int]) -> bytes:
    """One line of 'ABCDEFGHIJ' whose font's ToUnicode map sends each letter to ``targets``.

    The way a broken generator's subset font reads in every engine: the glyphs print, the text is junk.
    """
    pairs = b"".join(b"<%02X> <%04X>\n" % (0x41 + i, t) for i, t in enumerate(targets))
    cmap = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        b"/CMapName /Junk def /CMapType 2 def\n1 begincodespacerange\n<00> <FF>\nendcodespacerange\n"
        + b"%d beginbfchar\n" % len(targets) + pairs + b"endbfchar\nendcmap\nCMapName currentdict /CMap defineresource pop end end"
    )
    content = b"BT /F1 14 Tf 72 700 Td (" + b"ABCDEFGHIJ"[: len(targets)] * 8 + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        _stream(content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        _stream(cmap),
    ]
    return raw_pdf(path, dict(enumerate(objects, 1))).read_bytes()


def test_a_pdf_both_engines_read_as_control_characters_is_refused_and_says_what_to_do(tmp_path):
    data = _pdf_whose_font_maps_to(tmp_path / "a.pdf", [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0E, 0x0F])
    with pytest.raises(LoadError) as info:
        load_pdf(data, "会议材料.pdf")
    message = str(info.value)
    assert "《会议材料.pdf》" in message and "乱码" in message and "没有导入" in message
    assert "另存为 .docx" in message


def test_the_same_pdf_with_a_sound_map_is_read(tmp_path):
    # The control: the same file with a map to real characters comes in, so the refusal above is the map's.
    data = _pdf_whose_font_maps_to(tmp_path / "a.pdf", [ord(c) for c in "约谈会议整改落实到位"])
    assert load_pdf(data, "会议材料.pdf").text == "约谈会议整改落实到位" * 8


def test_text_pypdf_garbles_is_refused_when_pdfium_cannot_read_the_file():
    junk = "约\x00谈\x00会\x00上\x01的\x02讲\x03话" * 20
    with pytest.raises(LoadError) as info:
        _refuse_garbled(["同志们：今天开会。", junk], "会议材料.pdf")
    assert "第 2 页" in str(info.value)
    _refuse_garbled(["一、正视问题\n今年以来，项目推进缓慢。", "二、整改落实"], "a.pdf")  # clean pages pass


@pytest.mark.parametrize(
    ("seen", "meant"),
    [
        ("临江市⼈⺠政府⽹", "临江市人民政府网"),  # Kangxi radicals and the supplement, as Chromium + Noto write them
        ("⻘⽯县第⼀道⻔", "青石县第一道门"),
        ("warehouse_ﬁre", "warehouse_fire"),
        ("“整改”，（一）、１２％", "“整改”，（一）、１２％"),  # full-width punctuation and digits stay as they are
    ],
)
def test_glyphs_a_font_maps_to_the_wrong_code_point_are_read_as_meant(seen, meant):
    assert unify_glyphs(seen) == meant
