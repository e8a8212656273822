"""This browser session: its id in the URL, its workspace on disk, the draft it has open.

Other panels (the checker, export) reach the open draft through :func:`open_draft` and add
a version to it with :func:`save_version`; nothing here decides anything the core decides.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from assistant.domain.models import Draft
from assistant.drafts.draft_access import UserDrafts
from assistant.drafts.draft_store import DraftRecord, DraftStore, DraftStoreError, VersionInfo
from assistant.drafts.workspace import (
    Workspace,
    load_workspace,
    new_session_id,
    update_workspace,
    valid_session_id,
    workspace_owner,
)
from assistant.support.accounts import Account
from assistant.ui.access import current_account
from assistant.ui.markdown_text import escape_markdown
from assistant.ui.page_settings import env_settings

#: The URL parameter that names the session (?s=…): a refresh keeps it, a new tab gets its own.
SESSION_PARAM = "s"
_SID = "session_id"
#: A message shown after the next rerun (e.g. "已删除……"), per view.
FLASH = "page_flash"


def session_id() -> str:
    """The session id from the URL, or a new one written into the URL."""
    sid = st.session_state.get(_SID)
    if sid:
        return sid
    value = st.query_params.get(SESSION_PARAM)
    # Another account's session (a shared or planted link) is not opened: this one gets its own.
    if not valid_session_id(value) or workspace_owner(data_dir(), value) not in (None, account().name):
        value = new_session_id()
        st.query_params[SESSION_PARAM] = value
    st.session_state[_SID] = value
    return value


def data_dir() -> Path:
    """Where the session's workspace and the drafts are kept (env/.env's data dir)."""
    return Path(env_settings().data_dir)


def workspace() -> Workspace:
    """The session's saved workspace, read now."""
    return load_workspace(data_dir(), session_id())


def update(**changes) -> Workspace:
    """Change and save fields of the session's workspace."""
    return update_workspace(data_dir(), session_id(), owner=account().name, **changes)


def account() -> Account:
    """Who this session is logged in as."""
    return current_account()


def store() -> UserDrafts:
    """我的稿件, as this session's account may see it."""
    return UserDrafts(DraftStore(data_dir()), account())


@dataclass
class OpenDraft:
    """The draft this session has open: its record in 我的稿件 and the newest version."""

    record: DraftRecord
    draft: Draft

    @property
    def version(self) -> VersionInfo:
        """The newest version's number, reason and length."""
        return self.record.latest


def open_draft() -> OpenDraft | None:
    """The open draft (None when none is open or it was deleted meanwhile)."""
    draft_id = workspace().draft_id
    drafts = store()
    if not draft_id or not drafts.exists(draft_id):
        return None
    try:
        return OpenDraft(drafts.record(draft_id), drafts.load(draft_id))
    except DraftStoreError as e:
        st.error(escape_markdown(str(e)))
        return None


def save_version(draft: Draft, reason: str) -> VersionInfo:
    """Add ``draft`` as a new version of the open draft (a new draft when none is open), and open it.

    The entry point for every change made on the page: accepted revision, manual edit,
    applied check suggestion, restore.
    """
    current = workspace().draft_id
    draft_id, version = store().add_or_create(current, draft, reason)
    if draft_id != current:
        update(draft_id=draft_id)
    return version


def open_in_page(draft_id: str) -> None:
    """Make a draft of 我的稿件 the open one (its last generation's messages no longer apply)."""
    update(draft_id=draft_id, messages=[])


FLASH_SECONDS = 6.0


def keep(key: str, value) -> None:
    """Keep ``value`` for the next few seconds of reruns (see :func:`fresh`).

    A message must outlive the one run meant to show it: that run may be cut short by the
    next rerun (a tab switch, a click), and the message must not be lost with it.
    """
    st.session_state[key] = (value, time.monotonic() + FLASH_SECONDS)


def fresh(key: str):
    """What :func:`keep` kept under ``key``, while it is fresh (None after)."""
    got = st.session_state.get(key)
    if not got:
        return None
    value, until = got
    if time.monotonic() > until:
        del st.session_state[key]
        return None
    return value


def flash(where: str, message: str, kind: str = "success") -> None:
    """Say ``message`` in view ``where`` after the rerun that shows its effect."""
    keep(f"{FLASH}_{where}", (kind, message))


def show_flash(where: str) -> None:
    """The message left for view ``where`` by :func:`flash`, while it is fresh."""
    got = fresh(f"{FLASH}_{where}")
    if got:
        kind, message = got
        getattr(st, kind)(escape_markdown(message))  # names, titles and errors from outside
