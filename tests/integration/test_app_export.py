"""The export panel through AppTest: the three download buttons and the 复制全文 frame."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from assistant.domain.models import Draft, DraftPart
from assistant.export.formats import export_bytes
from assistant.ui.panels.export_panel import copy_button_html

# Text that would break out of a <script> or become markup if it were pasted in as HTML.
HOSTILE = Draft(
    title="在东湖区约谈会上的讲话",
    parts=[
        DraftPart(role="title", text="在东湖区约谈会上的讲话"),
        DraftPart(role="salutation", text="同志们："),
        DraftPart(
            role="other",
            text="</script><script>alert(1)</script><!-- “引号”——破折号 <b>粗</b>\u2028行分隔\n"
            "一、正视问题\n（一）压实责任。各单位要……`代码`",
        ),
    ],
)


def _panel() -> None:
    import streamlit as st

    from assistant.ui.panels.export_panel import show_export

    show_export(st.session_state["draft"])


@pytest.fixture
def panel() -> AppTest:
    at = AppTest.from_function(_panel, default_timeout=60)
    at.session_state["draft"] = HOSTILE
    at.run()
    assert not at.exception, at.exception
    return at


def _script_text(html: str) -> str:
    m = re.search(r"const text = (.*);\n", html)
    assert m, html
    return json.loads(m.group(1))


def test_three_download_buttons(panel):
    buttons = {b.key: b for b in panel.download_button}
    assert set(buttons) == {"export_docx", "export_txt", "export_md"}
    assert buttons["export_docx"].label == "下载 Word（公文格式）"
    assert buttons["export_txt"].label == "下载纯文本（.txt）"
    assert buttons["export_md"].label == "下载 Markdown（.md）"
    # the .docx is built when clicked; the text files are ready with their extensions
    assert buttons["export_docx"].proto.deferred_file_id
    assert buttons["export_txt"].proto.url.endswith(".txt")
    assert buttons["export_md"].proto.url.endswith(".md")
    assert all(b.proto.ignore_rerun for b in buttons.values())  # a download does not rerun the page


def test_copy_button_carries_the_plain_text_as_json(panel):
    (frame,) = panel.get("iframe")
    html = frame.proto.srcdoc
    assert "复制全文" in html and "navigator.clipboard.writeText" in html and "execCommand" in html
    assert _script_text(html) == export_bytes(HOSTILE, "txt").decode("utf-8-sig")
    # nothing of the speech is markup: one </script> (the frame's own), no <b>, no comment
    assert html.count("</script>") == 1 and "<b>" not in html and "<!--" not in html
    assert "\u2028" not in html


@pytest.mark.parametrize("text", ["", "同志们：", '\\"</SCRIPT>\'', "a\u2029b\r\nc", "“”‘’——……"])
def test_copy_html_round_trips_any_text(text):
    html = copy_button_html(text)
    assert _script_text(html) == text
    assert "</" not in html.replace("</div>", "").replace("</button>", "").replace("</span>", "").replace("</script>", "", 1)
