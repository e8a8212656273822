"""What the CLI says about files a user hands it: Chinese that names the file and the field,
and never a control character or text-reordering mark taken from a document or a draft."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from assistant.cli import main
from assistant.cli.common import Ctx
from assistant.domain.models import DocRecord, Draft, DraftPart
from assistant.drafts.draft_io import save_draft
from assistant.intake.documents import load_docx
from assistant.intake.prepare import prepare_path
from assistant.support.config import Settings

ESC = "\x1b[31m"
RLO = "\u202e"
TITLE = f"在东湖区{ESC}重点项目推进{RLO}约谈会上的讲话"


def invoke(data_dir: Path, *args: str):
    # color=True: click itself strips ANSI colours from output that is not a terminal; a user's
    # terminal is one, so the test must see what the command hands to click.
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), *args], color=True)


# ------------------------------------------------------------------ a bad draft file

# English words pydantic or the JSON parser would bring ("Field required", "Input should be …").
_ENGLISH_RE = re.compile(r"(?<![A-Za-z])[A-Za-z]{3,}(?![A-Za-z])")
_ALLOWED = {"title", "parts", "text", "role", "status", "done", "interrupted", "JSON", "json", "txt", "docx"}


def _english(message: str) -> list[str]:
    return [w for w in _ENGLISH_RE.findall(message) if w not in _ALLOWED]


BAD_DRAFTS = {
    "缺正文.json": ('{"title": "东湖区约谈", "parts": [{"role": "opening"}]}', ("parts", "text", "正文", "缺少")),
    "标题是数字.json": ('{"title": 5}', ("title", "标题", "应为文字")),
    "状态不对.json": ('{"status": "写了一半"}', ("status", "done", "interrupted")),
    "部分不是列表.json": ('{"parts": "同志们："}', ("parts", "应为列表")),
    "不是对象.json": ("[1, 2]", ("应为键值对象",)),
    "少了括号.json": ('{"title": "东湖区约谈",\n "kind": }', ("不是有效的 JSON", "第 2 行")),
}


@pytest.mark.parametrize("command", ["export", "check", "revise"])
@pytest.mark.parametrize("name", sorted(BAD_DRAFTS))
def test_a_bad_draft_file_is_refused_in_chinese_naming_file_and_field(command, name, tmp_path, data_dir):
    content, expected = BAD_DRAFTS[name]
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    extra = {
        "export": ["--format", "txt", "--out", str(tmp_path / "out.txt")],
        "check": [],
        "revise": ["--section", "1", "--instruction", "更严厉"],
    }[command]
    result = invoke(data_dir, command, str(path), *extra)
    assert result.exit_code in (1, 2) and f"《{name}》" in result.output, result.output
    for word in expected:
        assert word in result.output, result.output
    assert not _english(result.output), result.output
    assert "Field required" not in result.output and "Input should" not in result.output


# ------------------------------------------------------------------ a nested table in a .docx


def _nested_table_docx() -> bytes:
    doc = Document()
    doc.add_paragraph("在青石县安全生产约谈会上的讲话")
    doc.add_paragraph("同志们：")
    table = doc.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "约谈对象"
    inner = table.cell(0, 1).add_table(rows=2, cols=1)
    inner.cell(0, 0).text = "北岸镇人民政府"
    inner.cell(1, 0).text = "青石县应急管理局限期十五日内完成整改"
    doc.add_paragraph("一、正视问题，认清危害")
    doc.add_paragraph("今年以来，北岸镇连续发生两起生产安全事故，教训深刻。")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_a_docx_with_a_table_inside_a_table_cell_is_read_with_the_inner_text(tmp_path):
    data = _nested_table_docx()
    text = load_docx(data, "嵌套表格.docx").text
    assert "北岸镇人民政府" in text and "青石县应急管理局限期十五日内完成整改" in text
    assert text.index("约谈对象") < text.index("北岸镇人民政府") < text.index("一、正视问题")
    path = tmp_path / "嵌套表格.docx"
    path.write_bytes(data)
    prepared = prepare_path(path, Settings(data_dir=tmp_path / "data"))
    assert prepared.speech.title == "在青石县安全生产约谈会上的讲话"
    assert "限期十五日内完成整改" in json.dumps(prepared.speech.inspect_dict(), ensure_ascii=False)


# ------------------------------------------------------------------ control characters in what is printed


def _assert_clean(output: str) -> None:
    assert "\x1b" not in output and RLO not in output, repr(output)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", output), repr(output)


def test_export_prints_no_control_or_reordering_characters_from_a_title(tmp_path, data_dir):
    draft = Draft(
        title=TITLE,
        parts=[
            DraftPart(role="title", text=TITLE),
            DraftPart(role="salutation", text="同志们："),
            DraftPart(role="opening", text="今天约谈东湖区住建局，通报项目滞后问题。"),
        ],
    )
    source = save_draft(draft, tmp_path / "稿件.json")
    for extra in ([], ["--json"]):
        result = invoke(data_dir, "export", str(source), "--format", "txt", "--out", str(tmp_path), *extra)
        assert result.exit_code == 0, result.output
        _assert_clean(result.output)
        assert "重点项目推进约谈会上的讲话" in result.output
    # A draft file whose own name was taken from a document: refused, and said without the marks.
    named = tmp_path / f"东湖区{ESC}约谈{RLO}gpj.json"
    named.write_text('{"title": 5}', encoding="utf-8")
    result = invoke(data_dir, "export", str(named), "--format", "txt", "--out", str(tmp_path / "x.txt"))
    assert result.exit_code == 1 and "不是本工具保存的讲话稿" in result.output
    _assert_clean(result.output)
    assert "《东湖区[31m约谈gpj.json》" in result.output


def test_list_prints_no_control_or_reordering_characters_from_titles_and_file_names(data_dir, monkeypatch):
    record = DocRecord(
        doc_id="d0001", title=TITLE, filename=f"东湖区{ESC}讲话{RLO}xcod.docx", chars=1200, chunks=6
    )

    class Library:
        def list_documents(self):
            return [record]

    monkeypatch.setattr(Ctx, "library", property(lambda self: Library()))
    result = invoke(data_dir, "list")
    assert result.exit_code == 0, result.output
    _assert_clean(result.output)
    assert "《在东湖区[31m重点项目推进约谈会上的讲话》" in result.output and "1200 字" in result.output
    result = invoke(data_dir, "list", "--json")
    assert result.exit_code == 0
    _assert_clean(result.output)
    # JSON keeps the data exact: the marks are escaped, not dropped.
    assert json.loads(result.output)[0]["title"] == TITLE
