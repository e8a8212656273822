"""Export: a speech laid out as Blocks (layout), written as .docx (docx: GB/T 9704), .txt or .md (text)."""
