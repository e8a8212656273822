"""`assistant draft` and `assistant revise` against the fake OpenAI server."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.domain.models import Draft, count_chars
from assistant.drafts.draft_io import draft_from_text, load_draft, save_draft
from assistant.intake.parsing import parse_speech
from tests.fakes.server import Reply
from tests.ports import refused_port
from tests.scenario import (
    BRIEF,
    HARM_LEADS,
    HEADINGS,
    OUTLINE,
    SPEECH,
    part_replies,
    script,
    section_body,
)
from tests.shared import length_request


@pytest.fixture(scope="module")
def lib_dir(lib_settings, library) -> Path:
    """A data dir holding a real Library over the scenario's three corpus speeches."""
    return lib_settings.data_dir


@pytest.fixture
def env(monkeypatch, embed_srv, lib_dir):
    """Embedding settings for the library; no LLM configured yet."""
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BACKEND", "openai")
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BASE_URL", embed_srv.base_url)
    monkeypatch.setenv("ASSISTANT_EMBEDDING_API_KEY", "test-key")
    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", "fake-embedding")
    return monkeypatch


@pytest.fixture
def llm_with_library(env, llm_env):
    """The library's embeddings (``env``) plus the chat model on the fake server (``llm_env``:
    no retries, a 5 s timeout), not conftest's ``llm`` with the client's own retries."""
    return llm_env


@pytest.fixture
def brief_file(tmp_path) -> Path:
    p = tmp_path / "brief.json"
    p.write_text(json.dumps(BRIEF, ensure_ascii=False), encoding="utf-8")
    return p


def invoke(lib_dir: Path, *args: str):
    result = CliRunner().invoke(main, ["--data-dir", str(lib_dir), *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def partial_files(lib_dir: Path) -> set[Path]:
    return set((lib_dir / "drafts").glob("partial-*.txt")) if (lib_dir / "drafts").is_dir() else set()


# ---------------------------------------------------------------- draft


def test_draft_streams_text_to_stdout(llm_with_library, lib_dir, brief_file):
    script(llm_with_library)
    r = invoke(lib_dir, "draft", "--brief", str(brief_file))
    assert r.exit_code == 0, r.stderr
    doc = parse_speech(r.stdout)
    assert doc.title == BRIEF["title"] and doc.salutation == "同志们："
    assert [s.heading for s in doc.sections] == HEADINGS
    assert doc.closing.startswith("同志们，")
    assert "正在" not in r.stdout and "**" not in r.stdout
    assert r.stdout.endswith("。\n") and "\n\n" not in r.stdout  # exactly the speech, once
    assert "正在生成提纲" in r.stderr and "完成" in r.stderr
    assert len(llm_with_library.chat_requests()) == 7


def test_draft_out_json_text_and_json_flag(llm_with_library, lib_dir, brief_file, tmp_path):
    script(llm_with_library)
    out = tmp_path / "稿件.json"
    r = invoke(lib_dir, "draft", "--brief", str(brief_file), "--out", str(out))
    assert r.exit_code == 0 and str(out) in r.stdout
    draft = load_draft(out)
    assert [p.role for p in draft.parts][-1] == "closing" and draft.model == "fake-model"
    assert all(p.sources for p in draft.sections())

    script(llm_with_library)
    txt = tmp_path / "稿件.txt"
    r = invoke(lib_dir, "draft", "--brief", str(brief_file), "--out", str(txt), "--json")
    summary = json.loads(r.stdout)
    assert summary["out"] == str(txt) and summary["chars"] > 600
    assert txt.read_text(encoding="utf-8").startswith(BRIEF["title"] + "\n同志们：\n")

    script(llm_with_library)
    r = invoke(lib_dir, "draft", "--brief", str(brief_file), "--json")
    data = Draft.model_validate(json.loads(r.stdout))
    assert len(data.sections()) == 4 and data.usage["calls"] == 7


def test_draft_with_edited_outline(llm_with_library, lib_dir, brief_file, tmp_path):
    outline = tmp_path / "提纲.txt"
    outline.write_text(OUTLINE, encoding="utf-8")
    llm_with_library.queue(*part_replies())
    r = invoke(lib_dir, "draft", "--brief", str(brief_file), "--outline", str(outline))
    assert r.exit_code == 0 and len(llm_with_library.chat_requests()) == 6


def test_adjusted_draft_is_printed_again_in_full(llm_with_library, lib_dir, brief_file):
    script(llm_with_library, lengths={"harm": 20, "causes": 100})  # well under 800 × 85%, 第一部分 furthest off
    expanded = f"一、{HEADINGS[0]}\n{section_body(185, leads=HARM_LEADS)}"
    llm_with_library.queue(Reply(text=expanded, chunk_size=50))
    r = invoke(lib_dir, "draft", "--brief", str(brief_file))
    assert r.exit_code == 0
    assert "正在扩写第一部分" in r.stderr and "篇幅已调整" in r.stderr
    streamed, final = r.stdout.rstrip("\n").split("\n\n")

    # the rewrite asked for 第一部分 as streamed, grown by the whole gap to 800 characters
    lines = streamed.split("\n")
    start, end = lines.index(f"一、{HEADINGS[0]}"), lines.index(f"二、{HEADINGS[1]}")
    harm = "\n".join(lines[start:end])
    current, total = count_chars(harm), count_chars("\n".join(lines[2:]))
    requests = llm_with_library.chat_requests()
    assert len(requests) == 8
    rewrite = next(m["content"] for m in requests[-1].json["messages"] if m["role"] == "user")
    assert length_request("expand", current, current + 800 - total) in rewrite
    assert f"<待改写部分>\n{harm}\n</待改写部分>" in rewrite

    # the final text is printed again in full: only 第一部分 differs from what streamed
    assert final.startswith(BRIEF["title"]) and expanded in final
    assert final.replace(expanded, harm) == streamed


def test_no_llm_configured_uses_offline_composer(env, lib_dir, brief_file):
    r = invoke(lib_dir, "draft", "--brief", str(brief_file))
    assert "未配置大模型，使用离线组稿" in r.stderr
    try:
        import assistant.writing.offline  # noqa: F401
    except ImportError:
        assert r.exit_code == 1 and "离线组稿模块不可用" in r.stderr
        return
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip()
    r = invoke(lib_dir, "draft", "--brief", str(brief_file), "--offline", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["mode"] == "offline"


# ---------------------------------------------------------------- failures


def test_wrong_key_names_openai_api_key(llm_with_library, env, lib_dir, brief_file):
    env.setenv("OPENAI_API_KEY", "wrong-key")
    r = invoke(lib_dir, "draft", "--brief", str(brief_file))
    assert r.exit_code != 0
    assert "OPENAI_API_KEY" in r.stderr and "错误：" in r.stderr


def test_missing_model_names_assistant_model(llm_with_library, env, lib_dir, brief_file):
    env.setenv("ASSISTANT_MODEL", "no-such-model")
    r = invoke(lib_dir, "draft", "--brief", str(brief_file))
    assert r.exit_code == 1 and "no-such-model" in r.stderr and "ASSISTANT_MODEL" in r.stderr


def test_connection_refused(llm_with_library, env, lib_dir, brief_file):
    with refused_port() as port:
        env.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
        r = invoke(lib_dir, "draft", "--brief", str(brief_file))
    assert r.exit_code == 1 and "无法连接模型服务" in r.stderr


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply(status=500), "HTTP 500"),
        (Reply(text=section_body(170), chunk_size=20, cut_after=3), "中断"),
        (Reply(text=section_body(170), chunk_size=20, end_after=3), "没有收到结束标记"),
        (Reply(text="迟到的回答。", delay=2), "秒内没有响应"),
    ],
    ids=["500", "stream-cut", "no-finish-reason", "timeout"],
)
def test_failure_mid_draft_writes_partial_file(llm_with_library, env, lib_dir, brief_file, reply, expected):
    env.setenv("ASSISTANT_LLM_TIMEOUT", "0.5")
    llm_with_library.queue(Reply(text=OUTLINE, chunk_size=50), part_replies()[0], reply)
    before = partial_files(lib_dir)
    r = invoke(lib_dir, "draft", "--brief", str(brief_file))
    assert r.exit_code == 1
    assert expected in r.stderr and "撰写第一部分" in r.stderr
    new = partial_files(lib_dir) - before
    assert len(new) == 1
    path = new.pop()
    assert str(path) in r.stderr
    text = path.read_text(encoding="utf-8")
    assert text.startswith(BRIEF["title"] + "\n同志们：\n今天召开约谈会")
    assert "今天召开约谈会" in r.stdout  # what streamed before the failure stays visible


def test_cut_stream_then_resume_finishes_the_draft(llm_with_library, env, lib_dir, brief_file, tmp_path):
    body = section_body(170, leads=HARM_LEADS)
    llm_with_library.queue(Reply(text=OUTLINE, chunk_size=50), part_replies()[0], Reply(text=body, chunk_size=20, cut_after=3))
    r = invoke(lib_dir, "draft", "--brief", str(brief_file))
    assert r.exit_code == 1 and "中断" in r.stderr
    resume = re.search(r"assistant draft --resume (\S+\.json)", r.stderr)
    assert resume, r.stderr
    saved = Path(resume.group(1))
    assert saved.is_file() and saved.with_suffix(".txt").is_file()

    llm_with_library.reset()
    cut = json.loads(saved.read_text(encoding="utf-8"))["parts"][-1]["text"]
    rest = body[len(cut) - len(f"一、{HEADINGS[0]}\n") :]
    llm_with_library.queue(Reply(text=rest, chunk_size=50), *part_replies()[2:])
    out = tmp_path / "resumed.json"
    r = invoke(lib_dir, "draft", "--resume", str(saved), "--out", str(out))
    assert r.exit_code == 0, r.stderr
    done = json.loads(out.read_text(encoding="utf-8"))
    assert done["status"] == "done"
    assert done["parts"][3]["text"] == f"一、{HEADINGS[0]}\n" + body
    assert [p["role"] for p in done["parts"]][-1] == "closing"
    assert len(llm_with_library.chat_requests()) == 5  # the cut part and the four after it; no new outline


def test_rate_limit_then_success(llm_with_library, env, lib_dir, brief_file):
    env.setenv("ASSISTANT_LLM_MAX_RETRIES", "2")
    llm_with_library.queue(Reply(status=429, headers={"retry-after-ms": "10"}))
    script(llm_with_library)
    r = invoke(lib_dir, "draft", "--brief", str(brief_file))
    assert r.exit_code == 0 and len(llm_with_library.chat_requests()) == 8


def test_brief_errors_are_chinese(llm_with_library, lib_dir, tmp_path):
    r = invoke(lib_dir, "draft", "--brief", str(tmp_path / "missing.json"))
    assert r.exit_code == 1 and "无法读取约谈要素文件" in r.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: project_delay\nmeeting: 会\ncolour: red\n", encoding="utf-8")
    r = invoke(lib_dir, "draft", "--brief", str(bad))
    assert r.exit_code == 1 and "colour" in r.stderr and "targets" in r.stderr
    assert llm_with_library.chat_requests() == []


# ---------------------------------------------------------------- revise


@pytest.fixture
def draft_file(tmp_path) -> Path:
    draft = draft_from_text(SPEECH).model_copy(update={"brief": BRIEF, "kind": "project_delay"})
    return save_draft(draft, tmp_path / "draft.json")


def test_revise_section_prints_text_and_diff(llm_with_library, lib_dir, draft_file):
    new = f"二、{HEADINGS[1]}\n一是责任传导层层递减，必须严肃追责。\n二是前期工作不实。"
    llm_with_library.queue(Reply(text=new, chunk_size=50))
    r = invoke(lib_dir, "revise", str(draft_file), "--section", "2", "--instruction", "更严厉")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith(new + "\n")
    assert "修改对照" in r.stdout and "一是责任传导层层递减［+，必须严肃追责+］。" in r.stdout


def test_revise_out_keeps_other_parts(llm_with_library, lib_dir, draft_file, tmp_path):
    llm_with_library.queue(Reply(text="同志们，务必立即行动。", chunk_size=50))
    out = tmp_path / "revised.json"
    r = invoke(
        lib_dir, "revise", str(draft_file), "--section", "closing", "-i", "更精炼", "--out", str(out)
    )
    assert r.exit_code == 0 and str(out) in r.stdout
    before, after = load_draft(draft_file), load_draft(out)
    assert after.parts[-1].text == "同志们，务必立即行动。"
    assert [p.text for p in before.parts[:-1]] == [p.text for p in after.parts[:-1]]

    llm_with_library.queue(Reply(text="二是前期工作不扎实。", chunk_size=50))
    r = invoke(lib_dir, "revise", str(out), "--passage", "二是前期工作不实。", "-i", "扩写", "--json")
    data = json.loads(r.stdout)
    assert data["part"]["number"] == 2 and data["new_text"].endswith("二是前期工作不扎实。")
    assert "二是前期工作不［-实-］［+扎实+］。" in data["diff"] and "---" not in data["diff"]


def test_revise_text_draft_with_brief(llm_with_library, lib_dir, tmp_path, brief_file):
    txt = tmp_path / "draft.txt"
    txt.write_text(SPEECH, encoding="utf-8")
    short = "今天约谈青石县交通运输局、青石县水利局、云溪镇人民政府。下面讲几点意见。"
    llm_with_library.queue(Reply(text=short, chunk_size=50))
    r = invoke(lib_dir, "revise", str(txt), "--section", "0", "-i", "更精炼", "--brief", str(brief_file))
    assert r.exit_code == 0 and r.stdout.startswith(short + "\n")
    assert "青石县水利局" in llm_with_library.chat_requests()[0].json["messages"][1]["content"]


def test_revise_polish(llm_with_library, lib_dir, draft_file):
    llm_with_library.queue(Reply(text=SPEECH.replace("38.2%", "近四成"), chunk_size=50))
    r = invoke(lib_dir, "revise", str(draft_file), "-i", "润色")
    assert r.exit_code == 3 and "未通过核对" in r.stderr and "38.2%" in r.stderr
    assert "已保存" not in r.stdout


def test_revise_errors(llm_with_library, env, lib_dir, draft_file, tmp_path):
    r = invoke(lib_dir, "revise", str(draft_file), "--section", "9", "-i", "扩写")
    assert r.exit_code == 1 and "共有 4 个一级标题" in r.stderr
    r = invoke(lib_dir, "revise", str(draft_file), "-i", "扩写")
    assert r.exit_code == 1 and "--section" in r.stderr
    r = invoke(lib_dir, "revise", str(tmp_path / "nope.txt"), "--section", "1", "-i", "扩写")
    assert r.exit_code == 1 and "不存在" in r.stderr
    llm_with_library.queue(Reply(status=401))
    r = invoke(lib_dir, "revise", str(draft_file), "--section", "1", "-i", "扩写")
    assert r.exit_code == 1 and "OPENAI_API_KEY" in r.stderr
    env.delenv("OPENAI_API_KEY")
    env.delenv("OPENAI_BASE_URL")
    r = invoke(lib_dir, "revise", str(draft_file), "--section", "1", "-i", "扩写")
    assert r.exit_code == 1 and "未配置大模型" in r.stderr


def test_offline_draft_on_first_use_indexes_bundled_corpus(tmp_path, use_corpus):
    use_corpus("project_delay-01.md", "project_delay-03.md", "investment-01.md")
    brief = tmp_path / "b.json"
    brief.write_text(json.dumps({**BRIEF, "length": 2500}, ensure_ascii=False), encoding="utf-8")
    first = CliRunner().invoke(main, ["draft", "--brief", str(brief), "--offline"])
    assert first.exit_code == 0, first.output
    assert "首次使用" in first.stderr and "内置范文导入完成：3 篇" in first.stderr
    chars = len(re.sub(r"\s", "", first.stdout))
    assert 2500 * 0.85 <= chars <= 2500 * 1.15
    again = CliRunner().invoke(main, ["draft", "--brief", str(brief), "--offline"])
    assert again.exit_code == 0 and "首次使用" not in again.stderr
    assert again.stdout == first.stdout  # deterministic


def test_chatty_model_through_the_cli_saves_a_clean_draft(llm_with_library, lib_dir, brief_file, tmp_path):
    from tests.unit.test_chatty_model import CHATTER, CHATTY_OUTLINE, HALF_WIDTH_IN_CHINESE, PARTS

    llm_with_library.queue(Reply(text=CHATTY_OUTLINE, chunk_size=7), *(Reply(text=p, chunk_size=5) for p in PARTS))
    out = tmp_path / "chatty.json"
    r = invoke(lib_dir, "draft", "--brief", str(brief_file), "--out", str(out))
    assert r.exit_code == 0, r.stderr
    text = load_draft(out).text
    assert text.count("同志们：") == 1 and not CHATTER.search(text) and not HALF_WIDTH_IN_CHINESE.search(text)
    headings = [line for line in text.split("\n") if re.match(r"^[一二三四五六七八九十]+、", line)]
    assert headings == [f"{n}、{h}" for n, h in zip("一二三四", HEADINGS, strict=True)]


def test_think_blocks_and_length_continuation_through_the_cli(llm_with_library, lib_dir, brief_file, tmp_path):
    replies = part_replies()
    replies[0] = Reply(text="<think>先想想怎么开场。</think>" + replies[0].text, chunk_size=6)
    body = replies[1].text
    replies[1:2] = [Reply(text=body[:60], finish_reason="length", chunk_size=20), Reply(text=body[60:], chunk_size=20)]
    llm_with_library.queue(Reply(text=OUTLINE, chunk_size=50), *replies)
    out = tmp_path / "think.json"
    r = invoke(lib_dir, "draft", "--brief", str(brief_file), "--out", str(out))
    assert r.exit_code == 0, r.stderr
    draft = load_draft(out)
    assert "think" not in draft.text and "先想想" not in draft.text
    assert draft.status == "done" and len(llm_with_library.chat_requests()) == 8  # one automatic continuation


@pytest.mark.parametrize(
    ("name", "text", "expect"),
    [
        ("要素.json", '{"meeting": "约谈会",\n "targets": }', "不是有效的 JSON（第 2 行第 13 列）：这里缺少一个值"),
        ("要素.json", "[" * 100_000, "嵌套层数过多"),
        ("要素.yaml", "meeting: !!python/object/apply:os.system [ls]\n", "使用了不允许的 YAML 标签 !!python/"),
        ("要素.yaml", "a: &a [约谈, 约谈]\nb: [*a, *a]\n", "别名"),
    ],
)
def test_draft_refuses_a_bad_brief_file_in_chinese(env, lib_dir, tmp_path, name, text, expect):
    # draft reads briefs through the same load_brief as check: no model is asked, nothing written.
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    before = partial_files(lib_dir)
    r = invoke(lib_dir, "draft", "--brief", str(path))
    assert r.exit_code == 1
    reason = r.stderr.replace(str(path), "")
    assert reason.startswith("错误：约谈要素文件") and expect in reason, reason
    assert set(re.findall(r"[A-Za-z]+", reason)) <= {"JSON", "YAML", "python", "object", "apply", "os", "system"}
    assert partial_files(lib_dir) == before
