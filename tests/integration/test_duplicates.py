"""One speech is one document, whatever file it arrives in; a near copy is reported, not added."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.intake.fingerprint import content_id, normalize, signature, similarity
from assistant.intake.loaders import load_path
from assistant.library.embeddings import make_embedder
from assistant.library.ingest import add_bytes, ingest_paths
from assistant.library.store import Library
from assistant.support.config import get_settings
from tests.fixtures.make_files import make_docx, make_text_pdf, write_encoded

REPO = Path(__file__).resolve().parents[2]
SPEECH = REPO / "corpus" / "gas_fire-02.md"


@pytest.fixture
def body() -> str:
    return load_path(SPEECH).text  # the speech without its front matter


@pytest.fixture
def gas_fire_library(data_dir) -> Library:
    """A Library of this test's own (its data dir, the default embedder) holding only SPEECH."""
    settings = get_settings()
    lib = Library(settings, make_embedder(settings))
    add_bytes(lib, SPEECH.read_bytes(), SPEECH.name)
    return lib


def test_fingerprint_ignores_layout_punctuation_and_script(body):
    half_width = body.replace("，", ",").replace("：", ":").replace("（", "(").replace("）", ")")
    relaid = "\n\n".join(line + "  " for line in body.split("\n"))
    assert content_id(half_width) == content_id(relaid) == content_id(body)
    assert normalize("在東湖區講話，（全文）") == normalize("在东湖区讲话,(全文)")
    assert content_id(body.replace("三是", "四是")) != content_id(body)


SHORT = """在云溪镇河道保洁工作约谈会上的讲话
同志们：
今天约谈云溪镇三个村，原因是河道保洁连续两个月排名靠后。下面，我讲几点意见。
一、正视问题
一是河面垃圾清理不及时，群众反映强烈。
二是保洁队伍管理松散，巡查记录不全。
二、抓好整改
一要在十日内完成全面清理。
二要建立每日巡查制度，镇里每周通报一次。
同志们，河道干净不干净，群众看得见，要马上行动起来。"""


def test_same_speech_in_every_format_is_one_document(data_dir, tmp_path):
    # Short on purpose: the test PDF writer maps at most a few hundred distinct glyphs correctly.
    settings = get_settings()
    library = Library(settings, make_embedder(settings))
    first = add_bytes(library, SHORT.encode("utf-8"), "原稿.md")
    assert not first.duplicate and first.chunks
    body = SHORT.replace("，", ",").replace("：", ":")  # a copy typed with half-width punctuation
    paras = SHORT.split("\n")
    files = [
        write_encoded(tmp_path / "utf8.txt", body, "utf-8"),
        write_encoded(tmp_path / "gbk.txt", body, "gb18030"),
        make_docx(tmp_path / "copy.docx", paras),
    ]
    pdf = tmp_path / "copy.pdf"
    if make_text_pdf(pdf, paras, []):
        files.append(pdf)
    else:  # no CJK font on this machine: say so, do not pretend
        pytest.skip("no CJK font to write a Chinese PDF (apt-get install fonts-noto-cjk)")
    before = library.chunk_count()
    report = ingest_paths(library, files)
    assert not report.added and not report.failed, report
    assert {Path(d.path).name for d in report.duplicates} == {f.name for f in files}
    assert library.chunk_count() == before


def test_near_copy_is_reported_with_the_title_it_duplicates(gas_fire_library, body, tmp_path):
    junk = "以下是小编为大家整理的发言材料，仅供参考。\n"
    edited = junk + body.replace("必须", "务必", 2) + "\n责任编辑：王某\n"
    path = tmp_path / "网上下载的.txt"
    path.write_text(edited, encoding="utf-8")
    before = gas_fire_library.chunk_count()
    report = ingest_paths(gas_fire_library, [path])
    assert not report.added and len(report.similar) == 1
    similar = report.similar[0]
    assert similar.title == gas_fire_library.list_documents()[0].title
    assert 0.8 <= similar.similarity <= 1.0 and not report.duplicates  # near, not identical
    assert gas_fire_library.chunk_count() == before
    # The user can still add it deliberately.
    report = ingest_paths(gas_fire_library, [path], allow_similar=True)
    assert len(report.added) == 1 and gas_fire_library.chunk_count() > before


def test_different_speeches_are_not_similar():
    a = load_path(REPO / "corpus" / "gas_fire-01.md").text
    b = load_path(REPO / "corpus" / "gas_fire-02.md").text
    assert similarity(signature(a), signature(b)) < 0.3
    assert similarity(signature(a), signature(a)) == 1.0


def test_kind_can_be_changed_and_is_searchable(gas_fire_library):
    doc = gas_fire_library.list_documents()[0]
    assert doc.kind == "gas_fire"
    assert gas_fire_library.set_kind(doc.doc_id, "work_safety")
    assert gas_fire_library.list_documents()[0].kind == "work_safety"
    assert gas_fire_library.get_document(doc.doc_id).kind == "work_safety"
    hits = gas_fire_library.search("燃气 隐患", k=3, kind="work_safety")
    assert hits and all(h.doc_id == doc.doc_id for h in hits)
    assert not gas_fire_library.set_kind("no-such-doc", "general")
