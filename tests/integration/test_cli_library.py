"""The library commands as a user runs them: ingest, inspect, list, remove, search."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.intake.parsing import parse_speech
from assistant.intake.text_decoding import split_front_matter
from tests.fixtures.make_files import make_docx, make_scanned_pdf
from tests.shared import CORPUS, SRC

SPEECH = CORPUS / "work_safety-01.md"

SITE_HEAD = """文秘范文网 - 公文写作第一站
首页 | 讲话稿 | 工作总结 | 心得体会 | 述职报告 | 调研报告
当前位置：首页 > 讲话稿 > 领导讲话 > 正文
{title}
时间：2025-06-03 10:12　来源：文秘范文网　浏览次数：3318
以下是小编为大家整理的{title}，欢迎阅读与借鉴。
"""
SITE_TAIL = """上一篇：在全市防汛工作会议上的讲话
下一篇：在青石县安全生产月启动仪式上的讲话
相关推荐
在全区建筑施工安全专项整治推进会上的讲话
首页 | 关于我们 | 联系我们 | 网站地图
Copyright © 2025 文秘范文网 版权所有
"""


def _body() -> tuple[dict, str]:
    meta, body = split_front_matter(SPEECH.read_text(encoding="utf-8"))
    return meta, body.strip()


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def web_copy(tmp_path) -> Path:
    """The speech as copied from a document website, with the site's junk around it."""
    meta, body = _body()
    page = SITE_HEAD.format(title=meta["title"]) + "\n".join("　　" + line for line in body.splitlines()) + "\n" + SITE_TAIL
    path = tmp_path / "网页复制.txt"
    path.write_text(page, encoding="utf-8")
    return path


def test_inspect_web_copy_gives_structure_without_junk(web_copy):
    meta, body = _body()
    expected = parse_speech(body)
    result = _invoke("inspect", str(web_copy), "--json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    assert got["title"] == meta["title"]
    assert got["kind"] == "work_safety"
    assert [s["heading"] for s in got["sections"]] == [s.heading for s in expected.sections]
    assert [s["role"] for s in got["sections"]] == ["harm", "causes", "decisions", "rectification"]
    assert [len(s["points"]) for s in got["sections"]] == [len(s.points) for s in expected.sections]
    assert all(len(s["points"]) >= 2 for s in got["sections"])
    dump = json.dumps(got, ensure_ascii=False)
    for junk in ("当前位置", "浏览次数", "欢迎阅读", "上一篇", "相关推荐", "版权所有", "网站地图", "文秘范文网"):
        assert junk not in dump


def test_gb18030_txt_and_docx_give_same_headings(tmp_path):
    _, body = _body()
    gbk = tmp_path / "讲话.txt"
    gbk.write_bytes(body.encode("gb18030"))
    docx = make_docx(tmp_path / "讲话.docx", body.splitlines())
    outs = []
    for path in (SPEECH, gbk, docx):
        result = _invoke("inspect", str(path), "--json")
        assert result.exit_code == 0, result.output
        outs.append(json.loads(result.output))
    headings = [[s["heading"] for s in o["sections"]] for o in outs]
    assert headings[0] == headings[1] == headings[2]
    assert outs[0]["title"] == outs[1]["title"] == outs[2]["title"]


def test_ingest_twice_reports_duplicate(tmp_path):
    first = _invoke("ingest", str(SPEECH), "--json", "-q")
    assert first.exit_code == 0
    added = json.loads(first.output)["added"]
    assert len(added) == 1 and added[0]["chunks"] > 5
    # The same speech again, this time as a GB18030 text file.
    _, body = _body()
    copy = tmp_path / "copy.txt"
    copy.write_bytes(body.encode("gb18030"))
    second = _invoke("ingest", str(SPEECH), str(copy), "--json", "-q")
    assert second.exit_code == 0
    report = json.loads(second.output)
    assert report["added"] == [] and len(report["duplicates"]) == 2
    assert {d["doc_id"] for d in report["duplicates"]} == {added[0]["doc_id"]}
    listed = json.loads(_invoke("list", "--json").output)
    assert len(listed) == 1


def _bad_files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "empty": tmp_path / "空文件.txt",
        "binary": tmp_path / "乱码.txt",
        "doc": tmp_path / "旧格式.doc",
        "scan": tmp_path / "扫描件.pdf",
        "big": tmp_path / "超大.txt",
    }
    files["empty"].write_bytes(b"")
    files["binary"].write_bytes(bytes(range(256)) * 40)
    files["doc"].write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    make_scanned_pdf(files["scan"])
    files["big"].write_text("同志们：" + "安全生产责任重于泰山。" * 20000, encoding="utf-8")
    return files


def test_bad_files_exit_1_with_chinese_reason_and_change_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MAX_UPLOAD_MB", "0.1")
    assert _invoke("ingest", str(SPEECH), "-q").exit_code == 0
    before = _invoke("list", "--json").output
    files = _bad_files(tmp_path)
    reasons = {
        "empty": "为空",
        "binary": "不是文本文件",
        "doc": "docx",
        "scan": "该PDF为扫描件，没有文字层，请先进行文字识别（OCR）后再上传",
        "big": "ASSISTANT_MAX_UPLOAD_MB",
    }
    for key, path in files.items():
        result = CliRunner().invoke(main, ["ingest", str(path), "--json", "-q"])
        assert result.exit_code == 1, (key, result.output)
        report = json.loads(result.stdout)
        assert report["added"] == [] and len(report["failed"]) == 1
        error = report["failed"][0]["error"]
        assert path.name in error, error
        assert reasons[key] in error, error
    assert _invoke("list", "--json").output == before


def test_mixed_ingest_adds_good_files_and_fails_the_rest(tmp_path):
    files = _bad_files(tmp_path)
    result = CliRunner().invoke(main, ["ingest", str(SPEECH), str(files["empty"]), "--json", "-q"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert len(report["added"]) == 1 and len(report["failed"]) == 1


def test_ingest_folder_walks_and_skips_readme(tmp_path):
    folder = tmp_path / "范文"
    (folder / "子目录").mkdir(parents=True)
    for name in ("land-01.md", "petition-02.md"):
        (folder / "子目录" / name).write_bytes((CORPUS / name).read_bytes())
    (folder / "README.md").write_text("# 说明\n这里是说明。", encoding="utf-8")
    result = _invoke("ingest", str(folder), "--json", "-q")
    assert result.exit_code == 0
    assert len(json.loads(result.output)["added"]) == 2


def test_search_list_remove_roundtrip():
    _invoke("ingest", str(SPEECH), str(CORPUS / "land-01.md"), "-q")
    result = _invoke("search", "施工单位安全责任没有落实的原因", "-k", "3", "--json")
    hits = json.loads(result.output)
    assert hits and set(hits[0]) == {"doc_id", "title", "section", "role", "text", "score"}
    assert hits[0]["title"].startswith("在东湖区“5·17”")
    role_hits = json.loads(_invoke("search", "整改", "--role", "rectification", "--json").output)
    assert role_hits and all(h["role"] == "rectification" for h in role_hits)
    doc_id = hits[0]["doc_id"]
    assert _invoke("remove", doc_id).exit_code == 0
    assert doc_id not in _invoke("list").output
    missing = CliRunner().invoke(main, ["remove", doc_id])
    assert missing.exit_code == 1 and "没有编号为" in missing.stderr


def test_search_shows_the_whole_point_with_the_match_marked():
    _invoke("ingest", str(SPEECH), "-q")
    query = "网格员天天从工地门口经过却从来没有进去看过"
    out = _invoke("search", query, "-k", "1").output
    lines = out.splitlines()
    assert "二、深挖根源，把事故背后的原因剖析透彻" in lines[0] and "[查找原因]" in lines[0]
    # The whole point (四), marker first, with the sentences that matched inside 【】.
    assert lines[1].startswith("    （四）属地和行业监管失之于宽。区住建局建筑工地安全监管人员只有6名，")
    assert "【江岸街道认为工地安全是住建部门的事" in out and out.rstrip().endswith("都打了折扣。】")
    hit = json.loads(_invoke("search", query, "-k", "1", "--json").output)[0]
    assert hit["text"].startswith("（四）属地和行业监管失之于宽。") and hit["text"].endswith("都打了折扣。")
    assert "【" not in hit["text"]


def test_console_script_never_shows_traceback(tmp_path):
    # PYTHONPATH: run this checkout's code, not whichever checkout the venv was installed from.
    env = {"ASSISTANT_DATA_DIR": str(tmp_path / "d"), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(SRC)}
    proc = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "inspect", str(tmp_path / "不存在.docx")],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )
    assert proc.returncode == 1
    assert "不存在.docx" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_setting_exits_2_naming_the_variable_in_chinese(monkeypatch):
    monkeypatch.setenv("ASSISTANT_MAX_UPLOAD_MB", "abc")
    result = CliRunner().invoke(main, ["list"])
    assert result.exit_code == 2
    assert result.stderr.startswith("错误：配置有误：")
    assert "ASSISTANT_MAX_UPLOAD_MB" in result.stderr and "abc" in result.stderr and "MB" in result.stderr
    assert "validation error" not in result.stderr.lower() and "Input should" not in result.stderr
    assert result.stdout == ""


def test_library_commands_do_not_load_the_writing_stack(tmp_path):
    """search/list start without the LLM client, langchain or the offline composer (CLI search ≤ 3 s at 100k)."""
    probe = (
        "import sys\n"
        "from assistant.cli import main\n"
        "for args in (['list', '--json'], ['search', '整改要求', '--json']):\n"
        "    try:\n"
        "        main(args, standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = [m for m in ('langchain_core', 'openai', 'pypinyin', 'assistant.writing.offline', 'assistant.llm')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(SRC), "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
           "ASSISTANT_CACHE_DIR": str(tmp_path / "cache"), "HOME": str(tmp_path)}  # fmt: skip
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr


@pytest.mark.parametrize(
    ("name", "encoding", "shown"),
    [
        ("关于安全生产约谈的讲话.md", "gbk", "关于安全生产约谈的讲话.md"),  # a Windows zip unpacked on Linux
        ("x.md", None, "bad.md"),  # bytes no encoding reads: shown with replacement marks
    ],
)
def test_a_file_name_that_is_not_utf8_is_imported_without_a_traceback(tmp_path, name, encoding, shown):
    import os

    folder = tmp_path / "解压"
    folder.mkdir()
    raw = name.encode(encoding) if encoding else b"\xff\xfebad.md"
    (folder / os.fsdecode(raw)).write_bytes((CORPUS / "petition-02.md").read_bytes())
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(SRC), "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
           "ASSISTANT_CACHE_DIR": str(tmp_path / "cache"), "HOME": str(tmp_path), "LANG": "C.UTF-8"}  # fmt: skip
    run = lambda *a: subprocess.run([sys.executable, "-m", "assistant.cli", *a], env=env, capture_output=True, text=True, timeout=300)  # noqa: E731
    out = run("ingest", str(folder))
    assert out.returncode == 0 and "Traceback" not in out.stderr and "Error" not in out.stderr, out.stderr
    listed = json.loads(run("list", "--json").stdout)
    assert len(listed) == 1 and shown in listed[0]["filename"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["search", "安全", "--role", "bogus"], "--role 的取值“bogus”无效，可选：opening"),
        (["ingest", "-rf.md"], "请在文件名前加上 --"),
        (["--data-dir", "/etc/passwd", "list"], "“/etc/passwd”是文件，这里需要文件夹"),
        (["search"], "缺少 QUERY"),
        (["search", "a", "b"], "多余的参数：b"),
        (["nosuch"], "没有“nosuch”这个命令"),
        (["list", "--jsn"], "是不是想用 --json"),
        (["export", "x.md", "--out"], "--out 的用法不对"),
        (["search", "安全", "-k", "many"], "“many”不是整数"),
    ],
)
def test_usage_errors_are_chinese(args, said, tmp_path):
    import re

    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(SRC), "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
           "ASSISTANT_CACHE_DIR": str(tmp_path / "cache"), "HOME": str(tmp_path)}  # fmt: skip
    out = subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env, capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert out.returncode == 2 and said in out.stderr, out.stderr
    # No English sentence from click ("Error:", "Invalid value", "Usage:"); option names and values may be Latin.
    assert not re.search(r"Error|Invalid|Usage|No such|Try '", out.stderr), out.stderr
