"""Parsing loses nothing: title, byline, salutation, opening, headings, intros, points and closing
joined again give back every line of the cleaned text, for every corpus speech and noisy copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.intake.parsing import parse_speech, split_paragraphs
from assistant.intake.prepare import prepare_bytes, prepare_path
from assistant.support.config import get_settings

REPO = Path(__file__).resolve().parents[2]
CORPUS = sorted((REPO / "corpus").glob("*-*.md"))
NOISY = sorted(p for p in (REPO / "tests" / "fixtures").rglob("*.txt") if ".expected" not in p.name)


def _lines(text: str) -> str:
    return "\n".join(split_paragraphs(text))


@pytest.mark.parametrize("path", CORPUS + NOISY, ids=lambda p: p.stem)
def test_parse_round_trip(path):
    prepared = prepare_path(path, get_settings())
    cleaned = prepared.cleaned.text
    assert prepared.speech.text() == _lines(cleaned)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_every_corpus_section_has_its_parts(path):
    doc = prepare_path(path, get_settings()).speech
    for s in doc.sections:
        assert s.heading_line.startswith(("一", "二", "三", "四", "五", "六", "（"))
        # the intro is what comes before the first point, and nothing of the section is lost
        joined = "\n".join([*([s.intro] if s.intro else []), *(p.text for p in s.points)])
        assert joined == "\n".join(s.paragraphs)


def test_run_in_heading_and_byline_round_trip():
    text = (
        "在东湖区河道整治约谈会上的讲话（全文）\n（2025年6月3日）\n东湖区副区长\n同志们：\n"
        "今天约谈三个街道。下面，我讲几点意见。\n"
        "一、正视问题。当前河道整治进度滞后。\n一是清淤慢。\n有的街道至今未动工。\n二是管护弱。\n"
        "二、抓好整改\n总的要求是限期完成。\n一要倒排工期。\n二要压实责任。\n同志们，要抓紧行动。"
    )
    doc = parse_speech(text)
    assert doc.title == "在东湖区河道整治约谈会上的讲话"  # site decoration dropped from the title
    assert doc.title_line == "在东湖区河道整治约谈会上的讲话（全文）"
    assert doc.byline == "（2025年6月3日）\n东湖区副区长"
    first, second = doc.sections
    assert first.heading == "正视问题" and first.run_in and first.intro == "当前河道整治进度滞后。"
    assert [p.text for p in first.points] == ["一是清淤慢。\n有的街道至今未动工。", "二是管护弱。"]
    assert second.intro == "总的要求是限期完成。"
    assert doc.closing == "同志们，要抓紧行动。"
    assert doc.text() == text


def test_a_speech_without_title_gets_a_derived_one_marked_as_such():
    body = (
        "同志们：\n今天，区政府召开全区燃气安全隐患整治约谈会，约谈两个街道。下面，我讲几点意见。\n"
        "一、正视问题\n一是隐患多。\n二是整改慢。\n二、抓好整改\n一要限期整改。\n二要压实责任。"
    )
    prepared = prepare_bytes(body.encode("utf-8"), "无标题.txt", get_settings())
    assert prepared.speech.title == "在全区燃气安全隐患整治约谈会上的讲话"
    assert prepared.speech.title_derived
    assert prepared.speech.text() == body  # the derived title is not part of the text
