"""The PDF loader's verdict on garbled pages: read again by PDFium, or refused; never stored garbled.

Real PDFs that pypdf garbles are in tests/integration/test_pdf_engines.py.
"""

from __future__ import annotations

import pytest

from assistant.intake.documents import _ungarbled
from assistant.support.errors import LoadError


def test_text_that_stays_garbled_is_refused_in_chinese():
    junk = "约\x00谈\x00会\x00上\x01的\x02讲\x03话" * 20
    with pytest.raises(LoadError) as info:
        _ungarbled(["同志们：今天开会。", junk], lambda: ["同志们：今天开会。", junk], "会议材料.pdf")
    message = str(info.value)
    assert "《会议材料.pdf》" in message and "第 2 页" in message and "没有导入" in message
    with pytest.raises(LoadError):  # PDFium could not open it either
        _ungarbled([junk], lambda: None, "会议材料.pdf")


def test_clean_pages_are_left_to_pypdf():
    pages = ["一、正视问题\n今年以来，项目推进缓慢。", "二、整改落实"]
    assert _ungarbled(pages, lambda: pytest.fail("PDFium is asked only for garbled pages"), "a.pdf") == pages
