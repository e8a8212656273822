"""The 问责层级 (提醒谈话 → 约谈 → 通报批评 → 诫勉谈话 → 问责) in drafting and in the checker.

Drafting: for each level, offline drafts of three briefs (written for this test: fictional units,
three kinds) use no wording beyond their level; a 提醒谈话 without decisions has no 约谈决定
part; from 通报批评 up the draft announces the brief's decision, or holds a marked blank
(〔待填〕) where the brief gives none — never an invented one. The LLM prompts carry the level's
name, tone and forbidden wording.

Checker (rule "measure"): a 提醒谈话 with "给予通报批评" inserted is warned; the conditional threat
"对整改不力的……追责问责" of every 约谈 is not reported; a conditional 通报批评 in a 提醒谈话 is a
hint only; a 问责 speech that never states its decision is warned.

Corpus: at level 约谈, the rule's findings on the 32 bundled speeches are exactly
``CORPUS_AT_INTERVIEW`` (each with its reason); at each speech's own level, guessed from its
text (``GUESSED_LEVELS``), there is no warning at all.
"""

from __future__ import annotations

import pytest

from assistant.domain.brief import Brief, parse_brief
from assistant.domain.measures import find_measure, ladder
from assistant.domain.plan import make_plan
from assistant.review.checks import run_checks
from assistant.review.measure_rule import decision_blank
from assistant.review.placeholders import FILL_MARK
from assistant.writing.offline import compose_offline
from assistant.writing.prompts.messages import outline_messages, polish_messages, section_messages
from tests.shared import CORPUS, KINDS, PROMPTS

LEVELS = [m.name for m in ladder()]

#: Three briefs of different kinds, without decisions (each level adds its own below).
BRIEFS: dict[str, dict] = {
    "project_delay": {
        "kind": "project_delay",
        "meeting": "东湖区重点项目推进滞后单位约谈会",
        "speaker": "东湖区人民政府副区长",
        "targets": ["东湖区住房和城乡建设局", "北岸镇人民政府"],
        "issues": ["北岸片区污水管网工程开工滞后", "东湖区体育中心项目前期手续迟迟未办结"],
        "facts": ["北岸片区污水管网工程计划开工时间为2026年4月底，至今未开工"],
        "requirements": ["7月31日前报送整改方案", "9月30日前实现北岸片区污水管网工程全面开工"],
        "length": 1500,
    },
    "gas_fire": {
        "kind": "gas_fire",
        "meeting": "青石县餐饮场所燃气安全隐患整改约谈会",
        "speaker": "青石县人民政府副县长",
        "targets": ["青石县城市管理局", "云溪镇人民政府"],
        "issues": ["云溪镇餐饮场所燃气报警器安装率偏低", "瓶装液化气违规存放问题反复出现"],
        "facts": ["云溪镇餐饮场所燃气报警器安装率为46%"],
        "requirements": ["8月15日前完成全镇餐饮场所燃气报警器安装", "每月开展一次瓶装液化气专项检查"],
        "length": 1500,
    },
    "petition": {
        "kind": "petition",
        "meeting": "临江市信访积案化解工作约谈会",
        "speaker": "临江市人民政府秘书长",
        "targets": ["临江市人力资源和社会保障局", "东湖区人民政府"],
        "issues": ["拖欠农民工工资信访积案化解进度缓慢", "重复信访比例居高不下"],
        "facts": ["二季度东湖区重复信访比例为31%"],
        "requirements": ["10月31日前化解全部拖欠农民工工资积案"],
        "length": 1500,
    },
}

#: The decision each level announces (the 提醒谈话 one is a request, no sanction).
DECISIONS: dict[str, list[str]] = {
    "提醒谈话": ["请东湖区住房和城乡建设局7月20日前书面说明滞后原因"],
    "约谈": ["责令东湖区住房和城乡建设局向区政府作出书面检查"],
    "通报批评": ["对东湖区住房和城乡建设局予以全区通报批评"],
    "诫勉谈话": ["对北岸镇人民政府分管负责同志进行诫勉谈话"],
    "问责": ["依据有关问责规定，对北岸镇人民政府主要负责同志进行问责，责令作出书面检查"],
}
#: Which briefs get the level's decision: project_delay and petition do, gas_fire has none.
WITH_DECISIONS = ("project_delay", "petition")


def _brief(name: str, level: str) -> Brief:
    data = {**BRIEFS[name], "measure": level}
    if name in WITH_DECISIONS:
        data["decisions"] = DECISIONS[level]
    return parse_brief(data)


def _offline(brief: Brief):
    return compose_offline(make_plan(brief, KINDS), None, KINDS)


def _measure_findings(text: str, brief: Brief, severity: str | None = None):
    report = run_checks(text, brief=brief, kinds=KINDS, rules=["measure"])
    return [f for f in report.findings if severity is None or f.severity == severity]


# ---------------------------------------------------------------- drafting follows the level


@pytest.mark.parametrize("name", sorted(BRIEFS))
@pytest.mark.parametrize("level", LEVELS)
def test_offline_draft_keeps_to_its_level(level: str, name: str) -> None:
    brief = _brief(name, level)
    measure = find_measure(level)
    draft = _offline(brief)
    text = draft.text
    assert not measure.beyond_in(text), (level, name, measure.beyond_in(text))
    roles = [p.role for p in draft.parts]
    if measure.optional_parts and not brief.decisions:
        # A 提醒谈话 without decisions: no part announcing decisions at all.
        assert "decisions" not in roles
        assert "处理决定" not in text and "约谈意见" not in text
    else:
        assert "decisions" in roles
    if measure.announces:
        if brief.decisions:
            assert all(d in text for d in brief.decisions)
            assert FILL_MARK not in text
        else:
            # Never an invented decision: the marked blank, which the checker asks to fill.
            assert decision_blank(measure) in text
            placeholders = run_checks(text, brief=brief, kinds=KINDS, rules=["placeholders"]).findings
            assert any(f.excerpt == FILL_MARK for f in placeholders)
    else:
        assert FILL_MARK not in text
    # The draft passes its own level's check: no wording beyond it, its decision stated.
    assert not _measure_findings(text, brief, "warning"), [f.message for f in _measure_findings(text, brief)]


def test_reminder_draft_speaks_of_a_reminder_and_keeps_the_structure_check_quiet() -> None:
    brief = _brief("gas_fire", "提醒谈话")
    text = _offline(brief).text
    assert "进行提醒谈话" in text
    structure = run_checks(text, brief=brief, kinds=KINDS, rules=["structure"]).findings
    assert not [f for f in structure if "约谈意见" in f.message]


def test_reminder_with_decisions_has_the_reminder_heading() -> None:
    brief = _brief("project_delay", "提醒谈话")
    draft = _offline(brief)
    decisions = next(p for p in draft.parts if p.role == "decisions")
    assert decisions.text.split("\n")[0].endswith("明确提醒意见，端正思想态度")
    assert DECISIONS["提醒谈话"][0] in decisions.text


def test_same_brief_reads_differently_at_each_level() -> None:
    texts = {level: _offline(_brief("gas_fire", level)).text for level in LEVELS}
    assert "追责问责" in texts["约谈"] and "追责问责" not in texts["提醒谈话"]
    assert "现将问责决定宣布如下" in texts["问责"]
    assert "现将诫勉谈话决定宣布如下" in texts["诫勉谈话"]
    assert len(set(texts.values())) == len(LEVELS)


# ---------------------------------------------------------------- the prompts carry the level


@pytest.mark.parametrize("level", LEVELS)
def test_every_prompt_carries_the_level_name_and_tone(level: str) -> None:
    measure = find_measure(level)
    plan = make_plan(_brief("gas_fire", level), KINDS)
    users = [
        outline_messages(plan, PROMPTS)[1]["content"],
        section_messages(plan, PROMPTS, role="rectification", outline="")[1]["content"],
        polish_messages(plan, PROMPTS, draft="同志们：\n要抓好整改。")[1]["content"],
    ]
    for user in users:
        assert f"问责层级：{measure.name}。" in user
        assert measure.tone in user
        for word in measure.beyond:
            assert f"“{word}”" in user  # named as forbidden
        if measure.announces:
            assert decision_blank(measure) in user  # this brief gives no decision
    outline = users[0]
    if measure.optional_parts:
        assert "不写“约谈意见”部分" in outline
        assert "宣布约谈意见和处理决定" not in outline  # the kind's decisions heading is gone
        assert "问责" not in plan.kind.emphasis


def test_prompt_of_a_level_with_decisions_asks_for_them_not_a_blank() -> None:
    plan = make_plan(_brief("petition", "问责"), KINDS)
    user = outline_messages(plan, PROMPTS)[1]["content"]
    assert "讲话必须明确宣布问责决定" in user
    assert FILL_MARK not in user


# ---------------------------------------------------------------- the checker


def test_inserted_circular_in_a_reminder_is_warned_with_the_sentence_and_level() -> None:
    brief = _brief("gas_fire", "提醒谈话")
    text = _offline(brief).text
    assert not _measure_findings(text, brief)
    sentence = "经研究，决定对青石县城市管理局给予通报批评。"
    lines = text.split("\n")
    lines.insert(5, sentence)
    (f,) = _measure_findings("\n".join(lines), brief)
    assert f.severity == "warning" and f.excerpt == sentence and f.line == 6
    assert "提醒谈话" in f.message and "通报批评" in f.message


def test_conditional_threat_is_no_finding_in_an_interview() -> None:
    brief = _brief("gas_fire", "约谈")
    text = _offline(brief).text + "\n对整改不力、敷衍塞责的，将依规依纪严肃追责问责。"
    assert not _measure_findings(text, brief)


def test_conditional_circular_in_a_reminder_is_only_a_hint() -> None:
    brief = _brief("gas_fire", "提醒谈话")
    sentence = "如逾期仍未完成整改，将予以通报批评。"
    text = _offline(brief).text + "\n" + sentence
    (f,) = _measure_findings(text, brief)
    assert f.severity == "hint" and f.excerpt == sentence


def test_accountability_speech_without_its_decision_is_warned() -> None:
    brief = _brief("petition", "问责")
    text = _offline(brief).text
    assert not _measure_findings(text, brief)
    stripped = "\n".join(line for line in text.split("\n") if DECISIONS["问责"][0] not in line)
    found = _measure_findings(stripped, brief, "warning")
    assert len(found) == 1 and "没有宣布问责决定" in found[0].message and found[0].line == 0


def test_brief_wording_is_the_clerks_fact() -> None:
    brief = parse_brief({**BRIEFS["gas_fire"], "measure": "提醒谈话",
                         "facts": ["云溪镇2025年曾因同类问题被全县通报批评"]})  # fmt: skip
    text = _offline(brief).text
    assert "被全县通报批评" in text
    assert not _measure_findings(text, brief)


def test_without_a_brief_the_rule_is_silent() -> None:
    assert not run_checks("经研究，决定给予通报批评。", rules=["measure"]).findings


# ---------------------------------------------------------------- the corpus

CORPUS_FILES = sorted(CORPUS.glob("*-*.md"))

#: Speeches whose own decisions go beyond 通报批评 (guessed from their decision parts).
HEAVY_LEVELS = {
    "business_env-02": "问责",  # 给予政务警告和党内警告处分, 立案审查调查
    "statistics-01": "问责",  # 立案审查调查, 组织调整
    "petition-03": "问责",  # 党内警告处分, 免去职务
    "integrity-02": "诫勉谈话",
    "land-01": "诫勉谈话",
    "land-02": "诫勉谈话",
    "statistics-03": "诫勉谈话",
}


def guessed_level(stem: str, text: str) -> str:
    """A corpus speech's own level: as listed above, else 通报批评 when it announces one, else 约谈."""
    return HEAVY_LEVELS.get(stem) or ("通报批评" if "通报批评" in text else "约谈")


#: (speech, severity, beyond word) of every finding at level 约谈, each true:
CORPUS_AT_INTERVIEW = {
    # The speech's own decisions are 诫勉 or heavier, beyond an 约谈: true warnings.
    ("business_env-02", "warning", "诫勉"),
    ("integrity-02", "warning", "诫勉"),
    ("land-01", "warning", "诫勉"),
    ("land-02", "warning", "诫勉"),
    ("petition-03", "warning", "诫勉"),
    ("statistics-01", "warning", "立案审查"),
    ("statistics-03", "warning", "诫勉"),
    # "市纪委监委已立案审查调查3人": what already happened, told as a fact → hint.
    ("business_env-02", "hint", "立案审查"),
    # A threat of what follows failure ("……仍达不到50%的单位，……进行诫勉谈话") → hint.
    ("investment-01", "hint", "诫勉"),
    ("investment-03", "hint", "诫勉"),
    # "按照规定，……轻则诫勉问责，重则党纪政务处分": a rule stated in general → hint.
    ("statistics-03", "hint", "诫勉"),
}

#: At each speech's own level, the hints that remain: threats of 诫勉 in a 通报批评 / 约谈 speech.
CORPUS_AT_OWN_LEVEL = {("investment-01", "hint", "诫勉"), ("investment-03", "hint", "诫勉")}

_NEUTRAL = {"meeting": "约谈会", "targets": ["有关单位"], "issues": ["存在问题"], "requirements": ["抓好整改"]}


def _word(message: str) -> str:
    return message.split("“")[2].split("”")[0]


def _corpus_findings(level_of) -> set[tuple[str, str, str]]:
    out = set()
    for path in CORPUS_FILES:
        text = path.read_text(encoding="utf-8")
        brief = parse_brief({**_NEUTRAL, "measure": level_of(path.stem, text)})
        for f in _measure_findings(text, brief):
            out.add((path.stem, f.severity, _word(f.message) if f.line else "（决定）"))
    return out


def test_corpus_at_level_interview_has_only_the_listed_findings() -> None:
    assert len(CORPUS_FILES) >= 30
    assert _corpus_findings(lambda stem, text: "约谈") == CORPUS_AT_INTERVIEW


def test_corpus_at_its_own_level_has_no_warning() -> None:
    assert _corpus_findings(guessed_level) == CORPUS_AT_OWN_LEVEL
