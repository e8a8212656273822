"""A stored document read and corrected: its view (sections, removed junk), a correction as a new
revision of the same document, from the library, the CLI and the page."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from assistant.cli import main
from assistant.library.correction import correct_document
from assistant.library.document_view import document_view
from assistant.library.embeddings import make_embedder
from assistant.library.ingest import add_bytes
from assistant.library.storage import writes
from assistant.library.storage.doctor import check_library
from assistant.library.store import Library
from assistant.support.config import get_settings
from assistant.support.errors import UserError
from tests.shared import APP

# An original speech (fictional places and units) as copied from a site, junk lines around it.
SITE_HEAD = """临江政务资讯网 - 权威发布
首页 | 新闻中心 | 政务公开 | 领导讲话 | 专题专栏 | 互动交流
当前位置：首页 > 领导讲话 > 正文
"""
TITLE = "在东湖区重点民生项目推进滞后约谈会上的讲话"
BODY = """发布时间：2025-04-18 09:30　来源：临江政务资讯网　浏览次数：2157
同志们：
今天，区政府召开约谈会，约谈东湖区城市建设投资公司、区水务局和北岸街道办事处的主要负责同志。滨江排涝泵站项目是今年区委、区政府确定的十件民生实事之一，到三月底形象进度只有计划的百分之三十八，群众反映强烈。下面，我讲几点意见。
一、正视问题，认清项目滞后的危害
一是拖累了全区民生实事的整体进度。按照年初安排，滨江排涝泵站应在汛期前投入使用，现在看来这个目标已经很难实现。
二是损害了政府在群众中的公信力。北岸街道沿线居民多次来信来访，反映去年汛期积水严重，今年又看不到工程完工的希望。
三是暴露出部分单位作风不实的问题。有的同志把困难讲得多，把办法想得少，对项目推进缺乏紧迫感。
二、查找原因，剖析滞后的根源
一是前期工作不扎实。项目立项时对地下管线情况摸排不清，开工后才发现需要迁改，耽误了两个多月。
二是部门协同不顺畅。区水务局和北岸街道在征迁补偿问题上各说各话，没有形成合力。
三是责任落实不到位。城投公司对施工单位督促不力，现场管理人员长期不足。
三、约谈意见
经区政府研究，决定对东湖区城市建设投资公司予以通报批评，责成区水务局向区政府作出书面检查。各被约谈单位要端正态度，举一反三，切实把整改责任扛在肩上。
四、整改落实要求
一要在十日内制定整改方案，明确时间表、路线图和责任人。
二要在五月底前完成全部管线迁改，六月十五日前实现主体完工。
三要建立每周调度制度，区政府督查室每两周通报一次进展。
同志们，民生项目关系群众切身利益。希望大家以这次约谈为契机，知耻后勇、迎头赶上，确保项目按期建成投用。
"""
SITE_TAIL = """上一篇：在全区安全生产工作会议上的讲话
下一篇：在北岸街道老旧小区改造动员会上的讲话
相关推荐
在临江市防汛工作会议上的讲话
版权所有 © 临江政务资讯网　地址：临江市东湖区滨江路1号
"""
PAGE = (SITE_HEAD + TITLE + "\n" + BODY + SITE_TAIL).encode("utf-8")
NAME = "东湖区约谈讲话.txt"
# The clerk's correction: the project was misnamed in the source.
WRONG, RIGHT = "滨江排涝泵站", "沿河截污管网"
HEADINGS = ["正视问题，认清项目滞后的危害", "查找原因，剖析滞后的根源", "约谈意见", "整改落实要求"]

# A speech whose text holds markup: shown as text, never as HTML or markdown.
HOSTILE_TITLE = "在青石县农村供水保障约谈会上的讲话"
HOSTILE = f"""{HOSTILE_TITLE}
同志们：
今天约谈青石县水务局和北岸镇人民政府，主要是因为北岸镇农村供水工程多次停水，群众意见很大。下面，我讲几点意见。
一、认清问题的严重性
一是停水次数多。<script>alert("xss")</script>今年以来北岸镇累计停水十一次，最长一次达到三天。
二是回应不及时。**群众反映**的问题，有的一个月都没有答复，[详情](javascript:alert(1))也没有公开。
二、整改要求
一要在一个月内完成北岸镇供水管网检修，确保不再出现长时间停水。
二要建立停水预告制度，提前一天告知群众。
同志们，供水是群众最关心的事，务必抓紧抓实。
""".encode()


@pytest.fixture
def library(data_dir) -> Library:
    return Library(get_settings(), make_embedder(get_settings()))


@pytest.fixture
def stored(library) -> str:
    outcome = add_bytes(library, PAGE, NAME)
    assert not outcome.duplicate and outcome.chunks > 0
    return outcome.doc_id


def _corrected(library: Library, doc_id: str) -> str:
    text = document_view(library, doc_id).text
    assert WRONG in text
    return text.replace(WRONG, RIGHT)


def _chroma_files_mention(data_dir: Path, phrase: str) -> list[Path]:
    return [p for p in (data_dir / "chroma").rglob("*") if p.is_file() and phrase.encode() in p.read_bytes()]


# ------------------------------------------------------------ the view


def test_view_gives_sections_and_the_junk_cleaning_removed(library, stored):
    view = document_view(library, stored)
    assert view.record.title == TITLE and view.record.revision == 1 and not view.record.corrected
    assert [s.heading for s in view.speech.sections] == HEADINGS
    assert [s.role for s in view.speech.sections] == ["harm", "causes", "decisions", "rectification"]
    assert [len(s.points) for s in view.speech.sections] == [3, 3, 0, 3]
    assert view.speech.opening.startswith("今天，区政府召开约谈会")
    assert view.speech.closing.startswith("同志们，民生项目")
    removed = {r.line: r.reason for r in view.removed}
    for junk in ("当前位置：首页 > 领导讲话 > 正文", "上一篇：在全区安全生产工作会议上的讲话", "相关推荐"):
        assert junk in removed and removed[junk]
    assert any(line.startswith("首页 | 新闻中心") for line in removed)
    assert not any(junk in view.text for junk in ("当前位置", "浏览次数", "上一篇", "版权所有"))
    assert view.note == ""


def test_view_of_a_missing_document_is_a_chinese_error(library, stored):
    with pytest.raises(UserError, match="没有编号为 0000000000000000 的文档"):
        document_view(library, "0000000000000000")


# ------------------------------------------------------------ the correction


def test_correction_is_a_new_revision_of_the_same_document(library, stored, data_dir):
    record = library.list_documents()[0]
    original = data_dir / record.original
    assert library.search(WRONG, k=3, mode="bm25")  # the BM25 index is loaded before the change
    outcome = correct_document(library, stored, _corrected(library, stored))
    assert outcome.changed and outcome.revision == 2 and outcome.doc_id == stored
    assert outcome.title == TITLE and outcome.kind == record.kind

    docs = library.list_documents()
    assert [d.doc_id for d in docs] == [stored]  # the same document, not a second one
    assert docs[0].revision == 2 and docs[0].corrected and docs[0].corrected_at
    assert docs[0].original == record.original and original.read_bytes() == PAGE  # the upload is kept

    for mode in ("bm25", "hybrid"):
        hits = library.search(RIGHT, k=3, mode=mode)
        assert hits and hits[0].doc_id == stored and RIGHT in hits[0].text, mode
        assert not any(WRONG in h.text for h in library.search(WRONG, k=10, mode=mode)), mode
    chunks = library.get_chunks(stored)
    assert chunks and any(RIGHT in c.text for c in chunks)
    assert not any(WRONG in c.text or WRONG in c.unit_text for c in chunks)
    assert RIGHT in library.get_document(stored).text()
    view = document_view(library, stored)
    assert WRONG not in view.text and view.removed  # the removed junk is still told (from the original)
    if (data_dir / "chroma").exists():  # locally: the old chunks' text is nowhere in Chroma's files
        assert _chroma_files_mention(data_dir, WRONG) == []
    assert sorted(p.name for p in (data_dir / "docs").iterdir()) == [f"{stored}.json"]


def test_reimporting_the_original_after_a_correction_adds_nothing(library, stored):
    correct_document(library, stored, _corrected(library, stored))
    again = add_bytes(library, PAGE, "再次上传.txt")
    assert again.duplicate and again.doc_id == stored and again.chunks == 0
    # A copy of the original from another site (other junk, no header) is a near copy of it.
    copy = add_bytes(library, (TITLE + "\n" + BODY.split("\n", 1)[1] + "来源：北岸新闻网\n").encode("gb18030"), "另一份.txt")
    assert copy.duplicate or copy.similar_to == stored
    assert len(library.list_documents()) == 1


def test_title_and_a_hand_set_kind_are_kept(library, stored):
    library.set_kind(stored, "work_style")
    outcome = correct_document(library, stored, _corrected(library, stored))
    assert (outcome.title, outcome.kind) == (TITLE, "work_style")
    assert library.list_documents()[0].kind == "work_style"
    assert {c.kind for c in library.get_chunks(stored)} == {"work_style"}


def test_a_second_correction_and_an_unchanged_text(library, stored):
    first = correct_document(library, stored, _corrected(library, stored))
    same = correct_document(library, stored, document_view(library, stored).text)
    assert not same.changed and same.revision == first.revision == 2
    text = document_view(library, stored).text.replace("十日内", "七日内")
    assert correct_document(library, stored, text).revision == 3
    assert library.list_documents()[0].revision == 3
    assert any("七日内" in c.text for c in library.get_chunks(stored))


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "正文为空"),
        ("   \n\n  ", "正文为空"),
        ("def main():\n    return 0\n" * 20, "不像是讲话稿"),
    ],
)
def test_an_empty_or_non_speech_text_is_refused_and_changes_nothing(library, stored, text, said):
    before = (library.list_documents(), [c.text for c in library.get_chunks(stored)])
    with pytest.raises(UserError, match=said) as err:
        correct_document(library, stored, text)
    assert "未导入" not in str(err.value)
    assert (library.list_documents(), [c.text for c in library.get_chunks(stored)]) == before


def test_correcting_a_missing_document_is_a_chinese_error(library, stored):
    with pytest.raises(UserError, match="没有编号为 ffffffffffffffff 的文档"):
        correct_document(library, "ffffffffffffffff", BODY)


def test_a_failed_write_leaves_the_old_revision(library, stored, monkeypatch):
    before = [c.text for c in library.get_chunks(stored)]

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writes, "add_rows", broken)
    with pytest.raises(OSError):
        correct_document(library, stored, _corrected(library, stored))
    monkeypatch.undo()
    assert [c.text for c in library.get_chunks(stored)] == before
    assert library.list_documents()[0].revision == 1 and not library.meta.pending()
    assert WRONG in library.get_document(stored).text()
    assert not list((Path(library.data_dir) / "docs").glob("*.next.json"))


def test_a_writer_that_died_after_storing_the_new_chunks_is_finished_by_doctor(library, stored, monkeypatch):
    real = writes.finish_revision

    def dies(lib, entry):  # the process is killed here: nothing else runs
        raise KeyboardInterrupt

    monkeypatch.setattr(writes, "finish_revision", dies)
    with pytest.raises(KeyboardInterrupt):
        correct_document(library, stored, _corrected(library, stored))
    monkeypatch.setattr(writes, "finish_revision", real)
    assert library.meta.pending() and stored not in [d.doc_id for d in library.list_documents()]
    report = check_library(library, repair=True)
    assert report.consistent and any("修改已完整写入" in r for r in report.repaired), report
    [doc] = library.list_documents()
    assert doc.doc_id == stored and doc.revision == 2
    assert RIGHT in library.get_document(stored).text()
    assert not any(WRONG in c.text for c in library.get_chunks(stored))
    assert check_library(library, repair=False).problems == []


def test_a_revision_changed_meanwhile_is_not_overwritten(library, stored, monkeypatch):
    text = _corrected(library, stored)
    real = library.embed_chunks

    def other_first(*args):
        # Another clerk saves a correction while this one's text is being embedded (before the lock).
        monkeypatch.setattr(library, "embed_chunks", real)
        correct_document(library, stored, text.replace("十日内", "五日内"))
        return real(*args)

    monkeypatch.setattr(library, "embed_chunks", other_first)
    with pytest.raises(UserError, match="已被别人修改"):
        correct_document(library, stored, text)
    assert library.list_documents()[0].revision == 2
    assert any("五日内" in c.text for c in library.get_chunks(stored))


# ------------------------------------------------------------ the CLI


def _invoke(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


def test_cli_show_and_correct(tmp_path):
    page = tmp_path / NAME
    page.write_bytes(PAGE)
    added = json.loads(_invoke("ingest", str(page), "-q", "--json").output)["added"]
    doc_id = added[0]["doc_id"]

    shown = _invoke("show", doc_id)
    assert shown.exit_code == 0, shown.output
    assert f"《{TITLE}》" in shown.output and "【1. 正视问题，认清项目滞后的危害  ·  正视问题】" in shown.output
    assert "[面包屑] 当前位置：首页 > 领导讲话 > 正文" in shown.output
    data = json.loads(_invoke("show", doc_id, "--json").output)
    assert data["revision"] == 1 and not data["corrected"]
    assert [s["heading"] for s in data["document"]["sections"]] == HEADINGS
    assert {"line": "相关推荐", "reason": "页脚"} in data["removed"]

    fixed = tmp_path / "修改稿.txt"
    fixed.write_text(data["text"].replace(WRONG, RIGHT), encoding="utf-8")
    done = _invoke("correct", doc_id, "--file", str(fixed))
    assert done.exit_code == 0, done.output
    assert "现为第 2 版" in done.output
    listed = json.loads(_invoke("list", "--json").output)
    assert [(d["doc_id"], d["revision"]) for d in listed] == [(doc_id, 2)]
    assert "已修改（第 2 版）" in _invoke("list").output
    hits = json.loads(_invoke("search", RIGHT, "--mode", "bm25", "--json").output)
    assert hits and RIGHT in hits[0]["text"]

    # From standard input, as JSON.
    again = _invoke("correct", doc_id, "--file", "-", "--json", stdin=fixed.read_text(encoding="utf-8").replace("十日内", "七日内"))
    assert again.exit_code == 0, again.output
    assert json.loads(again.output) == {
        "doc_id": doc_id, "title": TITLE, "kind": data["kind"], "revision": 3,
        "chunks": json.loads(again.output)["chunks"], "changed": True,
    }  # fmt: skip
    # The original file is still recognised.
    dup = json.loads(_invoke("ingest", str(page), "-q", "--json").output)
    assert dup["added"] == [] and dup["duplicates"][0]["doc_id"] == doc_id


def test_cli_refusals_are_chinese_with_exit_1(tmp_path):
    page = tmp_path / NAME
    page.write_bytes(PAGE)
    doc_id = json.loads(_invoke("ingest", str(page), "-q", "--json").output)["added"][0]["doc_id"]
    missing = _invoke("show", "0123456789abcdef")
    assert missing.exit_code == 1 and "没有编号为 0123456789abcdef 的文档" in missing.stderr
    empty = tmp_path / "空.txt"
    empty.write_text("", encoding="utf-8")
    refused = _invoke("correct", doc_id, "--file", str(empty))
    assert refused.exit_code == 1 and "正文为空" in refused.stderr
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(BODY.encode("gb18030"))
    refused = _invoke("correct", doc_id, "--file", str(gbk))
    assert refused.exit_code == 1 and "UTF-8" in refused.stderr
    absent = _invoke("correct", doc_id, "--file", str(tmp_path / "没有这个文件.txt"))
    assert absent.exit_code == 1 and "没有这个文件.txt" in absent.stderr
    assert json.loads(_invoke("list", "--json").output)[0]["revision"] == 1


# ------------------------------------------------------------ the page


def _library_with(*files: tuple[str, bytes]) -> list[str]:
    """A library holding these uploads (the page then starts without seeding the bundled corpus)."""
    lib = Library(get_settings(), make_embedder(get_settings()))
    ids = [add_bytes(lib, data, name).doc_id for name, data in files]
    del lib
    gc.collect()
    return ids


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def _shown_html(at: AppTest) -> str:
    return "\n".join(el.proto.body for el in at.get("html") if 'class="speech-doc"' in el.proto.body)


def test_page_shows_and_corrects_a_document(data_dir):
    [doc_id] = _library_with((NAME, PAGE))
    at = _page()
    at.selectbox(key="view_doc").select(doc_id).run()
    assert not at.exception, at.exception
    body = _shown_html(at)
    assert TITLE in body and "一、正视问题，认清项目滞后的危害" in body and "〔整改落实〕" in body
    assert any(e.label.startswith("导入时清除的网页杂项 9 行") for e in at.expander)
    assert any("[面包屑] 当前位置：首页 > 领导讲话 > 正文" in t.value for t in at.text)

    box = at.text_area(key=f"fix_text_{doc_id}_1")
    box.input(box.value.replace(WRONG, RIGHT)).run()
    at.button(key="fix_go").click().run()
    assert not at.exception, at.exception
    assert any("现为第 2 版" in s.value for s in at.success), [s.value for s in at.success]
    assert RIGHT in _shown_html(at) and WRONG not in _shown_html(at)
    assert at.text_area(key=f"fix_text_{doc_id}_2").value.count(RIGHT) == 2
    table = next(d.value for d in at.dataframe if "标题" in d.value.columns)
    assert list(table["版本"]) == ["第 2 版（已修改）"]

    at.text_area(key=f"fix_text_{doc_id}_2").input("").run()
    at.button(key="fix_go").click().run()
    assert any("正文为空" in e.value for e in at.error)


def test_page_shows_a_documents_markup_as_text_and_viewers_cannot_edit(data_dir, monkeypatch):
    [doc_id] = _library_with(("供水约谈.txt", HOSTILE))
    monkeypatch.setenv("ASSISTANT_EDITOR_PASSWORD", "Donghu-管理-2024")  # locally: viewers until they log in
    at = _page()
    at.selectbox(key="view_doc").select(doc_id).run()
    assert not at.exception, at.exception
    body = _shown_html(at)
    assert "<script>" not in body and "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;" in body
    # (The parser drops markdown emphasis; a link stays text.)
    assert "群众反映" in body and "[详情](javascript:alert(1)" in body
    assert "<strong>" not in body and "<em>" not in body and "<a " not in body
    assert HOSTILE_TITLE in body
    assert not [t for t in at.text_area if t.key and t.key.startswith("fix_text_")]
    assert not [b for b in at.button if b.key == "fix_go"]
    assert any("只读" in c.value for c in at.caption)
