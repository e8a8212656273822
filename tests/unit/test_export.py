""".docx (GB/T 9704), .txt and .md export, read back the way a user's tools read them.

The .docx is opened again with python-docx and checked against the numbers of GB/T 9704-2012
(written out here, not taken from the code under test); the .txt is read back with the
project's loaders; the .md is parsed by a CommonMark parser (markdown-it-py).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Length, Pt
from lxml import etree
from markdown_it import MarkdownIt

from assistant.domain.models import Draft, DraftPart
from assistant.drafts.draft_io import draft_from_text
from assistant.export.filenames import safe_filename
from assistant.export.formats import ExportError, export_bytes, export_filename, export_text
from assistant.export.layout import layout
from assistant.intake.loaders import load_bytes, load_path
from assistant.intake.parsing import parse_speech
from tests.shared import CORPUS

# GB/T 9704-2012, as DESIGN.md gives it.
A4_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TITLE = ("方正小标宋简体", 22)
BODY = ("仿宋_GB2312", 16)
LEVEL_FONTS = {1: "黑体", 2: "楷体_GB2312", 3: "仿宋_GB2312", 4: "仿宋_GB2312"}
PAGE_NUMBER = ("宋体", 14)

CORPUS_FILES = sorted(CORPUS.glob("*-*.md"))
QUOTE_DASH_RE = re.compile(r"[“”‘’—…《》「」]")


def _draft(*texts: str, title: str = "") -> Draft:
    return Draft(title=title, parts=[DraftPart(role="other", text=t) for t in texts])


# A draft using every level: run-in 一、, （一） with 1. and （1） inside, 一要 points, an item.
DEEP = _draft(
    "在东湖区安全生产工作约谈会上的讲话",
    "同志们：",
    "今天召开约谈会，集中约谈东湖区应急管理局、区住房和城乡建设局。下面，我讲三点意见。",
    "一、总体要求。今年以来，全区发生生产安全事故7起，比去年同期多3起。“安全第一”——这是底线，不能突破。",
    "二、存在的问题\n（一）责任落实不到位。部分单位把安全生产当作“软任务”。\n"
    "1. 主体责任悬空。有的企业主要负责人一年没有下过一次车间……\n"
    "2. 监管责任虚化。有的监管人员检查时“走马观花”。\n"
    "（二）隐患排查不彻底。\n（1）排查走过场。台账上写着“已整改”，现场却原样未动。\n"
    "（2）整改不闭环。3处重大隐患超期未改。",
    "三、约谈意见\n（一）对区住房和城乡建设局予以全区通报批评，取消该局本年度安全生产工作评先评优资格，"
    "并由区纪委监委对相关责任人员开展调查。\n（二）区应急管理局7月15日前报送书面整改报告。",
    "四、整改要求\n一要压实责任。各单位主要负责同志要亲自抓。\n二要排查到底。7月底前完成全覆盖排查。\n"
    "三要严肃问责。对整改不力的，一律追责。",
    "同志们，安全生产只有起点、没有终点。希望大家以这次约谈为契机，把各项整改措施落到实处！",
)

# What a chat model writes when it ignores the instructions: Markdown everywhere.
MODEL_ODD = _draft(
    "**在西山区生态环境问题约谈会上的讲话**",
    "同志们：",
    "今天的约谈会，是经区委同意召开的。",
    "### 一、正视问题\n- 一是**长兴河**总磷超标，`监测数据`显示超标2.3倍。\n* 二是建筑垃圾违规堆存。",
    "## 二、整改要求\n**（一）限期整改。**西山区要在8月31日前完成整改，详见[整改方案](http://example.invalid/a)。\n"
    "---\n**（二）严肃问责。**对整改不力的，严肃追责。\n> 请各单位高度重视。",
    "```\n同志们，生态环境保护没有退路。\n```",
)

# No 一、 headings: （一） is the top level; title only in the Draft, not in its text.
PAREN_TOP = _draft(
    "同志们：",
    "今天约谈青石县自然资源局。",
    "（一）认清问题。青石县违法占用耕地43.6亩。",
    "（二）抓好整改。9月30日前全部复耕到位。",
    title="在青石县耕地保护约谈会上的讲话",
)

# No structure at all: one paragraph after another.
PLAIN = _draft("同志们：", "请大家认真抓好落实。", "散会。", title="简短讲话")

DRAFTS = {"deep": DEEP, "model_odd": MODEL_ODD, "paren_top": PAREN_TOP, "plain": PLAIN}


def _corpus_text(path: Path) -> str:
    return load_path(path).text


def _sources():
    for path in CORPUS_FILES:
        text = _corpus_text(path)
        yield f"text:{path.stem}", text
        yield f"draft:{path.stem}", draft_from_text(text)
    yield from DRAFTS.items()


SOURCES = list(_sources())
SOURCE_IDS = [name for name, _ in SOURCES]


_DOCX: dict[int, bytes] = {}


def _read_docx(source) -> Document:
    if not any(s is source for _, s in SOURCES):
        return Document(io.BytesIO(export_bytes(source, "docx")))
    # Several tests read the documents of SOURCES (alive all run, so ids are stable): export each once.
    if id(source) not in _DOCX:
        _DOCX[id(source)] = export_bytes(source, "docx")
    return Document(io.BytesIO(_DOCX[id(source)]))


def _fonts(run) -> dict[str, str | None]:
    rpr = run._element.rPr
    rfonts = rpr.rFonts if rpr is not None else None
    if rfonts is None:
        return {"ascii": None, "hAnsi": None, "eastAsia": None}
    return {k: rfonts.get(qn(f"w:{k}")) for k in ("ascii", "hAnsi", "eastAsia")}


def _font(run) -> str:
    """The run's font: the same name in the ascii, hAnsi and eastAsia slots, or a failure."""
    f = _fonts(run)
    assert f["eastAsia"], f"run {run.text!r} has no East Asian font"
    assert f["ascii"] == f["hAnsi"] == f["eastAsia"], f"run {run.text!r}: {f}"
    return f["eastAsia"]


def _mm(length: Length) -> float:
    return length / 36000


def _paragraphs(doc):
    return [p for p in doc.paragraphs if p.text]


def _lines(source) -> list[str]:
    text = source.text if isinstance(source, Draft) else source
    return [x for x in text.split("\n") if x.strip()]


# ------------------------------------------------------------------ .docx: page and footer


def test_page_is_a4_with_gbt9704_margins():
    doc = _read_docx(_corpus_text(CORPUS_FILES[0]))
    section = doc.sections[0]
    assert (round(_mm(section.page_width), 1), round(_mm(section.page_height), 1)) == A4_MM
    for side, mm in MARGINS_MM.items():
        assert abs(_mm(getattr(section, f"{side}_margin")) - mm) < 0.05, side
    # text block 156 × 225 mm
    assert abs(_mm(section.page_width - section.left_margin - section.right_margin) - 156) < 0.1
    assert abs(_mm(section.page_height - section.top_margin - section.bottom_margin) - 225) < 0.1


def _footer_runs(footer):
    return [r for p in footer.paragraphs for r in p.runs]


@pytest.mark.parametrize("which", ["odd", "even"])
def test_footer_has_page_field_in_4hao_songti_dashes(which):
    doc = _read_docx(DEEP)
    assert doc.settings.odd_and_even_pages_header_footer
    section = doc.sections[0]
    footer = section.footer if which == "odd" else section.even_page_footer
    assert not footer.is_linked_to_previous
    xml = footer._element.xml
    assert re.search(r"<w:instrText[^>]*>\s*PAGE\s*</w:instrText>", xml)
    assert 'w:fldCharType="begin"' in xml and 'w:fldCharType="end"' in xml
    (p,) = [p for p in footer.paragraphs if p.runs]
    assert re.fullmatch(r"— \d+ —", p.text), p.text
    runs = _footer_runs(footer)
    assert runs and all(_font(r) == PAGE_NUMBER[0] for r in runs)
    assert all(r.font.size == Pt(PAGE_NUMBER[1]) for r in runs)
    # 单页码居右空一字，双页码居左空一字
    if which == "odd":
        assert p.alignment == WD_ALIGN_PARAGRAPH.RIGHT and p.paragraph_format.right_indent == Pt(14)
    else:
        assert p.alignment == WD_ALIGN_PARAGRAPH.LEFT and p.paragraph_format.left_indent == Pt(14)


def test_core_properties_carry_the_title_not_the_library_name():
    doc = _read_docx(DEEP)
    assert doc.core_properties.title == "在东湖区安全生产工作约谈会上的讲话"
    assert "python-docx" not in (doc.core_properties.author + doc.core_properties.comments)


def test_styles_default_to_fangsong_so_typed_text_matches():
    doc = _read_docx(DEEP)
    normal = doc.styles["Normal"]
    rfonts = normal.element.rPr.rFonts
    assert rfonts.get(qn("w:eastAsia")) == rfonts.get(qn("w:ascii")) == BODY[0]
    assert normal.font.size == Pt(BODY[1])
    defaults = etree.tostring(doc.styles.element.find(qn("w:docDefaults")), encoding="unicode")
    assert "Theme" not in defaults and "theme" not in defaults  # no theme font overriding ours
    assert 'w:eastAsia="zh-CN"' in defaults


# ------------------------------------------------------------------ .docx: every paragraph


@pytest.mark.parametrize(("name", "source"), SOURCES, ids=SOURCE_IDS)
def test_docx_every_run_fonts_sizes_indents_spacing(name, source):
    doc = _read_docx(source)
    lay = layout(source)
    paragraphs = _paragraphs(doc)
    assert [p.text for p in paragraphs] == [b.text for b in lay.blocks]
    assert paragraphs, "nothing exported"
    for p, block in zip(paragraphs, lay.blocks, strict=True):
        pf = p.paragraph_format
        assert pf.line_spacing_rule == WD_LINE_SPACING.EXACTLY
        assert Pt(28) <= pf.line_spacing <= Pt(29), pf.line_spacing
        assert pf.space_before in (None, 0)
        fonts = [_font(r) for r in p.runs]  # every run: ascii = hAnsi = eastAsia
        sizes = {r.font.size for r in p.runs}
        if block.kind == "title":
            assert fonts == [TITLE[0]] and sizes == {Pt(TITLE[1])}
            assert p.alignment == WD_ALIGN_PARAGRAPH.CENTER and pf.first_line_indent == 0
            continue
        assert sizes == {Pt(BODY[1])}, (p.text[:20], sizes)
        if block.kind == "salutation":
            assert fonts == [BODY[0]] and pf.first_line_indent == 0
        elif block.kind == "byline":
            assert p.alignment == WD_ALIGN_PARAGRAPH.CENTER and pf.first_line_indent == 0
        elif block.kind == "heading":
            assert pf.first_line_indent == Pt(2 * BODY[1])  # two characters
            assert fonts[0] == LEVEL_FONTS[block.level] and p.runs[0].text == block.head
            assert fonts[1:] == ([BODY[0]] if block.rest else [])
        else:
            assert fonts == [BODY[0]] and pf.first_line_indent == Pt(2 * BODY[1])


CLEAN_SOURCES = [(n, s) for n, s in SOURCES if n != "model_odd"]


@pytest.mark.parametrize(("name", "source"), CLEAN_SOURCES, ids=[n for n, _ in CLEAN_SOURCES])
def test_docx_keeps_every_line_of_the_speech(name, source):
    """Nothing lost or changed: the paragraphs are the parsed speech's lines, title first."""
    text = source.text if isinstance(source, Draft) else source
    parsed = parse_speech(text)
    if parsed.title:
        expected = [parsed.title]
    else:
        expected = [source.title] if isinstance(source, Draft) and source.title else []
    expected += [x for x in parsed.model_copy(update={"title_line": ""}).text().split("\n") if x]
    assert [p.text for p in _paragraphs(_read_docx(source))] == expected


def test_quotes_and_dashes_carry_the_chinese_font():
    """Word draws “” — … with the Latin font unless ascii/hAnsi name the Chinese font too."""
    checked = 0
    for _, source in SOURCES:
        for p in _paragraphs(_read_docx(source)):
            for r in p.runs:
                if QUOTE_DASH_RE.search(r.text):
                    assert _font(r) in {*LEVEL_FONTS.values(), BODY[0], TITLE[0]}
                    checked += 1
    assert checked > 100


def test_heading_levels_come_from_the_numbering():
    paragraphs = {p.text[:12]: p for p in _paragraphs(_read_docx(DEEP))}

    def runs(start):
        p = next(v for k, v in paragraphs.items() if k.startswith(start))
        return [(r.text, _font(r)) for r in p.runs]

    assert runs("一、总体要求") == [
        ("一、总体要求。", "黑体"),
        ("今年以来，全区发生生产安全事故7起，比去年同期多3起。“安全第一”——这是底线，不能突破。", BODY[0]),
    ]
    assert runs("二、存在的问题") == [("二、存在的问题", "黑体")]
    assert runs("（一）责任落实")[0] == ("（一）责任落实不到位。", "楷体_GB2312")
    assert runs("（一）责任落实")[1][1] == BODY[0]
    assert runs("（二）隐患排查") == [("（二）隐患排查不彻底。", "楷体_GB2312")]
    assert runs("1. 主体责任")[0] == ("1. 主体责任悬空。", BODY[0])
    assert runs("（1）排查走过场")[0] == ("（1）排查走过场。", BODY[0])
    # 一要/二要 number sentences inside paragraphs: body text, one run
    assert runs("一要压实责任") == [("一要压实责任。各单位主要负责同志要亲自抓。", BODY[0])]
    # A numbered decision item is a sentence, not a heading: no 楷体 on sixty characters.
    item = runs("（一）对区住房和城乡")
    assert len(item) == 1 and item[0][1] == BODY[0]


def test_paren_top_level_is_kaiti_and_draft_title_is_used():
    lay = layout(PAREN_TOP)
    assert lay.blocks[0].kind == "title" and lay.blocks[0].text == "在青石县耕地保护约谈会上的讲话"
    heads = [(b.head, b.level) for b in lay.blocks if b.kind == "heading"]
    assert heads == [("（一）认清问题。", 2), ("（二）抓好整改。", 2)]


def test_corpus_headings_are_the_parsers_sections():
    for path in CORPUS_FILES:
        text = _corpus_text(path)
        parsed = parse_speech(text)
        level1 = [b.head for b in layout(text).blocks if b.kind == "heading" and b.level == 1]
        assert level1 == [s.heading_line for s in parsed.sections if s.heading_line.startswith(tuple("一二三四五六七八九十"))], path.name


# ------------------------------------------------------------------ round trips through the loaders


@pytest.mark.parametrize("path", CORPUS_FILES[::3], ids=lambda p: p.stem)
@pytest.mark.parametrize("fmt", ["docx", "txt"])
def test_exported_file_reads_back_to_the_same_structure(path, fmt):
    text = _corpus_text(path)
    before = parse_speech(text).inspect_dict()
    loaded = load_bytes(export_bytes(text, fmt), f"x.{fmt}")
    after = parse_speech(loaded.text).inspect_dict()
    for key in ("title", "salutation", "opening", "closing", "sections"):
        assert after[key] == before[key], key


# ------------------------------------------------------------------ .txt


# "1. " is GB/T level-3 numbering as the corpus writes it, not a Markdown list, in a .txt.
_MARKDOWN_LINE_RE = re.compile(r"^(#{1,6}\s|[-*+•]\s|>|```|---|\*\*\*)")


@pytest.mark.parametrize(("name", "source"), SOURCES, ids=SOURCE_IDS)
def test_txt_is_paste_ready_plain_text(name, source):
    data = export_bytes(source, "txt")
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: older Notepad/WPS would guess GBK
    text = data.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")
    assert lines[-1] == "" and lines[-2] != ""  # ends with one line break, no blank tail
    for line in lines:
        assert not _MARKDOWN_LINE_RE.match(line), line
        assert "**" not in line and "`" not in line and "__" not in line and "](" not in line
        assert line == line.strip()
    # one empty line, under the title block; none between paragraphs
    blanks = [i for i, x in enumerate(lines[:-1]) if not x]
    lay = layout(source)
    head = sum(1 for b in lay.blocks if b.kind in ("title", "byline"))
    assert blanks == ([head] if head and head < len(lay.blocks) else [])
    assert [x for x in lines if x] == [b.text for b in lay.blocks]
    assert export_text(source, "txt") == text.replace("\r\n", "\n")


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.stem)
def test_txt_keeps_full_width_punctuation(path):
    text = _corpus_text(path)
    out = export_text(text, "txt")
    for ch in "，。：；！？、（）“”《》——":
        assert out.count(ch) == text.count(ch), ch


def test_model_markdown_is_gone_but_content_symbols_stay():
    odd = _draft("关于3#楼和2024-2025年的整改", "同志们：", "- 一是**3#楼**外墙脱落。", title="")
    out = export_text(odd, "txt")
    assert "3#楼" in out and "2024-2025年" in out
    assert "一是3#楼外墙脱落。" in out
    txt = export_text(MODEL_ODD, "txt")
    assert txt.startswith("在西山区生态环境问题约谈会上的讲话\n\n同志们：\n")
    assert "一是长兴河总磷超标，监测数据显示超标2.3倍。" in txt
    assert "（一）限期整改。西山区要在8月31日前完成整改，详见整改方案。" in txt
    assert "http" not in txt and "---" not in txt


# ------------------------------------------------------------------ .md


def _md_tokens(source):
    return MarkdownIt("commonmark").parse(export_text(source, "md"))


def _blocks_of(tokens):
    """(block type, inline children) for each top-level block of a CommonMark parse."""
    out = []
    for i, t in enumerate(tokens):
        if t.type in ("heading_open", "paragraph_open") and t.level == 0:
            out.append((t.tag, tokens[i + 1]))
    return out


@pytest.mark.parametrize(("name", "source"), SOURCES, ids=SOURCE_IDS)
def test_markdown_structure_as_a_commonmark_parser_reads_it(name, source):
    tokens = _md_tokens(source)
    assert not [t for t in tokens if t.type in ("bullet_list_open", "ordered_list_open", "blockquote_open", "hr", "fence", "code_block", "html_block")]
    lay = layout(source)
    blocks = _blocks_of(tokens)
    assert len(blocks) == len(lay.blocks)
    for (tag, inline), b in zip(blocks, lay.blocks, strict=True):
        plain = "".join(c.content for c in inline.children if c.type == "text")
        assert plain == b.text, (plain, b.text)
        if b.kind == "title":
            assert tag == "h1"
        elif b.kind == "heading" and not b.rest:
            assert tag == f"h{b.level + 1}"
        elif b.kind == "heading" and b.level <= 2:
            # the run-in heading is bold: CommonMark closes ** only when it sits before the stop
            children = [c for c in inline.children if c.content or c.type != "text"]
            types = [c.type for c in children]
            assert tag == "p" and types[:3] == ["strong_open", "text", "strong_close"], types
            assert children[1].content == b.head.rstrip()[:-1]
        else:
            assert tag == "p"


def test_markdown_escapes_what_would_become_markup():
    odd = _draft("讲话", "同志们：", "1. 这一段以数字和点开头", "请把____填好，<b>不</b>是标签")
    tokens = _md_tokens(odd)
    assert not [t for t in tokens if t.type in ("ordered_list_open", "html_inline", "html_block")]
    text = "".join(t.content for t in tokens if t.type == "inline")
    assert "____" in text.replace("\\", "")


# ------------------------------------------------------------------ names and errors


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("在东湖区约谈会上的讲话", "在东湖区约谈会上的讲话"),
        ('关于"三个一"的讲话：提纲/修改稿?', "关于“三个一“的讲话：提纲／修改稿？"),
        ("讲话<草稿>|第2版*", "讲话《草稿》｜第2版＊"),
        ("..隐藏的讲话...", "隐藏的讲话"),
        ("  \t讲话\n提纲  ", "讲话 提纲"),
        ("CON", "CON_讲话稿"),
        ("", "讲话稿"),
        ("???", "？？？"),
        ("长" * 200, "长" * 80),
    ],
)
def test_safe_filename(title, expected):
    assert safe_filename(title) == expected
    assert len(safe_filename(title).encode("utf-8")) <= 250


def test_export_filename_is_the_title():
    assert export_filename(DEEP, "docx") == "在东湖区安全生产工作约谈会上的讲话.docx"
    assert export_filename(PAREN_TOP, "md") == "在青石县耕地保护约谈会上的讲话.md"
    assert export_filename("同志们：\n开会。", "txt") == "讲话稿.txt"
    text = _corpus_text(CORPUS / "project_delay-01.md")
    assert export_filename(text, "docx") == "在全市重点项目推进滞后单位集体约谈会上的讲话.docx"


@pytest.mark.parametrize("fmt", ["pdf", "doc", "", "DOCX "])
def test_unknown_format_is_a_chinese_error(fmt):
    with pytest.raises(ExportError, match="不支持导出为"):
        export_bytes(DEEP, fmt)  # type: ignore[arg-type]


def test_empty_speech_exports_an_empty_document():
    assert export_text("", "txt") == "" and export_text(Draft(), "md") == ""
    doc = Document(io.BytesIO(export_bytes(Draft(), "docx")))
    assert not _paragraphs(doc) and doc.sections[0].footer.paragraphs[0].text.startswith("—")


# ------------------------------------------------------------------ the rules export relies on


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("一、正视问题", 1), ("十二、其他", 1), ("三.打字时写错的点", 1),
        ("（一）压实责任", 2), ("(二)半角括号", 2),
        ("1.强化领导", 3), ("12. 带空格", 3), ("3、常见的错写", 3),
        ("（1）排查走过场", 4), ("(2)半角", 4),
        ("一是责任不实", 0), ("二要压实责任", 0), ("首先，", 0), ("第一，", 0),
        ("同志们：", 0), ("2025年5月", 0), ("", 0),
    ],
)
def test_heading_level(line, level):
    from assistant.domain.numbering import heading_level

    assert heading_level(line) == level


@pytest.mark.parametrize(
    ("paragraph", "head"),
    [
        ("（一）压实责任。各单位要……", "（一）压实责任。"),
        ("（二）隐患排查不彻底", "（二）隐患排查不彻底"),
        ("1. 主体责任悬空；有的企业……", "1. 主体责任悬空；"),
        ("（三）隐患在全区具有普遍性，是最值得警醒的问题。全区……", "（三）隐患在全区具有普遍性，是最值得警醒的问题。"),
        ("（一）对区住房和城乡建设局予以全区通报批评，取消该局本年度评先评优资格。", ""),
        ("1.8月31日前，上半年所有不合格批次的核查处置全部办结；9月底前……", ""),
    ],
)
def test_point_heading_is_short_or_none(paragraph, head):
    from assistant.intake.parsing import point_heading

    got, rest = point_heading(paragraph)
    assert got == head
    assert got + rest == paragraph
