"""The checker gives no false alarm on correct speeches, and its suggestions cannot break one.

Swept here: every bundled corpus speech, the speeches and drafts of tests/fixtures/checker_speeches
(written for this test, with a brief beside most of them), and offline drafts of the briefs there
(composed without a library, as a first start without any reference does). On all of them: no
error, no warning beyond ``EXPECTED_WARNINGS``, and no suggestion whose application changes the text.

The warnings that remain (``EXPECTED_WARNINGS``) are all true, each a structure warning about a
corpus speech that really lacks a part of the standard structure:

- eco_env-03, gas_fire-03, land-02, petition-02: three parts, no 查找原因 part (the causes are
  folded into the 危害 part) — the standard structure has one, so "缺少“查找原因”部分" is true.
- integrity-03, investment-03, project_delay-03, statistics-03, work_safety-03: no 约谈意见 /
  处理决定 part — true, the decisions are only named in the opening or not at all.
- 04_eco_env (written for this test): its third part "严肃约谈意见，抓好整改落实" announces the
  decisions inside the 整改 part, so there is no 约谈意见 part of its own — true.
- gas_fire-01, investment-03, statistics-03: the last paragraph is a work arrangement, not a short
  charge beginning "同志们，" — "缺少结束语" is true.

The three failures reported in issue 19 each have a test below that failed before the fix.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.domain.brief import Brief, load_brief, parse_brief
from assistant.domain.facts import FactIndex, specifics
from assistant.domain.plan import make_plan
from assistant.intake.loaders import load_path
from assistant.review.checks import apply_suggestion, run_checks
from assistant.writing.offline import compose_offline
from tests.fakes.habits import GAS_BRIEF as HABITS_GAS_BRIEF
from tests.shared import BRIEFS, CORPUS, KINDS

SPEECHES = Path(__file__).parents[1] / "fixtures" / "checker_speeches"
CORPUS_FILES = sorted(CORPUS.glob("*-*.md"))
SPEECH_FILES = sorted(SPEECHES.glob("*.txt"))
BRIEF_FILES = sorted(SPEECHES.glob("*.json")) + [
    BRIEFS / n for n in ("work_safety.json", "project_delay.yaml", "integrity.yaml")
]

#: (text name, rule, start of the message) of every warning that is true; see the module docstring.
EXPECTED_WARNINGS = {
    ("eco_env-03", "structure", "缺少“查找原因”部分"),
    ("gas_fire-03", "structure", "缺少“查找原因”部分"),
    ("land-02", "structure", "缺少“查找原因”部分"),
    ("petition-02", "structure", "缺少“查找原因”部分"),
    ("integrity-03", "structure", "缺少“约谈意见”部分"),
    ("investment-03", "structure", "缺少“约谈意见”部分"),
    ("project_delay-03", "structure", "缺少“约谈意见”部分"),
    ("statistics-03", "structure", "缺少“约谈意见”部分"),
    ("work_safety-03", "structure", "缺少“约谈意见”部分"),
    ("04_eco_env", "structure", "缺少“约谈意见”部分"),
    ("gas_fire-01", "structure", "缺少结束语"),
    ("investment-03", "structure", "缺少结束语"),
    ("statistics-03", "structure", "缺少结束语"),
}

#: The brief of issue 19's walk-through (全县燃气安全专项整治工作约谈会), with a count in figures.
GAS_BRIEF = parse_brief(
    {
        **HABITS_GAS_BRIEF,
        "kind": "gas_fire",
        "facts": [*HABITS_GAS_BRIEF["facts"], "排查发现隐患10件"],
        "requirements": ["12月20日前完成餐饮场所报警器安装", "2027年6月底前完成全部老旧管道改造"],
        "length": 3000,
    }
)


def _check(text: str, brief: Brief | None = None):
    return run_checks(text, brief=brief, kinds=KINDS)


# ---------------------------------------------------------------- the reported failures


def test_a_pause_between_parallel_short_phrases_is_not_a_stray_symbol():
    # Issue 19: "“实、行”改为“实行”" turned 实不实、行动快不快 into 实不实行动快不快.
    for line in (
        "检验整改成效，要看整改实不实、行动快不快、群众满不满意。",
        "问题查不查、改不改，不是企业自己说了算。",
        "班子成员要在思想上、行动上同市委保持一致。",
        "要做到人、财、物统筹调度，党、政、群齐抓共管。",
    ):
        found = run_checks(line, rules=["punctuation"]).findings
        assert found == [], [(f.excerpt, f.suggestion) for f in found]
    # A 、 that really cuts one word in two is still found, with its fix.
    (f,) = run_checks("要抓好隐、患排查，全面部署到位。", rules=["punctuation"]).findings
    assert (f.excerpt, f.suggestion) == ("隐、患", "隐患")


@pytest.mark.parametrize(
    "phrase",
    ["我代表县人民政府", "根据县人民政府统一部署", "按照区委要求", "要求县住建局", "督促区应急管理局",
     "对县燃气有限公司", "向县政府报告", "由县应急管理局牵头", "经县政府同意", "按县里的要求",
     "全县", "本县", "该县", "各县", "针对县城燃气管网", "会同市市场监管局"],
)  # fmt: skip
def test_a_verb_or_preposition_before_a_county_is_not_a_place(phrase):
    # Issue 19: 地名“代表县”, 地名“根据县” were flagged as places not in the brief.
    assert [f.text for f in specifics(phrase, ("place",))] == []


def test_real_place_names_are_still_places():
    text = "青石县北岸镇、临江市东湖区、南屏县云溪乡和西山区翠湖街道"
    assert {f.value for f in specifics(text, ("place",))} >= {
        "青石县",
        "北岸镇",
        "东湖区",
        "南屏县",
        "云溪乡",
        "翠湖街道",
    }


@pytest.mark.parametrize(
    ("draft", "brief"),
    [("两名", "2人"), ("2名", "两人"), ("十件", "10件"), ("三家", "3家"), ("两起", "2起"),
     ("百分之三十七", "37%"), ("两万人", "2万人"), ("1.2万人", "一万二千人"), ("百分之三十七点五", "37.5%")],
)  # fmt: skip
def test_numbers_in_words_and_figures_are_the_same_fact(draft, brief):
    (fact,) = specifics(f"共有{draft}受影响")
    assert FactIndex.of([f"共有{brief}受影响"]).covers(fact), (fact, specifics(brief))


def test_a_hand_edit_to_words_is_no_new_fact():
    text = "11月发生1起燃气泄漏事故，造成两名群众轻伤，三家餐饮企业未装报警器，发现隐患十件。"
    found = run_checks(text, brief=GAS_BRIEF, rules=["facts"]).findings
    assert [f.excerpt for f in found if "请核实" in f.message] == []
    assert [
        f.excerpt
        for f in run_checks(
            "我代表县人民政府，根据县人民政府的部署讲几点意见。", brief=GAS_BRIEF, rules=["facts"]
        ).findings
        if "请核实" in f.message
    ] == []
    # A number that is not in the brief is still to be verified.
    wrong = run_checks("造成三名群众轻伤。", brief=GAS_BRIEF, rules=["facts"]).findings
    assert [f.excerpt for f in wrong if "请核实" in f.message] == ["三名"]


# ---------------------------------------------------------------- the sweep

#: Length the offline drafts are asked for (the composer holds it within ±15% from 1,500 up).
OFFLINE_LENGTH = 2000


def _texts() -> list[tuple[str, str, Brief | None]]:
    out: list[tuple[str, str, Brief | None]] = [
        (p.stem, load_path(p).text, None) for p in CORPUS_FILES
    ]
    for p in SPEECH_FILES:
        brief = p.with_suffix(".json")
        out.append(
            (p.stem, p.read_text(encoding="utf-8"), load_brief(brief) if brief.exists() else None)
        )
    for p in BRIEF_FILES:
        brief = load_brief(p).model_copy(update={"length": OFFLINE_LENGTH})
        draft = compose_offline(make_plan(brief, KINDS), None, KINDS)
        out.append((f"offline:{p.stem}", draft.text, brief))
    gas = GAS_BRIEF.model_copy(update={"length": OFFLINE_LENGTH})
    out.append(
        ("offline:issue19_gas", compose_offline(make_plan(gas, KINDS), None, KINDS).text, gas)
    )
    return out


@pytest.fixture(scope="module")
def reports():
    return [(name, text, _check(text, brief)) for name, text, brief in _texts()]


def test_enough_texts_are_swept(reports):
    assert len(SPEECH_FILES) >= 12 and len(BRIEF_FILES) >= 8
    assert len(reports) == len(CORPUS_FILES) + len(SPEECH_FILES) + len(BRIEF_FILES) + 1


def test_no_error_and_only_true_warnings(reports):
    errors = [
        (name, f.rule, f.line, f.excerpt, f.message) for name, _, r in reports for f in r.errors
    ]
    assert errors == []
    unexpected = [
        (name, f.rule, f.line, f.excerpt, f.message)
        for name, _, r in reports
        for f in r.warnings
        if not any(
            name == n and f.rule == rule and f.message.startswith(m)
            for n, rule, m in EXPECTED_WARNINGS
        )
    ]
    assert unexpected == []


def test_no_suggestion_changes_a_correct_text(reports):
    changed = []
    for name, text, r in reports:
        for f in r.findings:
            if f.suggestion is not None and apply_suggestion(text, f) != text:
                changed.append((name, f.rule, f.line, f.excerpt, f.suggestion))
    assert changed == []


def test_the_fixture_speeches_say_what_a_careful_writer_says():
    # The sweep is only worth something if the texts hold the forms that used to trip the checker.
    joined = "\n".join(p.read_text(encoding="utf-8") for p in SPEECH_FILES)
    for form in ("我代表县人民政府", "根据市委", "实不实、行动快不快", "查不查、改不改", "人、财、物",
                 "12月20日前", "2027年6月底前", "两名", "百分之三十七", "有限公司", "“"):  # fmt: skip
        assert form in joined, form
    briefs = [json.loads(p.read_text(encoding="utf-8")) for p in SPEECHES.glob("*.json")]
    assert len(briefs) >= 10 and all(parse_brief(b) for b in briefs)


def test_a_finding_without_a_safe_fix_offers_none():
    # 乡、村两级 lists two words: reporting it with "乡村" as the fix would change the meaning.
    text = "建立乡、村两级耕地保护田长制，党、政机关带头。"
    assert [f for f in run_checks(text, rules=["punctuation"]).findings if f.suggestion] == []
