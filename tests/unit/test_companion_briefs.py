"""Property-style: briefs of every kind and length give every document without a crash, every field
present or marked, every unit and issue carried, and 责任人 always the marked blank."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from openpyxl import load_workbook

from assistant.companion import FILL_MARK, make_companion, make_notices_per_unit
from assistant.companion.checklist import CHECKLIST_HEADER, HEADER_ROW
from assistant.domain.brief import parse_brief
from assistant.drafts.draft_io import draft_from_text
from tests.companion_cases import BRIEF, VARIED_BRIEFS

CASES = [BRIEF, *VARIED_BRIEFS]


def _speech(b) -> str:
    """A plain speech that states the brief's items (what a finished draft carries)."""
    lines = [b.title or f"在{b.meeting}上的讲话", "同志们：", "今天约谈" + "、".join(b.targets) + "。下面，我讲几点意见。"]
    lines.append("一、正视问题")
    lines += [f"（{'一二三四五六七八九十'[i % 10]}）{x}。" for i, x in enumerate([*b.issues, *b.facts])]
    lines.append("二、宣布决定")
    lines += [f"{x}。" for x in b.decisions] or ["各单位要端正态度。"]
    lines.append("三、抓好整改")
    lines += [f"{x}。" for x in b.requirements] or ["各单位要立行立改。"]
    lines.append("同志们，要以整改实效检验约谈成果。")
    return "\n".join(lines)


def _lines(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def _field(lines: list[str], label: str) -> str:
    found = [x for x in lines if re.match(rf"^(?:[一二三四五六七八九十]、)?{label}：", x)]
    assert len(found) == 1, label
    return found[0].split("：", 1)[1].rstrip("。")


@pytest.mark.parametrize("raw", CASES, ids=[c["meeting"] for c in CASES])
def test_every_document_for_every_brief(raw):
    b = parse_brief(raw)
    draft = draft_from_text(_speech(b))
    notice = make_companion("notice", b, draft)
    minutes = make_companion("minutes", b, draft)
    xlsx = make_companion("checklist", b, draft)
    docx = make_companion("checklist", b, draft, fmt="docx")
    large = make_companion("largeprint", b, draft)
    per_unit = make_notices_per_unit(b, draft)
    assert len(per_unit) == len(set(b.targets))

    n_lines, m_lines = _lines(notice.data), _lines(minutes.data)
    # Given or marked, never empty and never made up.
    for lines, label, given in (
        (n_lines, "约谈时间", b.meeting_time),
        (n_lines, "约谈地点", b.place),
        (m_lines, "时间", b.meeting_time),
        (m_lines, "地点", b.place),
        (m_lines, "主持人", b.chair),
    ):
        assert _field(lines, label) == (given or FILL_MARK), label
    assert _field(n_lines, "参加人员")
    assert f"联系人：{FILL_MARK}；联系电话：{FILL_MARK}。" in n_lines
    notice_text, minutes_text = "\n".join(n_lines), "\n".join(m_lines)
    for unit in b.targets:
        assert unit in notice_text and unit in minutes_text
    for item in b.issues:
        assert item in notice_text and item in minutes_text
    for item in [*b.decisions, *b.requirements, *b.facts]:
        assert item in minutes_text
    assert b.measure in minutes_text or not b.measure or any(b.measure in d for d in b.decisions)

    ws = load_workbook(io.BytesIO(xlsx.data)).active
    assert tuple(c.value for c in ws[HEADER_ROW]) == CHECKLIST_HEADER
    rows = [dict(zip(CHECKLIST_HEADER, r, strict=True)) for r in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True)]
    assert rows and {r["责任人"] for r in rows} == {FILL_MARK}
    assert set(b.targets) <= {r["责任单位"] for r in rows}
    assert all(r["整改措施"] and r["完成时限"] for r in rows)  # a value, or the marker
    table = Document(io.BytesIO(docx.data)).tables[0]
    assert len(table.rows) == len(rows) + 1

    paragraphs = [x for x in _lines(large.data) if x.strip()]
    assert paragraphs == [x.strip() for x in draft.text.split("\n") if x.strip()]
    for f in (notice, minutes, xlsx, docx, large, *per_unit):
        assert f.data[:2] == b"PK" and f.name and not any("讲话稿中没有" in w for w in f.warnings)
