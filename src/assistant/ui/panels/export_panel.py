"""Export buttons under a finished draft: .docx (GB/T 9704), .txt, .md, and 复制全文."""

from __future__ import annotations

import json

import streamlit as st

from assistant.domain.models import Draft
from assistant.export.formats import MEDIA_TYPES, export_bytes, export_filename

# The speech (model output, uploads) is passed to the script as JSON with "<" escaped, never
# as HTML, so nothing in it can become markup or script in the frame. navigator.clipboard
# needs a secure context (https or localhost); on a plain http address inside an office
# network the hidden-textarea copy still works.
_COPY_HTML = """
<div style="font-family: sans-serif;">
  <button id="copy" type="button" style="padding:0.35rem 0.9rem;border:1px solid #bbb;border-radius:0.5rem;
    background:#fff;cursor:pointer;font-size:0.95rem;">复制全文</button>
  <span id="done" style="margin-left:0.6rem;color:#2e7d32;font-size:0.9rem;"></span>
</div>
<script>
const text = __TEXT__;
const done = document.getElementById("done");
function fallbackCopy() {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
  document.body.removeChild(area);
  return ok;
}
function report(ok, via) {
  done.dataset.via = via;
  done.style.color = ok ? "#2e7d32" : "#c62828";
  done.textContent = ok ? "已复制，可直接粘贴到 Word 或 WPS" : "复制失败，请选中正文后按 Ctrl+C 复制";
}
document.getElementById("copy").addEventListener("click", () => {
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(() => report(true, "api"), () => report(fallbackCopy(), "textarea"));
  } else {
    report(fallbackCopy(), "textarea");
  }
});
</script>
"""


def copy_button_html(text: str) -> str:
    """The 复制全文 button's HTML, with the text JSON-encoded into its script."""
    # "<" could end the script element ("</script>") or open a comment; U+2028/9 end a JS
    # string in older browsers. As \u escapes they are plain characters of the string.
    encoded = (
        json.dumps(text, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return _COPY_HTML.replace("__TEXT__", encoded)


def show_export(draft: Draft) -> None:
    """Download buttons (.docx in GB/T 9704 layout, .txt, .md; named after the title) and 复制全文."""
    plain = export_bytes(draft, "txt").decode("utf-8-sig")
    # A row that wraps, not fixed columns: in a narrow column (the page's document beside its
    # brief) fixed columns cut the labels to "下载 Word（公…".
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        # The .docx takes a fraction of a second to build, so it is made only when clicked.
        st.download_button(
            "下载 Word（公文格式）", lambda: export_bytes(draft, "docx"), file_name=export_filename(draft, "docx"),
            mime=MEDIA_TYPES["docx"], key="export_docx", on_click="ignore", type="primary",
        )
        st.download_button(
            "下载纯文本（.txt）", export_bytes(draft, "txt"), file_name=export_filename(draft, "txt"),
            mime=MEDIA_TYPES["txt"], key="export_txt", on_click="ignore",
        )
        st.download_button(
            "下载 Markdown（.md）", export_bytes(draft, "md"), file_name=export_filename(draft, "md"),
            mime=MEDIA_TYPES["md"], key="export_md", on_click="ignore",
        )
        _html_frame(copy_button_html(plain), height=48, width=300)
    # A caption, not button help: a tooltip renders the button label a second time on the page.
    st.caption(
        "Word 为 GB/T 9704 公文版式（A4，标题小标宋二号，正文仿宋三号，一级标题黑体、二级标题楷体，页码“— 1 —”）；"
        "纯文本和“复制全文”每段一行、没有 Markdown 符号，可直接粘贴到 Word/WPS。"
    )


def _html_frame(html: str, height: int, width: int) -> None:
    # st.iframe replaces components.v1.html (deprecated, to be removed); older Streamlit has only the latter.
    if hasattr(st, "iframe"):
        st.iframe(html, height=height, width=width)
    else:  # pragma: no cover - Streamlit before st.iframe
        import streamlit.components.v1 as components

        components.html(html, height=height, width=width)
