"""File bytes → text (assistant.intake.loaders): encodings, front matter, docx, pdf, errors."""

from __future__ import annotations

import io
import zipfile

import pytest

from assistant.intake.lines.joining import reflow_lines
from assistant.intake.loaders import SUPPORTED, LoadError, load_bytes, load_path
from assistant.intake.text_decoding import split_front_matter
from tests.fixtures.make_files import (
    make_docx,
    make_encrypted_pdf,
    make_scanned_pdf,
    make_text_pdf,
    read_noisy,
    write_encoded,
)

SPEECH = (
    "在青石县安全生产约谈会上的讲话\n"
    "同志们：\n"
    "今天召开约谈会，约谈青石县人民政府和县应急管理局的主要负责同志。下面，我讲几点意见。\n"
    "一、正视问题\n"
    "一是企业主体责任严重缺失。二是属地监管流于形式。\n"
    "同志们，人命关天，希望大家痛定思痛、立行立改。"
)


def load_error(data: bytes, filename: str, **kwargs) -> str:
    with pytest.raises(LoadError) as info:
        load_bytes(data, filename, **kwargs)
    message = str(info.value)
    assert f"《{filename}》" in message
    return message


def test_supported_extensions():
    assert SUPPORTED == (
        ".txt", ".md", ".markdown", ".docx", ".pdf", ".doc", ".wps", ".rtf", ".odt", ".dot", ".wpt", ".docm", ".dotx"
    )


# --- text encodings ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bom", "reported"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("gb18030", b"", "gb18030"),
        ("gbk", b"", "gb18030"),
        ("utf-16-le", b"\xff\xfe", "utf-16-le"),
        ("utf-16-be", b"\xfe\xff", "utf-16-be"),
    ],
)
def test_text_encodings_are_detected(tmp_path, encoding, bom, reported):
    path = write_encoded(tmp_path / "讲话.txt", SPEECH, encoding, bom)
    loaded = load_path(path)
    assert loaded.text == SPEECH  # BOM gone, CRLF → LF
    assert loaded.encoding == reported
    assert loaded.source_format == "txt"


@pytest.mark.parametrize("word", ["约谈", "讲话", "同志们", "整改", "约谈会", "正视问题"])
def test_short_gbk_text_is_not_mistaken_for_other_encodings(word):
    # "约谈" in GBK is also valid UTF-8 ("Լ̸"); short texts are where detectors fail.
    loaded = load_bytes(word.encode("gbk"), "短.txt")
    assert loaded.text == word
    assert loaded.encoding == "gb18030"


def test_gb18030_fixture_page_round_trips(tmp_path):
    noisy, _ = read_noisy("gov_portal")
    path = write_encoded(tmp_path / "政府网站.txt", noisy, "gb18030")
    loaded = load_path(path)
    assert loaded.encoding == "gb18030"
    assert loaded.text == noisy


def test_utf8_cut_mid_character_stays_utf8():
    data = SPEECH.encode("utf-8")[:-1]  # the last character loses a byte
    loaded = load_bytes(data, "截断.txt")
    assert loaded.encoding == "utf-8"
    assert loaded.text.startswith(SPEECH[:-1])


def test_gbk_with_a_little_chinese_in_much_ascii():
    text = "Report 2025\n" + "x = 1; y = 2\n" * 200 + "整改\n"
    loaded = load_bytes(text.encode("gbk"), "mixed.txt")
    assert loaded.encoding == "gb18030"
    assert loaded.text == text


def test_real_big5_text_is_not_forced_into_gb18030():
    text = "關於加強安全生產工作的講話，同志們：今天召開會議，研究整改落實工作。"
    loaded = load_bytes(text.encode("big5"), "繁體.txt")
    assert loaded.encoding == "big5"
    assert loaded.text == text


def test_latin_utf8_text_stays_utf8():
    loaded = load_bytes("café résumé naïve".encode(), "latin.txt")
    assert loaded.text == "café résumé naïve"
    assert loaded.encoding == "utf-8"


def test_old_mac_newlines_are_normalised():
    loaded = load_bytes("标题\r同志们：\r\n正文。".encode(), "a.txt")
    assert loaded.text == "标题\n同志们：\n正文。"


# --- front matter -----------------------------------------------------------------------


def test_front_matter_becomes_metadata():
    text = (
        "---\ntitle: 约谈讲话\nkind: 安全生产约谈\ndate: 2025-03-02\ntags: [约谈, 安全]\n---\n"
        + SPEECH
    )
    loaded = load_bytes(text.encode("utf-8"), "讲话.md")
    assert loaded.source_format == "md"
    assert loaded.text == SPEECH
    assert loaded.metadata == {
        "title": "约谈讲话",
        "kind": "安全生产约谈",
        "date": "2025-03-02",
        "tags": ["约谈", "安全"],
    }


def test_malformed_front_matter_is_kept_as_text():
    text = "---\ntitle: [没有闭合\n---\n" + SPEECH
    loaded = load_bytes(text.encode("utf-8"), "讲话.markdown")
    assert loaded.text == text
    assert loaded.metadata == {}


def test_front_matter_that_is_not_a_mapping_is_kept():
    meta, text = split_front_matter("---\n只是一行字\n---\n正文")
    assert meta == {}
    assert text == "---\n只是一行字\n---\n正文"


def test_unclosed_front_matter_is_kept():
    meta, text = split_front_matter("---\ntitle: x\n正文没有结束标记")
    assert meta == {}
    assert text.startswith("---")


def test_empty_front_matter_is_removed():
    assert split_front_matter("---\n---\n正文") == ({}, "正文")


# --- docx -------------------------------------------------------------------------------


def test_docx_paragraphs_and_tables_in_document_order(tmp_path):
    path = make_docx(
        tmp_path / "约谈.docx",
        [
            "在临江市民生实事项目推进约谈会上的讲话",
            "同志们：",
            [["项目名称", "责任单位", "完成时限"], ["城东菜市场改造", "市商务局", "9月30日"]],
            "一、正视问题",
            [["这是一个单元格的版式表格里的段落。"]],
            "同志们，希望大家确保各项目按期交付使用！",
        ],
        title="民生实事约谈讲话",
    )
    loaded = load_path(path)
    assert loaded.source_format == "docx"
    assert loaded.text.split("\n") == [
        "在临江市民生实事项目推进约谈会上的讲话",
        "同志们：",
        "项目名称\u3000责任单位\u3000完成时限",
        "城东菜市场改造\u3000市商务局\u30009月30日",
        "一、正视问题",
        "这是一个单元格的版式表格里的段落。",
        "同志们，希望大家确保各项目按期交付使用！",
    ]
    assert loaded.metadata == {"title": "民生实事约谈讲话"}


def test_docx_merged_cells_are_read_once(tmp_path):
    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 2))
    merged.text = "整改台账"
    table.cell(1, 0).text = "序号"
    table.cell(1, 1).text = "单位"
    table.cell(1, 2).text = "时限"
    path = tmp_path / "merged.docx"
    document.save(str(path))
    assert load_path(path).text == "整改台账\n序号\u3000单位\u3000时限"


def test_docx_without_title_has_no_title_metadata(tmp_path):
    path = make_docx(tmp_path / "a.docx", ["同志们：", "正文。"])
    assert "title" not in load_path(path).metadata


def test_docx_that_is_not_a_zip():
    message = load_error(b"this is plain text, not a Word file", "坏文件.docx")
    assert "文件已损坏或不是有效的 Word 文档" in message


def test_docx_zip_without_word_document():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "not a docx")
    message = load_error(buffer.getvalue(), "压缩包.docx")
    assert "文件已损坏或不是有效的 Word 文档" in message


def test_doc_renamed_to_docx():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    message = load_error(ole, "旧文档.docx")  # an OLE file goes to the converter, which finds no text in it
    assert message.startswith("《旧文档.docx》不是有效的 Word 文档（文件结构已损坏）"), message
    assert "另存为" in message


def test_empty_docx(tmp_path):
    path = make_docx(tmp_path / "空白.docx", [])
    with pytest.raises(LoadError, match="《空白.docx》文件为空"):
        load_path(path)


# --- pdf --------------------------------------------------------------------------------

CJK_PARAGRAPHS = [
    "在东湖区重点项目推进滞后约谈会上的讲话",
    "同志们：",
    "今天，区委、区政府在这里召开重点项目推进滞后约谈会，专门约谈区交通运输局、区住房和城乡建设局、滨江街道和东湖城投公司的主要负责同志。召开这次约谈会，是区委常委会研究决定的。",
    "一、正视问题",
    "一是拖累全区发展大局。上半年固定资产投资增速排名全市倒数第二，重点项目滞后是主要原因，必须引起高度重视。",
]
LATIN_PARAGRAPHS = [
    "Speech at the Donghu District accountability meeting",
    "Comrades:",
    "Today we meet to discuss the delayed key projects of the district. "
    "Nine of thirty-two projects are behind schedule and three have not started at all, "
    "so the responsible units must explain the causes and present a plan with deadlines.",
    "First, face the problems.",
]


def test_text_pdf_is_extracted_and_reflowed(tmp_path):
    path = tmp_path / "讲话.pdf"
    used_cjk = make_text_pdf(path, CJK_PARAGRAPHS, LATIN_PARAGRAPHS)
    loaded = load_path(path)
    assert loaded.source_format == "pdf"
    expected = CJK_PARAGRAPHS if used_cjk else LATIN_PARAGRAPHS
    # Lines the PDF wrapped inside a paragraph are joined back into one line.
    assert loaded.text.split("\n") == expected


def test_multi_page_pdf_joins_pages(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    for n in range(1, 4):
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.cell(0, 10, f"Page {n} text.")
        pdf.set_y(-20)
        pdf.cell(0, 10, f"- {n} -", align="C")
    path = tmp_path / "pages.pdf"
    pdf.output(str(path))
    assert load_path(path).text == "Page 1 text.\nPage 2 text.\nPage 3 text."


def test_scanned_pdf_asks_for_ocr(tmp_path):
    path = make_scanned_pdf(tmp_path / "扫描件.pdf", pages=2)
    with pytest.raises(LoadError) as info:
        load_path(path)
    assert (
        str(info.value)
        == "《扫描件.pdf》该PDF为扫描件，没有文字层，请先进行文字识别（OCR）后再上传。"
    )


def test_encrypted_pdf(tmp_path):
    path = make_encrypted_pdf(tmp_path / "加密.pdf")
    with pytest.raises(LoadError) as info:
        load_path(path)
    message = str(info.value)
    assert "《加密.pdf》" in message
    assert "已加密" in message
    assert "密码" in message


def test_broken_pdf():
    message = load_error(b"%PDF-1.7\n this is not really a pdf", "损坏.pdf")
    assert "已损坏" in message


def test_pdf_without_header():
    message = load_error(b"hello world", "假的.pdf")
    assert "已损坏" in message


def test_reflow_keeps_paragraph_starts_and_sentence_ends():
    lines = [
        "同志们：",
        "今天召开约谈会，专门约谈进度滞后的三个单位主要负责",
        "同志。下面，我讲几点意见。",
        "一、正视问题",
        "一是拖累全区发展大局。上半年固定资产投资增速排名全",
        "市倒数第二。",
        "二是损害政府公信力。东湖大道改造工程三次调整完工时",
        "间。",
    ]
    assert reflow_lines(lines) == [
        "同志们：",
        "今天召开约谈会，专门约谈进度滞后的三个单位主要负责同志。下面，我讲几点意见。",
        "一、正视问题",
        "一是拖累全区发展大局。上半年固定资产投资增速排名全市倒数第二。",
        "二是损害政府公信力。东湖大道改造工程三次调整完工时间。",
    ]


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("filename", ["讲话.txt", "讲话.md", "讲话.docx", "讲话.pdf"])
def test_zero_byte_file_is_empty(filename):
    assert "文件为空" in load_error(b"", filename)


def test_whitespace_only_text_is_empty():
    assert "文件为空" in load_error(" \r\n\t\u3000\n".encode(), "空白.txt")


def test_binary_named_txt():
    message = load_error(bytes(range(256)) * 8, "图片.txt")
    assert "不是文本文件" in message


def test_random_high_bytes_named_txt():
    data = bytes([0x81, 0xFF, 0x80, 0xFE, 0x9F, 0xFF] * 50)
    assert "不是文本文件" in load_error(data, "乱码.txt")


def test_pdf_named_txt():
    message = load_error(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x00", "其实是PDF.txt")
    assert "不是文本文件" in message
    assert ".pdf" in message


@pytest.mark.parametrize(
    ("filename", "hint"),
    [
        ("公文.ofd", "版式阅读器"),
        ("讲话.pages", ".docx"),
        ("扫描.jpg", "文字识别（OCR）"),
        ("截图.png", "文字识别（OCR）"),
        ("材料.zip", "解压"),
        ("没有扩展名", "“另存为” .docx"),
        ("数据.xyz", "OFD 文件可用版式阅读器导出为 PDF"),
    ],
)
def test_unsupported_formats_explain_how_to_convert(filename, hint):
    message = load_error(b"some bytes", filename)
    assert "暂不支持" in message
    assert "txt、md、docx、pdf、doc、wps、rtf、odt" in message
    assert hint in message


def test_ofd_message_mentions_pdf():
    assert "导出为 PDF" in load_error(b"x", "通知.ofd")


def test_oversize_file_names_limit_and_setting():
    message = load_error(b"x" * 3000, "太大了.txt", max_bytes=1024)
    assert "文件过大" in message
    assert "MB" in message
    assert "ASSISTANT_MAX_UPLOAD_MB" in message
    assert "0.003 MB" in message  # the size
    assert "0.001 MB" in message  # the limit


def test_oversize_in_megabytes():
    message = load_error(b"x" * (3 * 1024 * 1024), "大文件.txt", max_bytes=2 * 1024 * 1024)
    assert "（3 MB）" in message
    assert "上限 2 MB" in message


def test_load_path_checks_size_before_reading(tmp_path):
    path = tmp_path / "大.txt"
    path.write_bytes(b"x" * 5000)
    with pytest.raises(LoadError, match="ASSISTANT_MAX_UPLOAD_MB"):
        load_path(path, max_bytes=100)


def test_load_path_missing_file(tmp_path):
    with pytest.raises(LoadError, match="《不存在.txt》"):
        load_path(tmp_path / "不存在.txt")


def test_message_names_only_the_file_not_the_folder():
    message = load_error(b"", "讲话.txt")
    with pytest.raises(LoadError) as info:
        load_bytes(b"", "/home/user/secret/讲话.txt")
    assert str(info.value) == message


def test_load_error_is_an_exception_with_the_message():
    err = LoadError("《a.txt》文件为空", "a.txt")
    assert str(err) == "《a.txt》文件为空"
    assert err.filename == "a.txt"
