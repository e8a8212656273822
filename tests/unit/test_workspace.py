"""A browser session's workspace on disk, and model settings saved on the machine."""

from __future__ import annotations

import os
import stat

from assistant.drafts.workspace import (
    Message,
    load_workspace,
    new_session_id,
    update_workspace,
    valid_session_id,
)
from assistant.llm.page_choice import LLMChoice
from assistant.llm.saved_settings import (
    forget_model_settings,
    load_model_settings,
    mask_key,
    save_model_settings,
    settings_path,
)


def test_two_sessions_keep_their_own_workspace(tmp_path):
    a, b = new_session_id(), new_session_id()
    assert a != b and valid_session_id(a) and valid_session_id(b)
    update_workspace(tmp_path, a, form={"meeting": "东湖区安全生产约谈会"}, draft_id="d1")
    update_workspace(tmp_path, b, form={"meeting": "临江市营商环境约谈会"})
    update_workspace(tmp_path, a, messages=[Message(kind="success", text="初稿完成")])
    got = load_workspace(tmp_path, a)
    assert got.form == {"meeting": "东湖区安全生产约谈会"} and got.draft_id == "d1"
    assert got.messages[0].text == "初稿完成"
    assert load_workspace(tmp_path, b).form == {"meeting": "临江市营商环境约谈会"}


def test_session_ids_from_a_url_are_checked_before_naming_a_file(tmp_path):
    for bad in (None, "", "../../etc/passwd", "ABCDEF0123456789", "0123", "0123456789abcdef0", "0123456789abcdeg"):
        assert not valid_session_id(bad)
    assert valid_session_id("0123456789abcdef")


def test_unreadable_workspace_is_an_empty_one(tmp_path):
    sid = new_session_id()
    path = tmp_path / "sessions" / f"{sid}.json"
    path.parent.mkdir()
    path.write_text("{半个文件", encoding="utf-8")
    assert load_workspace(tmp_path, sid).form == {}
    assert update_workspace(tmp_path, sid, draft_id="x").draft_id == "x"


def test_model_settings_saved_owner_only_and_the_key_masked(tmp_path):
    choice = LLMChoice(provider="deepseek", api_key="sk-abcdef1234567890")
    path = save_model_settings(tmp_path, choice)
    assert path == settings_path(tmp_path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_model_settings(tmp_path) == choice
    assert mask_key("sk-abcdef1234567890") == "sk-…7890"
    assert "abcdef" not in mask_key("sk-abcdef1234567890") and mask_key("short") == "•••••" and mask_key("") == ""
    # Saving again over a file someone made readable makes it owner-only again.
    os.chmod(path, 0o644)
    save_model_settings(tmp_path, LLMChoice(provider="ollama"))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_model_settings(tmp_path) == LLMChoice(provider="ollama")
    forget_model_settings(tmp_path)
    forget_model_settings(tmp_path)  # twice is fine
    assert load_model_settings(tmp_path) is None


def test_bad_saved_settings_file_is_ignored(tmp_path):
    for bad in ('["not", "a", "mapping"]', '{"provider": 3}', '{"provider": ""}', "{半个"):
        settings_path(tmp_path).write_text(bad, encoding="utf-8")
        assert load_model_settings(tmp_path) is None


def test_a_saved_choice_follows_the_key_rule(tmp_path):
    """The server's key goes only to the server's endpoint, whether the choice was saved or not."""
    from assistant.llm.page_choice import apply_choice
    from assistant.support.config import Settings

    env = Settings(_env_file=None, openai_api_key="server-key", provider="deepseek")
    save_model_settings(tmp_path, LLMChoice(provider="custom", base_url="http://elsewhere.example/v1"))
    applied = apply_choice(env, load_model_settings(tmp_path))
    assert applied.openai_base_url == "http://elsewhere.example/v1" and not applied.openai_api_key


def test_a_session_id_with_a_trailing_newline_or_foreign_digits_is_refused():
    """`?s=<id>%0A` created a session file whose name ended in a newline ("$" matches before it)."""
    from assistant.drafts.workspace import new_session_id, valid_session_id

    good = new_session_id()
    assert valid_session_id(good)
    for bad in (good + "\n", good + "\r\n", "\n" + good, good.upper(), "٠" * 16):
        assert not valid_session_id(bad), repr(bad)
