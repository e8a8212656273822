"""Parsing: text → SpeechDoc, for full speeches, outlines, run-in headings and non-speeches."""

from __future__ import annotations

import pytest

from assistant.intake.parsing import classify_role, cn_to_int, extract_points, parse_speech
from tests.shared import STRUCTURES

SPEECH = """在全市重点项目推进滞后单位集体约谈会上的讲话
（2025年4月16日）
同志们：
今天，市政府召开集体约谈会，对重点项目推进滞后的6家单位进行约谈。下面，我讲几点意见。
一、正视问题，认清危害
一是损害政府公信力。项目承诺迟迟不兑现，群众意见很大。
二是拖累全市经济。投资完成率仅为45%，一是影响税收，二是影响就业。
三是贻误发展时机。
二、深挖根源，剖析原因。客观上，资金紧张；但更主要的是主观原因。
（一）思想认识不到位
有的单位对项目重视不够。
（二）统筹协调不到位
部门之间推诿扯皮。
三、约谈意见
经市政府研究，决定对3家单位予以通报批评。
四、抓好整改落实
一要建立问题台账，4月30日前报送。
二要倒排工期，明确节点。
同志们，项目建设是发展的生命线。希望大家知耻后勇。
"""


def test_full_speech_structure():
    doc = parse_speech(SPEECH, structures_dir=STRUCTURES)
    assert doc.title == "在全市重点项目推进滞后单位集体约谈会上的讲话"
    assert doc.salutation == "同志们："
    assert doc.opening.endswith("下面，我讲几点意见。")
    assert [s.role for s in doc.sections] == ["harm", "causes", "decisions", "rectification"]
    assert [s.heading for s in doc.sections][:2] == ["正视问题，认清危害", "深挖根源，剖析原因"]
    assert doc.closing.startswith("同志们，项目建设")
    assert doc.kind == "project_delay"


def test_points_are_paragraph_initial_only():
    doc = parse_speech(SPEECH, structures_dir=STRUCTURES)
    harm = doc.sections[0]
    # "一是影响税收，二是影响就业" inside point 2 is not a list of points.
    assert [p.marker for p in harm.points] == ["一是", "二是", "三是"]
    causes = doc.sections[1]
    assert [p.marker for p in causes.points] == ["（一）", "（二）"]
    assert causes.points[0].text == "（一）思想认识不到位\n有的单位对项目重视不够。"
    assert [p.marker for p in doc.sections[3].points] == ["一要", "二要"]


def test_run_in_heading_body_kept():
    doc = parse_speech(SPEECH, structures_dir=STRUCTURES)
    assert doc.sections[1].body.startswith("客观上，资金紧张")


def test_outline_without_salutation_or_closing():
    text = "青石县安全生产约谈会讲话提纲\n一、清醒认识当前安全生产形势的严峻性\n1.事故起数上升。\n2.隐患整改不到位。\n二、剖析事故暴露的深层次原因\n1.主体责任悬空。\n2.监管流于形式。\n三、整改要求\n1.立即开展大排查。\n2.5月底前完成整改销号。"
    doc = parse_speech(text, structures_dir=STRUCTURES)
    assert doc.title == "青石县安全生产约谈会讲话提纲"
    assert doc.salutation == "" and doc.closing == ""
    assert [s.role for s in doc.sections] == ["harm", "causes", "rectification"]
    assert [len(s.points) for s in doc.sections] == [2, 2, 2]
    assert doc.kind == "work_safety"


def test_missing_title_and_markdown_symbols():
    text = "同志们：\n今天开会。\n## 一、**正视问题**\n一是进度慢。\n二是质量差。\n## 二、整改落实\n一要抓紧。\n二要抓实。"
    doc = parse_speech(text)
    assert doc.title == ""
    assert [s.heading for s in doc.sections] == ["正视问题", "整改落实"]
    assert [s.role for s in doc.sections] == ["harm", "rectification"]


def test_metadata_title_used_when_text_has_none():
    doc = parse_speech("同志们：\n开场。\n一、正视问题\n内容。\n二、整改落实\n内容。", {"title": "元数据标题", "kind": "eco_env"})
    assert doc.title == "元数据标题"
    assert doc.kind == "eco_env"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n",
        "这是一份通知。请各单位于本周五前报送材料。联系人：办公室。",
        "一、\n二、\n三、",
        "三、整改\n一、问题",
        "（一）第一项\n（二）第二项",
    ],
)
def test_odd_input_never_crashes(text):
    doc = parse_speech(text)
    for s in doc.sections:
        assert s.role in {"harm", "causes", "decisions", "rectification", "other"}


def test_non_speech_falls_back_to_other():
    doc = parse_speech("关于召开会议的通知\n各单位：\n定于下周一召开工作会议。\n请准时参加。")
    assert len(doc.sections) == 1
    assert doc.sections[0].role == "other"


def test_role_from_heading_and_position():
    assert classify_role("进一步提高站位", "", 0.0) == "other"
    assert classify_role("端正态度，坚决服从约谈决定", "", 0.7) == "decisions"
    assert classify_role("约谈意见", "", 0.5) == "decisions"
    # Equal evidence for two roles: the one usually found at this place in a speech wins.
    assert classify_role("问题", "", 0.0) == "harm"
    assert classify_role("要求", "", 1.0) == "rectification"


def test_cn_numbers():
    assert [cn_to_int(s) for s in ["一", "九", "十", "十二", "二十", "二十三"]] == [1, 9, 10, 12, 20, 23]


def test_order_words_and_di_markers():
    pts = extract_points(["首先，要提高认识。", "其次，要压实责任。", "最后，要强化督查。"])
    assert [p.marker for p in pts] == ["首先", "其次", "最后"]
    pts = extract_points(["第一，统一思想。", "第二，明确责任。"])
    assert [p.marker for p in pts] == ["第一", "第二"]
    assert extract_points(["一是只有一个。", "正文。"]) == []


def test_site_decorations_removed_from_title():
    for raw in ("在全市燃气安全约谈会上的讲话（全文）", "【精品】在全市燃气安全约谈会上的讲话", "在全市燃气安全约谈会上的讲话(精选3篇)"):
        doc = parse_speech(f"{raw}\n同志们：\n开场。\n一、正视问题\n内容。\n二、整改落实\n内容。")
        assert doc.title == "在全市燃气安全约谈会上的讲话", raw
    # Brackets that are part of the real title stay.
    doc = parse_speech("在全县安全生产约谈会上的讲话（提纲）\n一、正视问题\n内容。\n二、整改落实\n内容。")
    assert doc.title == "在全县安全生产约谈会上的讲话（提纲）"
