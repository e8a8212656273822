"""The brief: loading from JSON/YAML, Chinese error messages, minutes → length, kind names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.domain.brief import (
    CHARS_PER_MINUTE,
    Brief,
    BriefError,
    choose_kind,
    load_brief,
    parse_brief,
)
from assistant.domain.plan import tone_for
from tests.shared import BRIEFS, KINDS

MINIMAL = {
    "kind": "work_safety",
    "meeting": "青石县安全生产警示约谈会",
    "targets": ["青石县应急管理局"],
    "issues": ["非煤矿山隐患整改不到位"],
    "requirements": ["8月31日前完成隐患整改"],
}


def _write(tmp_path: Path, name: str, data) -> Path:
    p = tmp_path / name
    if name.endswith(".json"):
        p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    else:
        import yaml

        p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def test_load_json_fixture():
    b = load_brief(BRIEFS / "work_safety.json")
    assert b.kind == "work_safety"
    assert b.speaker == "临江市人民政府副市长"
    assert len(b.targets) == 4 and len(b.decisions) == 3 and len(b.requirements) == 3
    assert b.length == 3000 and b.tone == "严肃、严厉"
    assert b.title and b.title.startswith("在东湖区")


def test_load_yaml_fixture_with_chinese_kind_and_minutes():
    b = load_brief(BRIEFS / "project_delay.yaml")
    choice = choose_kind(b, KINDS)
    assert choice.kind.id == "project_delay" and not choice.notice  # 重点项目推进滞后约谈 → id
    assert b.length == 12 * CHARS_PER_MINUTE
    assert "minutes" not in b.model_dump()  # dumps round-trip through length only
    assert Brief.model_validate(b.model_dump()).length == b.length


def test_kind_by_alias_and_yml_extension(tmp_path):
    b = load_brief(BRIEFS / "integrity.yaml")
    assert choose_kind(b, KINDS).kind.id == "integrity"  # 廉政提醒谈话 is an alias
    p = _write(tmp_path, "b.yml", {**MINIMAL, "kind": "安全生产约谈"})
    assert choose_kind(load_brief(p), KINDS).kind.id == "work_safety"


def test_defaults_and_tone():
    b = parse_brief(MINIMAL)
    assert b.tone == "严肃" and b.length == 3000 and b.title is None
    assert b.facts == [] and b.decisions == [] and b.prefer_docs == [] and b.exclude_docs == []
    kind = choose_kind(b, KINDS).kind
    assert tone_for(b, kind) == kind.tone  # not given: the kind's default
    assert tone_for(parse_brief({**MINIMAL, "tone": "平和"}), kind) == "平和"


def test_single_string_becomes_a_list():
    b = parse_brief({**MINIMAL, "targets": "青石县应急管理局", "facts": ["", "  "]})
    assert b.targets == ["青石县应急管理局"] and b.facts == []


def test_unknown_field_names_it_in_chinese(tmp_path):
    p = _write(tmp_path, "b.json", {**MINIMAL, "deadline": "月底"})
    with pytest.raises(BriefError) as ei:
        load_brief(p)
    msg = str(ei.value)
    assert "b.json" in msg
    assert "“deadline”不是有效字段" in msg
    assert "可用字段" in msg and "requirements（整改要求）" in msg and "minutes" in msg


def test_missing_required_field(tmp_path):
    data = {k: v for k, v in MINIMAL.items() if k != "meeting"}
    p = _write(tmp_path, "b.yaml", data)
    with pytest.raises(BriefError) as ei:
        load_brief(p)
    assert "缺少必填字段 meeting（会议名称）" in str(ei.value)
    assert ei.value.problems == ["缺少必填字段 meeting（会议名称）"]


def test_needs_decisions_or_requirements():
    data = {k: v for k, v in MINIMAL.items() if k != "requirements"}
    with pytest.raises(BriefError, match="decisions（约谈决定）和 requirements（整改要求）至少"):
        parse_brief(data)
    assert parse_brief({**data, "decisions": ["通报批评"]}).decisions == ["通报批评"]


def test_wrong_types_are_reported_per_field():
    with pytest.raises(BriefError) as ei:
        parse_brief({**MINIMAL, "length": "三千字", "issues": [1, "x"], "targets": []}, "x.json")
    problems = ei.value.problems
    assert len(problems) == 3
    text = "\n".join(problems)
    assert "length（篇幅字数）" in text and "应为整数" in text and "三千字" in text
    assert "issues 第1项" in text and "应为文字" in text
    assert "targets（约谈对象）" in text and "至少需要填写 1 项" in text


def test_length_range():
    with pytest.raises(BriefError, match="应不小于 500"):
        parse_brief({**MINIMAL, "length": 100})
    with pytest.raises(BriefError, match="应不大于 20000"):
        parse_brief({**MINIMAL, "length": 30000})


def test_minutes_converts_and_is_checked():
    assert parse_brief({**MINIMAL, "minutes": 15}).length == 15 * CHARS_PER_MINUTE
    assert parse_brief({**MINIMAL, "minutes": 7.5}).length == 1650
    with pytest.raises(BriefError, match="minutes"):
        parse_brief({**MINIMAL, "minutes": 1})
    with pytest.raises(BriefError, match="只能填写其中一个"):
        parse_brief({**MINIMAL, "minutes": 10, "length": 3000})


SEWAGE = {
    "meeting": "东湖区民生实事项目推进情况集体约谈会",
    "speaker": "东湖区人民政府区长",
    "targets": ["东湖区水务局", "东湖区商务局"],
    "issues": ["城东污水处理厂提标改造工程完成55%，比计划滞后两个月", "3个农贸市场改造停滞"],
    "requirements": ["12月底前通水运行"],
}


@pytest.mark.parametrize("given", [None, "", "集体约谈", "专项约谈", "项目推进滞后约谈会议纪要"])
def test_missing_or_unknown_kind_is_detected_with_a_notice(given):
    data = dict(SEWAGE) if given is None else {**SEWAGE, "kind": given}
    choice = choose_kind(parse_brief(data), KINDS)
    assert choice.kind.id == "project_delay"
    assert "重点项目推进滞后约谈" in choice.notice
    assert (given or "未填写") in choice.notice
    assert "project_delay" not in choice.notice  # Chinese names only


def test_known_kind_by_typo_free_name_has_no_notice():
    assert choose_kind(parse_brief({**SEWAGE, "kind": "重点项目约谈"}), KINDS).notice == ""


def test_file_level_errors(tmp_path):
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"kind": "work_safety",', encoding="utf-8")
    with pytest.raises(BriefError, match="bad.json 不是有效的 JSON"):
        load_brief(bad_json)
    with pytest.raises(BriefError, match="不受支持"):
        load_brief(tmp_path / "brief.txt")
    with pytest.raises(BriefError, match="无法读取"):
        load_brief(tmp_path / "missing.json")
    not_a_map = tmp_path / "list.yaml"
    not_a_map.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(BriefError, match="键值对象"):
        load_brief(not_a_map)


def test_gb18030_yaml(tmp_path):
    p = tmp_path / "gbk.yaml"
    import yaml

    p.write_bytes(yaml.safe_dump(MINIMAL, allow_unicode=True).encode("gb18030"))
    assert load_brief(p).meeting == MINIMAL["meeting"]


def test_all_facts_collects_every_fact_string():
    b = load_brief(BRIEFS / "work_safety.json")
    facts = b.all_facts()
    for s in [b.meeting, b.speaker, b.title, *b.targets, *b.issues, *b.facts, *b.decisions, *b.requirements]:
        assert s in facts
    assert "" not in facts
    assert "严肃、严厉" not in facts  # tone is not a fact
