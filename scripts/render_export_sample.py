"""Export a bundled corpus speech to .docx and render its first pages to PNG through LibreOffice.

    .venv/bin/python scripts/render_export_sample.py [--source corpus/X.md] [--out docs/images/export-sample.png]

Needs LibreOffice Writer and poppler (Debian: apt-get install libreoffice-writer-nogui poppler-utils).
The GB/T 9704 fonts (方正小标宋简体, 仿宋_GB2312, 楷体_GB2312, 黑体) are Windows/WPS fonts that a Linux
machine does not have; for the picture they are mapped to free look-alikes (Noto Serif/Sans CJK,
AR PL UKai) through a private fontconfig file. The .docx itself names the GB/T fonts. Not part of
`make test`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from assistant.export.formats import export_bytes, export_filename  # noqa: E402
from assistant.intake.loaders import load_path  # noqa: E402

# family in the .docx → (free font used for the picture, weight)
STAND_INS = {
    "方正小标宋简体": ("Noto Serif CJK SC", "bold"),
    "仿宋_GB2312": ("Noto Serif CJK SC", "regular"),
    "楷体_GB2312": ("AR PL UKai CN", "regular"),
    "黑体": ("Noto Sans CJK SC", "regular"),
    "宋体": ("Noto Serif CJK SC", "regular"),
}


def fontconfig_file(folder: Path) -> Path:
    """A fonts.conf that includes the system one and maps the GB/T font names to installed fonts."""
    rules = "".join(
        f"""
  <match target="pattern">
    <test name="family"><string>{name}</string></test>
    <edit name="family" mode="assign" binding="strong"><string>{family}</string></edit>
    <edit name="weight" mode="assign" binding="strong"><const>{weight}</const></edit>
  </match>"""
        for name, (family, weight) in STAND_INS.items()
    )
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"{rules}\n</fontconfig>\n",
        encoding="utf-8",
    )
    return conf


def render(source: Path, work: Path, pages: int, dpi: int) -> list[Path]:
    """Export `source` to .docx, convert it to PDF with LibreOffice, and its pages to PNG files."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftoppm = shutil.which("pdftoppm")
    if not soffice or not pdftoppm:
        missing = "LibreOffice（soffice）" if not soffice else "poppler（pdftoppm）"
        sys.exit(f"错误：未找到 {missing}。Debian/Ubuntu 可执行：apt-get install libreoffice-writer-nogui poppler-utils")
    text = load_path(source).text
    docx = work / export_filename(text, "docx")
    docx.write_bytes(export_bytes(text, "docx"))
    env = dict(os.environ, FONTCONFIG_FILE=str(fontconfig_file(work)))
    # Its own profile, so a LibreOffice already running for the user is not disturbed.
    profile = f"-env:UserInstallation=file://{work / 'lo-profile'}"
    subprocess.run(
        [soffice, profile, "--headless", "--convert-to", "pdf", "--outdir", str(work), str(docx)],
        check=True, env=env, timeout=300, capture_output=True,
    )
    pdf = docx.with_suffix(".pdf")
    if not pdf.is_file():
        sys.exit(f"错误：LibreOffice 没有生成 PDF（{work}）。")
    subprocess.run(
        [pdftoppm, "-r", str(dpi), "-f", "1", "-l", str(pages), "-png", str(pdf), str(work / "page")],
        check=True, timeout=120,
    )
    return sorted(work.glob("page-*.png"))


def side_by_side(images: list[Path], out: Path) -> None:
    """Pages next to each other on a grey background, with a thin frame for the paper's edge."""
    from PIL import Image, ImageOps

    opened = [ImageOps.expand(Image.open(p).convert("RGB"), border=1, fill=(160, 160, 160)) for p in images]
    gap = 24
    width = sum(i.width for i in opened) + gap * (len(opened) + 1)
    height = max(i.height for i in opened) + 2 * gap
    sheet = Image.new("RGB", (width, height), (230, 230, 230))
    x = gap
    for img in opened:
        sheet.paste(img, (x, gap))
        x += img.width + gap
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.convert("L").save(out, optimize=True)  # black text on white: grey levels are enough


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=ROOT / "corpus" / "project_delay-01.md")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "export-sample.png")
    ap.add_argument("--pages", type=int, default=2, help="how many pages (2 shows odd and even page numbers)")
    ap.add_argument("--dpi", type=int, default=72)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="export-render-") as work:
        pages = render(args.source, Path(work), args.pages, args.dpi)
        side_by_side(pages, args.out)
    print(f"{args.out}（{len(pages)} 页，来源 {args.source.name}）")


if __name__ == "__main__":
    main()
