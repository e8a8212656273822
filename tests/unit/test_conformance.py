"""The conformance pass: a finished draft is checked part by part; a failing part is re-asked
once with its problems, a rewrite is kept only when it is better, and what remains is shown
next to the part."""

from __future__ import annotations

from assistant.domain.brief import parse_brief
from assistant.domain.models import Draft, DraftPart
from assistant.domain.plan import make_plan
from assistant.writing.conformance import check_draft
from assistant.writing.drafting import draft_speech
from assistant.writing.events import DraftWarning
from assistant.writing.offline import compose_offline
from tests.fakes.server import Reply
from tests.scenario import BRIEF, HEADINGS, OUTLINE, REQUIREMENT_LEADS, part_replies, section_body
from tests.shared import KINDS, PROMPTS


def _plan(brief):
    return make_plan(brief, KINDS)


def _draft(parts: list[tuple[str, int, str]]) -> Draft:
    return Draft(parts=[DraftPart(role=r, number=n, text=t) for r, n, t in parts])


def test_problems_are_filed_under_their_part(scenario_brief):
    draft = _draft([
        ("title", 0, "在青石县二季度重点项目推进滞后单位集体约谈会上的讲话"),
        ("salutation", 0, "同志们："),
        ("opening", 0, "今天召开约谈会，约谈青石县交通运输局、青石县水利局、云溪镇人民政府。下面，我讲几点意见。"),
        ("harm", 1, f"一、{HEADINGS[0]}\n同志们：\n（一）县城东环路改造工程形象进度仅完成计划的35%。"),
        ("causes", 2, f"二、{HEADINGS[1]}\n（一）责任传导层层递减。\n（二）前期工作不实，拖了××个月。"),
        ("decisions", 3, f"三、{HEADINGS[2]}\n（一）各单位要端正态度。"),
        ("rectification", 4, f"四、{HEADINGS[3]}\n一要{REQUIREMENT_LEADS[0]}\n二要{REQUIREMENT_LEADS[1]}"),
        ("closing", 0, "同志们，时不我待。"),
    ])  # fmt: skip
    found = check_draft(draft, _plan(scenario_brief))
    assert any("同志们" in m for m in found.parts[3])  # a second salutation inside 第一部分
    assert any("一是" in m for m in found.parts[4])  # the kind numbers causes 一是、二是
    assert any("××" in m or "占位" in m for m in found.parts[4])
    assert any("通报批评" in m for m in found.parts[5])  # the decision was never announced
    assert 6 not in found.parts and 2 not in found.parts


def test_a_part_missing_a_requirement_is_reasked_and_fixed(chat, scenario_brief, library, lib_settings):
    replies = part_replies()
    fixed = replies[4].text
    replies[4] = Reply(text=section_body(190, ("一要", "二要")))  # the deadlines left out
    chat.queue(Reply(text=OUTLINE), *replies, Reply(text=fixed))
    events: list = []
    draft = draft_speech(_plan(scenario_brief), library, chat, PROMPTS, events.append, adjust_length=False)
    assert len(chat.calls) == 8  # outline, six parts, one re-ask
    reask = chat.calls[-1][-1].content
    assert "9月30日前完成全部征地签约" in reask and "要点未写入" in reask
    assert REQUIREMENT_LEADS[1] in draft.parts[6].text
    assert not draft.parts[6].warnings and not any(p.warnings for p in draft.parts)


def test_a_rewrite_that_drops_the_part_is_not_taken(chat, scenario_brief, library, lib_settings):
    replies = part_replies()
    original = section_body(190, ("一要", "二要"))
    replies[4] = Reply(text=original)
    chat.queue(Reply(text=OUTLINE), *replies, Reply(text="一要抓落实。"))
    events: list = []
    draft = draft_speech(_plan(scenario_brief), library, chat, PROMPTS, events.append, adjust_length=False)
    assert draft.parts[6].text.endswith(original)
    assert any("9月30日前" in w for w in draft.parts[6].warnings)
    shown = [e.message for e in events if isinstance(e, DraftWarning)]
    assert any(w.startswith("第四部分") and "9月30日前" in w for w in shown)


def test_offline_drafts_conform(library):
    for kind in ("project_delay", "work_safety", "petition", "general"):
        plan = make_plan(parse_brief({**BRIEF, "kind": kind}), KINDS)
        found = check_draft(compose_offline(plan, library, KINDS), plan)
        assert found.ok, (kind, found.all())


def test_a_length_rewrite_that_restates_title_and_salutation_is_not_taken(chat, scenario_brief, library):
    # Found with the chatty fake through the CLI: asked to expand 第四部分, a chatty model wrote
    # the title, "同志们：" and an opening, and the length pass pasted them into the part.
    from tests.unit.test_chatty_model import PARTS

    replies = part_replies({"rectification": 40})
    chat.queue(Reply(text=OUTLINE), *replies, Reply(text=PARTS[0]))
    events: list = []
    draft = draft_speech(_plan(scenario_brief), library, chat, PROMPTS, events.append, fix_parts=False)
    assert draft.text.count("同志们：") == 1 and draft.text.count(BRIEF["title"]) == 1
    shown = [e.message for e in events if isinstance(e, DraftWarning)]
    assert any("打乱了结构" in w for w in shown)
