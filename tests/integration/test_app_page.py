"""The page around a generation, through AppTest (issue 19, point 7): what the clerk reads.

测试连接 tries the values as typed; a cut stream says where its text was kept; a poor model's
warnings are one summary, not a box each.
"""

from __future__ import annotations

from assistant.domain.models import speech_chars
from assistant.llm.saved_settings import load_model_settings
from tests.app_flows import document_text, generate, open_draft_id, start, store, texts
from tests.fakes.server import Reply
from tests.scenario import BRIEF, HEADINGS, OUTLINE, part_replies


def _type_model(at, base_url: str, key: str) -> None:
    """Type a model service into the 设置 form without pressing 仅本次使用 or 保存到本机."""
    at.selectbox(key="llm_provider").set_value("custom")
    at.text_input(key="llm_key").input(key)
    at.text_input(key="llm_model").input("fake-model")
    at.text_input(key="llm_base_url").input(base_url)


def test_connection_test_uses_the_values_typed_before_they_are_saved(small_corpus, fake_openai, data_dir):
    at = start()
    assert any("离线组稿" in i.value for i in at.info)  # nothing configured
    _type_model(at, fake_openai.base_url, "test-key")
    fake_openai.queue(Reply(text="好"))
    at.button(key="llm_test").click().run()
    assert not at.exception, at.exception
    assert any("连接正常" in s.value and "尚未保存" in s.value for s in at.success), texts(at)
    (request,) = fake_openai.chat_requests()
    assert request.headers["authorization"] == "Bearer test-key" and request.json["model"] == "fake-model"
    # Tested, not saved: drafting still runs offline and nothing is kept on this machine.
    assert any("未配置大模型" in i.value for i in at.info)
    assert load_model_settings(data_dir) is None
    # A wrong key typed on the page is what fails, with the server's refusal said in Chinese.
    at.text_input(key="llm_key").input("wrong-key")
    at.button(key="llm_test").click().run()
    assert not any("连接正常" in s.value for s in at.success)
    assert any("OPENAI_API_KEY" in e.value or "Key" in e.value for e in at.error), texts(at)


def test_cut_stream_says_which_version_keeps_the_text_and_offers_resume(small_corpus, llm, data_dir):
    cut = Reply(text="一是项目进度严重滞后，征地拆迁迟迟没有突破，" * 4, chunk_size=10, cut_after=3)
    llm.queue(Reply(text=OUTLINE, chunk_size=50), part_replies()[0], cut)
    at = generate(start(), BRIEF)
    draft = store(data_dir).load(open_draft_id(at, data_dir))
    assert draft.status == "interrupted"
    reached = next(p for p in draft.parts if p.number == 1)
    tail = "".join("".join(reached.text.split("\n")[1:]).split())[-24:]  # its last words, after the heading
    assert len(tail) == 24
    box = " ".join(w.value for w in at.warning if "未完成稿" in w.value)
    assert "第 1 版" in box and f"正文约 {speech_chars(draft)} 字" in box, box
    assert f"写到“一、{HEADINGS[0]}”" in box and tail in box, box
    assert at.button(key="resume_go").label == "继续生成"


def test_a_poor_models_warnings_are_one_summary_with_details_under_the_parts(small_corpus, llm, data_dir):
    # A model that answers every part (and every re-ask and the length pass) with the same two
    # empty lines: before, the page showed each of ~25 messages as its own box above the draft.
    llm.queue(Reply(text=OUTLINE, chunk_size=50))
    llm.default = lambda request: Reply(text="一是好的，我明白了，会认真落实。二是一定认真整改。")
    at = generate(start(), BRIEF)
    assert not at.exception, at.exception
    draft = store(data_dir).load(open_draft_id(at, data_dir))
    under_parts = sum(len(p.warnings) for p in draft.parts)
    assert under_parts >= 10  # the scenario is as poor as meant
    summary = [w.value for w in at.warning if w.value.startswith("共有 ")]
    assert len(summary) == 1 and f"写在相应部分下方 {under_parts} 条" in summary[0], summary
    assert "已自动重新生成" in summary[0]
    # One summary, the whole-draft warnings above the document, the rest only under their parts.
    assert len(at.warning) == 1 + min(1, len(draft.warnings)) + under_parts, [w.value for w in at.warning]
    if draft.warnings:  # the whole-draft ones in one box too
        (box,) = [w.value for w in at.warning if w.value.startswith("全文提示")]
        assert all(w[:10] in box.replace("\\", "") for w in draft.warnings)
    # Every message is still there to read, behind one expander.
    (details,) = [e for e in at.expander if e.label.startswith("查看全部")]
    assert "正在重新生成第一部分" in "\n".join(m.value for m in details.markdown)
    assert document_text(at)
