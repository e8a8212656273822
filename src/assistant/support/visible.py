"""Characters that must never reach a screen or a 公文: control characters and text-reordering marks.

A title or file name taken from a document or a draft may carry ESC sequences (which recolour or
rewrite a terminal), BEL, or U+202E and its kin (which show "txt.exe" as "exe.txt"). Export drops
them from the file it writes (export/layout.py) and the CLI from everything it prints (cli/common.py).
"""

from __future__ import annotations

import re

__all__ = ["CONTROL_RE", "strip_controls"]

#: C0 controls except tab and line feed, DEL, C1 controls, and the bidi embeddings, overrides
#: and isolates (U+202A–U+202E, U+2066–U+2069). Word also refuses the controls in its XML.
CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """``text`` without control characters and text-reordering marks (tabs and line feeds kept)."""
    return CONTROL_RE.sub("", text)
