"""我的稿件 in the core: versions of a draft, restore, diff, delete, the reasons listed, concurrency."""

from __future__ import annotations

import json
import re
import threading

import pytest

from assistant.domain.models import Draft, DraftPart, speech_chars
from assistant.drafts.draft_store import (
    DraftStore,
    DraftStoreError,
    reason_regenerate,
    reason_revise,
    short_time,
)
from tests.scenario import BRIEF, SPEECH


def _draft(text: str = SPEECH, meeting: str = BRIEF["meeting"], created: str = "2026-07-01T09:00:00") -> Draft:
    lines = text.split("\n")
    parts = [DraftPart(role="title", text=lines[0]), DraftPart(role="salutation", text=lines[1])]
    parts.append(DraftPart(role="opening", text="\n".join(lines[2:])))
    return Draft(title=lines[0], kind="project_delay", parts=parts, brief={**BRIEF, "meeting": meeting},
                 created_at=created, mode="offline")


def test_versions_of_one_draft_restore_and_diff(tmp_path):
    store = DraftStore(tmp_path)
    first = _draft()
    record = store.create(first, "生成")
    assert record.title == BRIEF["title"] and record.meeting == BRIEF["meeting"]
    assert record.latest.chars == speech_chars(first)
    edited = first.model_copy(deep=True)
    edited.parts[2].text = edited.parts[2].text.replace("时不我待", "只争朝夕")
    info = store.add_version(record.draft_id, edited, "手动编辑")
    assert info.number == 2 and store.load(record.draft_id).text == edited.text
    assert store.load(record.draft_id, 1).text == first.text
    diff = store.diff(record.draft_id, 1, 2)
    assert diff.startswith("第 1 版 → 第 2 版") and "［-时不我待-］［+只争朝夕+］" in diff
    assert not re.search(r"^(---|\+\+\+|@@)", diff, re.M)
    restored = store.restore(record.draft_id, 1)
    # A restore is a new version: nothing is overwritten, version 2 is still there.
    assert restored.number == 3 and restored.reason == "恢复第 1 版"
    assert store.load(record.draft_id).text == first.text
    assert store.load(record.draft_id, 2).text == edited.text
    assert [v.reason for v in store.record(record.draft_id).versions] == ["生成", "手动编辑", "恢复第 1 版"]
    assert store.diff(record.draft_id, 1, 3) == ""


def test_drafts_grouped_by_meeting_newest_first(tmp_path):
    store = DraftStore(tmp_path)
    a = store.create(_draft(meeting="东湖区安全生产约谈会"), "生成")
    b = store.create(_draft(meeting="临江市营商环境约谈会"), "生成")
    c = store.create(_draft(meeting="东湖区安全生产约谈会"), "生成")
    store.add_version(a.draft_id, _draft(meeting="东湖区安全生产约谈会"), "手动编辑")  # a is now the newest
    groups = store.by_meeting()
    assert [m for m, _ in groups] == ["东湖区安全生产约谈会", "临江市营商环境约谈会"]
    assert {r.draft_id for r in groups[0][1]} == {a.draft_id, c.draft_id}
    assert groups[1][1][0].draft_id == b.draft_id
    assert groups[0][1][0].name.startswith(BRIEF["title"] + " · ")


def test_delete_and_missing_drafts_say_so_in_chinese(tmp_path):
    store = DraftStore(tmp_path)
    record = store.create(_draft(), "生成")
    store.delete(record.draft_id)
    assert store.drafts() == [] and not store.exists(record.draft_id)
    with pytest.raises(DraftStoreError, match="已不存在"):
        store.load(record.draft_id)
    other = store.create(_draft(), "生成")
    with pytest.raises(DraftStoreError, match="没有第 9 版"):
        store.load(other.draft_id, 9)
    # Ids name folders: nothing but the store's own ids is accepted.
    for bad in ("../x", "", "20260101-000000-zzzzzz", "../../etc"):
        assert not store.exists(bad)
        with pytest.raises(DraftStoreError):
            store.record(bad)


def test_two_sessions_adding_versions_at_once_lose_none(tmp_path):
    store = DraftStore(tmp_path)
    record = store.create(_draft(), "生成")
    errors: list[BaseException] = []

    def add(n: int) -> None:
        try:
            for i in range(5):
                store.add_version(record.draft_id, _draft(SPEECH + f"\n补充{n}-{i}"), f"会话{n}")
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=add, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    versions = store.record(record.draft_id).versions
    assert [v.number for v in versions] == list(range(1, 22))
    texts = {store.load(record.draft_id, v.number).text for v in versions[1:]}
    assert len(texts) == 20


def test_add_or_create_adds_to_a_draft_or_starts_one(tmp_path):
    store = DraftStore(tmp_path)
    draft_id, first = store.add_or_create("", _draft(), "生成")
    assert first.number == 1 and store.exists(draft_id)
    same, second = store.add_or_create(draft_id, _draft(SPEECH + "\n补充"), "手动编辑")
    assert same == draft_id and second.number == 2
    store.delete(draft_id)
    # The open draft was deleted in another window: the change becomes a new draft.
    other, version = store.add_or_create(draft_id, _draft(), "手动编辑")
    assert other != draft_id and version.number == 1 and version.reason == "手动编辑"


def test_reasons_with_details_read_as_the_list_shows_them():
    assert reason_revise("二、深挖根源", "更严厉一些") == "修改二、深挖根源：更严厉一些"
    assert reason_regenerate("开场", 0, 0) == "重新生成开场"
    assert reason_regenerate("开场", 2, 0) == "重新生成开场（不用 2 段）"
    assert reason_regenerate("结束语", 1, 3) == "重新生成结束语（不用 1 段，必用 3 段）"


def test_version_files_are_plain_draft_json(tmp_path):
    store = DraftStore(tmp_path)
    record = store.create(_draft(), "生成")
    raw = json.loads((tmp_path / "drafts" / record.draft_id / "v0001.json").read_text(encoding="utf-8"))
    assert Draft.model_validate(raw).text == _draft().text  # the CLI can revise or export it


def test_short_time():
    assert short_time("2020-03-05T07:09:00") == "2020年3月5日 07:09"
    assert short_time("不是时间") == "不是时间"
