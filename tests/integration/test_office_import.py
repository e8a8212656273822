"""Old Word (.doc), WPS (.wps), .rtf and .odt files come in word for word through LibreOffice.

The two speeches below are written for this test (fictional places and units). Each is saved as
.docx with python-docx, and the real soffice turns those into the other formats once per module.
LibreOffice cannot write .wps: a Kingsoft WPS 2000+ .wps file is a Word 97 binary (OLE) file, so
the test's .wps files are "MS Word 97" output renamed to .wps.
"""

from __future__ import annotations

import http.server
import os
import random
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from assistant.intake.admission import FileLimits
from assistant.intake.loaders import LoadError, load_bytes, load_path
from assistant.intake.office_convert import OfficeOptions, find_soffice
from assistant.intake.prepare import prepare_path
from assistant.library.embeddings import make_embedder
from assistant.library.ingest import ingest_paths
from assistant.library.store import Library
from assistant.support.config import get_settings

# Its module fixture is costly (real files, the model): built once, on one worker (make test: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("office_import")

SOFFICE = find_soffice()
# CI sets ASSISTANT_REQUIRE_OFFICE=1: there a missing LibreOffice fails these tests instead of skipping them.
needs_soffice = pytest.mark.skipif(
    SOFFICE is None and os.environ.get("ASSISTANT_REQUIRE_OFFICE") != "1",
    reason="LibreOffice is not installed (apt-get install libreoffice-writer-nogui)",
)

# --- the two speeches ------------------------------------------------------------------------

SAFETY_TITLE = "在临江市东湖区“3·8”仓储火灾事故约谈会上的讲话"
SAFETY = [
    SAFETY_TITLE,
    "同志们：",
    "3月8日凌晨2时15分，东湖区北岸物流园一座冷链仓库发生火灾，过火面积约1200平方米，"
    "虽未造成人员伤亡，但直接经济损失约380万元，社会影响很坏。经市政府同意，今天把东湖区政府、"
    "区应急管理局和北岸物流园管委会的主要负责同志请来，进行约谈。下面，我讲几点意见。",
    "一、正视问题，认清事故暴露出的严重隐患",
    "一是主体责任悬空。仓库违规搭建彩钢板夹层，消防通道被货物占用，企业自查台账上却写着“无隐患”。",
    "二是监管检查走过场。今年以来区里对物流园检查4次，发现问题11件，其中7件至今没有整改销号。",
    "三是应急处置不够有力。值班人员发现火情后12分钟才报警，园区微型消防站形同虚设。",
    "二、深挖根源，找准问题背后的原因",
    "（一）思想认识不到位。一些同志认为物流园“多年没出事”，对冬春季火灾风险估计不足。",
    "（二）工作作风不扎实。检查只看材料不看现场，问题清单年年相似，整改措施“年年写、年年空”。",
    "三、约谈意见和处理决定",
    "经研究，对东湖区政府给予通报批评，责成区应急管理局向市安委会作出书面检查；"
    "对物流园管委会分管负责人，由区纪委监委依规依纪调查处理。",
    "四、立即行动，抓好整改落实",
    "一要在4月30日前完成全区冷链仓储场所拉网式排查，做到不漏一家、不留死角。",
    "二要对11件未销号问题逐项明确责任人和时限，每周向市安委办报送进展。",
    "下表为首批整改任务清单：",
    # a table: each row becomes one line, cells joined by an ideographic space
    [
        ["序号", "整改任务", "责任单位", "完成时限"],
        ["1", "拆除违规彩钢板夹层", "北岸物流园管委会", "4月15日"],
        ["2", "清理占用消防通道的货物", "东湖区应急管理局", "3月20日"],
    ],
    "同志们，安全生产没有“局外人”，更没有“旁观者”。希望被约谈单位以这次约谈为契机，"
    "真正把整改责任扛在肩上，确保不再发生类似事故。",
]

PROJECT_TITLE = "在青石县重点项目推进滞后约谈会上的讲话（提纲）"
PROJECT_HEADER = "青石县人民政府办公室"  # the red letterhead above the title
PROJECT = [
    PROJECT_HEADER,
    PROJECT_TITLE,
    "（2024年5月16日）",
    "同志们：",
    "\u3000\u3000今年一季度，全县12个市级重点项目中有5个投资完成率低于序时进度，"
    "其中北岸镇污水处理厂提标改造项目仅完成年度计划的18.6%。县委、县政府决定召开这次约谈会。"
    "下面，我讲三点意见。",
    "一、项目滞后的突出问题",
    "\u3000\u3000一是前期工作推进慢。3个项目至今未取得施工许可，用地报批材料被退回2次。",
    "\u3000\u3000二是要素保障跟不上。北岸镇征迁协调迟迟没有突破，涉及的17户群众诉求没有专人跟进。",
    "二、产生问题的主要原因",
    "\u3000\u3000（一）责任传导层层递减。项目“一把手”挂帅只停留在文件上，调度会一季度只开了1次。",
    "\u3000\u3000（二）协调机制运转不畅。部门之间“你等我、我等你”，审批事项平均耗时比承诺时限多出23天。",
    "三、下一步整改要求",
    "\u3000\u3000一要倒排工期、挂图作战，6月底前5个滞后项目投资完成率全部达到序时进度的90%以上。",
    "\u3000\u3000二要建立“周调度、月通报”制度，县政府督查室每月通报一次，连续两次排名末位的，"
    "由县政府主要负责同志再次约谈。",
    "\u3000\u3000同志们，项目建设等不起、慢不得。希望大家知耻后勇，拿出实实在在的行动，"
    "把耽误的时间抢回来！",
]


def _lines(blocks: list) -> list[str]:
    """The lines the loader gives for blocks: paragraphs as they are, table rows joined by U+3000."""
    out: list[str] = []
    for block in blocks:
        out.extend([block] if isinstance(block, str) else ["\u3000".join(row) for row in block])
    return out


def _write_docx(path: Path, blocks: list, red_header: str | None = None) -> Path:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    document = docx.Document()
    for block in blocks:
        if isinstance(block, list):
            table = document.add_table(rows=len(block), cols=len(block[0]))
            table.style = "Table Grid"
            for r, row in enumerate(block):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
            continue
        paragraph = document.add_paragraph()
        run = paragraph.add_run(block)
        if block == red_header:  # a 公文 letterhead: big red centred text over a red rule
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run.font.size = Pt(36)
            run.font.bold = True
            run.font.color.rgb = RGBColor(0xE6, 0x00, 0x00)
            borders = OxmlElement("w:pBdr")
            bottom = OxmlElement("w:bottom")
            for key, value in (
                ("w:val", "single"),
                ("w:sz", "24"),
                ("w:space", "6"),
                ("w:color", "E60000"),
            ):
                bottom.set(qn(key), value)
            borders.append(bottom)
            paragraph._p.get_or_add_pPr().append(borders)
    document.save(str(path))
    return path


def _soffice(*args: str, profile: Path) -> None:
    """Run the real soffice once (a fresh profile of its own, so no one's settings are touched)."""
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", *args],
        check=True,
        capture_output=True,
        timeout=180,
    )


@pytest.fixture(scope="module")
def office_files(tmp_path_factory) -> dict[str, dict[str, Path]]:
    """speech name → extension → file; one soffice run per target format for both speeches."""
    root = tmp_path_factory.mktemp("office")
    src = root / "docx"
    src.mkdir()
    sources = [
        _write_docx(src / "safety.docx", SAFETY),
        _write_docx(src / "project.docx", PROJECT, red_header=PROJECT_HEADER),
    ]
    profile = root / "profile"
    for ext, target in (("doc", "doc:MS Word 97"), ("rtf", "rtf"), ("odt", "odt")):
        _soffice(
            "--convert-to", target, "--outdir", str(root / ext), *map(str, sources), profile=profile
        )
    files: dict[str, dict[str, Path]] = {}
    for source in sources:
        stem = source.stem
        files[stem] = {
            ".docx": source,
            ".doc": root / "doc" / f"{stem}.doc",
            ".rtf": root / "rtf" / f"{stem}.rtf",
            ".odt": root / "odt" / f"{stem}.odt",
        }
        wps = root / "wps" / f"{stem}.wps"  # LibreOffice cannot write .wps: a Word 97 file renamed
        wps.parent.mkdir(exist_ok=True)
        shutil.copyfile(files[stem][".doc"], wps)
        files[stem][".wps"] = wps
    return files


CONVERTED = [".doc", ".wps", ".rtf", ".odt"]


@pytest.fixture(scope="module")
def prepared(office_files) -> dict:
    """speech name → extension → PreparedDoc: each file converted and read once for the module."""
    settings = get_settings()
    return {stem: {ext: prepare_path(path, settings) for ext, path in files.items()} for stem, files in office_files.items()}


@needs_soffice
@pytest.mark.parametrize("ext", CONVERTED)
@pytest.mark.parametrize(("stem", "blocks"), [("safety", SAFETY), ("project", PROJECT)])
def test_old_formats_load_word_for_word(office_files, prepared, stem, blocks, ext):
    path = office_files[stem][ext]
    assert path.read_bytes()[:4] != b"PK\x03\x04" or ext == ".odt"  # really the old format
    loaded = prepared[stem][ext].loaded
    assert loaded.text.split("\n") == _lines(blocks)  # no character lost, changed or added
    assert loaded.source_format == ext.lstrip(".")


@needs_soffice
@pytest.mark.parametrize("stem", ["safety", "project"])
def test_every_copy_parses_alike_and_has_one_fingerprint(prepared, stem):
    prepared = prepared[stem]
    original = prepared[".docx"]
    title = SAFETY_TITLE if stem == "safety" else PROJECT_TITLE
    assert original.speech.title == title
    assert [s.number for s in original.speech.sections] == (
        [1, 2, 3, 4] if stem == "safety" else [1, 2, 3]
    )
    for ext in CONVERTED:
        copy = prepared[ext]
        assert copy.doc_id == original.doc_id, ext
        assert copy.speech.title == title, ext
        assert copy.speech.salutation == "同志们：", ext
        assert [(s.number, s.heading, s.role) for s in copy.speech.sections] == [
            (s.number, s.heading, s.role) for s in original.speech.sections
        ], ext
        assert [[p.marker for p in s.points] for s in copy.speech.sections] == [
            [p.marker for p in s.points] for s in original.speech.sections
        ], ext
        assert copy.speech.closing == original.speech.closing, ext
    points = [p.marker for s in original.speech.sections for p in s.points]
    assert "一是" in points and "（一）" in points and "一要" in points


@needs_soffice
def test_an_old_doc_named_docx_is_converted_not_refused(office_files, tmp_path):
    renamed = tmp_path / "约谈讲话.docx"  # what a clerk gets when a .doc was renamed by hand
    shutil.copyfile(office_files["safety"][".doc"], renamed)
    loaded = load_path(renamed)
    assert loaded.text.split("\n") == _lines(SAFETY)
    assert loaded.source_format == "doc"


# --- failures the user is told about, in Chinese ---------------------------------------------


def _ole(*streams: str) -> bytes:
    """A minimal OLE compound file (512-byte sectors: header, FAT, directory) holding empty streams."""
    header = bytearray(b"\xff" * 512)
    header[:0x4C] = bytes(0x4C)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    for at, value, width in [
        (0x18, 0x3E, 2),
        (0x1A, 3, 2),
        (0x1C, 0xFFFE, 2),
        (0x1E, 9, 2),
        (0x20, 6, 2),
        (0x2C, 1, 4),
        (0x30, 1, 4),
        (0x38, 4096, 4),
        (0x3C, 0xFFFFFFFE, 4),
        (0x44, 0xFFFFFFFE, 4),
        (0x4C, 0, 4),
    ]:
        header[at : at + width] = value.to_bytes(width, "little")
    fat = (0xFFFFFFFD).to_bytes(4, "little") + (0xFFFFFFFE).to_bytes(4, "little") + b"\xff" * 504
    directory = b""
    for kind, name in [(5, "Root Entry"), *((2, s) for s in streams)]:
        encoded = (name + "\0").encode("utf-16-le")
        entry = bytearray(128)
        entry[: len(encoded)] = encoded
        entry[0x40:0x42] = len(encoded).to_bytes(2, "little")
        entry[0x42] = kind
        entry[0x44:0x50] = b"\xff" * 12  # no siblings, no child
        entry[0x74:0x78] = (0xFFFFFFFE).to_bytes(4, "little")
        directory += bytes(entry)
    return bytes(header) + fat + directory.ljust(512, b"\0")


def test_missing_libreoffice_is_one_chinese_line_and_the_folder_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_SOFFICE", str(tmp_path / "没有这个程序" / "soffice"))
    folder = tmp_path / "讲话稿"
    folder.mkdir()
    (folder / "旧稿.doc").write_bytes(_ole("WordDocument", "1Table"))
    (folder / "新稿.txt").write_text("\n".join(SAFETY[:6]), encoding="utf-8")
    settings = get_settings()
    library = Library(settings, make_embedder(settings))
    report = ingest_paths(library, [folder])
    assert [a.title for a in report.added] == [SAFETY_TITLE]
    [failed] = report.failed
    assert failed.path.endswith("旧稿.doc")
    assert "\n" not in failed.error
    assert "《旧稿.doc》是旧版 Word 文档（.doc），需要 LibreOffice 才能自动转换" in failed.error
    assert "ASSISTANT_SOFFICE" in failed.error
    assert "sudo apt-get install libreoffice-writer-nogui" in failed.error


def test_not_installed_names_the_install_command(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(LoadError) as e:
        load_bytes(b"{\\rtf1 x}", "讲话.rtf", office=OfficeOptions())
    assert str(e.value) == (
        "《讲话.rtf》是RTF 文档（.rtf），需要 LibreOffice 才能自动转换，但本机未安装。"
        "请安装 LibreOffice（Debian/Ubuntu：sudo apt-get install libreoffice-writer-nogui），"
        "或用 Word/WPS 另存为 .docx 后再上传。"
    )


def _alive(pid: int) -> bool:
    """Whether a process is still running (a zombie waiting for its parent counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def test_time_limit_kills_every_process_and_removes_the_temp_dir(tmp_path, monkeypatch):
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    pids = tmp_path / "pids"
    fake = tmp_path / "soffice"
    # A "soffice" that hangs, with a child of its own (as oosplash starts soffice.bin).
    fake.write_text(f"#!/bin/sh\necho $$ >> {pids}\nsleep 60 &\necho $! >> {pids}\nwait\n")
    fake.chmod(0o755)
    started = time.monotonic()
    with pytest.raises(LoadError) as e:
        load_bytes(
            b"{\\rtf1 hello}", "卡住的.rtf", office=OfficeOptions(soffice=str(fake), timeout=1)
        )
    elapsed = time.monotonic() - started
    assert elapsed < 10  # not the 60 s the hung child would take; generous for a busy CI machine
    assert "《卡住的.rtf》转换超时（超过 1 秒）" in str(e.value)
    assert "ASSISTANT_OFFICE_TIMEOUT" in str(e.value)
    numbers = [int(n) for n in pids.read_text().split()]
    assert len(numbers) == 2
    deadline = time.monotonic() + 10  # the orphaned child is reaped by init, not by us
    while any(_alive(n) for n in numbers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(n) for n in numbers)
    assert list(temp.iterdir()) == []


def test_timeout_setting_is_read_from_the_environment(tmp_path, monkeypatch):
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nexec sleep 60\n")
    fake.chmod(0o755)
    monkeypatch.setenv("ASSISTANT_SOFFICE", str(fake))
    monkeypatch.setenv("ASSISTANT_OFFICE_TIMEOUT", "0.5")
    path = tmp_path / "慢.doc"
    path.write_bytes(_ole("WordDocument"))
    started = time.monotonic()
    with pytest.raises(LoadError, match="转换超时（超过 0.5 秒）"):
        prepare_path(path, get_settings())
    assert time.monotonic() - started < 10  # the setting, not the 60 s sleep


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x13\x37" + random.Random(7).randbytes(4096), "不是有效的旧版 Word 文档（.doc）"),
        (b"", "文件为空"),
        ("这其实是一段纯文本，只是扩展名写成了 doc。".encode(), "不是有效的旧版 Word 文档（.doc）"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + random.Random(8).randbytes(8192), "文件结构已损坏"),
        (_ole("EncryptionInfo", "EncryptedPackage"), "设置了打开密码"),
        (_ole("Workbook"), "实际上是 Excel 表格"),
        (b"PK\x03\x04" + random.Random(9).randbytes(2048), "压缩包已损坏"),
    ],
    ids=[
        "random-bytes",
        "empty",
        "plain-text",
        "broken-ole",
        "encrypted-docx",
        "excel",
        "broken-zip",
    ],
)
def test_not_really_a_doc_is_refused_before_libreoffice_runs(data, expected, monkeypatch):
    monkeypatch.setattr(subprocess, "Popen", None)  # soffice is never started for these
    with pytest.raises(LoadError) as e:
        load_bytes(data, "冒充.doc", office=OfficeOptions(soffice="/bin/true"))
    assert str(e.value).startswith("《冒充.doc》")
    assert expected in str(e.value)


@needs_soffice
@pytest.mark.parametrize(
    ("data", "name"),
    [
        (_ole("WordDocument", "1Table"), "空壳.doc"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + random.Random(1).randbytes(8192), "坏的.doc"),
        (b"{\\rtf1" + random.Random(2).randbytes(2048), "坏的.rtf"),
        (b"PK\x03\x04" + random.Random(3).randbytes(2048), "坏的.odt"),
    ],
    ids=["empty-word-streams", "ole-garbage", "rtf-garbage", "zip-garbage"],
)
def test_damaged_files_give_a_chinese_error_and_store_nothing(data, name, tmp_path, caplog):
    path = tmp_path / name
    path.write_bytes(data)
    settings = get_settings()
    library = Library(settings, make_embedder(settings))
    report = ingest_paths(library, [path])
    assert not report.added
    [failed] = report.failed
    assert failed.error.startswith(f"《{name}》")
    # LibreOffice's own (English) words stay in the log
    assert "convert" not in failed.error and "Error" not in failed.error
    assert library.chunk_count() == 0


@needs_soffice
def test_a_web_page_saved_as_doc_fetches_nothing(tmp_path):
    """Word's "save as web page" .doc links its pictures; the conversion must not fetch them."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        page = (
            f'<html><body><p>{SAFETY_TITLE}</p><img src="http://127.0.0.1:{port}/logo.png">'
            f"<p>同志们：</p><p>{SAFETY[2]}</p></body></html>"
        )
        loaded = load_bytes(page.encode("utf-8"), "网页另存.doc")
    finally:
        server.shutdown()
        server.server_close()
    assert SAFETY_TITLE in loaded.text
    assert hits == []


@needs_soffice
def test_limits_hold_before_and_after_conversion(office_files, monkeypatch):
    tiny = FileLimits(max_bytes=4096, max_unzipped_bytes=2048)
    doc = office_files["safety"][".doc"].read_bytes()
    with pytest.raises(LoadError, match="ASSISTANT_MAX_UNZIPPED_MB"):  # the .docx LibreOffice made
        load_bytes(doc, "大.doc", limits=FileLimits(max_unzipped_bytes=2048))
    monkeypatch.setattr(subprocess, "Popen", None)  # refused before soffice would start
    with pytest.raises(LoadError, match="ASSISTANT_MAX_UPLOAD_MB"):
        load_bytes(doc, "大.doc", limits=tiny)
    odt = office_files["safety"][".odt"].read_bytes()
    with pytest.raises(
        LoadError, match="ASSISTANT_MAX_UNZIPPED_MB"
    ):  # an .odt is a zip: checked first
        load_bytes(odt, "大.odt", limits=FileLimits(max_unzipped_bytes=2048))
