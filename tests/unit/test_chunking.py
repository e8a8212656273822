"""Chunking: one chunk per point or paragraph, never crossing a top-level section."""

from __future__ import annotations

from assistant.intake.chunking import (
    chunk_speech,
    embedding_text,
    excerpt,
    match_span,
    split_sentences,
    units_for,
)
from assistant.intake.parsing import parse_speech
from tests.unit.test_parsing import SPEECH


def test_chunks_follow_points_and_sections():
    doc = parse_speech(SPEECH)
    chunks = chunk_speech(doc, "d1", max_chars=320, min_chars=5)
    roles = [c.role for c in chunks]
    assert roles[0] == "opening" and roles[-1] == "closing"
    harm = [c for c in chunks if c.role == "harm"]
    assert [c.point_index for c in harm] == [1, 2, 3]
    assert harm[0].text.startswith("一是损害政府公信力")
    # Every chunk's text lies inside one section.
    for c in chunks:
        if c.role in {"harm", "causes", "decisions", "rectification"}:
            section = next(s for s in doc.sections if s.heading == c.section)
            assert c.text.replace("\n", "") in section.body.replace("\n", "")
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    assert all(c.doc_id == "d1" and c.title == doc.title for c in chunks)


def test_long_points_split_at_sentence_ends():
    long_point = "一是" + "这是一个很长的句子，用来测试切分。" * 40
    text = f"一、正视问题\n{long_point}\n二是短。\n二、整改落实\n一要快。\n二要实。"
    chunks = chunk_speech(parse_speech(text), "d", max_chars=100, min_chars=5)
    pieces = [c for c in chunks if c.point_index == 1 and c.role == "harm"]
    assert len(pieces) > 3
    assert all(len(c.text) <= 100 for c in pieces)
    assert all(c.text.endswith("。") for c in pieces)


def test_tiny_neighbours_merged_within_section_only():
    text = "一、正视问题\n好。\n对。\n二、整改落实\n一要加快进度，确保按期完成全部任务。\n二要压实责任。"
    chunks = chunk_speech(parse_speech(text), "d", max_chars=300, min_chars=30)
    harm = [c for c in chunks if c.role == "harm"]
    assert len(harm) == 1 and harm[0].text == "好。\n对。"
    assert all("好。" not in c.text for c in chunks if c.role == "rectification")


def test_sentences_keep_closing_quotes():
    assert split_sentences("他说：“要抓紧。”我们照办。") == ["他说：“要抓紧。”", "我们照办。"]


def test_embedding_text_carries_title_and_heading():
    chunks = chunk_speech(parse_speech(SPEECH), "d1")
    harm = next(c for c in chunks if c.role == "harm")
    assert embedding_text(harm).startswith(f"{harm.title}｜正视问题，认清危害：")
    opening = next(c for c in chunks if c.role == "opening")
    assert embedding_text(opening).startswith(f"{opening.title}｜开场白：")
    untitled = harm.model_copy(update={"title": ""})
    assert embedding_text(untitled).startswith("正视问题，认清危害：")


POINTS = (
    "在全县安全生产约谈会上的讲话\n同志们：\n今天召开约谈会。\n"
    "一、正视问题\n一是责任悬空。有的企业主要负责人不到现场。有的安全员形同虚设。\n"
    "这些问题在多次检查中都有反映。\n"
    "二是畏难情绪严重。有的同志怕担责任，遇到难题绕着走。有的同志怕得罪人，发现隐患不敢管。"
    "有的同志怕麻烦，整改工作应付了事。\n"
    "二、整改落实\n要马上行动起来。\n一要排查隐患。\n二要压实责任。"
)


def test_every_chunk_knows_its_whole_point():
    doc = parse_speech(POINTS)
    chunks = chunk_speech(doc, "d", max_chars=40, min_chars=5)
    second = [c for c in chunks if c.section == "正视问题" and c.point_index == 2]
    assert len(second) > 1  # the point is cut small for matching …
    # … but every piece shows the whole point, marker first, and they are one unit.
    assert {c.unit for c in second} == {"d:s1:p2"}
    assert all(c.unit_text == doc.sections[0].points[1].text for c in second)
    assert second[0].unit_text.startswith("二是畏难情绪严重。")
    first = next(c for c in chunks if c.point_index == 1 and c.section == "正视问题")
    assert first.unit_text == "一是责任悬空。有的企业主要负责人不到现场。有的安全员形同虚设。\n这些问题在多次检查中都有反映。"
    assert first.section_number == 1
    opening = next(c for c in chunks if c.role == "opening")
    assert (opening.unit, opening.unit_text, opening.section_number) == ("d:opening:para1", "今天召开约谈会。", 0)


def test_units_partition_each_part_and_contain_their_chunks():
    doc = parse_speech(POINTS)
    for max_chars, min_chars in ((40, 5), (160, 50), (320, 30)):
        chunks = chunk_speech(doc, "d", max_chars=max_chars, min_chars=min_chars)
        for c in chunks:
            assert "".join(c.text.split()) in "".join(c.unit_text.split())
        units = dict.fromkeys(c.unit for c in chunks)
        texts = {c.unit: c.unit_text for c in chunks}
        assert "\n".join(texts[u] for u in units) == "\n".join([doc.opening, *(s.body for s in doc.sections)])


def test_tiny_paragraph_merged_into_a_point_joins_its_unit():
    doc = parse_speech(POINTS)
    chunks = chunk_speech(doc, "d", max_chars=160, min_chars=10)
    rect = [c for c in chunks if c.section == "整改落实"]
    lead = next(c for c in rect if "要马上行动起来" in c.text)
    assert "一要排查隐患" in lead.text  # the one-line lead-in was merged into the first point
    assert lead.unit == "d:s2:p1" and lead.unit_text.startswith("要马上行动起来。\n一要排查隐患。")


def test_match_span_finds_a_piece_that_lost_its_line_breaks():
    unit = "一是责任悬空。有的企业主要负责人不到现场。\n这些问题在多次检查中都有反映。"
    start, end = match_span(unit, "有的企业主要负责人不到现场。这些问题在多次检查中都有反映。")
    assert unit[start:end] == "有的企业主要负责人不到现场。\n这些问题在多次检查中都有反映。"
    assert match_span(unit, "别处的一句话。") is None


def test_excerpt_keeps_the_match_and_the_topic_sentence():
    unit = "二是畏难情绪严重。有的同志怕担责任。有的同志怕得罪人。\n这些问题必须解决。否则工作难以推进。最后一句话在这里。"
    assert excerpt(unit, "有的同志怕得罪人。", 200) == unit
    short = excerpt(unit, "有的同志怕得罪人。这些问题必须解决。", 40)
    assert len(short) <= 40
    assert short.startswith("二是畏难情绪严重。……") and "有的同志怕得罪人。\n这些问题必须解决。" in short
    assert short.endswith("……")
    assert excerpt(unit, "有的同志怕得罪人。", 14) == "……有的同志怕得罪人。……"


def test_units_for_rebuilds_units_of_stored_chunks():
    doc = parse_speech(POINTS)
    chunks = chunk_speech(doc, "d")
    old = [c.model_copy(update={"unit": "", "unit_text": "", "section_number": 0}) for c in chunks]
    assert units_for(old, doc) == chunks
    # Without the saved parse, the pieces of one point are joined back.
    small = chunk_speech(doc, "d", max_chars=40, min_chars=5)
    bare = [c.model_copy(update={"unit": "", "unit_text": ""}) for c in small]
    rebuilt = [c for c in units_for(bare, None) if c.section == "正视问题" and c.point_index == 2]
    assert len({c.unit for c in rebuilt}) == 1
    assert rebuilt[0].unit_text == doc.sections[0].points[1].text
