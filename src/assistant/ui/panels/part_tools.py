"""Tools beside each part of the open draft: revise it, see and choose its references, its warnings.

A change goes through the guard (panels/proposal.offer): kept as a new version when it passed,
held beside the original with its problems when it did not.
"""

from __future__ import annotations

import streamlit as st

from assistant.domain.kinds import default_kinds
from assistant.domain.models import ROLE_LABELS, DraftPart, SearchHit
from assistant.domain.numbering import heading_line
from assistant.drafts.draft_store import reason_regenerate, reason_revise
from assistant.library.store import Library
from assistant.support.config import Settings
from assistant.support.errors import UserError
from assistant.ui import session
from assistant.ui.markdown_text import escape_markdown
from assistant.ui.panels.proposal import offer
from assistant.writing.part_sources import PartSource, part_sources
from assistant.writing.writer import choose_reviser, revision_presets

REGENERATE = "重新撰写"  # the revision preset the 重新生成 button uses
USE, SKIP, PIN = "参考", "不用", "必用"
_SOURCES = "part_sources_cache"


def part_index(part: DraftPart) -> int | None:
    """How Reviser.part names a part (1..n section, 0 opening, -1 closing); None: no tools."""
    if part.number > 0:
        return part.number
    return {"opening": 0, "closing": -1}.get(part.role)


def part_label(part: DraftPart) -> str:
    """A part as messages name it: "二、深挖根源", "开场", "结束语"."""
    if part.number and part.heading:
        return heading_line(part.number, part.heading)
    return ROLE_LABELS.get(part.role, part.role)


def _revise(od: session.OpenDraft, part: DraftPart, run, reason: str) -> None:
    """Run one revision; the guard decides whether it is kept or held as a proposal."""
    try:
        with st.spinner(f"正在修改：{escape_markdown(part_label(part))}……"):
            result = run()
    except UserError as e:
        st.error(escape_markdown(str(e)))  # it may quote the model server's own words
        return
    notes = [w.message for w in result.warnings if w.message not in result.check.problems]
    offer(od, result.draft, result.check, reason, result.old_text, result.new_text, notes)


def _sources(od: session.OpenDraft, pos: int, library: Library, settings: Settings) -> list[PartSource]:
    """The part's sources, resolved once per version (a search per part is not free)."""
    cache = st.session_state.setdefault(_SOURCES, {})
    key = (od.record.draft_id, od.version.number, pos)
    if key not in cache:
        cache.clear()  # only the open version's parts are ever shown
        cache[key] = part_sources(library, od.draft, pos, default_kinds(settings.structures_dir))
    return cache[key]


def _references(
    od: session.OpenDraft, pos: int, library: Library, settings: Settings
) -> tuple[list[str], list[SearchHit], int]:
    """The part's references, each to keep, leave out or pin; returns (exclude keys, pinned, how many left out)."""
    part = od.draft.parts[pos]
    if not part.sources:
        st.caption("这一部分没有使用范文库中的参考（离线组稿或手动编辑的部分可能如此）。")
        return [], [], 0
    if not st.toggle("查看所用参考范文", key=f"refs_show_{pos}"):
        return [], [], 0
    sources = _sources(od, pos, library, settings)
    if not sources:
        st.caption("所用的参考范文已不在范文库中。")
        return [], [], 0
    exclude: list[str] = []
    pinned: list[SearchHit] = []
    skipped = 0
    for n, src in enumerate(sources, 1):
        h = src.hit
        where = h.heading or ROLE_LABELS.get(h.role, h.role)
        score = f"得分 {h.score:.3f}" if src.scored else "现已检索不到"
        st.markdown(f"**{n}. 《{escape_markdown(h.title)}》** · {escape_markdown(where)} · {score}")
        st.caption(escape_markdown(h.text[:160] + ("……" if len(h.text) > 160 else "")))
        choice = st.segmented_control(
            "用法", [USE, SKIP, PIN], default=USE, key=f"ref_{pos}_{h.chunk_id}", label_visibility="collapsed"
        )
        if choice == SKIP:
            exclude.extend(src.keys)
            skipped += 1
        elif choice == PIN:
            pinned.append(h)
    return exclude, pinned, skipped


def part_tools(od: session.OpenDraft, pos: int, library: Library, settings: Settings) -> None:
    """The 修改 popover of part ``pos``: instruction or preset, one passage, references; and 重新生成."""
    part = od.draft.parts[pos]
    index = part_index(part)
    if index is None:
        return
    label = part_label(part)
    with st.popover("修改", key=f"tools_{pos}", help=f"修改“{escape_markdown(label)}”，或查看它用了哪些参考范文"):
        presets = revision_presets(settings)
        preset = st.selectbox("常用要求", ["", *presets], key=f"rv_preset_{pos}",
                              format_func=lambda p: p or "自己输入")
        custom = st.text_input("修改要求", key=f"rv_text_{pos}", placeholder="例如：更严厉一些；压缩到300字")
        passage = st.text_input("只改其中一段话（可选：粘贴要改的原文）", key=f"rv_passage_{pos}")
        if st.button("修改这一部分", key=f"rv_go_{pos}", type="primary"):
            instruction = custom.strip() or preset
            if not instruction:
                st.error("请选择常用要求或输入修改要求。")
            else:
                _start_revision(od, pos, index, instruction, passage.strip(), library, settings)
        st.divider()
        st.markdown("**参考范文**")
        exclude, pinned, skipped = _references(od, pos, library, settings)
        if part.sources and st.button("按所选参考重新生成这一部分", key=f"regen_go_{pos}"):

            def run():
                return choose_reviser(settings).part(
                    od.draft, index, REGENERATE, library=library, exclude=exclude, pinned=pinned
                )

            _revise(od, part, run, reason_regenerate(label, skipped, len(pinned)))


def _start_revision(
    od: session.OpenDraft, pos: int, index: int, instruction: str, passage: str, library: Library, settings: Settings
) -> None:
    part = od.draft.parts[pos]

    def run():
        reviser = choose_reviser(settings)
        if passage:
            return reviser.passage(od.draft, passage, instruction, library=library)
        return reviser.part(od.draft, index, instruction, library=library)

    _revise(od, part, run, reason_revise(part_label(part), instruction))


def part_warnings(part: DraftPart) -> None:
    """The conformance warnings left on a part, under it."""
    for w in part.warnings:
        st.warning(escape_markdown(w), icon="⚠️")
