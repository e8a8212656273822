"""Chunking: one chunk per point or paragraph, never crossing a top-level section."""

from __future__ import annotations

from assistant.library.chunking import chunk_speech, embedding_text, split_sentences
from assistant.library.parsing import parse_speech
from tests.test_parsing import SPEECH


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
