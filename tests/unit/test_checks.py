"""The checker (assistant.review): each rule catches what it names and leaves sound text alone;
no corpus speech has an error; the seeded slips of the document-website fixtures are found."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.domain.brief import parse_brief
from assistant.drafts.check_source import load_for_check
from assistant.intake.loaders import load_path
from assistant.review.checks import CheckError, apply_suggestion, rule_names, run_checks
from assistant.review.model import Finding
from tests.shared import CORPUS, KINDS

FIXTURES = Path(__file__).parents[1] / "fixtures" / "review"
CORPUS_FILES = sorted(CORPUS.glob("*-*.md"))

SPEECH = """在东湖区农贸市场食品安全问题约谈会上的讲话
同志们：
今天，我们对东湖区市场监管局和两家农贸市场开办方进行约谈。一季度抽检中，两家市场不合格批次占全区的42%。下面，我讲几点意见。
一、正视问题，认清食品安全隐患的严重危害
（一）抽检不合格问题反复出现。有的市场连续两个季度被通报，整改流于形式。
（二）群众投诉明显增多。市场周边居民反映强烈，对我们的监管工作有意见。
二、深挖根源，查找问题背后的原因
一是主体责任没有落实。开办方重收费、轻管理，入场查验形同虚设。
二是监管措施不够有力。区市场监管局检查多、处罚少，没有形成震慑。
三、宣布约谈意见和处理决定
（一）对东湖区市场监管局予以通报批评。
（二）两家市场列为重点监管对象，每周抽检一次。
四、压实责任，抓好整改落实
一要立行立改。两家市场要在5月31日前完成入场查验制度整改。
二要建立长效机制。区市场监管局要把抽检结果向社会公开，接受群众监督。
同志们，食品安全事关千家万户。希望大家以这次约谈为契机，把整改任务落到实处。"""

BRIEF = parse_brief(
    {
        "kind": "food_market",
        "meeting": "东湖区农贸市场食品安全问题约谈会",
        "targets": ["东湖区市场监管局"],
        "issues": ["农贸市场抽检不合格问题反复出现"],
        "facts": ["一季度两家市场不合格批次占全区的42%"],
        "decisions": ["对东湖区市场监管局予以通报批评"],
        "requirements": ["5月31日前完成入场查验制度整改"],
        "length": 500,
    }
)


def found(text: str, rule: str, **kw) -> list[Finding]:
    return run_checks(text, rules=[rule], **kw).findings


def problems(text: str, rule: str, **kw) -> list[Finding]:
    return [f for f in found(text, rule, **kw) if f.severity != "hint"]


def line_no(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), 1) if needle in line)


def test_the_sound_speech_has_no_problem():
    report = run_checks(SPEECH, brief=BRIEF, kind=KINDS["food_market"])
    assert [f for f in report.findings if f.severity != "hint"] == []
    assert report.rules == rule_names() and report.chars > 400 and report.minutes > 1.5


def test_unknown_rule_is_a_chinese_error():
    with pytest.raises(CheckError, match="未知的检查规则：spelling"):
        run_checks(SPEECH, rules=["spelling"])


# ---------------------------------------------------------------- structure


def test_structure_top_level_gap_and_repeat():
    text = SPEECH.replace("三、宣布", "四、宣布").replace("四、压实", "五、压实")
    errors = [f for f in found(text, "structure") if f.severity == "error"]
    assert [(f.line, f.excerpt, f.suggestion) for f in errors] == [
        (line_no(text, "四、宣布"), "四、", "三、"),
        (line_no(text, "五、压实"), "五、", "四、"),
    ]
    fixed = text
    for f in errors:
        fixed = apply_suggestion(fixed, f)
    assert fixed == SPEECH
    repeat = SPEECH.replace("三、宣布", "二、宣布")
    (f,) = [f for f in found(repeat, "structure") if f.severity == "error"]
    assert "重复" in f.message and f.suggestion == "三、"


def test_structure_points_count_on_and_keep_their_depth():
    text = SPEECH.replace("二是监管", "三是监管")
    (f,) = problems(text, "structure")
    assert f.severity == "error" and f.excerpt == "三是" and f.suggestion == "二是"
    text = SPEECH.replace("（二）两家市场", "（三）两家市场")
    (f,) = problems(text, "structure")
    assert f.excerpt == "（三）" and f.suggestion == "（二）"
    inverted = SPEECH.replace("（一）抽检不合格", "1.抽检不合格").replace("（二）群众投诉", "（一）群众投诉")
    assert any("层次序号用反了" in f.message for f in problems(inverted, "structure"))
    # An enumeration inside one paragraph continues the run: 一是……。二是…… then 三是.
    inline = SPEECH.replace("形同虚设。\n二是监管", "形同虚设。二是考核不严。\n三是监管")
    assert problems(inline, "structure") == []


def test_structure_mixed_runs_and_missing_parts():
    mixed = SPEECH.replace("二是监管措施", "二要监管措施")
    assert any("混用" in f.message for f in problems(mixed, "structure"))
    bare = "\n".join(line for line in SPEECH.split("\n")[2:] if not line.startswith("同志们，"))
    messages = " ".join(f.message for f in problems(bare, "structure", kind=KINDS["food_market"]))
    assert "缺少标题" in messages and "缺少称谓" in messages and "缺少结束语" in messages
    no_causes = SPEECH.replace("二、深挖根源，查找问题背后的原因\n一是主体责任没有落实。开办方重收费、轻管理，入场查验形同虚设。\n二是监管措施不够有力。区市场监管局检查多、处罚少，没有形成震慑。\n", "")
    no_causes = no_causes.replace("三、宣布", "二、宣布").replace("四、压实", "三、压实")
    (f,) = problems(no_causes, "structure", kind=KINDS["food_market"])
    assert "缺少“查找原因”部分" in f.message and "如“" in f.message


def test_a_decimal_at_a_paragraph_start_is_not_a_marker():
    text = SPEECH.replace("（一）抽检不合格问题反复出现。", "1.抽检不合格问题反复出现。").replace(
        "（二）群众投诉明显增多。", "2.5家经营户被立案查处。"
    )
    assert problems(text, "structure") == []


# ---------------------------------------------------------------- placeholders


@pytest.mark.parametrize(
    "slip", ["××同志", "XX镇", "xx局", "20XX年", "201x年", "某某同志", "○○村", "□□", "＊＊公司", "*局长",
             "【待补充】", "【此处填写数据】", "[ ]", "（  ）", "____", "TODO"],
)  # fmt: skip
def test_placeholders_are_errors(slip):
    text = SPEECH.replace("两家农贸市场开办方", f"{slip}和两家农贸市场开办方")
    (f,) = found(text, "placeholders")
    assert f.severity == "error" and f.line == 3 and f.excerpt in slip


def test_no_placeholder_in_sound_text():
    text = SPEECH + "\n完成XML接口改造，3×4米的展板，某县的做法。"
    assert found(text, "placeholders") == []


# ---------------------------------------------------------------- confusables


def test_listed_wrong_forms_are_errors_with_the_right_form():
    text = SPEECH.replace("立行立改", "按步就班地立行立改").replace("接受群众监督", "接受群众监督，做到格尽职守")
    fs = found(text, "confusables")
    assert [(f.excerpt, f.suggestion, f.severity) for f in fs] == [
        ("按步就班", "按部就班", "error"),
        ("格尽职守", "恪尽职守", "error"),
    ]
    assert apply_suggestion(text, fs[0]).count("按部就班") == 1


def test_a_listed_form_inside_other_words_is_not_reported():
    assert found(SPEECH + "\n全部份额已经分配，严格守住底线，多年未解决。", "confusables") == []


def test_meaning_dependent_pairs_are_hints_only():
    text = SPEECH + "\n截止目前，其它问题必需尽快解决，已经做出决定。"
    fs = found(text, "confusables")
    assert {f.excerpt for f in fs} == {"截止", "其它", "必需", "做出"}
    assert all(f.severity == "hint" and "：" in f.message for f in fs)
    assert {f.excerpt: f.suggestion for f in fs}["截止"] == "截至"
    assert found(SPEECH + "\n报名截止日期是6月1日，这是生活必需品。", "confusables") == []


@pytest.mark.parametrize(
    ("slip", "right"),
    [("竞竞业业", "兢兢业业"), ("持之以衡", "持之以恒"), ("全力以付", "全力以赴"), ("掉以清心", "掉以轻心"), ("迎难而尚", "迎难而上")],
)
def test_near_misses_of_set_phrases_are_warnings(slip, right):
    from assistant.review.wording import _lists

    text = SPEECH.replace("立行立改。", f"立行立改，{slip}抓好落实。")
    fs = found(text, "confusables")
    assert [(f.excerpt, f.suggestion) for f in fs] == [(slip, right)]
    assert fs[0].severity == ("error" if slip in _lists().wrong else "warning")


def test_near_misses_beyond_the_list():
    from assistant.review.wording import _lists

    for slip in ("全力以付", "掉以清心", "迎难而尚", "不折不叩"):
        assert slip not in _lists().wrong  # found by the dictionary, not the list


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_no_error_on_any_corpus_speech(path):
    report = run_checks(load_path(path).text, kind=KINDS.get(path.name.split("-")[0]))
    assert report.errors == [], [(f.rule, f.line, f.excerpt, f.message) for f in report.errors]
    # Near-misses of set phrases are warnings; on the corpus there is none.
    assert [f for f in report.findings if f.rule == "confusables"] == []


# ---------------------------------------------------------------- punctuation


def test_half_width_punctuation_per_line_with_one_fix():
    text = SPEECH.replace("今天，我们", "今天,我们").replace("下面，我讲几点意见。", "下面:我讲几点意见.")
    (f,) = found(text, "punctuation")
    assert f.line == 3 and f.severity == "warning" and "3 处" in f.message
    assert apply_suggestion(text, f) == SPEECH.replace("下面，", "下面：")
    sound = SPEECH + "\n完成率51.4%，9:00开会，按1:1比例抽查，访问www.example.gov.cn查询。"
    assert found(sound, "punctuation") == []


@pytest.mark.parametrize(
    ("line", "excerpt", "suggestion", "severity"),
    [
        ("1、倒排工期。", "1、", "1.", "warning"),
        ("（一）、倒排工期。", "（一）、", "（一）", "warning"),
        ("一.倒排工期", "一.", "一、", "warning"),
        ("要倒排工期，，挂图作战。", "，，", "，", "error"),
        ("要倒排工期，。", "，。", "。", "error"),
        ("确保2O25年完成。", "O", "0", "error"),
        ("要把“问题管埋进地下。", "“", None, "error"),
        ("要把“问题管“埋进地下。", "“", "”", "error"),
        ("加强管_网建设。", "管_网", "管网", "error"),
        ("全面部’署到位。", "部’署", "部署", "warning"),
        ("抓好隐、患排查。", "隐、患", "隐患", "warning"),
        ("问题还在扩大......", "......", "……", "warning"),
    ],
)
def test_punctuation_slips(line, excerpt, suggestion, severity):
    text = SPEECH + "\n" + line
    fs = [f for f in found(text, "punctuation") if f.line == text.count("\n") + 1]
    assert [(f.excerpt, f.suggestion, f.severity) for f in fs] == [(excerpt, suggestion, severity)]


def test_listings_and_quotations_are_not_stray_symbols():
    sound = SPEECH + "\n做好水、电、路、气保障，县、乡、村三级联动，在9个县（市、区）中排名靠后，规划、建设、管理要协同，落实“双随机、一公开”监管。"
    assert found(sound, "punctuation") == []


# ---------------------------------------------------------------- facts


def test_facts_not_in_the_brief_are_to_be_verified():
    text = SPEECH.replace("不合格批次占全区的42%", "不合格批次占全区的45%，涉及西山区的8家经营户")
    fs = found(text, "facts", brief=BRIEF)
    shown = {f.excerpt: f for f in fs if "请核实" in f.message}
    assert set(shown) == {"45%", "西山区", "8家"} and all(f.line == 3 for f in shown.values())
    assert any("42%" in f.message and "要点未写入" in f.message for f in fs)


def test_brief_points_missing_from_the_draft():
    text = SPEECH.replace("（一）对东湖区市场监管局予以通报批评。\n", "").replace("在5月31日前", "尽快")
    messages = [f.message for f in found(text, "facts", brief=BRIEF)]
    assert any("约谈决定“对东湖区市场监管局予以通报批评”" in m for m in messages)
    assert any("5月31日前" in m and "要点未写入" in m for m in messages)
    assert found(SPEECH, "facts", brief=BRIEF) == []
    assert found(SPEECH, "facts") == []  # without a brief there is nothing to compare


def test_changes_between_two_versions_are_listed():
    new = SPEECH.replace("42%", "24%").replace("5月31日前", "6月30日前")
    fs = found(new, "facts", previous=SPEECH)
    changed = {f.excerpt: f.message for f in fs}
    assert "“42%”改为“24%”" in changed["24%"] and "“5月31日前”改为“6月30日前”" in changed["6月30日前"]
    assert found(SPEECH, "facts", previous=SPEECH) == []


# ---------------------------------------------------------------- delivery


def test_length_against_target_and_speaking_time():
    (f,) = found(SPEECH, "delivery", target_chars=2000)
    assert f.severity == "warning" and "偏短" in f.message and f.line == 0
    (f,) = found(SPEECH, "delivery", brief=BRIEF)
    assert f.severity == "hint" and "宣读约需" in f.message


def test_sentences_too_long_to_read_aloud():
    long = "要" + "认真落实各项整改措施，" * 12 + "确保取得实效。"
    breathless = "要" + "把" * 50 + "落实。"
    fs = found(SPEECH + "\n" + long + "\n" + breathless, "delivery")
    assert [f.message[:4] for f in fs[1:]] == ["句子较长", "一处 5"] and "没有停顿" in fs[2].message


# ---------------------------------------------------------------- applying a suggestion


def test_apply_suggestion_refuses_what_it_cannot_do_safely():
    with pytest.raises(CheckError, match="没有可直接采用的修改建议"):
        apply_suggestion(SPEECH, Finding(rule="facts", severity="warning", message="x", line=3))
    f = Finding(rule="confusables", severity="error", message="x", line=3, excerpt="布署", column=0, suggestion="部署")
    with pytest.raises(CheckError, match="原文可能已经改动"):
        apply_suggestion(SPEECH, f)


# ---------------------------------------------------------------- document-website fixtures


def _slips(name: str, folder: str) -> tuple[str, list[dict], list[Finding]]:
    source = load_for_check(FIXTURES / folder / f"{name}.input.txt")
    slips = yaml.safe_load((FIXTURES / folder / f"{name}.slips.yaml").read_text(encoding="utf-8"))
    return source.text, slips, run_checks(source.text).findings


def _hit(slip: dict, findings: list[Finding]) -> bool:
    return any(
        f.line == slip["line"] and f.rule == slip["rule"] and f.excerpt
        and (slip["text"] in f.excerpt or f.excerpt in slip["text"])
        for f in findings
    )  # fmt: skip


def recall(name: str, folder: str) -> tuple[int, int]:
    _, slips, findings = _slips(name, folder)
    return sum(_hit(s, findings) for s in slips), len(slips)


def test_every_seeded_slip_of_the_dev_fixture_is_found_and_no_other_error():
    text, slips, findings = _slips("docsite_water", "dev")
    missed = [s for s in slips if not _hit(s, findings)]
    assert missed == []
    seeded = {(s["line"], s["rule"]) for s in slips}
    assert [f for f in findings if f.severity == "error" and (f.line, f.rule) not in seeded] == []
    # The page's title bar, breadcrumbs and footer are not checked, the speech's own title is.
    assert not any("缺少标题" in f.message for f in findings)


def test_applying_every_suggestion_leaves_no_fixable_error():
    text, _, findings = _slips("docsite_water", "dev")
    for _ in range(50):
        fixable = [f for f in run_checks(text).findings if f.suggestion is not None and f.severity != "hint"]
        if not fixable:
            break
        text = apply_suggestion(text, fixable[0])
    report = run_checks(text)
    assert all(f.suggestion is None for f in report.errors)
    assert "按部就班" in text and "部署" in text and "管网" in text and "三是协调" in text


def test_held_out_fixture_recall():
    hits, total = recall("gov_safety", "held_out")
    assert hits / total >= 0.6, f"held-out recall {hits}/{total}"
