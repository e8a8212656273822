"""The drafts lock and version files, in one process (the races with real processes: tests/integration/test_draft_safety.py)."""

from __future__ import annotations

import pytest

from assistant.domain.models import Draft, DraftPart
from assistant.drafts.draft_files import DraftLockError
from assistant.drafts.draft_store import DraftStore, DraftStoreError


def _draft(text: str) -> Draft:
    return Draft(title="在北岸镇环境整治约谈会上的讲话", parts=[DraftPart(role="opening", text=text)])


def test_a_save_that_waits_too_long_for_the_lock_says_so_in_chinese(data_dir):
    store = DraftStore(data_dir)
    draft_id = store.create(_draft("第一稿。"), "生成").draft_id
    impatient = DraftStore(data_dir, lock_timeout=0.2)
    # Another writer (a thread or process of the app) holds the lock meanwhile.
    with store.lock(), pytest.raises(DraftLockError) as caught:
        impatient.add_version(draft_id, _draft("第二稿。"), "手动编辑")
    assert "稿件正被另一个进程保存" in str(caught.value) and "ASSISTANT_LOCK_TIMEOUT" in str(caught.value)
    assert [v.number for v in store.record(draft_id).versions] == [1]
    assert impatient.add_version(draft_id, _draft("第二稿。"), "手动编辑").number == 2


def test_an_empty_version_file_is_not_listed_and_its_number_is_never_reused(data_dir):
    store = DraftStore(data_dir)
    draft_id = store.create(_draft("第一稿。"), "生成").draft_id
    store.add_version(draft_id, _draft("第二稿。"), "手动编辑")
    folder = store.root / draft_id
    (folder / "v0002.json").write_bytes(b"")  # as a killed save of an older version left it
    (folder / "v0003.json").write_bytes(b"")
    assert [v.number for v in store.record(draft_id).versions] == [1]
    assert store.load(draft_id).parts[0].text == "第一稿。"
    with pytest.raises(DraftStoreError, match="第 2 版的文件已损坏"):
        store.load(draft_id, 2)
    # The next save takes a fresh number and leaves the unreadable files for `doctor` to report.
    assert store.add_version(draft_id, _draft("第三稿。"), "手动编辑").number == 4
    assert (folder / "v0003.json").read_bytes() == b""
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]
