"""Companion documents written to .docx/.xlsx and read back: the same units, items and deadlines as the
brief and the speech; 责任人 never invented; the large-print copy is the speech, a part per page."""

from __future__ import annotations

import io

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from assistant.companion import FILL_MARK, make_companion, make_notices_per_unit
from assistant.companion.checklist import CHECKLIST_HEADER, HEADER_ROW
from assistant.domain.brief import parse_brief
from tests import scenario
from tests.companion_cases import BRIEF, SPEECH, UNITS, brief, speech


def docx_text(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def sheet_rows(data: bytes) -> list[dict[str, str]]:
    ws = sheet(data)
    header = [c.value for c in ws[HEADER_ROW]]
    rows = []
    for values in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
        rows.append({h: "" if v is None else str(v) for h, v in zip(header, values, strict=True)})
    return rows


def deadlines(b) -> list[str]:
    from assistant.companion.meeting import deadlines_of

    return [d for r in b.requirements for d in deadlines_of(r)]


# ------------------------------------------------------------------ notice


def test_notice_for_all_units_carries_time_place_units_issues_and_materials():
    f = make_companion("notice", brief(), speech())
    assert f.name.endswith(".docx") and f.warnings == ()
    text = "\n".join(docx_text(f.data))
    lines = docx_text(f.data)
    assert "关于召开东湖区城市更新项目推进滞后单位约谈会的通知" in lines
    assert "、".join(UNITS) + "：" in lines  # 主送
    for value in (BRIEF["meeting_time"], BRIEF["place"], *BRIEF["materials"], *BRIEF["attendees"], *BRIEF["issues"]):
        assert value in text
    # What only the office knows is the one marker, never made up.
    assert f"联系人：{FILL_MARK}；联系电话：{FILL_MARK}。" in lines
    assert f"文号：{FILL_MARK}" in lines and f"发文机关：{FILL_MARK}" in lines
    assert f.blanks == text.count(FILL_MARK) == 5


def test_notice_without_time_and_place_marks_them_and_lists_default_attendees_and_materials():
    b = brief(meeting_time="", place="", attendees=[], materials=[])
    lines = docx_text(make_companion("notice", b, speech()).data)
    assert f"一、约谈时间：{FILL_MARK}。" in lines
    assert f"二、约谈地点：{FILL_MARK}。" in lines
    assert "三、参加人员：各被约谈单位主要负责人和分管负责人。" in lines
    assert any("整改情况" in x for x in lines) and any("台账" in x for x in lines)


def test_notice_per_unit_is_a_page_per_unit_each_about_its_own_issues():
    f = make_companion("notice", brief(), speech(), per_unit=True)
    doc = Document(io.BytesIO(f.data))
    salutations = [p for p in doc.paragraphs if p.text.endswith("：") and p.text[:-1] in UNITS]
    assert [p.text[:-1] for p in salutations] == UNITS
    titles = [p for p in doc.paragraphs if p.text.startswith("文号：")]
    assert len(titles) == 3
    assert [bool(p.paragraph_format.page_break_before) for p in titles] == [False, True, True]
    # The 自然资源局's notice names its 用地 issue and not the 燃气 one.
    files = make_notices_per_unit(brief(), speech())
    assert [x.name for x in files] == [f"{u}-约谈通知.docx" for u in UNITS]
    resources = "\n".join(docx_text(files[1].data))
    assert "滨江片区安置房项目用地报批滞后3个月" in resources
    assert "燃气管道" not in resources and "对你单位进行约谈" in resources


def test_notice_title_is_xiaobiaosong_and_body_fangsong():
    doc = Document(io.BytesIO(make_companion("notice", brief(), speech()).data))
    title = next(p for p in doc.paragraphs if p.text.startswith("关于召开"))
    assert title.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    heading = next(p for p in doc.paragraphs if p.text.startswith("一、约谈时间"))
    assert heading.runs[0].text == "一、约谈时间：" and heading.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert heading.runs[1]._element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    section = doc.sections[0]
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28


# ------------------------------------------------------------------ minutes


def test_minutes_carry_time_place_chair_units_problems_decisions_and_deadlines():
    lines = docx_text(make_companion("minutes", brief(), speech()).data)
    text = "\n".join(lines)
    assert lines[0] == "东湖区城市更新项目推进滞后单位约谈会纪要"
    assert f"时间：{BRIEF['meeting_time']}" in lines and f"地点：{BRIEF['place']}" in lines
    assert f"主持人：{BRIEF['chair']}" in lines and "约谈对象：" + "、".join(UNITS) in lines
    order = [text.index(h) for h in ("一、会议指出的问题", "二、会议决定", "三、整改要求和时限")]
    assert order == sorted(order)
    problems = text[order[0] : order[1]]
    for item in (*BRIEF["issues"], *BRIEF["facts"]):
        assert item in problems
    decisions = text[order[1] : order[2]]
    for item in BRIEF["decisions"]:
        assert item in decisions
    requirements = text[order[2] :]
    for item in BRIEF["requirements"]:
        assert item in requirements
    for d in ("7月31日前", "8月31日前", "9月30日前", "年底前"):
        assert d in requirements


@pytest.mark.parametrize(
    ("measure", "decision"),
    [("", "进行约谈，责令限期整改"), ("提醒谈话", "进行提醒谈话"), ("诫勉谈话", "进行诫勉谈话"), ("问责", "依规依纪进行问责")],
)
def test_minutes_decision_states_the_measure_of_the_ladder(measure, decision):
    b = brief(measure=measure, decisions=[])
    text = "\n".join(docx_text(make_companion("minutes", b, speech()).data))
    assert "（一）对" + "、".join(UNITS) + decision in text


def test_minutes_do_not_repeat_a_measure_the_decisions_already_name():
    text = "\n".join(docx_text(make_companion("minutes", brief(), speech()).data))  # 通报批评, named in a decision
    assert "予以通报批评，责令限期整改" not in text
    assert "（一）对东湖区住房和城乡建设局予以全区通报批评。" in text


def test_a_figure_the_speech_changed_gives_a_minutes_warning_and_the_minutes_follow_the_brief():
    changed = speech(SPEECH.replace("占年度计划的41.5%", "占年度计划的45.1%").replace("9月30日前", "10月31日前"))
    f = make_companion("minutes", brief(), changed)
    text = "\n".join(docx_text(f.data))
    assert "41.5%" in text and "45.1%" not in text
    assert "9月30日前完成滨江片区安置房项目用地报批" in text
    joined = "\n".join(f.warnings)
    assert "45.1%" in joined and "41.5%" in joined
    assert "10月31日前" in joined and "9月30日前" in joined
    assert len(f.warnings) == 2


def test_a_unit_or_figure_the_speech_leaves_out_is_warned_about():
    cut = SPEECH.replace("、北岸街道办事处", "").replace("责成北岸街道办事处", "责成有关单位")
    cut = cut.replace("；计划改造小区18个，已开工7个", "")
    warnings = make_companion("minutes", brief(), speech(cut)).warnings
    assert any("北岸街道办事处" in w and "没有提到" in w for w in warnings)
    assert any("18个" in w for w in warnings)


def test_without_a_speech_the_documents_say_they_were_not_cross_checked():
    f = make_companion("minutes", brief(), None)
    assert any("未提供讲话稿" in w for w in f.warnings)


# ------------------------------------------------------------------ checklist


def test_checklist_xlsx_layout_header_and_print_setup():
    ws = sheet(make_companion("checklist", brief(), speech()).data)
    assert [c.value for c in ws[HEADER_ROW]] == list(CHECKLIST_HEADER)
    assert ws["A1"].value == "东湖区城市更新项目推进滞后单位约谈会整改责任清单"
    assert "A1:G1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.freeze_panes == "A3"
    assert ws.print_title_rows.replace("$", "") == "2:2"  # the header row repeats on every printed page
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert all(ws.cell(row=3, column=c).alignment.wrap_text for c in range(1, 8))
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width


def test_checklist_rows_are_issue_by_unit_with_the_briefs_deadlines_and_no_invented_person():
    rows = sheet_rows(make_companion("checklist", brief(), speech()).data)
    pairs = [(r["问题"][:8], r["责任单位"], r["完成时限"]) for r in rows]
    assert pairs == [
        ("北岸老旧小区改造", "东湖区住房和城乡建设局", "8月31日前"),
        ("北岸老旧小区改造", "北岸街道办事处", "8月31日前"),
        ("滨江片区安置房项", "东湖区自然资源局", "9月30日前"),
        ("东湖区住房和城乡", "东湖区住房和城乡建设局", "年底前"),
    ]
    assert [r["序号"] for r in rows] == ["1", "2", "3", "4"]
    assert {r["责任人"] for r in rows} == {FILL_MARK}
    assert all("7月31日前，各被约谈单位向区政府报送整改方案" in r["整改措施"] for r in rows)
    assert set(UNITS) == {r["责任单位"] for r in rows}
    # The issue keeps its figures as the brief gives them.
    assert "北岸老旧小区改造项目计划改造小区18个，已开工7个" in rows[0]["问题"]


def test_checklist_marks_measures_and_deadlines_it_cannot_tell():
    b = brief(requirements=["建立周调度工作机制"])
    rows = sheet_rows(make_companion("checklist", b, speech()).data)
    assert {r["整改措施"] for r in rows} == {FILL_MARK} and {r["完成时限"] for r in rows} == {FILL_MARK}


def test_checklist_docx_table_has_the_same_rows_as_the_xlsx():
    f = make_companion("checklist", brief(), speech(), fmt="docx")
    doc = Document(io.BytesIO(f.data))
    table = doc.tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert tuple(cells[0]) == CHECKLIST_HEADER
    xlsx = sheet_rows(make_companion("checklist", brief(), speech()).data)
    assert [dict(zip(CHECKLIST_HEADER, r, strict=True)) for r in cells[1:]] == xlsx
    assert {r[5] for r in cells[1:]} == {FILL_MARK}
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # header repeated on each page
    assert doc.sections[0].page_width > doc.sections[0].page_height  # landscape
    head_font = table.rows[0].cells[0].paragraphs[0].runs[0]._element.rPr.rFonts.get(qn("w:eastAsia"))
    assert head_font == "黑体"


# ------------------------------------------------------------------ large print


def test_large_print_text_is_the_speech_and_each_part_starts_a_page():
    draft = speech()
    doc = Document(io.BytesIO(make_companion("largeprint", brief(), draft).data))
    paragraphs = [p for p in doc.paragraphs if p.text.strip()]
    assert [p.text for p in paragraphs] == [x.strip() for x in draft.text.split("\n") if x.strip()]
    breaks = [p.text[:6] for p in paragraphs if p.paragraph_format.page_break_before]
    firsts = [part.text.strip().split("\n")[0][:6] for part in draft.parts if part.role not in ("title", "salutation", "opening")]
    assert breaks == firsts and len(breaks) == 5  # four sections and the closing
    body = paragraphs[2]
    assert body.runs[0].font.size.pt >= 22
    assert body.paragraph_format.line_spacing.pt / body.runs[0].font.size.pt >= 1.8
    assert doc.sections[0].left_margin.mm >= 30
    footer_sizes = {r.font.size.pt for r in doc.sections[0].footer.paragraphs[0].runs if r.font.size}
    assert footer_sizes and min(footer_sizes) >= 18


def test_large_print_needs_a_speech():
    from assistant.companion import CompanionError

    with pytest.raises(CompanionError, match="--draft"):
        make_companion("largeprint", brief(), None)


# ------------------------------------------------------------------ the drafting tests' scenario


def test_scenario_brief_and_speech_agree_across_notice_minutes_and_checklist():
    b = parse_brief(scenario.BRIEF)
    d = speech(scenario.SPEECH)
    notice = make_companion("notice", b, d)
    minutes = make_companion("minutes", b, d)
    checklist = make_companion("checklist", b, d)
    assert notice.warnings == minutes.warnings == checklist.warnings == ()
    notice_text = "\n".join(docx_text(notice.data))
    minutes_text = "\n".join(docx_text(minutes.data))
    rows = sheet_rows(checklist.data)
    for unit in b.targets:
        assert unit in notice_text and unit in minutes_text
        assert unit in {r["责任单位"] for r in rows}
    for issue in b.issues:
        assert issue in notice_text and issue in minutes_text
        assert any(r["问题"].startswith(issue) for r in rows)
    for d_ in deadlines(b):
        assert d_ in minutes_text and d_ in scenario.SPEECH
        assert any(d_ in r["完成时限"] for r in rows)
    for fact in b.facts:
        assert fact in minutes_text


def test_unknown_kind_or_format_is_refused_in_chinese():
    from assistant.companion import CompanionError

    with pytest.raises(CompanionError, match="不支持的文书类型"):
        make_companion("letter", brief(), speech())
    with pytest.raises(CompanionError, match="只能导出为"):
        make_companion("minutes", brief(), speech(), fmt="xlsx")
