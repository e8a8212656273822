"""A model at its worst (issue 19): it ignores the brief, restarts the speech in every part,
repeats itself, greets again in the closing, starts over after 继续生成 — and what the clerk sees.

Every drafting test talks to the fake OpenAI server over real HTTP with real streaming
(``llm_env``); the bad replies are built by tests/fakes/habits.py.
"""

from __future__ import annotations

import re

import pytest

from assistant.domain.brief import parse_brief
from assistant.domain.models import Draft, DraftPart
from assistant.domain.plan import make_plan
from assistant.drafts.draft_store import REASON_DRAFT, STATUS_SHORT, DraftStore, reason_generated
from assistant.drafts.job_outcome import job_finisher
from assistant.drafts.jobs import DraftJob, start_job
from assistant.drafts.workspace import load_workspace, new_session_id
from assistant.llm import make_chat_model, resolve_llm
from assistant.support.config import get_settings
from assistant.writing.drafting import draft_speech, resume_draft
from assistant.writing.events import (
    DraftInterrupted,
    DraftWarning,
)
from assistant.writing.outline import subject_score
from assistant.writing.prompts.model_text import ResumeJoin
from assistant.writing.writer import LLMWriter, OfflineWriter
from tests.fakes.habits import (
    GAS_BRIEF,
    GAS_HEADINGS,
    GAS_ROLES,
    GAS_TITLE,
    RESTATED_OPENING,
    chatty_closing,
    gas_body,
    gas_outline,
    gas_parts,
    ignores_brief_outline,
    repeats_itself,
    restarts_after_cut,
    restarts_every_part,
)
from tests.fakes.server import Reply
from tests.scenario import BRIEF as PROJECT_BRIEF
from tests.scenario import HEADINGS as PROJECT_HEADINGS
from tests.shared import KINDS, PROMPTS, shown_parts


def _plan(**changes):
    return make_plan(parse_brief({**GAS_BRIEF, **changes}), KINDS)


def _draft(events: list | None = None, **kw) -> Draft:
    """The gas-safety speech drafted by the model the fake server plays (no library, no length pass)."""
    sink = events if events is not None else []
    model = make_chat_model(resolve_llm(get_settings()))
    kw.setdefault("adjust_length", False)
    return draft_speech(kw.pop("plan", None) or _plan(), None, model, PROMPTS, sink.append, kinds=KINDS, **kw)


def _warnings(events) -> list[str]:
    return [e.message for e in events if isinstance(e, DraftWarning)]


_shown = shown_parts


def _headings(draft: Draft) -> list[str]:
    return [p.heading for p in draft.sections()]


# ---------------------------------------------------------------- 1. the title


def test_the_title_comes_from_the_meeting_not_from_the_models_outline(llm_env):
    llm_env.queue(Reply(text=gas_outline(title="在县政府集体约谈会上的讲话提纲")), *gas_parts())
    draft = _draft()
    assert draft.title == GAS_TITLE == "在全县燃气安全专项整治工作约谈会上的讲话"
    assert draft.parts[0].text == GAS_TITLE and "县政府集体约谈会" not in draft.text


def test_a_title_the_clerk_typed_in_the_brief_is_kept(llm_env):
    llm_env.queue(Reply(text=gas_outline(title="在县政府集体约谈会上的讲话提纲")), *gas_parts())
    draft = _draft(plan=_plan(title="在燃气安全约谈会上的讲话（提纲）"))
    assert draft.title == draft.parts[0].text == "在燃气安全约谈会上的讲话（提纲）"


# ---------------------------------------------------------------- 2. the outline's subject


def test_an_outline_about_another_subject_is_asked_again_then_replaced_by_the_kinds_headings(llm_env):
    llm_env.queue(Reply(text=ignores_brief_outline()), Reply(text=ignores_brief_outline()), *gas_parts())
    events: list = []
    draft = _draft(events)
    assert _headings(draft) == GAS_HEADINGS  # the gas_fire kind's own headings
    assert not re.search("项目|工期|开工", draft.text)
    assert draft.title == GAS_TITLE
    warned = _warnings(events)
    assert any("正在重新生成提纲" in w and "项目" in w for w in warned), warned
    assert any("已改用本类约谈的标准结构和标题起草" in w and "全县燃气安全专项整治工作约谈会" in w for w in warned)
    again = llm_env.chat_requests()[1].json["messages"][-1]["content"]
    assert "与本次约谈（全县燃气安全专项整治工作约谈会）的内容不符" in again
    assert len(llm_env.chat_requests()) == 2 + 6  # two outlines, six parts


def test_an_off_subject_outline_fixed_on_the_second_ask_is_followed(llm_env):
    mine = ["正视问题，清醒认识老旧管网改造和燃气隐患的严重危害", "深挖根源，找准燃气安全监管失守的症结",
            "严肃纪律，宣布对县燃气公司的处理决定", "压实责任，限期完成报警器安装和管道改造"]  # fmt: skip
    llm_env.queue(Reply(text=ignores_brief_outline()), Reply(text=gas_outline(headings=mine)), *gas_parts())
    events: list = []
    draft = _draft(events)
    assert _headings(draft) == mine
    assert not any("标准结构" in w for w in _warnings(events))


def test_an_outline_that_rephrases_the_brief_is_not_asked_again(llm_env):
    mine = ["直面短板，看清城镇燃气安全形势", "追根溯源，剖析管道改造迟缓的原因",
            "动真碰硬，明确约谈意见", "立行立改，确保12月20日前隐患清零"]  # fmt: skip
    llm_env.queue(Reply(text=gas_outline(headings=mine)), *gas_parts())
    events: list = []
    draft = _draft(events)
    assert _headings(draft) == mine and not _warnings(events)
    assert len(llm_env.chat_requests()) == 1 + 6


_ECO = {
    "meeting": "东湖区黑臭水体整治不力约谈会", "targets": ["东湖区水务局", "北岸镇人民政府"],
    "issues": ["北岸河黑臭水体返黑返臭", "沿河12个排污口未整治"], "facts": ["水质监测氨氮超标2.3倍"],
    "decisions": ["对北岸镇予以通报批评"], "requirements": ["11月底前完成排污口封堵"], "length": 2000,
}  # fmt: skip
_PROJECT = {k: v for k, v in PROJECT_BRIEF.items() if k != "title"}
# (brief, headings, about another subject?): the kinds' own headings, free rephrasings of the
# brief, generic headings, and outlines about another meeting's subject.
OUTLINES = [
    (GAS_BRIEF, ["正视差距，清醒认识项目推进滞后的严重性", "深挖根源，剖析进度滞后背后的症结",
                 "严肃约谈纪律，宣布约谈意见和处理决定", "压实责任，全力抓好整改落实"], True),
    (GAS_BRIEF, ["项目建设进度严重滞后，开工率偏低", "前期工作不扎实，要素保障不到位",
                 "对项目单位予以通报批评", "倒排工期，确保项目按期完工"], True),
    (GAS_BRIEF, ["正视问题，清醒认识黑臭水体治理不力的危害", "深挖根源，剖析污染防治责任缺位的原因",
                 "明确约谈意见，作出处理决定", "压实河长制责任，抓好水质整改"], True),
    (GAS_BRIEF, ["正视问题，认清粮食收购资金挤占挪用的危害", "深挖根源，剖析粮库管理混乱的原因",
                 "宣布约谈意见和处理决定", "压实责任，限期追回挪用资金"], True),
    (GAS_BRIEF, GAS_HEADINGS, False),
    (GAS_BRIEF, ["正视问题，清醒认识老旧管网改造和燃气隐患的严重危害", "深挖根源，找准燃气安全监管失守的症结",
                 "严肃纪律，宣布对县燃气公司的处理决定", "压实责任，限期完成报警器安装和管道改造"], False),
    (GAS_BRIEF, ["直面短板，看清城镇燃气安全形势", "追根溯源，剖析管道改造迟缓的原因",
                 "动真碰硬，明确约谈意见", "立行立改，确保12月20日前隐患清零"], False),
    (GAS_BRIEF, ["正视问题，认清危害", "查找原因，剖析根源", "宣布约谈意见和处理决定", "压实责任，抓好整改落实"], False),
    (GAS_BRIEF, ["正视问题，深刻认识燃气泄漏事故的教训", "深挖根源，剖析改造进度滞后的原因",
                 "严肃作出处理决定", "压实责任，全力抓好整改落实"], False),
    (GAS_BRIEF, ["警钟长鸣，深刻汲取泄漏事故教训", "刨根问底，查清报警器缺装背后的问题",
                 "动真碰硬，严肃问责", "攻坚克难，如期完成老旧小区管道改造"], False),
    (_PROJECT, PROJECT_HEADINGS, False),
    (_PROJECT, ["正视问题，清醒认识燃气安全隐患的严重危害", "查摆症结，找准隐患屡查屡有的原因",
                "明确约谈意见，严肃作出处理决定", "压实责任，抓好燃气隐患整治"], True),
    (_ECO, ["正视问题，认清黑臭水体反弹的严重危害", "深挖根源，剖析排污口整治不力的原因",
            "明确约谈意见，作出处理决定", "压实责任，限期完成排污口封堵"], False),
    (_ECO, ["直面问题，看清北岸河治理的差距", "追根溯源，找准水质恶化的病根", "宣布处理决定",
            "挂图作战，11月底前完成整改"], False),
    (_ECO, PROJECT_HEADINGS, True),
]  # fmt: skip


def test_outlines_are_told_apart_by_their_subject_words():
    right = 0
    wrong = []
    for brief, headings, off in OUTLINES:
        score = subject_score(headings, make_plan(parse_brief(brief), KINDS), KINDS)
        if score.off_subject == off:
            right += 1
        else:
            wrong.append((headings[0], score))
    assert right == len(OUTLINES) == 15, wrong


# ---------------------------------------------------------------- 3. far short of the length


def _job_outcome(tmp_path, draft_of) -> tuple[str, str]:
    """Run a drafting job as the page does; (reason, status) of the version it saved."""
    sid = new_session_id()
    job = DraftJob(draft_of, job_finisher(tmp_path, sid), kind="draft")
    start_job(sid, job)
    assert job.wait(60) and job.result == "done", job.error
    latest = DraftStore(tmp_path).record(load_workspace(tmp_path, sid).draft_id).latest
    return latest.reason, latest.status


def test_a_draft_far_short_of_its_length_is_saved_as_short_with_the_shortfall(llm_env, tmp_path):
    # 2,640 characters asked; the model gives one short line per part.
    llm_env.queue(Reply(text=gas_outline()), *[Reply(text=f"一是{RESTATED_OPENING[:30]}。") for _ in GAS_ROLES])
    events: list = []
    writer = LLMWriter(make_chat_model(resolve_llm(get_settings())), PROMPTS, KINDS)
    brief = parse_brief({**GAS_BRIEF, "length": 2640})
    reason, status = _job_outcome(tmp_path, lambda on_event: writer.write(brief, None, lambda e: (events.append(e), on_event(e))))
    m = re.fullmatch(r"生成（模型 fake-model；未达篇幅：(\d+)/2,640 字）", reason)
    assert m and int(m.group(1)) < 0.6 * 2640, reason
    assert status == STATUS_SHORT
    assert any("未达篇幅" in w and "2,640" in w for w in _warnings(events))


def test_a_full_draft_names_its_model_and_an_offline_one_says_so(llm_env, tmp_path):
    llm_env.queue(Reply(text=gas_outline()), *gas_parts())
    writer = LLMWriter(make_chat_model(resolve_llm(get_settings())), PROMPTS, KINDS)
    brief = parse_brief(GAS_BRIEF)
    # The length pass is the writer's own: the scripted parts are within its tolerance.
    assert _job_outcome(tmp_path, lambda on_event: writer.write(brief, None, on_event)) == (
        f"{REASON_DRAFT}（模型 fake-model）", "done",
    )  # fmt: skip
    offline = OfflineWriter(KINDS)
    reason, _ = _job_outcome(tmp_path, lambda on_event: offline.write(brief, None, on_event))
    assert reason.startswith("生成（离线组稿")


def test_the_shortfall_threshold_is_sixty_percent():
    parts = [DraftPart(role="title", text="标题"), DraftPart(role="opening", text="字" * 359)]
    short = Draft(parts=parts, brief={"length": 600}, model="m")
    assert reason_generated(short) == "生成（模型 m；未达篇幅：359/600 字）"
    parts[1] = DraftPart(role="opening", text="字" * 360)
    assert reason_generated(Draft(parts=parts, brief={"length": 600}, model="m")) == "生成（模型 m）"
    cut = Draft(parts=parts[:1], brief={"length": 600}, status="interrupted")
    assert reason_generated(cut) == "生成"  # an interrupted draft is 未完成, not 未达篇幅


# ---------------------------------------------------------------- 4. a model that restarts every part


def test_a_part_that_starts_the_speech_again_keeps_its_content(llm_env):
    replies = [Reply(text=gas_body("opening"), chunk_size=7)]
    for n, role in enumerate(GAS_ROLES[1:5], 1):
        replies.append(Reply(text=restarts_every_part(n, GAS_HEADINGS[n - 1], gas_body(role)), chunk_size=7))
    replies.append(Reply(text=gas_body("closing")))
    llm_env.queue(Reply(text=gas_outline()), *replies)
    events: list = []
    draft = _draft(events)
    for n, (part, role) in enumerate(zip(draft.sections(), GAS_ROLES[1:5], strict=True), 1):
        assert part.text == f"{'一二三四'[n - 1]}、{GAS_HEADINGS[n - 1]}\n{gas_body(role)}"
    assert draft.text.count(RESTATED_OPENING) == 1 and draft.text.count("同志们：") == 1
    assert not any("写到了其他部分" in w for w in _warnings(events))
    assert len(llm_env.chat_requests()) == 7  # nothing re-asked
    assert [_shown(events)[i] for i in range(len(draft.parts))] == [p.text for p in draft.parts]


def test_a_part_that_runs_into_the_next_part_is_still_cut():
    from assistant.writing.prompts.model_text import StreamCleaner, head_rule

    raw = f"同志们：\n{RESTATED_OPENING}\n一、{GAS_HEADINGS[0]}\n一是改造滞后。\n二、{GAS_HEADINGS[1]}\n一是责任悬空。"
    c = StreamCleaner(head_rule("harm", 1, GAS_HEADINGS[0], ""), f"一、{GAS_HEADINGS[0]}",
                      cut_at_heading=True, own=(1, GAS_HEADINGS[0]))  # fmt: skip
    c.feed(raw)
    c.flush()
    assert c.text == f"一、{GAS_HEADINGS[0]}\n一是改造滞后。" and c.cut.startswith("二、")


# ---------------------------------------------------------------- 5. a model that repeats itself


def _repeating_parts() -> list[Reply]:
    return [Reply(text=gas_body("opening"))] + [
        Reply(text=repeats_itself(gas_body(role))) for role in GAS_ROLES[1:]
    ]


def test_a_sentence_repeated_in_every_part_is_asked_again_and_fixed(llm_env):
    # Five parts retell the opening's first sentence; asked again, the model leaves it out.
    fixed = [Reply(text=gas_body(role)) for role in GAS_ROLES[1:]]
    llm_env.queue(Reply(text=gas_outline()), *_repeating_parts(), *fixed)
    events: list = []
    draft = _draft(events)
    assert draft.text.count(RESTATED_OPENING) == 1
    asked = [w for w in _warnings(events) if "有相同的句子" in w and "正在重新生成" in w]
    assert len(asked) == 5, _warnings(events)
    assert not any(p.warnings for p in draft.parts)
    assert len(llm_env.chat_requests()) == 1 + 6 + 5


def test_a_repetition_that_persists_is_marked_on_every_part(llm_env):
    again = [Reply(text=repeats_itself(gas_body(role))) for role in GAS_ROLES[1:]]
    llm_env.queue(Reply(text=gas_outline()), *_repeating_parts(), *again)
    draft = _draft()
    flagged = [p for p in draft.parts if any("与开场白有相同的句子" in w for w in p.warnings)]
    assert [p.role for p in flagged] == list(GAS_ROLES[1:])  # never six identical parts silently


# ---------------------------------------------------------------- 6. a chatty closing


@pytest.mark.parametrize("same_line", [False, True])
def test_the_closing_never_carries_a_second_salutation(llm_env, same_line):
    llm_env.queue(Reply(text=gas_outline()), *gas_parts()[:5], Reply(text=chatty_closing(same_line=same_line), chunk_size=3))
    draft = _draft()
    closing = draft.parts[-1].text
    assert closing == "同志们，燃气安全没有旁观者，请各单位以整改的实际成效回应群众期盼。"
    assert draft.text.count("同志们：") == 1 and draft.text.split("\n")[1] == "同志们："


# ---------------------------------------------------------------- 7. 继续生成 after 停止


def _cut_in(role_index: int, text: str, keep: int) -> list[Reply]:
    """Replies up to the part at ``role_index``, which is cut after ``keep`` characters."""
    before = gas_parts()[:role_index]
    return [*before, Reply(text=text, chunk_size=keep, cut_after=1)]


def _interrupted(llm_env, role_index: int, keep: int) -> Draft:
    llm_env.queue(Reply(text=gas_outline()), *_cut_in(role_index, gas_body(GAS_ROLES[role_index]), keep))
    with pytest.raises(DraftInterrupted) as info:
        _draft(fix_parts=False)
    llm_env.reset()
    return info.value.draft


def _resume(llm_env, partial: Draft, first: str, events: list) -> Draft:
    rest = [Reply(text=gas_body(r)) for r in GAS_ROLES[GAS_ROLES.index(partial.parts[-1].role) + 1 :]]
    llm_env.queue(Reply(text=first, chunk_size=3), *rest)
    model = make_chat_model(resolve_llm(get_settings()))
    return resume_draft(partial, _plan(), None, model, PROMPTS, events.append, adjust_length=False, fix_parts=False)


def test_a_resumed_opening_that_greets_and_starts_over_joins_the_kept_text(llm_env):
    partial = _interrupted(llm_env, 0, keep=2)
    assert partial.parts[-1].text == "今天"
    events: list = []
    draft = _resume(llm_env, partial, restarts_after_cut(gas_body("opening")), events)
    opening = draft.parts[2].text
    assert opening == gas_body("opening")  # "今天" + "召开…", not "今天同志们：今天召开…"
    assert "同志们：" not in opening and draft.text.count("同志们：") == 1
    assert _shown(events)[2] == opening


def test_a_resumed_section_that_starts_over_in_other_words_drops_the_half_sentence(llm_env):
    body = gas_body("harm")
    partial = _interrupted(llm_env, 1, keep=len(f"一、{GAS_HEADINGS[0]}\n") + 20)
    kept = partial.parts[-1].text
    assert kept.startswith(f"一、{GAS_HEADINGS[0]}\n一是") and not kept.endswith("。")
    retold = "一是老旧管网改造进度慢，老旧小区燃气管道改造完成率仅37%，改造任务128公里，已完成47公里。\n" + body.split("\n", 1)[1]
    events: list = []
    draft = _resume(llm_env, partial, restarts_after_cut(retold, heading=f"一、{GAS_HEADINGS[0]}"), events)
    harm = draft.parts[3].text
    assert harm == f"一、{GAS_HEADINGS[0]}\n{retold}"
    assert harm.count(f"一、{GAS_HEADINGS[0]}") == 1 and "同志们" not in harm
    assert _shown(events)[3] == harm


def test_a_resumed_part_that_repeats_its_last_words_is_joined_once(llm_env):
    body = gas_body("opening")
    partial = _interrupted(llm_env, 0, keep=len(body) - 12)  # cut inside "…下面，我讲几点意见。"
    kept = partial.parts[-1].text
    overlap = kept[-4:]
    events: list = []
    draft = _resume(llm_env, partial, overlap + body[len(kept) :], events)
    assert draft.parts[2].text == body


@pytest.mark.parametrize(
    ("kept", "answer", "joined"),
    [
        ("今天", "同志们：今天召开约谈会，约谈三家单位。", "今天召开约谈会，约谈三家单位。"),
        ("今天召开约谈会，约谈三", "今天召开约谈会，约谈三家单位。下面，我讲几点意见。", "今天召开约谈会，约谈三家单位。下面，我讲几点意见。"),
        ("今天召开约谈会。下面", "下面，我讲几点意见。", "今天召开约谈会。下面，我讲几点意见。"),
        ("今天召开约谈会。下面", "，我讲几点意见。", "今天召开约谈会。下面，我讲几点意见。"),
        ("一、认清形势\n一是改造滞后。二是", "同志们：\n一、认清形势\n二是报警器未装，隐患突出。", "一、认清形势\n一是改造滞后。二是报警器未装，隐患突出。"),
        ("一、认清形势\n一是改造滞后。二是报警", "同志们：\n为了说清问题，我再讲一遍现状，务必引起重视。", "一、认清形势\n一是改造滞后。为了说清问题，我再讲一遍现状，务必引起重视。"),
    ],
)
def test_resume_join_at_any_chunking(kept, answer, joined):
    from assistant.writing.prompts.model_text import StreamCleaner

    heading = "一、认清形势" if kept.startswith("一、") else ""
    for size in (1, 2, 5, 100):
        j = ResumeJoin(kept, heading)
        rest = ""
        for i in range(0, len(answer), size):
            got = j.feed(answer[i : i + size])
            if got is not None:
                rest += got
        rest += j.flush()
        c = StreamCleaner(None, j.prefix, open_line=j.open_line, cut_at_heading=True)
        c.feed(rest)
        c.flush()
        assert c.text == joined, (size, c.text)
