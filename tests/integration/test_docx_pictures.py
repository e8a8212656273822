"""A speech .docx with a big uncompressed picture is read; zip bombs in any member are still refused."""

from __future__ import annotations

import zipfile

import pytest

from assistant.intake.loaders import LoadError, load_path
from assistant.intake.prepare import prepare_bytes
from assistant.support.config import Settings
from tests.fixtures import hostile as H
from tests.fixtures.cli_run import run_cli
from tests.fixtures.make_files import make_docx

SPEECH = H.speech_text()


def _ratio(path, member_part: str) -> int:
    with zipfile.ZipFile(path) as zf:
        info = next(i for i in zf.infolist() if member_part in i.filename)
    return info.file_size // info.compress_size


def _refusal(path) -> str:
    with pytest.raises(LoadError) as info:
        load_path(path)
    return str(info.value)


# Screenshots from dense (76:1 when deflated) to nearly blank (339:1); the probe's was 342:1.
@pytest.mark.parametrize("line_every", [48, 160, 300])
def test_speech_with_a_30mb_bitmap_screenshot_is_read(tmp_path, line_every):
    path = H.docx_with_screenshot(tmp_path / "带截图.docx", line_every=line_every)
    assert path.stat().st_size < 1_000_000
    loaded = load_path(path)
    assert [x for x in loaded.text.split("\n") if x.strip()] == [x for x in SPEECH.split("\n") if x.strip()]
    prepared = prepare_bytes(path.read_bytes(), "带截图.docx", Settings())
    assert prepared.speech.title and prepared.chunks


def test_the_screenshots_are_steeper_than_xml_may_be(tmp_path):
    # Guards the test above: the nearly blank one must exceed the 100:1 allowed for XML.
    assert _ratio(H.docx_with_screenshot(tmp_path / "a.docx", line_every=300), "media/") > 300


def test_filler_in_a_media_member_is_still_refused(tmp_path):
    message = _refusal(H.docx_steep_member(tmp_path / "陡峭.docx"))  # 40 MB of one byte, ~1000:1
    assert "压缩比异常" in message


def test_a_huge_picture_is_refused_by_the_unzipped_total(tmp_path):
    path = tmp_path / "大图.docx"
    H.docx_with_member(path, "word/media/image9.png")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf, zf.open("word/media/image1.png", "w", force_zip64=True) as m:
        noise = bytes(range(256)) * 4096  # 1 MB, repeating: about 300:1
        for _ in range(120):
            m.write(noise)
    message = _refusal(path)
    assert "解压后超过 100 MB" in message and "ASSISTANT_MAX_UNZIPPED_MB" in message


def test_steep_xml_is_still_refused_at_100_to_1(tmp_path):
    path = tmp_path / "样式.docx"
    H.docx_with_member(path, "word/dummy.txt")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/styles2.xml", "<w:styles>" + " " * (3 << 20) + "</w:styles>")
    assert _ratio(path, "styles2.xml") > 100
    message = _refusal(path)
    assert "word/styles2.xml" in message and "压缩比异常" in message


def test_cli_ingests_the_speech_with_a_screenshot(cli_run_env, tmp_path):
    path = H.docx_with_screenshot(tmp_path / "带截图.docx", line_every=300)
    r = run_cli(cli_run_env, "ingest", str(path), timeout=120)
    assert r.code == 0, r.err
    listed = run_cli(cli_run_env, "list", "--json", timeout=60).json()
    assert len(listed) == 1


def test_pictures_are_never_inflated(cli_run_env, tmp_path):
    # A 95 MB screenshot (under ASSISTANT_MAX_UNZIPPED_MB) costs no memory: python-docx gets an empty part.
    plain = make_docx(tmp_path / "无图.docx", SPEECH.split("\n"))
    big = H.docx_with_screenshot(tmp_path / "大截图.docx", height=9300, line_every=300)
    base = run_cli(cli_run_env, "inspect", "--json", str(plain), timeout=120)
    shown = run_cli(cli_run_env, "inspect", "--json", str(big), timeout=120)
    assert base.code == 0 and shown.code == 0, shown.err
    assert shown.json()["title"] == base.json()["title"]
    assert shown.peak_kb < base.peak_kb + 40_000, (base.peak_kb, shown.peak_kb)
