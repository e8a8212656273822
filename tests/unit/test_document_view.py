"""The document as the page renders it (escaped, laid out like the printed speech) and hand edits."""

from __future__ import annotations

import html
import re

import pytest

from assistant.domain.models import Draft, DraftPart
from assistant.drafts.draft_io import draft_from_text
from assistant.ui.panels.document_html import document_html, part_html, text_html
from assistant.writing.editing import edited_draft
from tests.scenario import SPEECH
from tests.shared import STRUCTURES

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "**加粗**和[链接](javascript:alert(1))",
    "</p><p style='color:red'>伪造段落",
    "$x^2$ 与 `代码` 与 &amp; 与 &lt;b&gt;",
]


def _paragraphs(markup: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", p)) for p in re.findall(r"<p[^>]*>(.*?)</p>", markup, flags=re.S)]


@pytest.mark.parametrize("evil", HOSTILE)
def test_model_or_user_text_is_never_markup(evil):
    part = DraftPart(role="harm", number=1, heading="正视问题", text=f"一、正视问题{evil}\n（一）{evil}。后文{evil}\n{evil}")
    out = part_html(part)
    # The only tags are ours: <p> and <span>, no attribute written by the text.
    assert set(re.findall(r"<(/?\w+)", out)) <= {"p", "/p", "span", "/span"}
    assert "onerror=" not in out.replace("onerror=&quot;", "") and "<script" not in out
    assert _paragraphs(out) == [f"一、正视问题{evil}", f"（一）{evil}。后文{evil}", evil]


def test_layout_of_the_printed_speech():
    draft = draft_from_text(SPEECH, structures_dir=STRUCTURES)
    out = document_html(draft)
    paras = re.findall(r'<p style="([^"]*)">(.*?)</p>', out)
    styles = {html.unescape(text): html.unescape(style) for style, text in paras}
    title = draft.parts[0].text
    assert "text-align:center" in styles[title] and "方正小标宋简体" in styles[title]
    assert "text-indent" not in styles["同志们："]
    heading = next(t for t in styles if t.startswith("一、"))
    assert "font-weight:700" in styles[heading] and "黑体" in styles[heading] and "text-indent:2em" in styles[heading]
    body = next(t for t in styles if t.startswith("今天召开"))
    assert "text-indent:2em" in styles[body] and "仿宋" in styles[body] and "font-weight" not in styles[body]
    # （一）… is a level-2 heading run into its paragraph: 楷体 for the heading only; a
    # one-sentence point is not a heading.
    point = part_html(DraftPart(role="harm", text="（一）压实责任。各单位要把责任落到人头。\n（二）一句话的要点。"))
    first, second = re.findall(r"<p[^>]*>(.*?)</p>", point)
    assert re.fullmatch(r'<span style="[^"]*楷体[^"]*">（一）压实责任。</span>各单位要把责任落到人头。', first)
    assert "<span" not in second
    # Nothing is lost or doubled: the paragraphs are the draft's lines, the title once.
    assert _paragraphs(out) == draft.text.split("\n")


def test_text_being_written_is_laid_out_too():
    partial = "\n".join(SPEECH.split("\n")[:5])
    out = text_html(partial)
    assert _paragraphs(out) == partial.split("\n")
    assert "text-align:center" in out.split("</p>")[0]


def _draft() -> Draft:
    draft = draft_from_text(SPEECH, structures_dir=STRUCTURES)
    parts = [p.model_copy(update={"sources": [f"doc-{i:04d}"], "warnings": [f"提示{i}"]}) for i, p in enumerate(draft.parts)]
    return draft.model_copy(update={"parts": parts, "brief": {"meeting": "会"}, "mode": "llm", "warnings": ["全文提示"]})


def test_an_edit_is_kept_word_for_word_with_the_structure_found_again():
    draft = _draft()
    text = draft.text.replace("二是前期工作不实。", "二是前期工作不实，要素保障不力。").replace("时不我待", "只争朝夕")
    new = edited_draft(draft, text + "\n\n", STRUCTURES)
    assert new.text == text
    assert [(p.role, p.number) for p in new.parts] == [(p.role, p.number) for p in draft.parts]
    changed = {i for i, (a, b) in enumerate(zip(draft.parts, new.parts, strict=True)) if a.text != b.text}
    assert changed == {4, len(draft.parts) - 1}
    for i, (before, after) in enumerate(zip(draft.parts, new.parts, strict=True)):
        assert after.sources == before.sources  # still written from the same passages
        assert after.warnings == ([] if i in changed else before.warnings)  # warnings about old text go
    assert new.warnings == [] and new.brief == draft.brief and new.mode == "llm"


@pytest.mark.parametrize(
    "text",
    [
        "只有一段话，没有标题也没有结构。",
        "同志们：\n今天开会。\n三、先写了第三部分\n一、再写第一部分\n同志们，散会。",
        "在某会上的讲话\n2026年7月1日\n同志们：\n开场。\n一、问题\n正文。",
        "  前后有空格的行  \n\n\n中间有空行\n",
    ],
)
def test_no_edit_ever_loses_a_word(text):
    new = edited_draft(_draft(), text, STRUCTURES)
    assert new.text == "\n".join(line.strip() for line in text.split("\n") if line.strip())
