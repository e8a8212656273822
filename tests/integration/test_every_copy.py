"""One speech, every copy an office archive holds of it, into one folder: one document comes in.

The copies are made the way they really arise — a red-header Word file and a table-layout one,
LibreOffice's .doc/.wps/.rtf/.odt and PDF, Chromium's PDF of the web page, four web pages copied
as text, a PDF viewer's hard-wrapped GBK text — from a speech written for these tests.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.intake.prepare import prepare_path
from assistant.library.embeddings import make_embedder
from assistant.library.ingest import ingest_paths
from assistant.library.store import Library
from assistant.support.config import get_settings
from tests.fixtures import pdf_makers as M
from tests.fixtures.copied_pages import wrap

# Its module fixture is costly (real files, the model): built once, on one worker (make test: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("every_copy")

SOURCE = wrap.HERE / "s6.source.txt"


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("archive")
    work, folder = root / "work", root / "档案"
    work.mkdir()
    folder.mkdir()
    text = wrap.read_source(SOURCE)
    red = M.red_header_docx(text, work / "红头.docx", "北岸区住房公积金管理中心", "约谈会材料之三")
    table = M.table_docx(text, work / "表格.docx")
    made = [red, table, *M.libreoffice_pdfs([red], work)]
    for target in ("doc:MS Word 97", "rtf", "odt"):
        made += M.libreoffice_convert([red], target, work / target.split(":")[0])
    wps = work / "红头.wps"  # LibreOffice cannot write .wps: a Kingsoft .wps is a Word 97 file
    shutil.copyfile(work / "doc" / "红头.doc", wps)
    made += [wps, M.chromium_pdf(text, "北岸区人民政府网", work / "网页.pdf")]
    for family in wrap.FAMILIES:
        data, _ = wrap.build(family, text, seed=7)
        (work / f"{family}.txt").write_bytes(data)
        made.append(work / f"{family}.txt")
    shutil.copyfile(SOURCE, work / "原文.txt")
    made.append(work / "原文.txt")
    for n, path in enumerate(made):
        shutil.copyfile(path, folder / f"{n:02d}-{path.stem}{path.suffix}")
    return folder


def test_every_copy_parses_into_the_source_speech(archive):
    settings = get_settings()
    files = sorted(archive.iterdir())
    source = prepare_path(archive / next(p.name for p in files if "原文" in p.name), settings)
    assert len(files) == 14
    for path in files:
        got = prepare_path(path, settings)
        assert got.cleaned.text == source.cleaned.text, path.name
        assert got.speech.title == source.speech.title, path.name
        assert [(s.heading, len(s.points)) for s in got.speech.sections] == [
            (s.heading, len(s.points)) for s in source.speech.sections
        ], path.name


def test_the_folder_becomes_one_document(archive):
    settings = get_settings()
    library = Library(settings, make_embedder(settings))
    report = ingest_paths(library, [archive])
    assert not report.failed and not report.skipped, report
    assert len(report.added) == 1, [a.filename for a in report.added]
    assert len(report.duplicates) == 13
    [doc] = library.list_documents()
    assert doc.title == "北岸区住房公积金违规提取问题约谈会讲话提纲"
