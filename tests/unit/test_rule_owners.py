"""One owner per rule: paragraph starts, page numbers, line reflow, punctuation maps, placeholders,
the jieba lock and kind detection are each written once and shared by their users."""

from __future__ import annotations

import re
import threading

import pytest

from assistant.domain import lexicon, tokenize
from assistant.domain.kinds import detect_kind, kinds_for_reading, load_kinds
from assistant.domain.numbering import PARAGRAPH_START_RE
from assistant.intake import normalize, repair
from assistant.intake import pdf_text as documents
from assistant.intake.lines import joining
from assistant.intake.normalize import HALF_TO_FULL, PAREN_HALF_TO_FULL, normalise_line
from assistant.review.placeholders import has_placeholder
from assistant.writing.offline import sentence_filter, vocabulary
from assistant.writing.prompts.model_text import StreamCleaner
from tests.shared import STRUCTURES

# --- paragraph starts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    ["一、正视问题", "一.正视问题", "（一）压实责任", "(2)整改", "1.加强监管", "3、落实", "一是拖累发展", "二要压实责任",
     "第一，立即开展自查", "第二,依法追责", "同志们：", "各位领导", "（2024年3月5日）", "(2025年4月9日)"],
)  # fmt: skip
def test_paragraph_starts(line):
    assert PARAGRAPH_START_RE.match(line)


@pytest.mark.parametrize("line", ["市倒数第二。", "个百分点，", "的问题。一、", "2024年全市", "第一次约谈"])
def test_continuations_are_not_paragraph_starts(line):
    assert not PARAGRAPH_START_RE.match(line)


def test_pdf_reflow_keeps_the_date_line_under_a_full_width_title():
    lines = [
        "在全县营商环境评价指标排名靠后单位约谈会上的讲话",
        "（2025年3月18日）",
        "今天召开约谈会，专门约谈进度滞后的三个单位主要负责",
        "同志。下面，我讲几点意见。",
    ]
    assert joining.reflow_lines(lines)[:2] == lines[:2]


# --- page numbers -------------------------------------------------------------------------


def test_pdf_page_edges_use_the_repairs_page_numbers():
    assert documents.strip_page_numbers is repair.strip_page_numbers
    page = ["— 3 —", "", "正文一行。", "第 2 页 / 共 4 页"]
    assert repair.strip_page_numbers(page) == ["正文一行。"]
    assert repair.strip_page_numbers(["扫描全能王 创建", "正文。", "2/6"]) == ["正文。"]
    # A year standing alone is text, not a page number.
    assert repair.strip_page_numbers(["正文。", "2024"]) == ["正文。", "2024"]


# --- line reflow --------------------------------------------------------------------------


def test_one_reflow_for_pdfs_and_pasted_text():
    assert documents.reflow_lines is joining.reflow_lines and repair.rejoin is joining.rejoin
    assert not hasattr(documents, "_PARAGRAPH_START_RE") and not hasattr(repair, "_PARA_START_RE")


def test_a_short_last_line_ends_its_paragraph_after_a_joined_one():
    # The line before a join decides it, not the paragraph joined so far: the short last line
    # of the wrapped heading ends the heading.
    lines = [
        "这一段是正文的第一行，写满了整整一行的文字，没有句号",
        "这一段是正文的第二行，仍然写满了一行的文字，没有句号",
        "这一段是正文的最后一行。",
        "一、正视问题，深刻认识违法占用耕地问题的严重危害和深",
        "远影响",
        "耕地是粮食生产的命根子，我县是全省产粮大县，耕地保护",
        "责任目标是省里一年一考的硬任务。",
    ]
    assert joining.reflow_lines(lines) == [
        lines[0] + lines[1] + lines[2],
        lines[3] + lines[4],
        lines[5] + lines[6],
    ]


def test_pdf_latin_words_keep_their_space_and_viewer_text_does_not_get_one():
    lines = ["Today we meet to discuss the delayed key projects of the", "district and the causes.", "Next."]
    assert joining.reflow_lines(lines)[0] == "Today we meet to discuss the delayed key projects of the district and the causes."
    assert joining.rejoin([("重大隐患12", False), ("3处，", False)], 8) == ["重大隐患123处，"]


_PARAGRAPHS = [
    "今天县委县政府召开约谈会，专门约谈违法占用耕地问题突出的四个乡镇和两个部门的主要负责同志，请大家认真听、认真记、认真改。",
    "先把底数亮一亮，省里下发的年度卫片执法图斑中，我县涉及疑似违法图斑四百多个，经核查认定违法用地两百多宗，占用耕地六百多亩。",
    "被市里约谈是全县的耻辱，但责任在哪里、板子该打在谁身上，我们自己要先搞清楚，县委常委会专题研究后决定召开今天的约谈会。",
    "耕地是粮食生产的命根子，我县是全省产粮大县，耕地保护责任目标是省里一年一考、一票否决的硬任务，守不住耕地就谈不上扛稳粮食安全的政治责任。",
    "违法用地正在侵蚀县域发展的空间，按照现行政策，违法占耕比例超过红线，上级将扣减下一年度新增建设用地计划指标，损害的是全县合法项目的发展机会。",
    "问题暴露的是管理链条的失灵，有的是乡镇村组自己组织实施的，有的是开发区在用地手续没办完之前就开了工，政府带头违法，群众会怎么想，以后执法还怎么让人服气。",
]  # fmt: skip


@pytest.mark.parametrize("columns", [20, 24, 28])
def test_a_viewer_grid_with_indented_first_lines_is_rejoined(columns):
    # Each paragraph's first line loses its two-character indent and the wrap width is estimated
    # with two characters to spare: at 24 columns that first line is 22/26 = 0.85 of the width,
    # which SHORT_LINE (0.7) still takes for a broken line.
    lines = []
    for paragraph in _PARAGRAPHS:
        text = "\u3000\u3000" + paragraph
        lines += [text[i : i + columns] for i in range(0, len(text), columns)]
    assert [line.strip() for line in repair.repair_lines(lines).lines] == _PARAGRAPHS


# --- half-width punctuation ---------------------------------------------------------------


def test_one_half_width_map():
    assert "(" not in HALF_TO_FULL and ")" not in HALF_TO_FULL
    assert normalize._HALF_TO_FULL == {**HALF_TO_FULL, **PAREN_HALF_TO_FULL}
    assert normalise_line("问题(一),要整改;时限:月底!") == "问题（一），要整改；时限：月底！"


def test_model_text_converts_clause_marks_and_only_the_parentheses_it_opened():
    cleaner = StreamCleaner()
    out = cleaner.feed("要抓好落实,确保见效;见附件(略)。x)") + cleaner.flush()
    assert out == "要抓好落实，确保见效；见附件（略）。x)"


# --- placeholders -------------------------------------------------------------------------

_OLD_FILTER = re.compile(r"XX|xx|××|某某|＿|【|】|\[\s*\]")  # the offline filter's own list, before


@pytest.mark.parametrize("mark", ["XX", "xx", "××", "某某", "＿", "【", "】", "[ ]", "[]", "○○", "□", "待补充"])
def test_the_offline_filter_refuses_every_placeholder(mark):
    sentence = f"要压实{mark}单位的主体责任，坚决防止问题反弹回潮。"
    assert not sentence_filter.is_generic_sentence(sentence, reject_words=())


def test_the_checkers_placeholders_cover_the_old_offline_list():
    # Each thing the offline filter refused before is still refused: a placeholder of the
    # checker's, or a character the filter refuses anyway.
    for sample in ["XX", "xx", "××", "某某", "＿", "【", "】", "[ ]", "[\t]"]:
        assert _OLD_FILTER.search(sample)
        assert has_placeholder(sample) or sentence_filter._BAD_CHARS_RE.search(sample), sample
    assert not hasattr(sentence_filter, "_PLACEHOLDER_RE")
    assert not has_placeholder("要压实各单位的主体责任，坚决防止问题反弹回潮。")


# --- jieba's lock -------------------------------------------------------------------------


def test_one_lock_around_jieba():
    for module in (tokenize, vocabulary):
        assert module.JIEBA_LOCK is lexicon.JIEBA_LOCK
        assert not hasattr(module, "_lock")
    assert not hasattr(lexicon, "_lock")
    done = threading.Event()
    with lexicon.JIEBA_LOCK:
        worker = threading.Thread(target=lambda: (tokenize.tokenize("压实主体责任"), done.set()))
        worker.start()
        assert not done.wait(0.3)  # the tokenizer waits for the one lock
    worker.join(30)
    assert done.is_set()


# --- kind detection -----------------------------------------------------------------------


def test_speeches_are_recognised_by_the_kinds_of_a_readable_folder_only(tmp_path):
    text = "在全市安全生产约谈会上的讲话\n今天召开约谈会，事故隐患突出。"
    assert detect_kind(text, load_kinds(STRUCTURES)) == "work_safety"
    assert detect_kind(text, kinds_for_reading(STRUCTURES)) == "work_safety"
    assert detect_kind(text, kinds_for_reading(str(STRUCTURES))) == "work_safety"
    assert kinds_for_reading(None) == {} and kinds_for_reading(tmp_path / "missing") == {}
    (tmp_path / "broken.yaml").write_text("id: [", encoding="utf-8")
    assert kinds_for_reading(tmp_path) == {}  # a broken kind file does not stop a speech being read


def test_parsing_detects_kinds_with_the_one_detect_kind():
    from assistant.intake import parsing

    assert parsing.detect_kind is detect_kind
    doc = parsing.parse_speech("在全市安全生产约谈会上的讲话\n同志们：\n今天召开约谈会，事故隐患突出。", structures_dir=STRUCTURES)
    assert doc.kind == "work_safety"
