"""`assistant export`: saved drafts and speech files to .docx/.txt/.md, and its Chinese errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from assistant.cli import main
from assistant.drafts.draft_io import draft_from_text, save_draft
from assistant.intake.loaders import load_path
from tests.shared import CORPUS

SPEECH = CORPUS / "project_delay-01.md"
TITLE = "在全市重点项目推进滞后单位集体约谈会上的讲话"


def invoke(data_dir: Path, *args: str):
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), *args])


@pytest.fixture
def saved_draft(tmp_path) -> Path:
    path = tmp_path / "稿件.json"
    save_draft(draft_from_text(load_path(SPEECH).text), path)
    return path


def _east_asian(run) -> str | None:
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


@pytest.mark.parametrize("source", ["json", "md", "txt", "docx"])
def test_export_docx_from_every_kind_of_input(source, tmp_path, data_dir, saved_draft):
    if source == "json":
        src = saved_draft
    elif source == "md":
        src = SPEECH
    else:
        # the speech as a user would have it: a .txt, or a .docx this command wrote
        src = tmp_path / f"in.{source}"
        assert invoke(data_dir, "export", str(SPEECH), "--format", source, "--out", str(src)).exit_code == 0
    out = tmp_path / "out" / "讲话.docx"
    result = invoke(data_dir, "export", str(src), "--format", "docx", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["out"] == str(out) and report["format"] == "docx" and report["title"] == TITLE
    assert report["bytes"] == out.stat().st_size and report["headings"] >= 4
    doc = Document(io.BytesIO(out.read_bytes()))
    section = doc.sections[0]
    assert [round(x / 36000) for x in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)] == [37, 35, 28, 26]
    paragraphs = [p for p in doc.paragraphs if p.text]
    assert paragraphs[0].text == TITLE and _east_asian(paragraphs[0].runs[0]) == "方正小标宋简体"
    assert paragraphs[0].runs[0].font.size == Pt(22)
    runs = [r for p in paragraphs for r in p.runs]
    assert all(_east_asian(r) for r in runs)
    heading = next(p for p in paragraphs if p.text.startswith("一、"))
    assert _east_asian(heading.runs[0]) == "黑体"


def test_export_txt_and_md(tmp_path, data_dir, saved_draft):
    txt = tmp_path / "a.txt"
    result = invoke(data_dir, "export", str(saved_draft), "--format", "txt", "--out", str(txt))
    assert result.exit_code == 0, result.output
    assert f"已导出《{TITLE}》" in result.output
    text = txt.read_bytes().decode("utf-8-sig")
    assert text.startswith(TITLE + "\r\n\r\n同志们：\r\n")
    assert not any(s in text for s in ("#", "**", "`", "\r\n- ", "\r\n> "))
    md = tmp_path / "a.md"
    assert invoke(data_dir, "export", str(saved_draft), "--out", str(md)).exit_code == 0  # format from the name
    assert md.read_text(encoding="utf-8").startswith(f"# {TITLE}\n\n同志们：\n\n")
    assert "\n## 一、" in md.read_text(encoding="utf-8")


def test_out_defaults_to_the_title(tmp_path, data_dir, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(data_dir, "export", str(SPEECH), "--format", "docx")
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"{TITLE}.docx").is_file()
    folder = tmp_path / "导出"
    folder.mkdir()
    assert invoke(data_dir, "export", str(SPEECH), "--format", "md", "--out", str(folder)).exit_code == 0
    assert (folder / f"{TITLE}.md").is_file()


def test_txt_to_the_screen(data_dir):
    result = invoke(data_dir, "export", str(SPEECH), "--format", "txt", "--out", "-")
    assert result.exit_code == 0
    assert result.output.startswith(TITLE + "\n（2025年5月14日）\n\n同志们：\n")


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["--format", "pdf", "--out", "x.pdf"], "不支持的导出格式“pdf”，可选：docx、txt、md", 2),
        (["--out", "x.odt"], "无法从输出文件名 x.odt 判断导出格式", 2),
        ([], "请用 --format 指定导出格式", 2),
        (["--format", "docx", "--out", "-"], "Word 文档不能输出到屏幕", 2),
    ],
)
def test_bad_format_is_a_chinese_usage_error(args, message, code, data_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(data_dir, "export", str(SPEECH), *args)
    assert result.exit_code == code
    assert message in result.output and "错误：" in result.output
    assert not [p for p in tmp_path.iterdir() if p.name != "data"]  # nothing written


def test_unreadable_inputs_are_chinese_errors(tmp_path, data_dir):
    missing = invoke(data_dir, "export", str(tmp_path / "没有.json"), "--format", "txt", "--out", str(tmp_path / "o.txt"))
    assert missing.exit_code == 1 and "《没有.json》文件不存在" in missing.output
    bad = tmp_path / "坏.json"
    bad.write_text('{"parts": "不是列表"}', encoding="utf-8")
    result = invoke(data_dir, "export", str(bad), "--format", "txt", "--out", str(tmp_path / "o.txt"))
    assert result.exit_code == 1 and "不是本工具保存的讲话稿 JSON 文件" in result.output
    legacy = tmp_path / "旧稿.doc"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    result = invoke(data_dir, "export", str(legacy), "--format", "docx", "--out", str(tmp_path / "o.docx"))
    assert result.exit_code == 1 and "旧版 Word 文档" in result.output
    empty = tmp_path / "空.txt"
    empty.write_text("\n\n", encoding="utf-8")
    result = invoke(data_dir, "export", str(empty), "--format", "docx", "--out", str(tmp_path / "o.docx"))
    assert result.exit_code == 1 and "错误：" in result.output
    assert not (tmp_path / "o.txt").exists() and not (tmp_path / "o.docx").exists()


def test_large_json_is_refused_before_reading(tmp_path, data_dir, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MAX_UPLOAD_MB", "1")
    big = tmp_path / "大.json"
    big.write_bytes(b" " * (1024 * 1024 + 10))
    result = invoke(data_dir, "export", str(big), "--format", "txt", "--out", str(tmp_path / "o.txt"))
    assert result.exit_code == 1 and "文件过大" in result.output and "ASSISTANT_MAX_UPLOAD_MB" in result.output


def test_unwritable_out_is_a_chinese_error(tmp_path, data_dir):
    blocker = tmp_path / "文件"
    blocker.write_text("x", encoding="utf-8")
    result = invoke(data_dir, "export", str(SPEECH), "--format", "txt", "--out", str(blocker / "o.txt"))
    assert result.exit_code == 1 and "无法写入" in result.output
    assert "Traceback" not in result.output


def test_unwritable_targets_are_chinese_errors_and_a_read_only_file_is_kept(tmp_path, data_dir):
    import re
    import stat

    protected = tmp_path / "定稿.docx"
    protected.write_bytes(b"old")
    protected.chmod(0o444)  # the user protected the final version
    result = invoke(data_dir, "export", str(SPEECH), "--out", str(protected))
    assert result.exit_code == 1 and "只读" in result.output and protected.read_bytes() == b"old"
    not_a_folder = tmp_path / "文件"
    not_a_folder.write_text("x", encoding="utf-8")
    result = invoke(data_dir, "export", str(SPEECH), "--out", str(not_a_folder / "稿.txt"))
    assert result.exit_code == 1 and "不是文件夹" in result.output
    for said in (invoke(data_dir, "export", str(SPEECH), "--out", str(p)).output for p in (protected, not_a_folder / "x.md")):
        assert not re.search(r"[A-Za-z]{4,}", re.sub(r"\S*\.(docx|md|txt)", "", said)), said  # no English system text
    # An ordinary file is replaced keeping its mode (not the temporary file's 0600).
    shared = tmp_path / "共享.txt"
    shared.write_text("旧", encoding="utf-8")
    shared.chmod(0o644)
    assert invoke(data_dir, "export", str(SPEECH), "--out", str(shared)).exit_code == 0
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644 and shared.read_text(encoding="utf-8") != "旧"


@pytest.mark.parametrize("fmt", ["txt", "docx"])
def test_a_target_that_is_not_a_plain_file_is_never_replaced(fmt, tmp_path, data_dir, saved_draft):
    """A pipe, a link to /dev/null, a link to a pipe: refused in Chinese, left exactly as they were."""
    import os
    import stat

    pipe = tmp_path / f"pipe.{fmt}"
    os.mkfifo(pipe)
    to_null = tmp_path / f"null.{fmt}"
    to_null.symlink_to("/dev/null")
    to_pipe = tmp_path / f"to_pipe.{fmt}"
    to_pipe.symlink_to(pipe)
    for target in (pipe, to_null, to_pipe):
        r = invoke(data_dir, "export", str(saved_draft), "--format", fmt, "--out", str(target))
        assert r.exit_code == 1, (target, r.output)
        assert "不是普通文件" in r.stderr and "Traceback" not in r.output
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
    assert to_null.is_symlink() and os.readlink(to_null) == "/dev/null"
    assert to_pipe.is_symlink() and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


def test_a_draft_is_never_saved_over_a_pipe(tmp_path, saved_draft):
    import os

    from assistant.drafts.draft_io import load_draft
    from assistant.support.atomic_files import NotARegularFile

    pipe = tmp_path / "out.json"
    os.mkfifo(pipe)
    with pytest.raises(NotARegularFile):
        save_draft(load_draft(saved_draft), pipe)
    assert pipe.is_fifo()


_SPEECH_BODY = "\n同志们：\n今天召开约谈会。\n一、正视问题\n问题很多。\n同志们，散会。"


@pytest.mark.parametrize("fmt", ["docx", "txt", "md"])
def test_control_and_reordering_characters_in_a_title_never_reach_the_file_or_the_terminal(fmt, tmp_path, data_dir):
    title = "在\x07临江市\x1b[31m\u202e约谈会上的讲话"
    path = save_draft(draft_from_text(title + _SPEECH_BODY), tmp_path / "d.json")
    r = invoke(data_dir, "export", str(path), "--format", fmt, "--out", str(tmp_path))
    assert r.exit_code == 0, r.output  # was 发生意外错误（ValueError） for .docx
    for ch in ("\x07", "\x1b", "\u202e"):
        assert ch not in r.output
    (out,) = tmp_path.glob(f"*.{fmt}")
    text = (
        "\n".join(p.text for p in Document(io.BytesIO(out.read_bytes())).paragraphs)
        if fmt == "docx" else out.read_text(encoding="utf-8")
    )  # fmt: skip
    assert "在临江市[31m约谈会上的讲话" in text.replace("\\", "") and not any(c in text for c in "\x07\x1b\u202e")


@pytest.mark.parametrize("char", ["临", "\U00020000"])  # 3 and 4 bytes in UTF-8
def test_a_very_long_title_gives_a_file_name_within_the_limits(char, tmp_path, data_dir):
    from assistant.drafts.draft_io import load_draft

    path = save_draft(draft_from_text("在临江市约谈会上的讲话" + _SPEECH_BODY), tmp_path / "d.json")
    long = load_draft(path).model_copy(update={"title": "在" + char * 120 + "上的讲话"})
    for part in long.parts:
        if part.role == "title":
            part.text = long.title
    path = save_draft(long, tmp_path / "d.json")
    out = tmp_path / "out"
    out.mkdir()
    r = invoke(data_dir, "export", str(path), "--format", "docx", "--out", str(out))
    assert r.exit_code == 0, r.output  # was 文件名或路径过长 (the temporary name was longer)
    (written,) = out.iterdir()
    assert len(written.name.encode("utf-8")) <= 245 and written.name.startswith("在" + char)


def test_a_name_near_the_byte_limit_is_written(tmp_path):
    from assistant.support.atomic_files import write_atomic

    name = "临" * 83 + ".txt"  # 253 bytes: the old temporary name (.<name>.XXXXXXXX.tmp) was over 255
    write_atomic(tmp_path / name, "正文")
    assert (tmp_path / name).read_text(encoding="utf-8") == "正文"
