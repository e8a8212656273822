"""Named accounts on the page (AppTest): drafts and sessions are private, shared only on purpose,
and the machine's model settings are changed only by editors and admins.

Each user is logged in as the login page does it (tests/shared.logged_in: a token in the
process's login table, sent as the browser's cookie); the rules under test are the page's.
"""

from __future__ import annotations

import pytest

from assistant.drafts.draft_access import UserDrafts
from assistant.drafts.draft_store import DraftStoreError
from assistant.llm.saved_settings import settings_path
from assistant.support.access import Role
from assistant.support.accounts import AccountStore
from tests.app_flows import generate, open_draft_id, session_of, start, store, texts
from tests.scenario import BRIEF
from tests.shared import logged_in

SHORT = {**BRIEF, "length": 1500}
SECRET = "东湖区住建局副局长"  # a confidential fact of alice's brief


@pytest.fixture
def accounts(data_dir):
    store_ = AccountStore(data_dir)
    store_.add("alice", "Donghu-alice-01", Role.WRITER)
    store_.add("bob", "Donghu-bob-0002", Role.WRITER)
    store_.add("lin", "Donghu-lin-0003", Role.EDITOR)
    return store_


def _as(monkeypatch, accounts, name: str) -> None:
    logged_in(monkeypatch, accounts.get(name))


def test_a_writer_never_sees_opens_or_deletes_another_writers_draft(small_corpus, data_dir, accounts, monkeypatch):
    _as(monkeypatch, accounts, "alice")
    at = generate(start(), {**SHORT, "facts": [*BRIEF["facts"], SECRET + "已于5月被诫勉谈话"]})
    draft_id = open_draft_id(at, data_dir)
    assert store(data_dir).record(draft_id).owner == "alice"
    alice_session = session_of(at)

    _as(monkeypatch, accounts, "bob")
    bob = start()
    bob.tabs[1].run()
    assert not any(b.key in (f"open_{draft_id}", f"delete_{draft_id}") for b in bob.button)
    assert any("还没有稿件" in i.value for i in bob.info)
    assert SECRET not in texts(bob)
    # alice's link (?s=) opens a fresh session for bob: nothing of her brief is filled in.
    link = start(alice_session)
    assert session_of(link) != alice_session
    assert link.text_input(key="brief_meeting").value != BRIEF["meeting"]
    assert SECRET not in texts(link) and all(SECRET not in (t.value or "") for t in link.text_area)
    # Nor through the core: reading or deleting it as bob is refused, and the draft stays.
    as_bob = UserDrafts(store(data_dir), accounts.get("bob"))
    for attempt in (lambda: as_bob.load(draft_id), lambda: as_bob.delete(draft_id)):
        with pytest.raises(DraftStoreError, match="不属于当前账号"):
            attempt()
    assert store(data_dir).exists(draft_id)


def test_a_draft_shared_on_purpose_can_be_opened_but_not_deleted(small_corpus, data_dir, accounts, monkeypatch):
    _as(monkeypatch, accounts, "alice")
    at = generate(start(), SHORT)
    draft_id = open_draft_id(at, data_dir)
    at.tabs[1].run()
    at.multiselect(key=f"share_{draft_id}").set_value(["bob"])
    at.button(key=f"share_go_{draft_id}").click().run()
    assert not at.exception, at.exception
    assert store(data_dir).record(draft_id).shared_with == ["bob"]
    assert any("已更新共享：bob" in s.value for s in at.success)

    _as(monkeypatch, accounts, "bob")
    bob = start()
    assert any("由 alice 共享给你" in c.value for c in bob.caption)
    assert not any(b.key == f"delete_{draft_id}" for b in bob.button)
    assert not any(m.key == f"share_{draft_id}" for m in bob.multiselect)
    bob.button(key=f"open_{draft_id}").click().run()
    assert bob.text_input(key="brief_meeting").value == BRIEF["meeting"]
    with pytest.raises(DraftStoreError, match="只有稿件的建立者"):
        UserDrafts(store(data_dir), accounts.get("bob")).delete(draft_id)

    # lin was not chosen: lin sees nothing.
    _as(monkeypatch, accounts, "lin")
    assert not any(b.key == f"open_{draft_id}" for b in start().button)


def test_only_editors_save_the_machines_model_settings(small_corpus, data_dir, accounts, monkeypatch, fake_openai):
    _as(monkeypatch, accounts, "bob")
    at = start()
    save = next(b for b in at.button if b.label == "保存到本机")
    assert save.disabled
    assert any("需要范文库管理员或系统管理员账号" in c.value for c in at.caption)
    at.selectbox(key="llm_provider").set_value("custom")
    at.text_input(key="llm_model").input("fake-model")
    at.text_input(key="llm_base_url").input(fake_openai.base_url)
    forged = next(b for b in at.button if b.label == "保存到本机")
    forged.proto.disabled = False  # a hand-made websocket message: the page must refuse it too
    forged.click()
    at.run()
    assert not settings_path(data_dir).exists()
    assert not any("已保存到本机" in m.value for m in at.success)
    # 仅本次使用 is still bob's own choice, for his session only.
    next(b for b in at.button if b.label == "仅本次使用").click()
    at.run()
    assert any("仅本次浏览器会话有效" in s.value for s in at.success)

    _as(monkeypatch, accounts, "lin")
    editor = start()
    editor.selectbox(key="llm_provider").set_value("custom")
    editor.text_input(key="llm_model").input("fake-model")
    editor.text_input(key="llm_base_url").input(fake_openai.base_url)
    next(b for b in editor.button if b.label == "保存到本机").click()
    editor.run()
    assert settings_path(data_dir).exists()
