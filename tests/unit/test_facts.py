"""assistant.domain.facts: the one extractor of specifics (numbers, dates, deadlines, places, units, quotes)."""

from __future__ import annotations

import pytest

from assistant.domain.brief import parse_brief
from assistant.domain.facts import (
    FactIndex,
    brief_fact_strings,
    brief_facts,
    cn_value,
    reference_specifics,
    specifics,
)
from assistant.review.checks import run_checks
from assistant.writing.leak_guard import leaked_specifics
from tests.shared import CORPUS

BRIEF = parse_brief(
    {
        "meeting": "东湖区“6·12”建筑施工起重伤害事故警示约谈会",
        "speaker": "临江市人民政府副市长",
        "targets": ["东湖区人民政府", "临江宏远建设工程有限公司"],
        "issues": ["塔式起重机安装后未经检验即投入使用"],
        "facts": ["6月12日下午发生一起塔吊吊物坠落事故，造成1人死亡、2人受伤", "全区在建项目共96个"],
        "decisions": ["暂停临江宏远建设工程有限公司投标资格6个月"],
        "requirements": ["7月15日前完成全区96个在建项目起重机械专项排查", "约谈后30日内报送书面整改报告"],
    }
)


def kinds_values(text: str) -> set[tuple[str, str]]:
    return {(f.kind, f.value) for f in specifics(text)}


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("全市158个重点项目", "number", "158个"),
        ("完成投资18.6亿元", "amount", "18.6亿元"),
        ("占年度计划的38.2%", "percent", "38.2%"),
        ("比时序进度低5.8个百分点", "percent", "5.8个百分点"),
        ("涉及群众1200多户", "number", "1200户"),
        ("今年已发生三起事故", "number", "3起"),
        ("不合格率达到百分之三十", "percent", "30%"),
        ("排名下滑到第11位", "number", "第11位"),
        ("2025年5月14日召开", "date", "2025-5-14"),
        ("“6·12”事故", "date", "6-12"),
        ("7月15日前完成排查", "deadline", "7-15前"),
        ("9月底前建立制度", "deadline", "9-底前"),
        ("约谈后30日内报送", "deadline", "30日内"),
        ("一个月内拿出方案", "deadline", "1月内"),
        ("年底前全部销号", "deadline", "年底前"),
        ("临江市东湖区", "place", "东湖区"),
        ("西山区翠湖街道", "place", "翠湖街道"),
        ("暂停临江宏远建设工程有限公司投标资格", "unit", "宏远"),
    ],
)
def test_specifics_find_each_kind(text, kind, value):
    assert (kind, value) in kinds_values(text)


@pytest.mark.parametrize(
    "text",
    ["在全市范围内", "由市住建局牵头", "工业园区和城市更新片区", "老旧小区改造", "各乡镇、各街道", "有关公司和施工单位", "一起研究"],
)
def test_common_wording_is_no_specific(text):
    assert not specifics(text, ("place", "unit", "number")), specifics(text)


def test_cn_value():
    assert [cn_value(s) for s in ("三", "十二", "二十", "一千二百", "两万", "三亿")] == [3, 12, 20, 1200, 20000, 300000000]
    assert cn_value("甲") is None


def test_a_date_inside_a_deadline_is_a_date_too():
    found = kinds_values("9月30日前完成全部征地签约")
    assert ("deadline", "9-30前") in found and ("date", "9-30") in found


def test_brief_facts_gives_items_and_their_specifics():
    facts = brief_facts(BRIEF)
    items = [(f.kind, f.text) for f in facts if f.kind in ("target", "decision", "requirement")]
    assert ("target", "东湖区人民政府") in items
    assert ("requirement", "约谈后30日内报送书面整改报告") in items
    inner = {(f.kind, f.value, f.field) for f in facts}
    assert ("deadline", "7-15前", "requirements") in inner
    assert ("number", "96个", "facts") in inner
    assert ("unit", "宏远", "targets") in inner


def test_the_checker_flags_specifics_the_brief_lacks():
    text = (
        "东湖区6月12日发生的事故造成1人死亡、2人受伤。全区96个在建项目要在7月15日前完成排查。"
        "西山区去年也发生过3起事故，南屏县的恒筑公司已被罚款50万元，要在年底前整改到位。"
    )
    report = run_checks(text, brief=BRIEF, rules=["facts"])
    found = {f.excerpt for f in report.findings if "请核实" in f.message}
    assert {"西山区", "3起", "南屏县", "恒筑公司", "50万元", "年底前"} <= found
    for given in ("东湖区", "6月12日", "1人", "96个", "7月15日前"):
        assert given not in found


def test_index_covers_a_shorter_date_and_a_place_stem():
    index = FactIndex.of(["2025年5月14日在临江市召开"])
    assert index.covers(specifics("5月14日")[0])
    assert index.covers(specifics("临江市")[0])
    assert not index.covers(specifics("5月15日")[0])


def test_leak_guard_and_polishing_use_the_same_extractor():
    ref = (CORPUS / "project_delay-01.md").read_text(encoding="utf-8")
    assert {"158个", "压舱石", "东湖区", "东湖"} <= reference_specifics(ref)
    draft = "重点项目是“压舱石”，全市158个项目中有一半滞后，东湖区尤其突出。"
    assert leaked_specifics(draft, [ref], "东湖区的事实") == ["158个", "压舱石"]
    strings = brief_fact_strings(BRIEF)
    assert {"7月15日", "96", "30", "6·12", "东湖区人民政府"} <= set(strings)
