"""A chat model that talks around its answer (preambles, Markdown, restated headings and
salutations, half-width punctuation, closing remarks) still gives a clean speech."""

from __future__ import annotations

import re

from assistant.domain.brief import parse_brief
from assistant.domain.plan import make_plan
from assistant.writing.drafting import draft_speech
from assistant.writing.prompts.model_text import clean_model_text
from tests.fakes.chat_model import ScriptedChatModel
from tests.scenario import BRIEF, HEADINGS, OUTLINE
from tests.shared import KINDS, PROMPTS

CHATTY_OUTLINE = (
    "好的，下面是根据约谈要素拟写的讲话提纲：\n\n## " + OUTLINE.replace("\n一、", "\n### 一、")
    .replace("\n二、", "\n### 二、").replace("\n三、", "\n### 三、").replace("\n四、", "\n### 四、")
    + "\n\n---\n以上提纲供参考，如需调整请告诉我。"
)


def _chatty_part(heading: str, body: str) -> str:
    return (
        f"好的，以下是这一部分的内容：\n\n### **{heading}**\n\n同志们：\n\n{body}\n\n"
        "希望对您有帮助！如需进一步修改，请随时告诉我。"
    )


PARTS = [
    "好的，以下是开场白：\n\n在青石县二季度重点项目推进滞后单位集体约谈会上的讲话\n同志们：\n"
    "今天召开约谈会,约谈三家单位.下面,我讲几点意见.\n\n以上内容供参考。",
    _chatty_part("一、" + HEADINGS[0], "- 一是投资完成率低,仅占年度计划的38.2%.\n- 二是东环路工程形象进度仅35%。"),
    _chatty_part("二、" + HEADINGS[1], "1. 一是责任传导层层递减;\n2. 二是前期工作不实."),
    _chatty_part("三、" + HEADINGS[2], "（一）对青石县交通运输局予以全县通报批评。\n（二）各单位要端正态度!"),
    _chatty_part("四、" + HEADINGS[3], "**一要**8月10日前报送整改方案。\n**二要**9月30日前完成全部征地签约。"),
    "好的，结束语如下：\n同志们，时不我待(务必抓紧)!\n希望对你有帮助。",
]
CHATTER = re.compile(r"好的|以下是|下面是|供参考|帮助|告诉我|如需|\*\*|^#|^- |^---", re.M)
HALF_WIDTH_IN_CHINESE = re.compile(r"[\u4e00-\u9fff%][,;:!?.()]|[,;:!?.()][\u4e00-\u9fff]|\.$", re.M)


def test_chatty_model_gives_a_clean_speech():
    brief = parse_brief({k: v for k, v in BRIEF.items() if k != "title"})
    model = ScriptedChatModel().queue(CHATTY_OUTLINE, *PARTS)
    draft = draft_speech(make_plan(brief, KINDS), None, model, PROMPTS, adjust_length=False)
    text = draft.text
    assert draft.title == BRIEF["title"]  # the outline's title, not its preamble
    assert text.count("同志们：") == 1 and text.split("\n")[1] == "同志们："
    assert not CHATTER.search(text), CHATTER.search(text)
    assert not HALF_WIDTH_IN_CHINESE.search(text), HALF_WIDTH_IN_CHINESE.search(text)
    headings = [line for line in text.split("\n") if re.match(r"^[一二三四]、", line)]
    assert headings == [f"{n}、{h}" for n, h in zip("一二三四", HEADINGS, strict=True)]
    assert "今天召开约谈会，约谈三家单位。下面，我讲几点意见。" in text
    assert "（务必抓紧）！" in text
    assert "占年度计划的38.2%。" in text  # a decimal point stays, a final stop becomes 。
    assert "\n一是责任传导层层递减；\n" in text  # the Markdown list number is gone
    assert draft.parts[-1].text.startswith("同志们，时不我待")


def test_speech_sentences_that_start_like_chatter_are_kept():
    text = "以上问题，必须高度重视。\n希望大家知耻后勇。\n好的经验要推广。\n根据市政府的决定，今天约谈三个单位。"
    assert clean_model_text(text) == text
    for size in (1, 3, 7):
        from assistant.writing.prompts.model_text import StreamCleaner

        c = StreamCleaner()
        out = "".join(c.feed(text[i : i + size]) for i in range(0, len(text), size)) + c.flush()
        assert out == text


def test_a_part_that_runs_into_the_next_is_cut_and_asked_again():
    brief = parse_brief(BRIEF)
    runaway = f"一、{HEADINGS[0]}\n一是投资完成率低。\n二、{HEADINGS[1]}\n一是责任传导层层递减。"
    redo = "一是投资完成率低，仅占年度计划的38.2%。\n二是东环路工程进度仅35%。"
    model = ScriptedChatModel().queue(
        OUTLINE, "今天召开约谈会。下面，我讲几点意见。", runaway, redo,
        "一是责任传导层层递减。\n二是前期工作不实。", "（一）予以通报批评。\n（二）端正态度。",
        "一要报送整改方案。\n二要完成征地签约。", "同志们，时不我待。",
    )  # fmt: skip
    events: list = []
    draft = draft_speech(make_plan(brief, KINDS), None, model, PROMPTS, events.append, adjust_length=False)
    assert draft.sections()[0].text == f"一、{HEADINGS[0]}\n" + redo
    assert draft.text.count(f"二、{HEADINGS[1]}") == 1
    again = model.calls[3][-1].content
    assert "写到了其他部分" in again and f"二、{HEADINGS[1]}" in again
    assert any("已截去并重新生成" in e.message for e in events if hasattr(e, "message"))


def test_a_revision_that_writes_other_parts_is_refused():
    import pytest

    from assistant.drafts.draft_io import draft_from_text
    from assistant.writing.events import DraftError
    from assistant.writing.revision import Reviser

    speech = (
        f"{BRIEF['title']}\n同志们：\n今天开会。下面，我讲几点意见。\n一、{HEADINGS[0]}\n一是进度慢。\n"
        f"二、{HEADINGS[1]}\n一是责任不实。\n三、{HEADINGS[2]}\n（一）通报批评。\n四、{HEADINGS[3]}\n一要整改。\n同志们，要行动。"
    )
    draft = draft_from_text(speech).model_copy(update={"kind": "project_delay"})
    model = ScriptedChatModel().queue(f"一是进度严重滞后。\n三、{HEADINGS[2]}\n（一）通报批评。")
    with pytest.raises(DraftError, match="写到了其他部分"):
        Reviser(model, PROMPTS, KINDS).part(draft, 1, "更严厉")
