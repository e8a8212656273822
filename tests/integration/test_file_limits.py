"""Limits before reading and the right messages (issue 12, items 2 and 7), in-process and through the CLI."""

from __future__ import annotations

import os
import random
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from assistant.intake.admission import FileLimits, check_length, check_zip, prose_problem
from assistant.intake.loaders import LoadError, load_bytes, load_path
from assistant.intake.prepare import prepare_bytes
from assistant.support.config import Settings
from tests.fixtures import hostile as H
from tests.fixtures.cli_run import run_cli
from tests.fixtures.make_files import find_cjk_font, make_docx, make_text_pdf
from tests.shared import CORPUS, REPO

SPEECHES = sorted(CORPUS.glob("*.md"))
SPEECH = H.speech_text()


def _err(data: bytes, name: str, **kw) -> str:
    with pytest.raises(LoadError) as info:
        load_bytes(data, name, **kw)
    return str(info.value)


# --- encodings ------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("path", SPEECHES[::6], ids=lambda p: p.stem)
def test_utf16_without_bom_is_decoded(path, encoding):
    text = path.read_text(encoding="utf-8").split("---", 2)[2].strip()
    for sample in (text, text[:40], text.replace("\n", "\r\n")):
        loaded = load_bytes(sample.encode(encoding), "无BOM.txt")
        assert loaded.text == sample.replace("\r\n", "\n") and loaded.encoding == encoding


def _chinese_lines(lines: list[str]) -> list[int]:
    return [n for n, line in enumerate(lines, 1) if any(ord(c) > 127 for c in line)]


def test_utf8_with_a_few_gb18030_lines_is_decoded_and_says_which():
    lines = SPEECH.split("\n")
    gb = _chinese_lines(lines)[1:6:4]  # two lines pasted from a GBK source
    data = b"\n".join(
        line.encode("gb18030") if n in gb else line.encode("utf-8") for n, line in enumerate(lines, 1)
    )
    loaded = load_bytes(data, "混合.txt")
    assert loaded.text == SPEECH
    assert loaded.notices == [f"第 {gb[0]}、{gb[1]} 行是 GB18030（GBK）编码，其余是 UTF-8，已统一转换"]
    prepared = prepare_bytes(data, "混合.txt", Settings())
    assert any("GB18030" in c.reason for c in prepared.cleaned.changed)


def test_mixed_file_with_an_undecodable_line_names_the_line():
    lines = SPEECH.split("\n")[:12]
    gb, bad = _chinese_lines(lines)[1], _chinese_lines(lines)[3]
    parts = [line.encode("gb18030") if n == gb else line.encode("utf-8") for n, line in enumerate(lines, 1)]
    parts[bad - 1] = b"\xff\xfe\xfd\x80\x81 \xc0\xc1"
    message = _err(b"\n".join(parts), "坏行.txt")
    assert "《坏行.txt》" in message and f"第 {bad} 行" in message


@pytest.mark.parametrize("every", [7, 50, 400])
def test_nul_bytes_are_stripped_with_a_notice(every):
    raw = SPEECH.encode("utf-8")
    data = b"".join(raw[i : i + every] + b"\x00" for i in range(0, len(raw), every))
    loaded = load_bytes(data, "空字符.txt")
    assert loaded.text == SPEECH
    assert loaded.notices == [f"删除了 {data.count(0)} 个空字符（NUL，通常是复制或转换时混入的）"]


# --- PDFs -----------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["RC4", "AES_128", "AES_256"])
def test_pdf_encrypted_with_an_empty_password_opens(tmp_path, method):
    path = H.encrypted_pdf(tmp_path / "只限权限.pdf", method, user_password="")
    assert load_path(path).text == "Confidential speech draft"


@pytest.mark.parametrize("method", ["RC4", "AES_128", "AES_256"])
def test_pdf_with_an_open_password_asks_for_it(tmp_path, method):
    path = H.encrypted_pdf(tmp_path / "有密码.pdf", method)
    with pytest.raises(LoadError) as info:
        load_path(path)
    assert "《有密码.pdf》" in str(info.value) and "已加密" in str(info.value) and "密码" in str(info.value)
    assert "损坏" not in str(info.value)


def test_pdf_extraction_stops_at_the_character_cap(tmp_path):
    if find_cjk_font() is None:
        pytest.skip("no CJK font (CI installs fonts-noto-cjk)")
    path = tmp_path / "长.pdf"
    make_text_pdf(path, [SPEECH[:600]] * 30, [])
    with pytest.raises(LoadError) as info:
        load_path(path, limits=FileLimits(max_chars=3000))
    assert "太长" in str(info.value) and "ASSISTANT_MAX_DOC_CHARS" in str(info.value)


# --- zip members, characters, prose ------------------------------------------------------

def test_a_real_docx_passes_the_zip_checks(tmp_path):
    path = make_docx(tmp_path / "讲话.docx", SPEECH.split("\n"))
    check_zip(path.read_bytes(), "讲话.docx", FileLimits().max_unzipped_bytes)
    assert load_path(path).text == SPEECH


def test_total_unzipped_size_is_checked_before_inflating(tmp_path):
    path = H.docx_zip_bomb(tmp_path / "炸弹.docx", gib=0.05)  # 51 MB inflated, about 50 kB on disk
    assert path.stat().st_size < 200_000
    message = _err(path.read_bytes(), "炸弹.docx", limits=FileLimits(max_unzipped_bytes=20 << 20))
    assert "20 MB" in message and "ASSISTANT_MAX_UNZIPPED_MB" in message


def test_zip_checks_read_only_the_directory(tmp_path):
    # Members stored with a wrong declared size are never trusted past that size by zipfile;
    # here the declared sizes alone decide, so this runs in milliseconds for a 1 GiB bomb.
    path = H.docx_zip_bomb(tmp_path / "炸弹.docx", gib=1)
    with zipfile.ZipFile(path) as zf:
        assert sum(i.file_size for i in zf.infolist()) > 1 << 30
    with pytest.raises(LoadError):
        check_zip(path.read_bytes(), "炸弹.docx", 100 << 20)


@pytest.mark.parametrize("cap", [50, 1000, 5000])
def test_character_cap_boundary(cap):
    text = ("约谈" * cap)[:cap]
    check_length(text, "刚好.txt", cap)
    check_length(text + " \n\t" * 50, "空白不算.txt", cap)
    with pytest.raises(LoadError) as info:
        check_length(text + "谈", "多一字.txt", cap)
    assert f"上限 {cap} 字" in str(info.value)


@pytest.mark.parametrize("path", SPEECHES, ids=lambda p: p.stem)
def test_every_bundled_speech_is_prose(path):
    assert prose_problem(path.read_text(encoding="utf-8")) is None


@pytest.mark.parametrize(
    "path",
    sorted((REPO / "tests" / "fixtures").glob("*/*.input.txt")) + sorted((REPO / "tests" / "fixtures" / "noisy").glob("*.txt")),
    ids=lambda p: p.name,
)
def test_every_noisy_page_fixture_is_prose(path):
    assert prose_problem(path.read_text(encoding="utf-8")) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (H.PASSWD, "几乎没有中文"),
        (H.CODE, "中文只占"),
        (H.CSV_NUMBERS, "几乎没有中文"),
        ("张三 李四 王五\n" * 20 + "赵六\n" * 20, "没有成句"),
        ("The meeting discussed delayed projects. " * 50, "几乎没有中文"),
        ("<html><body>" + "<div class='nav'>首页</div>" * 40 + "</body></html>", "中文只占"),
    ],
    ids=["passwd", "code", "csv", "names-table", "english", "html"],
)
def test_non_speech_text_is_refused_with_its_reason(text, reason):
    problem = prose_problem(text)
    assert problem and reason in problem


# --- the CLI: folders, inspect, notices -------------------------------------------------

def test_folder_batch_goes_on_past_bad_files_and_reports_skips(cli_run_env, tmp_path):
    folder = tmp_path / "范文"
    (folder / "子目录").mkdir(parents=True)
    shutil.copy(CORPUS / "petition-02.md", folder / "子目录" / "信访.md")
    (folder / "用户.txt").write_text(H.PASSWD)
    (folder / "炸弹.docx").write_bytes(H.docx_zip_bomb(tmp_path / "b.docx", gib=0.2).read_bytes())
    os.mkfifo(folder / "管道.txt")
    (folder / ".隐藏.txt").write_text(SPEECH)
    (folder / "照片.jpg").write_bytes(b"\xff\xd8\xff")
    (folder / "链接目录").symlink_to(tmp_path)
    shutil.copy(CORPUS / "land-01.md", folder / "耕地.md")
    r = run_cli(cli_run_env, "ingest", "--json", "-q", str(folder), timeout=120)
    report = r.json()
    assert r.code == 1
    assert len(report["added"]) == 2
    failed = {Path(f["path"]).name for f in report["failed"]}
    assert failed == {"用户.txt", "炸弹.docx", "管道.txt"}
    skipped = {Path(s["path"]).name: s["reason"] for s in report["skipped"]}
    assert "隐藏文件" in skipped[".隐藏.txt"]
    assert "不是支持的格式" in skipped["照片.jpg"]
    assert "快捷方式" in skipped["链接目录"]
    text = run_cli(cli_run_env, "ingest", str(folder), timeout=120)
    assert "已跳过：《.隐藏.txt》是隐藏文件" in text.err and "跳过 3 个文件" in text.out


def test_cli_ingest_prints_the_nul_notice(cli_run_env, tmp_path):
    path = tmp_path / "空字符.txt"
    path.write_bytes(SPEECH.replace("。", "。\x00").encode("utf-8"))
    r = run_cli(cli_run_env, "ingest", str(path), timeout=120)
    assert r.code == 0, r.err
    assert "注意：删除了" in r.out and "空字符（NUL" in r.out


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: d / "没有.txt", "《没有.txt》文件不存在"),
        (lambda d: (d / "目录.txt").mkdir() or d / "目录.txt", "《目录.txt》是文件夹"),
        (lambda d: H.fifo(d / "管道.txt"), "《管道.txt》是管道文件"),
    ],
    ids=["missing", "directory", "fifo"],
)
def test_inspect_speaks_chinese_about_files_it_cannot_read(cli_run_env, tmp_path, make, expected):
    r = run_cli(cli_run_env, "inspect", str(make(tmp_path)), timeout=60)
    assert r.code == 1 and expected in r.err
    assert "No such file" not in r.err and "Errno" not in r.err and "Traceback" not in r.err


def test_inspect_permission_denied_in_chinese(cli_run_env, tmp_path):
    path = tmp_path / "锁住.txt"
    path.write_text(SPEECH, encoding="utf-8")
    path.chmod(0)
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if not setpriv:
            pytest.skip("root without setpriv: permission bits cannot be tested")
        prefix = (setpriv, "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search")
    r = run_cli(cli_run_env, "inspect", str(path), timeout=60, prefix=prefix)
    assert r.code == 1 and "《锁住.txt》没有读取权限" in r.err
    assert "Permission denied" not in r.err


@pytest.mark.parametrize("damage", ["chroma-is-a-file", "chroma-db-is-junk"])
def test_unexpected_library_errors_reach_the_user_in_chinese(cli_run_env, damage):
    data = Path(cli_run_env["ASSISTANT_DATA_DIR"])
    if damage == "chroma-is-a-file":
        data.mkdir(parents=True)
        (data / "chroma").write_text("不是文件夹")
    else:
        (data / "chroma").mkdir(parents=True)
        (data / "chroma" / "chroma.sqlite3").write_text("不是数据库")
    r = run_cli(cli_run_env, "list", timeout=120)
    assert r.code != 0
    assert "Errno" not in r.err and "File exists" not in r.err and "not a database" not in r.err
    assert r.err.startswith("错误：") and "Traceback" not in r.err


def test_saved_draft_json_is_checked_before_it_is_read(tmp_path):
    from assistant.drafts.draft_io import load_draft

    big = tmp_path / "大稿.json"
    with open(big, "wb") as f:  # sparse: the size says 30 MB, nothing needs reading to know
        f.truncate(30 * 1024 * 1024)
    with pytest.raises(LoadError, match="MB"):
        load_draft(big, max_bytes=20 * 1024 * 1024)
    fifo = tmp_path / "稿件.json"
    os.mkfifo(fifo)
    with pytest.raises(LoadError) as info:
        load_draft(fifo)  # before the fix: read_text() blocked here forever
    assert "FIFO" in str(info.value)
    gbk = tmp_path / "旧稿.json"
    gbk.write_bytes('{"title": "讲话"}'.encode("gbk"))
    with pytest.raises(LoadError, match="UTF-8"):
        load_draft(gbk)


# --- the size in a "too large" message ----------------------------------------------------

_SIZE_MESSAGE = re.compile(r"文件过大（([0-9.]+) MB），超过上传上限 ([0-9.]+) MB。")
_MIB = 1024 * 1024


def _just_over(limit: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    fixed = [1, 2, 7, 100, 4096, _MIB // 100, _MIB // 20 - 1, _MIB // 20, _MIB // 20 + 1, _MIB // 10, _MIB]
    return [limit + extra for extra in fixed + [rng.randint(1, _MIB // 5) for _ in range(25)]]


@pytest.mark.parametrize("limit_mb", [0.3, 1, 7.25, 20, 99.9, 100])
def test_a_file_just_over_the_limit_is_shown_larger_than_the_limit(limit_mb, tmp_path):
    settings = Settings(max_upload_mb=limit_mb)
    limits = FileLimits.from_settings(settings)
    path = tmp_path / "略超上限.txt"
    for size in _just_over(limits.max_bytes, seed=int(limit_mb * 100)):
        with open(path, "wb") as f:
            f.truncate(size)  # sparse: no space on disk
        with pytest.raises(LoadError) as info:
            load_path(path, limits=limits)
        shown = _SIZE_MESSAGE.search(str(info.value))
        assert shown, str(info.value)
        assert float(shown[1]) > float(shown[2]), (size, str(info.value))
        assert float(shown[2]) == pytest.approx(limit_mb, abs=1e-6), str(info.value)
        assert abs(float(shown[1]) - size / _MIB) <= 0.0501, (size, str(info.value))


def test_the_probe_file_reads_20_03_mb(tmp_path):
    path = tmp_path / "大.txt"
    with open(path, "wb") as f:
        f.truncate(21_005_957)
    message = _err(b"x" * 21_005_957, "大.txt")
    assert "文件过大（20.03 MB），超过上传上限 20 MB。" in message
    with pytest.raises(LoadError) as info:
        load_path(path)
    assert "文件过大（20.03 MB），超过上传上限 20 MB。" in str(info.value)
