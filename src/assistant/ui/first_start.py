"""First start: the bundled corpus is indexed in the background; a bar above the tabs follows it.

The page is drawn first and the bar is followed at the end of the script run, so the draft form
is usable from the start. A click or an edit meanwhile reruns the script (the bar's updates are
where Streamlit takes the rerun), and indexing, in its own thread, carries on untouched. When it
ends, one more run shows the full library and a one-time notice.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from assistant.library.corpus import SeedJob, SeedState, seeding_job
from assistant.library.storage.doctor import DoctorReport, check_library
from assistant.library.storage.errors import LibraryError
from assistant.ui.markdown_text import escape_markdown
from assistant.ui.page_settings import env_settings
from assistant.ui.resources import get_library, once_per_process

_NOTICE = "corpus_seed_notice"  # the finished job's report, shown once by the session that watched it
_POLL_SECONDS = 0.25
_INDEXING = "corpus_seed_running"  # this run follows the indexing at its end (set by begin)


@dataclass
class Seeding:
    """A running seeding job and the place above the tabs where its bar goes."""

    job: SeedJob
    slot: DeltaGenerator


def _label(state: SeedState) -> str:
    where = f"（{min(state.files_done + 1, state.files_total)}/{state.files_total}）" if state.files_total else ""
    return f"首次启动：正在导入内置范文{where}……可以先填写约谈要素，导入完成后参考范文更全。"


def _show_outcome(state: SeedState) -> None:
    if state.error:
        st.error(escape_markdown(state.error))
    elif state.report is not None:
        st.success(f"内置范文导入完成：{len(state.report.added)} 篇。")
        if state.report.failed:
            st.warning("以下内置范文未能导入：\n" + "\n".join(f"- {escape_markdown(f.error)}" for f in state.report.failed))


def _startup_check(library, key: str) -> DoctorReport | None:
    # Once per process and library: finish or undo writes a crashed process left behind.
    def check() -> DoctorReport | None:
        try:
            with st.spinner("正在检查范文库……"):
                return check_library(library, repair=True, thorough=False, timeout=5)
        except LibraryError:
            return None  # another process holds the lock for long (a reindex): checked next start

    return once_per_process(("startup_check", key), check)


def _doctor_notice(library) -> None:
    """Once per session: say what the start check repaired, if anything."""
    if st.session_state.get("doctor_shown"):
        return
    st.session_state["doctor_shown"] = True
    report = _startup_check(library, str(library.data_dir))
    if report and report.repaired:
        st.info(f"启动检查：已修复范文库中的 {len(report.repaired)} 处问题（{escape_markdown('；'.join(report.repaired))}）。")


def begin() -> Seeding | None:
    """Above the tabs: start indexing an empty library; returns what `follow` needs, or None."""
    st.session_state[_INDEXING] = False
    # One placeholder here on every run, so the page below keeps its shape.
    slot = st.empty()
    notice: SeedState | None = st.session_state.pop(_NOTICE, None)
    if notice is not None:
        with slot.container():
            _show_outcome(notice)
        return None
    library = get_library()
    if library is None:
        return None
    _doctor_notice(library)
    if library.embedding_mismatch():
        return None
    job = seeding_job(library, env_settings().corpus_dir)
    if job is None:
        return None
    state = job.state()
    if state.finished:
        if state.error:  # not retried until a restart, so keep saying why the library is empty
            with slot.container():
                _show_outcome(state)
        return None
    slot.progress(state.fraction, text=_label(state))
    st.session_state[_INDEXING] = True
    return Seeding(job, slot)


def indexing() -> bool:
    """Whether this script run ends by following the first-start indexing (so it runs for long)."""
    return bool(st.session_state.get(_INDEXING))


def follow(seeding: Seeding | None) -> None:
    """After the page is drawn: move the bar until indexing ends, then rerun to show the result."""
    if seeding is None:
        return
    while not seeding.job.wait(_POLL_SECONDS):
        state = seeding.job.state()
        seeding.slot.progress(state.fraction, text=_label(state))
    st.session_state[_NOTICE] = seeding.job.state()
    st.rerun()
