"""Real PDFs of a speech, from LibreOffice (a clerk's Word file) and Chromium (a web page printed,
also in two columns), come in as the speech written: same parse, same document, the running
headers and footers said."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.intake.prepare import prepare_bytes
from assistant.support.config import Settings
from tests.fixtures import pdf_makers as M

# Its module fixture is costly (real files, the model): built once, on one worker (make test: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("pdf_generators")

SOURCES = {
    "warehouse_fire.txt": ("临江市安全生产委员会办公室", "仓储物流企业消防安全警示约谈会材料之二"),
    "clinic_fees.txt": ("青石县医疗保障局", "基层医疗机构违规收费问题约谈会材料之一"),
    "river_chief.txt": ("东湖区总河长办公室", "河长制工作约谈会材料"),
}
WORD_STYLES = {
    "公文": M.WordStyle(),
    "小四左齐": M.WordStyle(size=12, indent=False, space_after=6, justify=False, letter=True, footer="zh"),
    "三号宽行": M.WordStyle(size=16, indent=True, space_after=4, footer="zh"),
}


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[tuple[str, str], Path]:
    out = tmp_path_factory.mktemp("pdfs")
    made: dict[tuple[str, str], Path] = {}
    docs = []
    for name, (office, header) in SOURCES.items():
        text = M.source_text(name)
        for label, style in WORD_STYLES.items():
            docx = M.red_header_docx(text, out / f"{Path(name).stem}-{label}.docx", office, header, style)
            docs.append(((name, f"LibreOffice {label}"), docx))
        title = f"{Path(name).stem} - 临江市人民政府网"
        made[(name, "Chromium 页眉页脚")] = M.chromium_pdf(text, title, out / f"{Path(name).stem}-c1.pdf")
        made[(name, "Chromium 无缩进")] = M.chromium_pdf(
            text, title, out / f"{Path(name).stem}-c2.pdf", furniture=False, indent=False
        )
        made[(name, "Chromium 两栏")] = M.chromium_pdf(
            text, title, out / f"{Path(name).stem}-c3.pdf", indent=name != "clinic_fees.txt", columns=2
        )
    for (key, _docx), pdf in zip(docs, M.libreoffice_pdfs([d for _, d in docs], out), strict=True):
        made[key] = pdf
    return made


def _settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


MAKERS = [*(f"LibreOffice {s}" for s in WORD_STYLES), "Chromium 页眉页脚", "Chromium 无缩进", "Chromium 两栏"]
CASES = [(name, maker) for name in SOURCES for maker in MAKERS]


@pytest.mark.parametrize(("name", "maker"), CASES)
def test_a_real_pdf_parses_into_the_speech_written(pdfs, tmp_path, name, maker):
    settings = _settings(tmp_path)
    source = prepare_bytes((M.SOURCES / name).read_bytes(), name, settings)
    pdf = pdfs[(name, maker)]
    got = prepare_bytes(pdf.read_bytes(), pdf.name, settings)
    want_speech = source.speech.model_dump(exclude={"metadata"})
    got_speech = got.speech.model_dump(exclude={"metadata"})
    assert got_speech == want_speech  # title, kind, opening, every section and point, closing
    assert got.cleaned.text == source.cleaned.text  # no character lost, changed or added
    assert got.doc_id == source.doc_id  # the PDF and the source are one document, never two
    # What was taken out is said: the running header (LibreOffice) or the browser's date line.
    if "页眉页脚" in maker or "两栏" in maker or maker.startswith("LibreOffice"):
        assert any("页眉、页脚" in n for n in got.loaded.notices), got.loaded.notices
    header = SOURCES[name][1]
    assert header not in got.cleaned.text and "file://" not in got.cleaned.text


def test_the_running_header_is_in_the_pdf_and_inside_paragraphs_when_read_in_stream_order(pdfs):
    """The defects these tests guard against are real: a plain text read shows them."""
    import pypdfium2 as pdfium

    pdf = pdfs[("warehouse_fire.txt", "LibreOffice 公文")]
    document = pdfium.PdfDocument(pdf.read_bytes())
    plain = "".join(document[i].get_textpage().get_text_bounded() for i in range(len(document)))
    document.close()
    assert plain.count("仓储物流企业消防安全警示约谈会材料之二") >= 2
    assert "3 月 8 日" in plain or "3 月8 日" in plain  # gaps read as spaces
    assert "储存、住宿三合一”" not in plain  # the quotation marks come after their line
