"""A PDF whose text pypdf cannot reach says why (too many operators, a reference loop), never "扫描件"."""

from __future__ import annotations

import zlib

import pytest

from assistant.intake.loaders import LoadError, load_path
from tests.fixtures import hostile as H
from tests.fixtures.cli_run import run_cli
from tests.fixtures.make_files import make_scanned_pdf

_TOO_MANY = "PDF 中的文字操作过多，超出处理上限，无法提取文字"
_LOOP = "PDF 文件结构损坏（对象循环引用），无法提取文字"


def _refusal(path) -> str:
    with pytest.raises(LoadError) as info:
        load_path(path)
    return str(info.value)


def _text_stream(text: bytes) -> bytes:
    data = zlib.compress(b"BT /F1 12 Tf 72 700 Td (" + text + b") Tj ET")
    return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"


def _two_pages(path, second_contents: bytes, extra: dict[int, bytes]):
    """Page 1 has a line of text; page 2's /Contents is ``second_contents``."""
    resources = b"/Resources << /Font << /F1 5 0 R >> >>"
    return H.raw_pdf(path, {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R 8 0 R] /Count 2 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " + resources + b" /Contents 4 0 R >>",
        4: _text_stream(b"Opening remarks of the county meeting"),
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        8: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " + resources + b" /Contents "
        + second_contents + b" >>",
        **extra,
    })  # fmt: skip


@pytest.mark.parametrize(
    ("loop", "contents"),
    [
        ({6: b"7 0 R", 7: b"6 0 R"}, b"6 0 R"),  # 6 → 7 → 6
        ({6: b"6 0 R"}, b"6 0 R"),  # an object that is a reference to itself
        ({6: b"7 0 R", 7: b"9 0 R", 9: b"6 0 R"}, b"[6 0 R]"),  # a three-step loop, inside an array
    ],
    ids=["two-step", "self", "three-step-array"],
)
def test_reference_loop_is_named_not_called_a_scan(tmp_path, loop, contents):
    path = H.raw_pdf(tmp_path / "引用循环.pdf", {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents " + contents + b" >>",
        **loop,
    })  # fmt: skip
    message = _refusal(path)
    assert message.startswith(f"《引用循环.pdf》{_LOOP}"), message
    assert "扫描件" not in message


def test_a_looping_page_among_good_ones_is_skipped_and_said(tmp_path):
    loaded = load_path(_two_pages(tmp_path / "两页.pdf", b"6 0 R", {6: b"7 0 R", 7: b"6 0 R"}))
    assert "Opening remarks of the county meeting" in loaded.text
    assert loaded.notices == [f"第 2 页：{_LOOP}，已跳过该页"]


def test_a_page_without_text_among_good_ones_is_not_a_problem(tmp_path):
    loaded = load_path(_two_pages(tmp_path / "两页.pdf", b"6 0 R", {6: _text_stream(b"")}))
    assert "Opening remarks" in loaded.text and loaded.notices == []


def test_scanned_pdf_still_asks_for_ocr(tmp_path):
    message = _refusal(make_scanned_pdf(tmp_path / "扫描件.pdf", pages=2))
    assert "扫描件" in message and "OCR" in message


def test_cli_too_many_text_operators_are_over_the_limit_not_a_scan(cli_run_env, tmp_path):
    # 210,000 operators is just past pypdf's parsing budget (2 million tokens per stream).
    path = H.pdf_many_text_operators(tmp_path / "百万文字操作.pdf", 210_000)
    r = run_cli(cli_run_env, "ingest", str(path), timeout=120)
    assert r.code == 1
    assert f"《百万文字操作.pdf》{_TOO_MANY}" in r.err, r.err
    assert "扫描件" not in r.err and "Traceback" not in r.err
    assert r.peak_kb < 800_000, r.peak_kb


def test_cli_reference_loop_reason(cli_run_env, tmp_path):
    r = run_cli(cli_run_env, "inspect", str(H.pdf_reference_loop(tmp_path / "引用循环.pdf")), timeout=60)
    assert r.code == 1 and f"《引用循环.pdf》{_LOOP}" in r.err, r.err
    assert "扫描件" not in r.err
