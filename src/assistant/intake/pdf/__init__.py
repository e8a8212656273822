"""PDF text: PDFium's glyph positions for lines and paragraphs, pypdf for damage and limits."""
