"""`assistant companion`: writes each document, refuses what it cannot write, in Chinese."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook

from assistant.cli import main
from assistant.companion import FILL_MARK
from assistant.companion.checklist import CHECKLIST_HEADER, HEADER_ROW
from assistant.drafts.draft_io import save_draft
from tests.companion_cases import BRIEF, SPEECH, UNITS, speech


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    brief_path = tmp_path / "要素.json"
    brief_path.write_text(json.dumps(BRIEF, ensure_ascii=False), encoding="utf-8")
    draft_path = tmp_path / "讲话.json"
    draft = speech().model_copy(update={"brief": BRIEF})
    save_draft(draft, draft_path)
    text_path = tmp_path / "讲话.txt"
    text_path.write_text(SPEECH, encoding="utf-8")
    return {"brief": brief_path, "draft": draft_path, "text": text_path}


def invoke(tmp_path: Path, *args: str):
    return CliRunner().invoke(main, ["--data-dir", str(tmp_path / "data"), "companion", *args])


def test_notice_minutes_checklist_and_large_print_are_written(tmp_path, files):
    common = ["--brief", str(files["brief"]), "--draft", str(files["text"])]
    for kind, name in (("notice", "通知.docx"), ("minutes", "纪要.docx"), ("checklist", "清单.xlsx"), ("largeprint", "大字.docx")):
        result = invoke(tmp_path, *common, "--kind", kind, "--out", str(tmp_path / name))
        assert result.exit_code == 0, result.output
        assert str(tmp_path / name) in result.output and "已生成" in result.output
    ws = load_workbook(tmp_path / "清单.xlsx").active
    assert tuple(c.value for c in ws[HEADER_ROW]) == CHECKLIST_HEADER
    assert "4 处“〔待填〕”" in invoke(tmp_path, *common, "--kind", "checklist", "--out", str(tmp_path / "清单.xlsx")).output
    minutes = "\n".join(p.text for p in Document(tmp_path / "纪要.docx").paragraphs)
    assert BRIEF["chair"] in minutes


def test_checklist_as_docx_by_suffix_or_format(tmp_path, files):
    common = ["--draft", str(files["draft"]), "--kind", "checklist"]  # the brief saved in the draft JSON
    assert invoke(tmp_path, *common, "--out", str(tmp_path / "a.docx")).exit_code == 0
    assert invoke(tmp_path, *common, "--format", "docx", "--out", str(tmp_path / "b")).exit_code == 0
    for name in ("a.docx", "b.docx"):
        table = Document(tmp_path / name).tables[0]
        assert tuple(c.text for c in table.rows[0].cells) == CHECKLIST_HEADER
    result = invoke(tmp_path, *common, "--format", "docx", "--out", str(tmp_path / "c.xlsx"))
    assert result.exit_code == 2 and "不一致" in result.output


def test_per_unit_notices_to_a_folder_or_one_document(tmp_path, files):
    common = ["--brief", str(files["brief"]), "--draft", str(files["draft"]), "--kind", "notice", "--per-unit"]
    folder = tmp_path / "通知"
    folder.mkdir()
    result = invoke(tmp_path, *common, "--out", str(folder))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{u}-约谈通知.docx" for u in UNITS)
    for unit in UNITS:
        first = [p.text for p in Document(folder / f"{unit}-约谈通知.docx").paragraphs]
        assert f"{unit}：" in first
    result = invoke(tmp_path, *common, "--out", str(tmp_path / "全部.docx"), "--json")
    report = json.loads(result.output)
    assert report["files"][0]["out"].endswith("全部.docx") and report["warnings"] == []
    assert report["files"][0]["blanks"] == 5 * len(UNITS)


def test_warnings_reach_the_user(tmp_path, files):
    changed = tmp_path / "改过的讲话.txt"
    changed.write_text(SPEECH.replace("41.5%", "45.1%"), encoding="utf-8")
    result = invoke(tmp_path, "--brief", str(files["brief"]), "--draft", str(changed), "--kind", "minutes",
                    "--out", str(tmp_path / "纪要.docx"))
    assert result.exit_code == 0
    assert "提示：讲话稿写作“45.1%”" in result.output
    text = "\n".join(p.text for p in Document(io.BytesIO((tmp_path / "纪要.docx").read_bytes())).paragraphs)
    assert "41.5%" in text


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--kind", "minutes", "--out", "/dev/null"], 1, "不是普通文件"),
        (["--kind", "minutes", "--out", "纪要.pdf"], 2, ".docx"),
        (["--kind", "minutes", "--per-unit", "--out", "x.docx"], 2, "只用于约谈通知"),
        (["--kind", "notice", "--format", "xlsx", "--out", "x.xlsx"], 2, "只能保存为 .docx"),
    ],
)
def test_refusals_are_chinese(tmp_path, files, args, code, message):
    result = invoke(tmp_path, "--brief", str(files["brief"]), "--draft", str(files["draft"]), *args)
    assert result.exit_code == code, result.output
    assert "错误：" in result.output and message in result.output
    assert not (tmp_path / "纪要.pdf").exists()


def test_large_print_without_a_draft_and_no_brief_at_all_are_refused(tmp_path, files):
    result = invoke(tmp_path, "--brief", str(files["brief"]), "--kind", "largeprint", "--out", str(tmp_path / "a.docx"))
    assert result.exit_code == 2 and "--draft" in result.output
    result = invoke(tmp_path, "--draft", str(files["text"]), "--kind", "notice", "--out", str(tmp_path / "a.docx"))
    assert result.exit_code == 2 and "--brief" in result.output
    # A notice needs no speech: it goes out before the meeting.
    result = invoke(tmp_path, "--brief", str(files["brief"]), "--kind", "notice", "--out", str(tmp_path / "n.docx"))
    assert result.exit_code == 0 and FILL_MARK in "\n".join(p.text for p in Document(tmp_path / "n.docx").paragraphs)
