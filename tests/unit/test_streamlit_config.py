""".streamlit/config.toml: safe defaults, and the upload limit Streamlit enforces equals the app's own."""

from __future__ import annotations

import tomllib

from assistant.support.config import Settings
from tests.shared import REPO

CONFIG = REPO / ".streamlit" / "config.toml"


def _config() -> dict:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


def test_upload_limit_matches_assistant_max_upload_mb_default():
    # Streamlit refuses larger files before the app sees them; the app's own limit
    # (ASSISTANT_MAX_UPLOAD_MB) must say the same number, or one of the two messages is wrong.
    assert _config()["server"]["maxUploadSize"] == Settings.model_fields["max_upload_mb"].default


def test_local_only_and_no_developer_chrome():
    config = _config()
    assert config["server"]["address"] == "127.0.0.1"
    assert config["client"]["toolbarMode"] == "minimal"
    assert config["browser"]["gatherUsageStats"] is False
