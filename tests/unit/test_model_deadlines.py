"""Faulty model servers (issue 20, item 5): a total deadline per call, a size cap per answer,
bounded prompts, linear-time cleaning, and 停止 within seconds while the server trickles or hangs.

Everything goes through the real fake server over HTTP (tests/fakes/server.py), in-process.
"""

from __future__ import annotations

import threading
import time
import tracemalloc

import pytest

from assistant.domain.brief import parse_brief
from assistant.domain.models import Draft, DraftPart
from assistant.drafts.draft_store import REASON_INTERRUPTED, DraftStore
from assistant.drafts.job_outcome import job_finisher
from assistant.drafts.jobs import STOPPED_MESSAGE, DraftJob, running_job, start_job
from assistant.drafts.workspace import load_workspace, new_session_id
from assistant.llm import LLMError, make_chat_model, resolve_llm
from assistant.llm.streaming import ThinkFilter, trim_overlap
from assistant.support.config import get_settings
from assistant.writing.events import DraftError
from assistant.writing.model_calls import ModelCalls
from assistant.writing.prompts.model_text import StreamCleaner, head_rule
from assistant.writing.writer import choose_reviser, choose_writer
from tests.fakes.server import Reply
from tests.scenario import BRIEF, HEADINGS, OUTLINE, SPEECH, part_replies, prose

#: The opening as the model writes it, for a server that sends it slowly.
OPENING = prose(200, "今天召开约谈会，约谈青石县交通运输局、青石县水利局、云溪镇人民政府。")


def _write_job(sid: str, data_dir, *, kind: str = "draft") -> DraftJob:
    """A drafting job as the page starts one: the configured writer, its outcome saved for the session."""
    writer = choose_writer(get_settings())
    work = lambda on_event: writer.write(parse_brief(BRIEF), None, on_event)  # noqa: E731
    job = DraftJob(work, job_finisher(data_dir, sid), kind=kind)
    job.watch_model(writer.model)
    return job


def _wait_for_text(job: DraftJob, words: str, seconds: float = 15) -> None:
    end = time.monotonic() + seconds
    while words not in job.snapshot().text:
        assert time.monotonic() < end, f"never showed {words!r}: {job.snapshot()}"
        time.sleep(0.05)


def test_a_trickling_server_ends_at_the_total_deadline_and_the_text_so_far_is_kept(llm_env, monkeypatch, tmp_path):
    # Bytes keep coming (one every 0.3 s), so the per-read timeout never trips.
    monkeypatch.setenv("ASSISTANT_LLM_TOTAL_TIMEOUT", "3")
    llm_env.queue(Reply(text=OUTLINE, chunk_size=50), Reply(text=OPENING, chunk_size=20, trickle_after=3, trickle=0.3))
    sid = new_session_id()
    job = start_job(sid, _write_job(sid, tmp_path))
    started = time.monotonic()
    assert job.wait(20), "still drafting long after the 3 s deadline"
    took = time.monotonic() - started
    assert job.result == "interrupted" and took < 8, took  # the outline, then 3 s for the opening
    assert "3 秒内没有写完回答" in job.error and "ASSISTANT_LLM_TOTAL_TIMEOUT" in job.error
    # The 60 characters that came are kept as an unfinished draft, resumable.
    ws = load_workspace(tmp_path, sid)
    record = DraftStore(tmp_path).record(ws.draft_id)
    assert record.latest.reason == REASON_INTERRUPTED and record.latest.status == "interrupted"
    kept = DraftStore(tmp_path).load(ws.draft_id)
    assert kept.parts[-1].role == "opening" and not kept.parts[-1].complete
    assert kept.parts[-1].text == OPENING[:60]
    assert any("继续生成" in m.text for m in ws.messages)


def test_an_endless_answer_stops_at_its_cap_with_memory_bounded(llm_env):
    # A model repeating a sentence for ever: before, the call never ended and memory grew.
    llm_env.queue(Reply(text=prose(400), chunk_size=40, endless=True))
    calls = ModelCalls(make_chat_model(resolve_llm(get_settings())), None)
    outcome: dict = {}

    def part() -> None:
        tracemalloc.start()
        try:
            calls.write_part([("user", "请写整改落实部分。")], index=3, role="rectification", number=4,
                             heading=HEADINGS[3], title=BRIEF["title"], target=600, reask=False)  # fmt: skip
        except LLMError as e:
            outcome["error"] = e
        finally:
            outcome["peak"] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()

    worker = threading.Thread(target=part, daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "an endless answer was still being read after 30 s"
    err = outcome["error"]
    assert err.kind == "too_long" and "2400 字的上限" not in err.message  # the floor applies: 4000
    assert "4000 字的上限" in err.message and "ASSISTANT_LLM_MAX_ANSWER_CHARS" in err.message
    # What came is kept (cleaned, starting with the part's heading), and no more than the cap.
    assert err.partial_text.startswith(f"四、{HEADINGS[3]}\n") and 3500 < len(err.partial_text) <= 4100
    assert outcome["peak"] < 8_000_000, outcome["peak"]


def test_a_giant_single_token_is_cleaned_in_well_under_a_second():
    # One 0.4 MB piece: a chatter-looking start is held to the end of its line (93 s before).
    token = "以下是" + prose(400_000)
    cleaner = StreamCleaner(head_rule("harm", 1, HEADINGS[0], BRIEF["title"]), f"一、{HEADINGS[0]}",
                            cut_at_heading=True, own=(1, HEADINGS[0]))  # fmt: skip
    started = time.perf_counter()
    out = cleaner.feed(token) + cleaner.flush()
    assert time.perf_counter() - started < 1.0
    assert out.endswith(token[-20:]) and len(cleaner.text) > 400_000
    # The same piece fed in 8-character tokens gives the same text, as fast.
    pieces = StreamCleaner(head_rule("harm", 1, HEADINGS[0], BRIEF["title"]), f"一、{HEADINGS[0]}",
                           cut_at_heading=True, own=(1, HEADINGS[0]))  # fmt: skip
    started = time.perf_counter()
    for i in range(0, len(token), 8):
        pieces.feed(token[i : i + 8])
    pieces.flush()
    assert time.perf_counter() - started < 2.0 and pieces.text == cleaner.text
    # The stream filters: <think> tags all through a giant piece, and a giant continuation.
    tagged = "<think>想</think>写" * 25_000
    started = time.perf_counter()
    visible, reasoning = ThinkFilter().feed(tagged)
    assert visible == "写" * 25_000 and reasoning == "想" * 25_000
    previous = prose(400_000)
    assert trim_overlap(previous, previous[-100:] + "新的内容") == "新的内容"
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "slow",
    [Reply(text=OPENING, chunk_size=30, trickle_after=3, trickle=0.5), Reply(text=OPENING, chunk_size=30, hang_after=3)],
    ids=["trickle", "hang-after-headers"],
)
def test_stop_ends_the_job_within_seconds_and_a_new_generation_can_start(llm_env, monkeypatch, tmp_path, slow):
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "60")  # a hanging read is not what ends it
    llm_env.queue(Reply(text=OUTLINE, chunk_size=50), slow)
    sid = new_session_id()
    job = start_job(sid, _write_job(sid, tmp_path))
    _wait_for_text(job, OPENING[:80])  # a line start is shown once 80 characters came
    pressed = time.monotonic()
    job.stop()  # 停止, from the page's thread
    assert job.wait(3), "停止 did not end the job within 3 s"
    assert time.monotonic() - pressed < 3
    assert job.result == "interrupted" and job.snapshot().stopped and job.error == STOPPED_MESSAGE
    assert running_job(sid) is None
    kept = DraftStore(tmp_path).load(load_workspace(tmp_path, sid).draft_id)
    assert kept.parts[-1].text == OPENING[:90]

    # The session can start another generation at once, and it finishes.
    llm_env.queue(Reply(text=OUTLINE, chunk_size=50), *part_replies())
    again = start_job(sid, _write_job(sid, tmp_path, kind="outline"))
    assert again.wait(30) and again.result == "done", again.error


def _huge_draft() -> Draft:
    """The scenario's speech with a closing of 1.1 million characters (as a runaway model left one)."""
    lines = SPEECH.split("\n")
    parts = [DraftPart(role="title", text=lines[0]), DraftPart(role="salutation", text=lines[1]),
             DraftPart(role="opening", text=lines[2])]  # fmt: skip
    roles = ["harm", "causes", "decisions", "rectification"]
    for n, role in enumerate(roles):
        at = 3 + 3 * n
        parts.append(DraftPart(role=role, number=n + 1, heading=HEADINGS[n], text="\n".join(lines[at : at + 3])))
    parts.append(DraftPart(role="closing", text="同志们，" + prose(1_100_000)))
    return Draft(title=lines[0], kind="project_delay", parts=parts, brief=BRIEF)


def test_revising_a_huge_draft_never_sends_megabytes(llm_env):
    draft = _huge_draft()
    reviser = choose_reviser(get_settings())
    llm_env.queue(Reply(text="今天召开约谈会，约谈青石县交通运输局、青石县水利局、云溪镇人民政府。请各单位认真听取。下面，我讲几点意见。"))
    reviser.part(draft, 0, "更严厉一些", brief=parse_brief(BRIEF))
    sent = llm_env.chat_requests()
    assert len(sent) == 1 and len(sent[0].body) < 200_000, len(sent[0].body)  # 3 MB before
    assert "（后文从略）" in sent[0].body.decode("utf-8")
    # The runaway part itself is refused before anything is sent, in Chinese, naming the setting.
    llm_env.reset()
    with pytest.raises(DraftError, match="ASSISTANT_LLM_MAX_PROMPT_CHARS") as info:
        reviser.part(draft, "closing", "压缩到800字", brief=parse_brief(BRIEF))
    assert f"要修改的这一部分有 {len(draft.parts[-1].text)} 字" in str(info.value) and "原文未改动" in str(info.value)
    with pytest.raises(DraftError, match="ASSISTANT_LLM_MAX_PROMPT_CHARS"):
        reviser.polish(draft, brief=parse_brief(BRIEF))
    assert llm_env.chat_requests() == []
