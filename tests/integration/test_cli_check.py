"""`assistant check` as a user runs it: JSON shape, exit codes, every input kind, Chinese output."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.domain.models import Draft
from assistant.drafts.draft_io import draft_from_text, save_draft
from tests.fixtures.cli_run import run_cli
from tests.fixtures.make_files import make_docx
from tests.shared import CORPUS, SRC, settings_vars
from tests.unit.test_checks import BRIEF, FIXTURES, SPEECH

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


# --- brief files built to hurt or simply mistyped (`check --brief`, as the probe ran it) ----------

CHECKED = CORPUS / "eco_env-01.md"
PEAK_LIMIT_KB = 1024 * 1024  # 1 GB
# Words a message may carry in Latin letters: formats, the size unit and the user's own YAML tag.
ALLOWED_LATIN = {"JSON", "YAML", "MB", "FIFO", "python", "object", "apply", "os", "system", "ruby"}


def _brief_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in settings_vars()}
    env.update(PYTHONPATH=str(SRC), ASSISTANT_DATA_DIR=str(tmp_path / "data"))
    return env


def _alias_bomb() -> str:
    """Nine nested alias levels of nine items: 9^9 (387 million) strings once walked."""
    lines = ['a: &a ["临江", "临江", "临江", "临江", "临江", "临江", "临江", "临江", "临江"]']
    for n in range(1, 9):
        prev, cur = chr(ord("a") + n - 1), chr(ord("a") + n)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _reason(err: str, path: Path) -> str:
    """The one error line, the file's path taken out; it must be Chinese apart from allowed words."""
    assert "Traceback" not in err and "意外错误" not in err, err
    lines = [line for line in err.strip().splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("错误："), err
    reason = lines[0].replace(str(path), "")
    latin = set(re.findall(r"[A-Za-z]+", reason))
    assert latin <= ALLOWED_LATIN, f"English reached the user: {latin - ALLOWED_LATIN} in {reason}"
    return reason


HOSTILE_BRIEFS = {
    "alias.yaml": (lambda p: p.write_text(_alias_bomb(), encoding="utf-8"), ("别名", "安全")),
    "alias-with-fields.yml": (
        lambda p: p.write_text("meeting: 约谈会\ntargets: *i\n" + _alias_bomb(), encoding="utf-8"),
        ("别名",),
    ),
    "deep.json": (lambda p: p.write_text("[" * 100_000, encoding="utf-8"), ("嵌套层数过多",)),
    "deep-closed.json": (
        lambda p: p.write_text('{"meeting": ' + "[" * 5_000 + "]" * 5_000 + "}", encoding="utf-8"),
        ("嵌套层数过多",),
    ),
    "deep.yaml": (lambda p: p.write_text("meeting: " + "[" * 100_000, encoding="utf-8"), ("嵌套层数过多",)),
    "deep-block.yaml": (
        lambda p: p.write_text("".join(" " * i + f"k{i}:\n" for i in range(200)) + " " * 200 + "v\n"),
        ("嵌套层数过多",),
    ),
    "many.yaml": (lambda p: p.write_text("facts: [" + "[]," * 300_000 + "]\n"), ("过于繁杂",)),
    "big.yaml": (
        lambda p: p.write_text("meeting: 约谈会\nfacts:\n" + "  - 东湖区污水处理厂出水超标\n" * 60_000, encoding="utf-8"),
        ("文件过大", "不能超过 1 MB"),
    ),
    "big.json": (lambda p: p.write_bytes(b" " * (1024 * 1024 + 1)), ("文件过大", "不能超过 1 MB")),
    "brief.yaml": (lambda p: os.mkfifo(p), ("管道文件",)),
    "tag.yaml": (
        lambda p: p.write_text('meeting: !!python/object/apply:os.system ["touch pwned"]\n', encoding="utf-8"),
        ("第 1 行第 10 列", "不允许的 YAML 标签 !!python/object/apply:os.system", "安全"),
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE_BRIEFS))
def test_hostile_brief_is_refused_quickly_in_chinese(tmp_path, name):
    build, expect = HOSTILE_BRIEFS[name]
    path = tmp_path / name
    build(path)
    env = _brief_env(tmp_path)
    run = run_cli(env, "check", str(CHECKED), "--brief", str(path), timeout=60)
    reason = _reason(run.err, path)
    assert run.code == 2, run.err
    assert all(e in reason for e in expect), reason
    assert run.peak_kb < PEAK_LIMIT_KB, run.peak_kb
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


BAD_JSON = {
    '{"meeting": }': "第 1 行第 13 列：这里缺少一个值",
    '{"meeting": "约谈会" "targets": []}': "第 1 行第 19 列：这里缺少逗号",
    '{"meeting": "约谈会",}': "第 1 行第 19 列：这里应是用英文双引号括起的字段名",
    "{'meeting': '约谈会'}": "第 1 行第 2 列：这里应是用英文双引号括起的字段名",
    '{"meeting": "约谈会\n"}': "第 1 行第 17 列：字符串中有不允许的控制字符",
    '{\n  "meeting": "约谈会}': "第 2 行第 14 列：字符串缺少结尾的英文双引号",
    '{"meeting": "约谈会"}\n{}': "第 2 行第 1 列：内容结束后还有多余的字符",
    '{"meeting": "D:\\资料"}': "第 1 行第 16 列：字符串中有无法识别的反斜杠转义",
    '{"meeting" "约谈会"}': "第 1 行第 12 列：这里缺少冒号",
}


@pytest.mark.parametrize("text", list(BAD_JSON))
def test_mistyped_json_brief_says_where_and_what_in_chinese(tmp_path, text):
    path = tmp_path / "要素.json"
    path.write_text(text, encoding="utf-8")
    result = _invoke(str(CHECKED), "--brief", str(path))
    assert result.exit_code == 2
    reason = _reason(result.stderr, path)
    assert "不是有效的 JSON" in reason and BAD_JSON[text].replace("：", "）：") in reason, reason


BAD_YAML = {
    "meeting: 约谈会: 东湖区\n": "第 1 行第 13 列",
    "meeting: 约谈会\ntargets: [东湖区, 临江市\n": "第 3 行第 1 列",
    'meeting: "约谈会\n': "第 2 行第 1 列",
    "meeting: 约谈会\n---\nmeeting: 约谈会\n": "第 2 行第 1 列",
    "meeting: 约谈会\n  targets: x\n": "第 2 行第 10 列",
    "meeting: !ruby/object 1\n": "第 1 行第 10 列",
    "meeting: 约谈会\ndate: 2026-13-45\n": "",
}


@pytest.mark.parametrize("text", list(BAD_YAML))
def test_mistyped_yaml_brief_says_where_in_chinese(tmp_path, text):
    path = tmp_path / "要素.yaml"
    path.write_text(text, encoding="utf-8")
    result = _invoke(str(CHECKED), "--brief", str(path))
    assert result.exit_code == 2
    reason = _reason(result.stderr, path.with_suffix(".yaml"))
    assert BAD_YAML[text] in reason, reason
