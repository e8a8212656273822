"""The Streamlit page, driven through AppTest: first-start indexing, upload, search, delete."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.shared import APP, CORPUS

TIMEOUT = 120


@pytest.fixture
def safety_and_petition_corpus(use_corpus) -> Path:
    """Two bundled speeches as the corpus, so first-start indexing stays quick.

    Not conftest's ``small_corpus``: the searches below look for the work-safety speech.
    """
    return use_corpus("work_safety-01.md", "petition-02.md")


def _run() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def _library_table(at: AppTest):
    return next(d.value for d in at.dataframe if "标题" in d.value.columns)


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [t.value for t in at.text]
    parts += [str(e.value) for e in (*at.success, *at.info, *at.error, *at.warning)]
    return "\n".join(parts)


def test_search_shows_matching_paragraphs(safety_and_petition_corpus):
    at = _run()
    at.text_input(key="search_query").input("工人从脚手架上摔下来").run()
    assert not at.exception
    shown = _texts(at)
    assert "高处坠落" in shown


def test_search_shows_the_whole_point_with_the_match_highlighted(safety_and_petition_corpus):
    at = _run()
    at.text_input(key="search_query").input("网格员天天从工地门口经过却从来没有进去看过").run()
    assert not at.exception
    shown = [m.value for m in at.markdown]
    n = next(i for i, v in enumerate(shown) if v.startswith("（四）"))
    head, body = shown[n - 1], shown[n]
    assert "二、深挖根源，把事故背后的原因剖析透彻" in head
    assert body.startswith("（四）属地和行业监管失之于宽。")
    assert "<mark>江岸街道认为工地安全是住建部门的事" in body and body.endswith("都打了折扣。</mark>")


def test_unit_markdown_escapes_library_text():
    from assistant.ui.pages.library_page import unit_markdown

    unit = "一是<script>alert(1)</script>不行。\n**加粗**和[链接](x)也只是文字。"
    shown = unit_markdown(unit, "**加粗**和[链接](x)也只是文字。")
    assert "<script>" not in shown and "&lt;script&gt;" in shown
    assert shown == (
        "一是&lt;script&gt;alert(1)&lt;/script&gt;不行。\n\n"
        "<mark>\\*\\*加粗\\*\\*和\\[链接\\](x)也只是文字。</mark>"
    )


def test_an_uploaded_files_name_is_shown_as_written_not_as_markdown(safety_and_petition_corpus):
    at = _run()
    name = "**加粗**[点我](http://example.com/x)_约谈_.txt"
    body = "当前位置：首页 > 讲话稿 > 正文\n" + (CORPUS / "land-01.md").read_text(encoding="utf-8").split("---", 2)[2]
    at.file_uploader(key="upload_files_0").set_value((name, body.encode("utf-8"), "text/plain")).run()
    at.button(key="upload_go").click().run()
    assert not at.exception
    shown = [e.label for e in at.expander] + [s.value for s in at.success]
    assert shown and all("](http" not in x and "**加粗**" not in x for x in shown), shown


def test_upload_adds_document_and_reports_junk(safety_and_petition_corpus, tmp_path):
    at = _run()
    page = (
        "首页 | 范文大全 | 讲话稿 | 工作总结 | 心得体会\n当前位置：首页 > 讲话稿 > 正文\n"
        + (CORPUS / "land-01.md").read_text(encoding="utf-8").split("---", 2)[2]
        + "\n上一篇：在全县春耕生产会议上的讲话\n相关推荐\n在全县耕地保护工作会议上的讲话\n"
    )
    at.file_uploader(key="upload_files_0").set_value(("耕地约谈.txt", page.encode("gb18030"), "text/plain")).run()
    at.button(key="upload_go").click().run()
    assert not at.exception
    assert any("已导入《" in s.value for s in at.success)
    assert any("已清除网页杂项" in e.label for e in at.expander)
    assert at.metric[0].value == "3 篇"
    # The box is empty again, so the next click cannot send the same file a second time.
    assert at.file_uploader(key="upload_files_1").value in (None, [])
    assert not [u for u in at.get("file_uploader") if u.key == "upload_files_0"]
    assert not [b for b in at.button if b.key == "upload_go"]


def test_bad_upload_shows_reason_and_changes_nothing(safety_and_petition_corpus):
    at = _run()
    at.file_uploader(key="upload_files_0").set_value(("空白.txt", b"", "text/plain")).run()
    at.button(key="upload_go").click().run()
    assert not at.exception
    assert any("空白.txt" in e.value and "为空" in e.value for e in at.error)
    assert at.metric[0].value == "2 篇"


def test_delete_document(safety_and_petition_corpus):
    at = _run()
    doc_id = at.selectbox(key="remove_doc").options[1]
    at.selectbox(key="remove_doc").select_index(1).run()
    at.button(key="remove_go").click().run()
    assert not at.exception
    assert at.metric[0].value == "1 篇"
    assert doc_id not in at.selectbox(key="remove_doc").options
    assert any(s.value.startswith("已删除《") for s in at.success)


def test_a_library_speech_can_be_checked(safety_and_petition_corpus):
    at = _run()
    at.selectbox(key="check_doc").select_index(1).run()
    assert not at.exception, at.exception
    said = [*(s.value for s in at.success), *(c.value for c in at.caption)]
    # A bundled speech has no errors: either nothing found, or a summary with 错误 0 处.
    assert any("没有发现问题" in t or "错误 0 处" in t for t in said), said


def test_bad_setting_shows_one_chinese_error_and_the_page_keeps_working(safety_and_petition_corpus, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MAX_UPLOAD_MB", "abc")
    at = _run()
    assert len(at.error) == 1
    message = at.error[0].value
    assert "ASSISTANT_MAX_UPLOAD_MB" in message and "abc" in message and "默认值" in message
    assert "validation error" not in message.lower() and "意外错误" not in message
    assert [t.label for t in at.tabs] == ["起草讲话", "我的稿件", "范文库", "设置"]
    assert at.metric[0].value == "2 篇"
    # Every rerun shows the box again, once, and the page still works with the default.
    at.text_input(key="search_query").input("工人从脚手架上摔下来").run()
    assert not at.exception
    assert len(at.error) == 1 and "高处坠落" in _texts(at)


def test_near_copy_upload_is_held_back_and_can_still_be_added(safety_and_petition_corpus):
    at = _run()
    body = (safety_and_petition_corpus / "petition-02.md").read_text(encoding="utf-8").split("---", 2)[2]
    copy = "网友投稿，仅供参考。\n" + body.replace("必须", "务必", 3) + "\n（责任编辑：小王）\n"
    at.file_uploader(key="upload_files_0").set_value(("下载的.txt", copy.encode("utf-8"), "text/plain")).run()
    at.button(key="upload_go").click().run()
    assert not at.exception
    assert any("疑似重复" in w.value for w in at.warning)
    assert at.metric[0].value == "2 篇"
    at.button(key="similar_下载的.txt").click().run()
    assert not at.exception
    assert any("已导入" in s.value for s in at.success)
    assert at.metric[0].value == "3 篇"


def test_kind_is_shown_in_chinese_and_can_be_changed(safety_and_petition_corpus):
    at = _run()
    from tests.shared import KINDS

    shown = set(_library_table(at)["类型"])
    assert shown and shown <= {k.name for k in KINDS.values()}  # Chinese names, never ids
    at.selectbox(key="kind_doc").select_index(1).run()
    at.selectbox(key="kind_value").set_value("general").run()
    at.button(key="kind_go").click().run()
    assert not at.exception
    assert any("类型改为“通用约谈”" in s.value for s in at.success)
    assert "通用约谈" in set(_library_table(at)["类型"])
