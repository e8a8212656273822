"""Steps of the page that AppTest tests share: start, fill the brief, read the document as shown."""

from __future__ import annotations

import html
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from assistant.drafts.draft_store import DraftStore
from assistant.drafts.workspace import load_workspace
from tests.shared import APP

TIMEOUT = 120
LIST_FIELDS = ("targets", "issues", "facts", "decisions", "requirements")


def start(session: str | None = None) -> AppTest:
    """The page as a browser opens it (with ``?s=session`` when given, as after a refresh)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if session:
        at.query_params["s"] = session
    at.run()
    assert not at.exception, at.exception
    return at


def session_of(at: AppTest) -> str:
    """The session id the page put into its URL."""
    return at.query_params["s"][0] if isinstance(at.query_params["s"], list) else at.query_params["s"]


def fill(at: AppTest, brief: dict) -> AppTest:
    """Type a brief into the form (each field is saved as it is typed)."""
    if brief.get("kind"):
        at.selectbox(key="brief_kind").set_value(brief["kind"])
    at.number_input(key="brief_length").set_value(brief["length"])
    at.text_input(key="brief_meeting").input(brief["meeting"])
    at.text_input(key="brief_speaker").input(brief["speaker"])
    for field in LIST_FIELDS:
        at.text_area(key=f"brief_{field}").input("\n".join(brief[field]))
    if brief.get("title"):
        at.text_input(key="brief_title").input(brief["title"])
    at.run()
    assert not at.exception, at.exception
    return at


def generate(at: AppTest, brief: dict | None = None, button: str = "brief_go") -> AppTest:
    """Fill (when a brief is given) and press 生成初稿; returns when the drafting has finished."""
    if brief is not None:
        fill(at, brief)
    at.button(key=button).click().run()
    assert not at.exception, at.exception
    return at


_TAG = re.compile(r"<[^>]+>")


def document_text(at: AppTest) -> str:
    """The open draft as the page shows it: the document's paragraphs, one per line, tags removed."""
    lines: list[str] = []
    for el in at.get("html"):
        body = el.proto.body
        if 'class="speech-doc"' in body:
            for para in re.findall(r"<p[^>]*>(.*?)</p>", body, flags=re.S):
                lines.append(html.unescape(_TAG.sub("", para)))
    return "\n".join(lines)


def texts(at: AppTest) -> str:
    """Every message, caption and markdown on the page."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [str(e.value) for e in (*at.success, *at.info, *at.error, *at.warning)]
    return "\n".join(parts)


def store(data_dir: Path) -> DraftStore:
    """我的稿件 of the test's data dir."""
    return DraftStore(data_dir)


def open_draft_id(at: AppTest, data_dir: Path) -> str:
    """The draft the page's session has open."""
    return load_workspace(data_dir, session_of(at)).draft_id


def part_position(at: AppTest, data_dir: Path, number: int) -> int:
    """Position in Draft.parts of section ``number`` of the open draft (the tools' key suffix)."""
    draft = store(data_dir).load(open_draft_id(at, data_dir))
    return next(i for i, p in enumerate(draft.parts) if p.number == number)
