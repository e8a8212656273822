"""Write src/assistant/data/cjk_radicals.yaml: each CJK radical the Noto CJK fonts draw with an ideograph's glyph.

A PDF's ToUnicode map names a glyph by one of the code points the font gives it; for the glyph of
民 some generators (Chromium with Noto CJK, for one) pick U+2EA0 CJK RADICAL CIVILIAN, and the text
reads "⺠" — looks right, matches nothing. NFKC already maps the Kangxi radicals (U+2F00–U+2FD5);
the CJK Radicals Supplement (U+2E80–U+2EFF) has no such mapping, so it is taken from the fonts:
a radical that shares its glyph with exactly one unified ideograph is that ideograph.

Usage: python scripts/build_radical_map.py [font.ttc ...]   (default: the Noto CJK fonts of Debian)
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools.ttLib import TTCollection

DEFAULT_FONTS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
]
OUT = Path(__file__).resolve().parent.parent / "src/assistant/data/cjk_radicals.yaml"


def radical_map(fonts: list[str]) -> dict[int, int]:
    found: dict[int, set[int]] = {}
    for path in fonts:
        for font in TTCollection(path).fonts:
            cmap = font.getBestCmap()
            by_glyph: dict[str, list[int]] = {}
            for cp, glyph in cmap.items():
                if 0x4E00 <= cp <= 0x9FFF:
                    by_glyph.setdefault(glyph, []).append(cp)
            for cp in range(0x2E80, 0x2F00):
                same = by_glyph.get(cmap.get(cp), [])
                if len(same) == 1:
                    found.setdefault(cp, set()).add(same[0])
    return {cp: next(iter(v)) for cp, v in sorted(found.items()) if len(v) == 1}


def main() -> None:
    mapping = radical_map(sys.argv[1:] or DEFAULT_FONTS)
    lines = [
        "# CJK Radicals Supplement → the unified ideograph drawn with the same glyph in the Noto CJK fonts.",
        "# Made by scripts/build_radical_map.py; read by assistant.intake.pdf.glyphs. Do not edit by hand.",
    ]
    lines += [f'"{chr(k)}": "{chr(v)}"  # U+{k:04X} → U+{v:04X}' for k, v in mapping.items()]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(mapping)} radicals → {OUT}")


if __name__ == "__main__":
    main()
