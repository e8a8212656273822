"""`assistant revise` through the guard: a change that loses facts is refused, nothing written, unless --force.

The model is the HTTP fake answering like a model at its worst: a forceful paragraph that keeps
none of the part's figures, another meeting's figures, a chatty wrapper around a good answer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.drafts.draft_io import draft_from_text, load_draft, save_draft
from tests.fakes.server import Reply

GUARD = Path(__file__).resolve().parents[1] / "fixtures" / "guard"
FORCEFUL = (
    "同志们，问题就是命令，时间就是效率！对这些问题，我们决不能视而不见、听之任之，"
    "必须拿出壮士断腕的决心，以最坚决的态度、最有力的措施、最严格的标准抓整改。"
)


@pytest.fixture
def gas(tmp_path) -> tuple[Path, Path]:
    raw = json.loads((GUARD / "gas_brief.json").read_text(encoding="utf-8"))
    text = (GUARD / "gas_draft.txt").read_text(encoding="utf-8").strip()
    draft = draft_from_text(text).model_copy(update={"brief": raw, "kind": "gas_fire"})
    return save_draft(draft, tmp_path / "D.json"), tmp_path


def _revise(data_dir: Path, *args: str):
    r = CliRunner().invoke(main, ["--data-dir", str(data_dir), "revise", *args])
    assert "Traceback" not in r.output
    return r


def test_a_fact_dropping_revision_is_refused_and_nothing_written(llm_env, gas, data_dir):
    path, tmp = gas
    before = path.read_bytes()
    out = tmp / "out.json"
    llm_env.queue(Reply(text=FORCEFUL, chunk_size=30))
    r = _revise(data_dir, str(path), "--section", "1", "-i", "更严厉", "--out", str(out))
    assert r.exit_code == 3, r.output
    assert "未通过核对" in r.stderr and "--force" in r.stderr
    for fact in ("37%", "128公里", "47公里", "3家"):
        assert fact in r.stderr, fact
    assert not out.exists() and path.read_bytes() == before

    # --out onto the draft itself: still nothing written
    llm_env.queue(Reply(text=FORCEFUL, chunk_size=30))
    r = _revise(data_dir, str(path), "--section", "1", "-i", "更严厉", "--out", str(path))
    assert r.exit_code == 3 and path.read_bytes() == before

    # --json says so too
    llm_env.queue(Reply(text=FORCEFUL, chunk_size=30))
    r = _revise(data_dir, str(path), "--section", "1", "-i", "更严厉", "--json")
    data = json.loads(r.stdout)
    assert r.exit_code == 3 and data["accepted"] is False and data["out"] is None
    assert any("37%" in p for p in data["problems"])


def test_force_takes_the_refused_change(llm_env, gas, data_dir):
    path, tmp = gas
    out = tmp / "forced.json"
    llm_env.queue(Reply(text=FORCEFUL, chunk_size=30))
    r = _revise(data_dir, str(path), "--section", "1", "-i", "更严厉", "--out", str(out), "--force")
    assert r.exit_code == 0, r.output
    assert "--force" in r.stderr and str(out) in r.stdout
    assert "壮士断腕" in load_draft(out).text and "37%" not in load_draft(out).sections()[0].text


def test_another_meetings_figures_are_refused(llm_env, gas, data_dir):
    path, _ = gas
    part = load_draft(path).sections()[3].text.split("\n", 1)[1]
    llm_env.queue(Reply(text=part + "\n东环路改造工程形象进度仅完成35%，8月10日前报送整改方案。", chunk_size=30))
    r = _revise(data_dir, str(path), "--section", "4", "-i", "扩写")
    assert r.exit_code == 3 and "35%" in r.stderr and "没有的内容" in r.stderr


def test_a_chatty_answer_that_keeps_the_facts_is_saved(llm_env, gas, data_dir):
    path, tmp = gas
    body = load_draft(path).sections()[0].text.split("\n", 1)[1]
    stricter = body.replace("远低于时序进度。", "远低于时序进度，这是严重的失职！")
    out = tmp / "ok.json"
    llm_env.queue(Reply(text="好的，以下是修改后的内容：\n" + stricter + "\n希望对您有帮助！", chunk_size=30))
    r = _revise(data_dir, str(path), "--section", "1", "-i", "更严厉", "--out", str(out))
    assert r.exit_code == 0, r.output
    saved = load_draft(out).sections()[0].text
    assert "这是严重的失职" in saved and "好的" not in saved and "37%" in saved
    assert "［+" in r.stdout and "严重的失职" in r.stdout and "@@" not in r.stdout
