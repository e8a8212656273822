"""A change that fails the guard is a proposal in the page: shown beside the original, kept only on 仍然采用.

The model is the HTTP fake at its worst: asked to make part 一 stricter, it answers with rhetoric
that keeps none of the part's figures; asked to polish, it turns a percentage into "近四成".
"""

from __future__ import annotations

import re

from tests.app_flows import (
    document_text,
    generate,
    open_draft_id,
    part_position,
    start,
    store,
    texts,
)
from tests.fakes.server import Reply
from tests.scenario import BRIEF, script

EMPTY_RHETORIC = (
    "（一）问题就是命令，时间就是效率，必须以对人民高度负责的态度抓好每一项工作。\n"
    "（二）决不允许推诿扯皮、敷衍塞责，要把压力变成动力。"
)


def _marks(at) -> str:
    return "".join(getattr(h.proto, "body", "") for h in at.get("html"))


def _revise(at, pos: int, instruction: str) -> None:
    at.text_input(key=f"rv_text_{pos}").input(instruction)
    at.button(key=f"rv_go_{pos}").click().run()
    assert not at.exception, at.exception


def test_a_fact_dropping_revision_is_held_and_the_original_kept(small_corpus, llm, data_dir):
    script(llm)
    at = generate(start(), BRIEF)
    draft_id = open_draft_id(at, data_dir)
    before = document_text(at)
    versions = len(store(data_dir).record(draft_id).versions)
    pos = part_position(at, data_dir, 1)
    figures = set(re.findall(r"\d+(?:\.\d+)?%?", store(data_dir).load(draft_id).parts[pos].text))
    assert figures, "part 一 carries the brief's figures"

    llm.queue(Reply(text=EMPTY_RHETORIC, chunk_size=20))
    _revise(at, pos, "更严厉")
    # nothing was saved, the document reads as before, and the clerk is told why, figure by figure
    assert len(store(data_dir).record(draft_id).versions) == versions
    assert document_text(at) == before
    shown = texts(at)
    assert "修改稿未通过核对" in shown and "丢掉了原有的事实" in shown
    assert any(f in shown for f in figures)
    marks = _marks(at)
    assert "（原稿） → 修改稿" in marks and "<del" in marks and "<ins" in marks and "问题就是命令" in marks
    assert not re.search(r"^(---|\+\+\+|@@)", marks, re.M)

    # 放弃 keeps the original; the proposal is gone
    at.button(key="proposal_drop").click().run()
    assert "修改稿未通过核对" not in texts(at) and document_text(at) == before

    # asked again, and this time taken anyway: a new version whose reason says it failed the check
    llm.queue(Reply(text=EMPTY_RHETORIC, chunk_size=20))
    _revise(at, pos, "更严厉")
    at.button(key="proposal_take").click().run()
    assert not at.exception, at.exception
    latest = store(data_dir).record(draft_id).latest
    assert latest.number == versions + 1 and latest.reason.endswith("（仍然采用，未通过核对）")
    assert "问题就是命令" in document_text(at)


def test_a_revision_that_keeps_the_facts_is_saved_at_once(small_corpus, llm, data_dir):
    script(llm)
    at = generate(start(), BRIEF)
    draft_id = open_draft_id(at, data_dir)
    pos = part_position(at, data_dir, 1)
    old = store(data_dir).load(draft_id).parts[pos].text
    body = "\n".join(old.split("\n")[1:]).replace("。", "，这种状况决不能再继续下去。", 1)
    llm.queue(Reply(text=body, chunk_size=20))
    _revise(at, pos, "更严厉")
    assert "修改稿未通过核对" not in texts(at)
    assert store(data_dir).record(draft_id).latest.reason.startswith("修改一、")
    assert "这种状况决不能再继续下去" in document_text(at)
    assert "决不能再继续下去</ins>" in _marks(at)


def test_a_polish_that_loses_a_figure_is_held(small_corpus, llm, data_dir):
    script(llm)
    at = generate(start(), BRIEF)
    draft_id = open_draft_id(at, data_dir)
    text = store(data_dir).load(draft_id).text
    percent = re.search(r"\d+(?:\.\d+)?%", text).group(0)
    llm.queue(Reply(text=text.replace(percent, "近四成"), chunk_size=200))
    versions = len(store(data_dir).record(draft_id).versions)
    at.button(key="polish_go").click().run()
    assert not at.exception, at.exception
    assert len(store(data_dir).record(draft_id).versions) == versions
    assert "修改稿未通过核对" in texts(at) and percent in texts(at)
    assert "近四成</ins>" in _marks(at)
