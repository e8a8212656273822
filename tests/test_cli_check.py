"""`assistant check` as a user runs it: JSON shape, exit codes, every input kind, Chinese output."""

from __future__ import annotations

import json

from click.testing import CliRunner

from assistant.cli import main
from assistant.models import Draft
from assistant.writing.draft_io import draft_from_text, save_draft
from tests.fixtures.make_files import make_docx
from tests.shared import CORPUS
from tests.test_checks import BRIEF, FIXTURES, SPEECH

DEV = FIXTURES / "dev" / "docsite_water.input.txt"


def _invoke(*args: str):
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


def test_json_shape_and_exit_code_one_on_errors():
    result = _invoke(str(DEV), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert set(data) == {"findings"}
    keys = {"rule", "severity", "message", "line", "excerpt", "suggestion", "column"}
    assert data["findings"] and all(set(f) == keys for f in data["findings"])
    slip = next(f for f in data["findings"] if f["excerpt"] == "布署")
    assert slip == {
        "rule": "confusables", "severity": "error", "message": "错别字：“布署”应为“部署”。",
        "line": 11, "excerpt": "布署", "suggestion": "部署", "column": 21,
    }  # fmt: skip
    assert DEV.read_text(encoding="utf-8").split("\n")[10][21:23] == "布署"


def test_exit_code_zero_without_errors_and_human_output_grouped_by_rule(tmp_path):
    path = tmp_path / "讲话.txt"
    path.write_text(SPEECH.replace("今天，我们", "今天,我们"), encoding="utf-8")
    result = _invoke(str(path))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("校对结果：错误 0 处，警告 1 处")
    assert "【标点符号】" in out and "第 3 行 [警告]" in out and "建议：“，”" in out
    assert "【篇幅与宣读】" in out and "宣读约需" in out
    assert "Traceback" not in result.output


def test_a_saved_draft_is_checked_against_its_own_brief(tmp_path):
    draft = draft_from_text(SPEECH.replace("42%", "45%"))
    draft = draft.model_copy(update={"brief": BRIEF.model_dump(mode="json"), "kind": "food_market"})
    path = save_draft(draft, tmp_path / "稿件.json")
    assert Draft.model_validate_json(path.read_text(encoding="utf-8")).brief
    data = json.loads(_invoke(str(path), "--json").stdout)
    facts = [f for f in data["findings"] if f["rule"] == "facts"]
    assert any(f["excerpt"] == "45%" and "请核实" in f["message"] for f in facts)
    assert any("42%" in f["message"] and "要点未写入" in f["message"] for f in facts)


def test_brief_option_and_rule_filter(tmp_path):
    speech = tmp_path / "讲话.md"
    speech.write_text(SPEECH.replace("5月31日前", "6月30日前"), encoding="utf-8")
    brief = tmp_path / "要素.json"
    brief.write_text(json.dumps(BRIEF.model_dump(mode="json"), ensure_ascii=False), encoding="utf-8")
    data = json.loads(_invoke(str(speech), "--brief", str(brief), "--rule", "facts", "--json").stdout)
    assert {f["rule"] for f in data["findings"]} == {"facts"}
    assert any(f["excerpt"] == "6月30日前" for f in data["findings"])


def test_a_docx_speech(tmp_path):
    lines = SPEECH.replace("立行立改", "按步就班").split("\n")
    path = make_docx(tmp_path / "讲话.docx", lines)
    result = _invoke(str(path), "--json")
    assert result.exit_code == 1
    (slip,) = [f for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"]
    assert slip["excerpt"] == "按步就班" and slip["line"] == lines.index(next(x for x in lines if "按步就班" in x)) + 1


def test_every_corpus_speech_exits_zero():
    for path in sorted(CORPUS.glob("*-*.md"))[::4]:
        result = _invoke(str(path), "--json")
        assert result.exit_code == 0, (path.name, result.stdout[:500])


def test_unreadable_input_and_unknown_rule_are_chinese_errors_with_exit_two(tmp_path):
    result = _invoke(str(tmp_path / "没有这个文件.txt"))
    assert result.exit_code == 2 and "不存在" in result.stderr
    bad = tmp_path / "坏.json"
    bad.write_text('{"parts": 3}', encoding="utf-8")
    result = _invoke(str(bad))
    assert result.exit_code == 2 and "不是本工具保存的讲话稿" in result.stderr
    path = tmp_path / "讲话.txt"
    path.write_text(SPEECH, encoding="utf-8")
    result = _invoke(str(path), "--rule", "spelling")
    assert result.exit_code == 2 and "未知的检查规则：spelling" in result.stderr


def test_site_furniture_is_skipped_with_a_notice():
    result = _invoke(str(DEV))
    assert "已跳过 8 行网页杂项" in result.stderr
    assert "首页 > 范文大全" not in result.stdout


def test_help_is_chinese():
    result = CliRunner().invoke(main, ["check", "--help"])
    assert result.exit_code == 0 and "校对讲话稿" in result.output
