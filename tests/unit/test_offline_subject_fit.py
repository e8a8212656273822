"""The offline composer's subject test and its length notice, without a library."""

from __future__ import annotations

import re

from assistant.domain.brief import parse_brief
from assistant.domain.models import speech_chars
from assistant.domain.plan import make_plan
from assistant.writing.offline import compose_offline, load_phrases
from assistant.writing.offline.subject import SubjectFit
from tests.shared import KINDS

GAS = {
    "kind": "gas_fire",
    "meeting": "全县燃气安全专项整治工作约谈会",
    "targets": ["县住房和城乡建设局", "城关镇人民政府", "县燃气有限公司"],
    "issues": ["老旧小区燃气管道改造完成率仅37%", "11月发生1起燃气泄漏致2人轻伤事故"],
    "facts": ["改造任务128公里，已完成47公里"],
    "requirements": ["12月20日前完成全部餐饮场所可燃气体报警器安装"],
}
FIRE = {
    **GAS,
    "meeting": "西城区高层住宅火灾事故警示约谈会",
    "issues": ["高层住宅火灾暴露出消防设施长期失修", "消防通道被占用"],
    "facts": [],
}
# Sentences of the corpus's fire speeches (the ones a gas-leak speech got), and generic ones.
FIRE_SENTENCES = (
    "为什么一场不大的火，会造成这样的后果？",
    "这些问题平时看不见、摸不着，只有在火灾发生时才暴露出来，代价却是致命的。",
    "高层建筑火灾防控，主要靠建筑自身的防火分隔和消防设施。",
)
GENERIC = (
    "问题在基层暴露，责任却在每一个环节。",
    "整改成效如何，最终要由群众来评判。",
)


def _fit(data: dict) -> SubjectFit:
    brief = parse_brief(data)
    kind = make_plan(brief, KINDS).kind
    words = [str(w) for w in load_phrases().get("event_words", [])]
    return SubjectFit.for_meeting("\n".join(brief.all_facts()), kind, KINDS.values(), words)


def test_fire_sentences_do_not_fit_a_gas_leak_meeting_of_the_same_kind():
    fit = _fit(GAS)
    assert [s for s in FIRE_SENTENCES if fit.fits(s)] == []
    assert all(fit.fits(s) for s in GENERIC)


def test_the_brief_decides_a_fire_meeting_may_speak_of_fire():
    fit = _fit(FIRE)
    assert fit.fits(FIRE_SENTENCES[1])
    assert all(fit.fits(s) for s in GENERIC)


def test_a_draft_far_short_of_its_length_says_how_much_and_why():
    plan = make_plan(parse_brief({**GAS, "length": 20000}), KINDS)
    draft = compose_offline(plan, None, KINDS)
    reached = speech_chars(draft)
    assert reached < 0.85 * 20000
    (notice,) = draft.warnings
    assert notice.startswith("篇幅未达要求")
    assert "要求约 20000 字" in notice and f"只写出约 {reached} 字" in notice
    assert re.search(r"（\d+%）", notice) and "用完" in notice


def test_a_draft_on_its_length_has_no_notice():
    plan = make_plan(parse_brief({**GAS, "length": 1500}), KINDS)
    draft = compose_offline(plan, None, KINDS)
    assert abs(speech_chars(draft) - 1500) <= 0.15 * 1500
    assert draft.warnings == []
