"""The checker's placeholder rule tells the companion documents' marked blank 〔待填〕 from a forgotten "XX"."""

from __future__ import annotations

import io

import pytest
from docx import Document

from assistant.companion import FILL_MARK, make_companion
from assistant.review.checks import run_checks
from assistant.review.placeholders import forgotten_placeholders, has_placeholder
from tests.companion_cases import SPEECH, brief, speech


def placeholder_findings(text: str):
    return run_checks(text, rules=["placeholders"]).findings


@pytest.mark.parametrize("kind", ["notice", "minutes"])
def test_a_companion_documents_marked_blanks_are_no_forgotten_placeholders(kind):
    b = brief(meeting_time="", place="", chair="")
    text = "\n".join(p.text for p in Document(io.BytesIO(make_companion(kind, b, speech()).data)).paragraphs)
    assert FILL_MARK in text
    found = placeholder_findings(text)
    assert found, "the marked blanks are still pointed out, to be filled before printing"
    assert {f.severity for f in found} == {"warning"}
    assert all(f.excerpt == FILL_MARK and "待填项" in f.message for f in found)
    assert len(found) == text.count(FILL_MARK)


@pytest.mark.parametrize(
    ("line", "excerpt"),
    [
        ("约谈XX单位主要负责人。", "XX"),
        ("×××同志要高度重视。", "×××"),
        ("某某镇的问题十分突出。", "某某"),
        (f"联系人：{FILL_MARK}，由XX单位负责。", "XX"),
    ],
)
def test_xx_in_a_speech_is_still_a_forgotten_placeholder(line, excerpt):
    text = SPEECH.replace("同志们：", "同志们：\n" + line, 1)
    errors = [f for f in placeholder_findings(text) if f.severity == "error"]
    assert [f.excerpt for f in errors] == [excerpt]
    assert "未填写的占位内容" in errors[0].message


@pytest.mark.parametrize("text", [FILL_MARK, f"（{FILL_MARK}）", f"[{FILL_MARK}]", f"电话{FILL_MARK}{FILL_MARK}", f"X{FILL_MARK}"])
def test_nothing_around_the_marker_reads_as_a_forgotten_placeholder(text):
    assert forgotten_placeholders(text) == []
    assert has_placeholder(text)  # the offline composer still never reuses such a sentence


def test_empty_brackets_next_to_a_marker_are_still_reported():
    assert [t for _, _, t in forgotten_placeholders(f"{FILL_MARK}（）")] == ["空括号"]


def test_a_forgotten_xx_in_the_brief_is_warned_about_in_the_documents():
    b = brief(place="XX会议室", issues=["某某项目开工率仅为40%"])
    for kind in ("notice", "minutes", "checklist"):
        warnings = make_companion(kind, b, speech()).warnings
        assert any("占位内容" in w for w in warnings), kind
    clean = make_companion("notice", brief(place=""), speech()).warnings
    assert not any("占位内容" in w for w in clean)
