"""What the page says after a generation, computed without a page: the warnings' summary, the cut's place."""

from __future__ import annotations

from assistant.domain.models import Draft, DraftPart
from assistant.drafts.workspace import Message
from assistant.ui.panels.generation import _last_part, summarize_warnings

MISSING = "要点未写入：整改要求中的时限“9月30日前”在稿中没有出现。"
SHORT = "全文约 900 字，要求 3000 字，未达篇幅（仅 30%），请补写或重新生成。"

DRAFT = Draft(
    title="在北岸镇燃气安全约谈会上的讲话",
    parts=[
        DraftPart(role="title", text="在北岸镇燃气安全约谈会上的讲话"),
        DraftPart(role="opening", text="今天召开约谈会。下面，我讲几点意见。"),
        DraftPart(role="harm", number=1, heading="正视问题", text="一、正视问题\n一是管道改造完成率仅37%，"),
        DraftPart(role="rectification", number=2, heading="抓好整改", text="二、抓好整改\n一要限期整改。", warnings=[MISSING]),
    ],
    warnings=[SHORT],
)


def test_warnings_are_counted_by_where_the_clerk_finds_them():
    messages = [
        Message(kind="info", text="未填写约谈类型，已识别为“燃气安全约谈”。"),
        Message(kind="warning", text="第二部分（整改落实）检查出 1 处问题（…），正在重新生成第二部分（整改落实）。"),
        Message(kind="warning", text=f"第二部分（整改落实）：{MISSING}"),
        Message(kind="warning", text=SHORT),
        Message(kind="warning", text="调整后全文约 900 字，仍与目标 3000 字相差较大，请按需手动修改。"),
        Message(kind="warning", text="模型没有返回结束语的内容。"),
        Message(kind="success", text="初稿完成（用时 12 秒）。"),
    ]
    summary = summarize_warnings(messages, DRAFT)
    assert summary.total == 5 and len(summary.details) == 5
    assert summary.headline == (
        "共有 5 条提示：写在相应部分下方 1 条，写在正文上方 1 条，已自动重新生成 1 条，篇幅 1 条，其他 1 条。"
    )
    # Without the draft (it was not saved), nothing is said to be under a part; "请补写或重新生成"
    # is about the length, not a part the pipeline asked for again.
    alone = summarize_warnings(messages, None)
    assert "相应部分" not in alone.headline and alone.counts["length"] == 2 and alone.counts["redone"] == 1


def test_the_cut_is_named_by_the_part_it_reached_and_its_last_words():
    cut = DRAFT.model_copy(deep=True)
    cut.parts[2] = cut.parts[2].model_copy(update={"complete": False})
    assert _last_part(cut) == ("一、正视问题", "一是管道改造完成率仅37%，")
    # Every part finished: the last one written.
    assert _last_part(DRAFT)[0] == "二、抓好整改"
    assert _last_part(Draft()) == ("", "")
