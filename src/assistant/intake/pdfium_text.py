"""PDFium's text of a PDF, page by page: the reader used where pypdf's text comes out garbled.

Some generators embed subset CJK fonts that pypdf decodes into control characters and glyphs
spliced from other lines (from page 2 on, typically); PDFium, the engine of Chrome's viewer,
reads them as written. Measured on PDFs made by fpdf2 and by LibreOffice: see BENCHMARKS.md.
"""

from __future__ import annotations

import re

__all__ = ["CONTROL_RE", "garbled", "pdfium_pages"]

#: Control characters a PDF's text never means to hold (tab, line feed, form feed and return aside):
#: counted to spot a wrongly decoded font, and dropped from what is kept.
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


def garbled(text: str) -> bool:
    """Whether a page's text carries the control characters of a font decoded wrongly."""
    controls = len(CONTROL_RE.findall(text))
    return controls > max(2, 0.005 * len(text))


def pdfium_pages(data: bytes) -> list[str] | None:
    """Each page's text as PDFium reads it; None when PDFium cannot open the file."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except Exception:  # damaged, or a password is needed: the caller keeps pypdf's verdict
        return None
    try:
        pages = []
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            try:
                pages.append(textpage.get_text_bounded())
            finally:
                textpage.close()
                page.close()
        return pages
    except Exception:
        return None
    finally:
        document.close()
