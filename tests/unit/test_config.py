"""Settings errors are Chinese, name the environment variable, and the page can go on with defaults."""

from __future__ import annotations

import pytest

from assistant.support.config import SettingsError, get_settings, load_settings_lenient


def test_invalid_values_raise_one_chinese_line_each(monkeypatch):
    monkeypatch.setenv("ASSISTANT_MAX_UPLOAD_MB", "abc")
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "-1")
    with pytest.raises(SettingsError) as info:
        get_settings()
    lines = str(info.value).splitlines()
    assert lines == info.value.problems and len(lines) == 2
    upload = next(line for line in lines if "ASSISTANT_MAX_UPLOAD_MB" in line)
    assert "“abc”" in upload and "大于 0 的数字" in upload and "MB" in upload and "20" in upload
    timeout = next(line for line in lines if "ASSISTANT_LLM_TIMEOUT" in line)
    assert "“-1”" in timeout and "秒" in timeout and "120" in timeout
    assert isinstance(info.value, ValueError)


def test_integer_setting_says_integer(monkeypatch):
    monkeypatch.setenv("ASSISTANT_LLM_MAX_RETRIES", "1.5")
    with pytest.raises(SettingsError, match="ASSISTANT_LLM_MAX_RETRIES.*不小于 0 的整数"):
        get_settings()


def test_lenient_load_uses_defaults_for_invalid_fields_only(monkeypatch):
    monkeypatch.setenv("ASSISTANT_MAX_UPLOAD_MB", "abc")
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "30")
    settings, problems = load_settings_lenient(model="qwen2.5:7b")
    assert settings.max_upload_mb == 20 and settings.llm_timeout == 30 and settings.model == "qwen2.5:7b"
    assert len(problems) == 1 and "ASSISTANT_MAX_UPLOAD_MB" in problems[0]


def test_lenient_load_without_problems(monkeypatch):
    monkeypatch.setenv("ASSISTANT_MAX_UPLOAD_MB", "5")
    settings, problems = load_settings_lenient()
    assert settings.max_upload_mb == 5 and problems == []
