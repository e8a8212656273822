"""The hostile matrix (issue 12): files built to hurt, ingested through the real CLI in subprocesses.

Every case must end with a Chinese reason naming the file, leave the library as it was, finish
within its timeout (a FIFO must not hang) and keep the ingest process under 1 GB of peak memory
(wait4's rusage of that very process, see fixtures/peak_rss.py). Set HOSTILE_REPORT=path to
append each case's peak memory and time as JSON lines.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fixtures import hostile as H
from tests.fixtures.cli_run import CliRun, cli_env, run_cli

PEAK_LIMIT_KB = 1024 * 1024  # 1 GB
HAN = set(chr(c) for c in range(0x4E00, 0xA000))
ROOT = os.geteuid() == 0
SETPRIV = shutil.which("setpriv")


@pytest.fixture(scope="module")
def lib(tmp_path_factory, embed_srv):
    """A library holding one speech, shared by every case (each must leave it as it was)."""
    data = tmp_path_factory.mktemp("hostile-lib") / "data"
    env = cli_env(data, embed_srv)
    r = run_cli(env, "ingest", "--json", "-q", str(H.SPEECH))
    assert r.code == 0 and len(r.json()["added"]) == 1, r.err
    return env


def _listing(env) -> list[dict]:
    r = run_cli(env, "list", "--json")
    assert r.code == 0, r.err
    return r.json()


def _files(env) -> set[str]:
    data = Path(env["ASSISTANT_DATA_DIR"])
    return {str(p.relative_to(data)) for sub in ("docs", "originals") for p in (data / sub).rglob("*")}


@pytest.fixture(scope="module")
def before(lib):
    return _listing(lib), _files(lib)


# --- the cases ------------------------------------------------------------------------

@dataclass
class Case:
    """Build the hostile input(s) in a folder; the reason must contain every string of ``expect``."""

    build: Callable[[Path], list[str]]
    expect: tuple[str, ...]
    timeout: float = 120
    drop_read_rights: bool = False  # run without root's power to read any file


def _write(d: Path, name: str, data: bytes | str) -> Path:
    p = d / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return p


def _link(d: Path, name: str, target: str | Path) -> Path:
    p = d / name
    p.symlink_to(target)
    return p


def _random_bytes(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def _in_folder(d: Path, make: Callable[[Path], object]) -> list[str]:
    folder = d / "讲话稿"
    folder.mkdir()
    make(folder)
    return [str(folder)]


def _speech_outside(d: Path) -> Path:
    return _write(d, "外面的讲话.txt", H.speech_text())


def _locked(d: Path) -> list[str]:
    p = _write(d, "没有权限.txt", H.speech_text())
    p.chmod(0)
    return [str(p)]


def _dot_files_only(folder: Path) -> None:
    _write(folder, ".隐藏的讲话.txt", H.speech_text())
    (folder / ".git").mkdir()
    _write(folder / ".git", "讲话.txt", H.speech_text())


CASES: dict[str, Case] = {
    "docx-zip-bomb-1GiB": Case(lambda d: [str(H.docx_zip_bomb(d / "炸弹.docx"))], ("炸弹.docx", "压缩炸弹")),
    "docx-steep-member": Case(lambda d: [str(H.docx_steep_member(d / "陡峭.docx"))], ("陡峭.docx", "压缩比异常")),
    "docx-95MB-of-xml": Case(lambda d: [str(H.docx_many_paragraphs(d / "大文档.docx", 95))], ("大文档.docx", "文字部分")),
    "docx-24MB-of-tiny-paragraphs": Case(
        lambda d: [str(H.docx_many_paragraphs(d / "碎段落.docx", 24))], ("碎段落.docx", "太长"), timeout=400
    ),
    "docx-20000-members": Case(lambda d: [str(H.docx_many_members(d / "部件.docx"))], ("部件.docx", "部件")),
    "docx-path-traversal-member": Case(
        lambda d: [str(H.docx_with_member(d / "穿越.docx", "../../../tmp/evil.txt"))], ("穿越.docx", "异常路径")
    ),
    "docx-absolute-member": Case(
        lambda d: [str(H.docx_with_member(d / "绝对.docx", "/etc/cron.d/evil"))], ("绝对.docx", "异常路径")
    ),
    "docx-entity-expansion": Case(lambda d: [str(H.docx_entity_expansion(d / "笑.docx"))], ("笑.docx",)),
    "docx-external-entity-xxe": Case(lambda d: [str(H.docx_external_entity(d / "外部实体.docx"))], ("外部实体.docx",)),
    "symlink-to-dev-zero": Case(lambda d: [str(_link(d, "零.txt", "/dev/zero"))], ("零.txt", "设备文件")),
    "symlink-to-dev-zero-in-folder": Case(
        lambda d: _in_folder(d, lambda f: _link(f, "零.txt", "/dev/zero")), ("零.txt", "文件夹之外")
    ),
    "symlink-outside-folder": Case(
        lambda d: _in_folder(d, lambda f: _link(f, "链接.txt", _speech_outside(d))), ("链接.txt", "文件夹之外")
    ),
    "symlink-to-passwd": Case(lambda d: [str(_link(d, "passwd.txt", "/etc/passwd"))], ("passwd.txt", "中文")),
    "symlink-loop": Case(
        lambda d: [str(_link(d, "甲.txt", d / "乙.txt")), str(_link(d, "乙.txt", d / "甲.txt"))], ("循环",)
    ),
    "dangling-symlink": Case(lambda d: [str(_link(d, "断链.txt", d / "不存在.txt"))], ("断链.txt", "不存在")),
    "fifo-named-txt": Case(lambda d: [str(H.fifo(d / "管道.txt"))], ("管道.txt", "管道"), timeout=60),
    "fifo-in-folder": Case(lambda d: _in_folder(d, lambda f: H.fifo(f / "管道.txt")), ("管道.txt", "管道"), timeout=60),
    "dev-zero-directly": Case(lambda d: ["/dev/zero"], ("zero", "不支持")),
    "pdf-aes128-password": Case(lambda d: [str(H.encrypted_pdf(d / "加密128.pdf", "AES_128"))], ("加密128.pdf", "已加密", "密码")),
    "pdf-aes256-password": Case(lambda d: [str(H.encrypted_pdf(d / "加密256.pdf", "AES_256"))], ("加密256.pdf", "已加密", "密码")),
    "pdf-rc4-password": Case(lambda d: [str(H.encrypted_pdf(d / "加密rc4.pdf", "RC4"))], ("加密rc4.pdf", "已加密", "密码")),
    "pdf-stream-bomb": Case(lambda d: [str(H.pdf_stream_bomb(d / "流炸弹.pdf"))], ("流炸弹.pdf",)),
    "binary-junk-txt": Case(lambda d: [str(_write(d, "乱码.txt", _random_bytes(200_000, 1)))], ("乱码.txt",)),
    "binary-junk-docx": Case(lambda d: [str(_write(d, "乱码.docx", _random_bytes(200_000, 2)))], ("乱码.docx", "损坏")),
    "binary-junk-pdf": Case(
        lambda d: [str(_write(d, "乱码.pdf", b"%PDF-1.7\n" + _random_bytes(200_000, 3)))], ("乱码.pdf",)
    ),
    "empty-txt": Case(lambda d: [str(_write(d, "空.txt", b""))], ("空.txt", "为空")),
    "empty-docx": Case(lambda d: [str(_write(d, "空.docx", b""))], ("空.docx", "为空")),
    "empty-pdf": Case(lambda d: [str(_write(d, "空.pdf", b""))], ("空.pdf", "为空")),
    "huge-one-line-over-char-cap": Case(
        lambda d: [str(_write(d, "一行.txt", (H.speech_text().replace("\n", "") * 200)[:700_000]))], ("一行.txt", "太长")
    ),
    "symlink-to-oversize-file": Case(
        lambda d: [str(_link(d, "大链接.txt", H.sparse_file(d / "大.bin", 30)))], ("大链接.txt", "过大")
    ),
    "oversize-sparse-30MB": Case(lambda d: [str(H.sparse_file(d / "巨大.txt", 30))], ("巨大.txt", "过大", "ASSISTANT_MAX_UPLOAD_MB")),
    "dot-files-only": Case(lambda d: _in_folder(d, _dot_files_only), ("没有可导入",)),
    "directory-named-txt": Case(lambda d: [str((d / "目录.txt").mkdir() or d / "目录.txt")], ("目录.txt", "文件夹")),
    "unreadable-chmod-000": Case(_locked, ("没有权限.txt", "没有读取权限"), drop_read_rights=True),
    "passwd-like-text": Case(lambda d: [str(_write(d, "用户.txt", H.PASSWD))], ("用户.txt", "中文")),
    "python-code-txt": Case(lambda d: [str(_write(d, "代码.txt", H.CODE))], ("代码.txt", "中文只占")),
    "csv-numbers-txt": Case(lambda d: [str(_write(d, "报表.txt", H.CSV_NUMBERS))], ("报表.txt",)),
    "missing-file": Case(lambda d: [str(d / "没有这个文件.txt")], ("没有这个文件.txt", "不存在")),
    "old-doc-renamed-docx": Case(
        lambda d: [str(_write(d, "旧版.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096))], ("旧版.docx", "旧版")
    ),
    "pdf-named-txt": Case(lambda d: [str(_write(d, "其实是.txt", b"%PDF-1.4\n" + b"\0" * 100))], ("其实是.txt", "PDF")),
}


def _report(name: str, run: CliRun) -> None:
    target = os.environ.get("HOSTILE_REPORT")
    if target:
        with open(target, "a", encoding="utf-8") as f:
            f.write(json.dumps({"case": name, "peak_mb": round(run.peak_kb / 1024, 1),
                                "seconds": round(run.seconds, 2), "code": run.code}, ensure_ascii=False) + "\n")


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input_is_refused_in_chinese(name, lib, before, tmp_path):
    case = CASES[name]
    prefix: tuple[str, ...] = ()
    if case.drop_read_rights and ROOT:
        if not SETPRIV:
            pytest.skip("running as root without setpriv: permission bits cannot be tested")
        prefix = (SETPRIV, "--inh-caps=-dac_override,-dac_read_search",
                  "--bounding-set=-dac_override,-dac_read_search")  # fmt: skip
    work = tmp_path / "hostile"
    work.mkdir()
    paths = case.build(work)
    run = run_cli(lib, "ingest", "--json", "-q", *paths, timeout=case.timeout, prefix=prefix)
    _report(name, run)
    assert run.code == 1, (run.out, run.err)
    assert "Traceback" not in run.err and "Errno" not in run.out + run.err
    assert not re.search(r"[A-Za-z]{4,}", run.err), run.err  # no English library chatter on stderr
    report = run.json()
    assert report["added"] == [] and report["duplicates"] == [] and report["similar"] == []
    reasons = [f["error"] for f in report["failed"]] + [s["reason"] for s in report["skipped"]]
    assert reasons
    for reason in reasons:
        assert HAN & set(reason), reason  # a Chinese sentence, not an English library message
        assert "Error" not in reason and "errno" not in reason.lower(), reason
    joined = "\n".join(reasons)
    assert "root:" not in run.out + run.err  # nothing of /etc/passwd ever shows
    for expected in case.expect:
        assert expected in joined, joined
    assert run.peak_kb < PEAK_LIMIT_KB, f"peak {run.peak_kb / 1024:.0f} MB"
    assert _files(lib) == before[1]


def test_yaml_alias_bomb_in_front_matter_is_defused(lib, tmp_path):
    # Not refused (the speech below it is real): the front matter is kept as text, never walked.
    path = _write(tmp_path, "别名.md", H.yaml_alias_bomb())
    run = run_cli(lib, "inspect", "--json", str(path), timeout=60)
    _report("yaml-alias-bomb-front-matter (inspect)", run)
    assert run.code == 0, run.err
    assert run.json()["title"].startswith("在东湖区")
    assert run.peak_kb < PEAK_LIMIT_KB


def test_library_is_unchanged_after_the_matrix(lib, before):
    # Runs after the parametrized cases (pytest keeps file order).
    assert _listing(lib) == before[0]
    assert len(before[0]) == 1


# --- the same files through the page's upload box ----------------------------------------

PAGE_CASES = {
    "炸弹.docx": (lambda d: H.docx_zip_bomb(d / "炸弹.docx").read_bytes(), "压缩炸弹"),
    "用户.txt": (lambda d: H.PASSWD.encode(), "中文"),
    "一行.txt": (lambda d: (H.speech_text().replace("\n", "") * 200)[:700_000].encode(), "太长"),
    "乱码.pdf": (lambda d: b"%PDF-1.7\n" + _random_bytes(100_000, 4), "损坏"),
    "代码.txt": (lambda d: H.CODE.encode(), "中文只占"),
}


def test_page_upload_refuses_hostile_files(use_corpus, tmp_path):
    import resource

    from streamlit.testing.v1 import AppTest

    from tests.shared import APP

    use_corpus("work_safety-01.md")
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    assert at.metric[0].value == "1 篇"
    files = [(name, build(tmp_path), "application/octet-stream") for name, (build, _) in PAGE_CASES.items()]
    files.append(("信访.md", (H.REPO / "corpus" / "petition-02.md").read_bytes(), "text/markdown"))
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    at.file_uploader(key="upload_files_0").set_value(files).run()
    at.button(key="upload_go").click().run()
    assert not at.exception
    growth_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    errors = [e.value for e in at.error]
    for name, (_, expected) in PAGE_CASES.items():
        assert any(f"《{name}》" in e and expected in e for e in errors), (name, errors)
    assert any("已导入" in s.value for s in at.success)  # the good file after the bad ones
    assert at.metric[0].value == "2 篇"
    assert growth_kb < PEAK_LIMIT_KB
