"""The 起草 page: fill in the brief, get a draft (streamed), revise a part, copy or download it."""

from __future__ import annotations

import streamlit as st

from assistant.brief import FIELD_LABELS, BriefError, parse_brief
from assistant.config import Settings
from assistant.kinds import default_kinds
from assistant.library.loaders import LoadError
from assistant.library.store import Library
from assistant.llm import LLMError
from assistant.models import ROLE_LABELS, Draft, count_chars
from assistant.ui.export_panel import show_export
from assistant.writing import draft_io
from assistant.writing import events as ev
from assistant.writing.events import DraftError, DraftInterrupted
from assistant.writing.writer import choose_reviser, choose_writer, revision_presets

AUTO = "auto"
LIST_FIELDS = ("targets", "issues", "facts", "decisions", "requirements")
PLACEHOLDERS = {
    "targets": "每行一个，例如：东湖区住房和城乡建设局",
    "issues": "每行一个问题，例如：3个重点项目至今未开工",
    "facts": "每行一条事实或数据，例如：上半年投资完成率41.6%",
    "decisions": "每行一项决定，例如：对区住建局予以通报批评",
    "requirements": "每行一项要求，写明期限，例如：7月15日前报送书面整改报告",
}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def brief_form(settings: Settings):
    """The brief form; returns a Brief when submitted and valid."""
    kinds = default_kinds(settings.structures_dir)
    with st.form("brief_form"):
        c1, c2 = st.columns(2)
        kind = c1.selectbox(
            "约谈类型", [AUTO, *kinds], key="brief_kind",
            format_func=lambda k: "自动识别（按会议名称和问题）" if k == AUTO else kinds[k].name,
        )
        length = c2.number_input("篇幅（字）", 500, 20000, 3000, step=100, key="brief_length",
                                 help="讲话语速约每分钟 220 字，3000 字约讲 14 分钟。")
        meeting = st.text_input(FIELD_LABELS["meeting"], key="brief_meeting",
                                placeholder="例如：东湖区重点项目推进滞后约谈会")
        speaker = st.text_input(FIELD_LABELS["speaker"], key="brief_speaker", placeholder="例如：东湖区人民政府区长")
        values = {
            f: st.text_area(FIELD_LABELS[f], key=f"brief_{f}", placeholder=PLACEHOLDERS[f], height=100)
            for f in LIST_FIELDS
        }
        c3, c4 = st.columns(2)
        tone = c3.text_input(FIELD_LABELS["tone"], key="brief_tone", placeholder="留空则按约谈类型的默认语气")
        title = c4.text_input("标题（可不填）", key="brief_title")
        b1, b2 = st.columns([1, 4])
        submitted = b1.form_submit_button("生成初稿", type="primary")
        outline_first = b2.form_submit_button("先拟提纲，改好后再写全文")
    if not (submitted or outline_first):
        return None
    st.session_state["outline_first"] = outline_first
    # An empty kind is detected by the writer, which reports the kind it chose.
    data = {"kind": "" if kind == AUTO else kind, "meeting": meeting, "speaker": speaker, "length": int(length),
            **{f: _lines(v) for f, v in values.items()}}
    if tone.strip():
        data["tone"] = tone.strip()
    if title.strip():
        data["title"] = title.strip()
    try:
        return parse_brief(data)
    except BriefError as e:
        st.error(str(e))
        return None


def _stream_view():
    """Placeholders that show the draft growing part by part."""
    status = st.empty()
    box = st.empty()
    shown: list[str] = []
    current: list[str] = []

    def on_event(event) -> None:
        if isinstance(event, ev.OutlineStarted):
            status.info("正在拟定提纲……" if event.attempt == 1 else "提纲不完整，正在重新拟定……")
        elif isinstance(event, ev.PartStarted):
            label = event.heading or ROLE_LABELS.get(event.role, event.role)
            status.info(f"正在撰写：{label}（约 {event.target_chars} 字）")
            current.clear()
        elif isinstance(event, ev.PartToken):
            current.append(event.text)
            box.text("\n".join(shown + ["".join(current)]))
        elif isinstance(event, ev.PartDone):
            shown.append(event.part.text)
            current.clear()
        elif isinstance(event, ev.DraftWarning):
            st.warning(event.message)
        elif isinstance(event, ev.Notice):
            st.caption(event.message)

    return status, on_event


INTERRUPTED = "interrupted_draft"


def _interrupted(e: DraftInterrupted, settings: Settings) -> None:
    """Keep an interrupted draft aside (never as a finished one) and say where it is."""
    path = draft_io.save_interrupted(e.draft, settings.data_dir, e.partial_text)
    st.session_state[INTERRUPTED] = e.draft
    st.error(
        f"{e}\n\n已写出的部分已保存到 {path.with_suffix('.txt')}；可点下方“继续生成”从中断处接着写。"
    )


def make_draft(
    brief, library: Library, settings: Settings, outline: str | None = None, outline_only: bool = False
) -> Draft | None:
    """Draft with the writer the core chooses (the configured LLM, streamed; or offline)."""
    try:
        writer = choose_writer(settings)
    except LLMError as e:
        st.error(str(e))
        return None
    if writer.notice:
        st.info(writer.notice)
    status, on_event = _stream_view()
    try:
        if writer.mode == "offline":
            with st.spinner("正在离线组稿……"):
                draft = writer.write(brief, library, on_event)
        else:
            draft = writer.write(
                brief, library, on_event, outline=outline, outline_only=outline_only and writer.can_outline
            )
    except DraftInterrupted as e:
        status.empty()
        _interrupted(e, settings)
        return None
    except (LLMError, DraftError) as e:
        status.empty()
        st.error(str(e))
        return None
    st.session_state.pop(INTERRUPTED, None)
    status.success("提纲已拟好，可修改后再写全文" if outline_only and writer.can_outline else "初稿完成")
    return draft


def resume_box(library: Library, settings: Settings) -> None:
    """An interrupted draft: what was written, and 继续生成 from the cut."""
    partial: Draft = st.session_state[INTERRUPTED]
    with st.container(border=True):
        st.warning(f"上一次生成在中途中断（已写出约 {count_chars(partial.text)} 字），尚未完成。")
        with st.expander("查看已写出的部分"):
            st.text(partial.text)
        if not st.button("继续生成", key="resume_go", type="primary"):
            return
        try:
            writer = choose_writer(settings)
        except LLMError as e:
            st.error(str(e))
            return
        status, on_event = _stream_view()
        try:
            draft = writer.resume(partial, library, on_event)
        except DraftInterrupted as e:
            status.empty()
            _interrupted(e, settings)
            return
        except (LLMError, DraftError) as e:
            status.empty()
            st.error(str(e))
            return
        st.session_state.pop(INTERRUPTED, None)
        status.success("初稿完成")
        _keep(draft, settings)


def revise_box(draft: Draft, library: Library, settings: Settings) -> None:
    """Rewrite one part with an instruction or a preset; the other parts stay as they are."""
    st.subheader("修改某一部分")
    parts = {0: "开场"} | {p.number: f"{p.number}. {p.heading}" for p in draft.sections()}
    if any(p.role == "closing" for p in draft.parts):
        parts[-1] = "结束语"
    c1, c2 = st.columns(2)
    index = c1.selectbox("要修改的部分", list(parts), key="revise_part", format_func=parts.get)
    presets = revision_presets(settings)
    preset = c2.selectbox("常用要求", [""] + list(presets), key="revise_preset",
                          format_func=lambda p: p or "自己输入")
    custom = st.text_input("修改要求", key="revise_instruction", placeholder="例如：更严厉一些；压缩到300字")
    passage = st.text_input("只改其中一段话（可选：从上面复制要改的原文粘贴到这里）", key="revise_passage")
    c3, c4 = st.columns([1, 4])
    polish = c4.button("整体润色（保留全部事实）", key="polish_go")
    if not c3.button("修改这一部分", key="revise_go") and not polish:
        return
    instruction = "润色" if polish else custom.strip() or preset
    if not instruction:
        st.error("请选择常用要求或输入修改要求。")
        return
    try:
        reviser = choose_reviser(settings)
        with st.spinner("正在修改……"):
            if polish:
                result = reviser.polish(draft)
            elif passage.strip():
                result = reviser.passage(draft, passage.strip(), instruction, library=library)
            else:
                result = reviser.part(draft, index, instruction, library=library)
    except (LLMError, DraftError) as e:
        st.error(str(e))
        return
    for warning in result.warnings:
        st.warning(warning.message)
    if polish and not result.applied:
        return  # the polished text dropped facts: the original stays, the warning says why
    st.session_state["draft"] = result.draft
    st.session_state["last_diff"] = result.diff or "（没有变化）"
    draft_io.autosave(result.draft, settings.data_dir)
    st.rerun()  # show the revised draft above, with the diff


def show_draft(draft: Draft, settings: Settings) -> None:
    """The draft as plain text with copy and download."""
    chars = count_chars(draft.text)
    target = int(draft.brief.get("length") or 0)
    st.subheader(draft.title or "初稿")
    st.caption(f"{draft.label} · {chars} 字" + (f"（目标 {target} 字）" if target else ""))
    st.code(draft.text, language=None, wrap_lines=True)
    show_export(draft)


def _keep(draft: Draft, settings: Settings) -> None:
    st.session_state["draft"] = draft
    path = draft_io.autosave(draft, settings.data_dir)
    st.caption(f"已自动保存：{path}")


def outline_editor(library: Library, settings: Settings) -> None:
    """The outline the model proposed, editable; the full draft follows the edited outline."""
    st.subheader("提纲（可直接修改）")
    text = st.text_area("提纲", st.session_state["outline_text"], height=320, key="outline_edit",
                        label_visibility="collapsed")
    if not st.button("按此提纲写全文", key="outline_go", type="primary"):
        return
    draft = make_draft(st.session_state["outline_brief"], library, settings, outline=text)
    if draft is not None:
        st.session_state["outline_brief"] = None
        _keep(draft, settings)


def saved_drafts(settings: Settings) -> None:
    """Reopen an autosaved draft (every draft and revision is kept under the data dir)."""
    paths = draft_io.list_saved(settings.data_dir)
    if not paths:
        return
    with st.expander(f"打开已保存的稿件（{len(paths)} 份）"):
        chosen = st.selectbox("稿件", [""] + [p.name for p in paths[:50]], key="saved_pick",
                              format_func=lambda n: n or "请选择……")
        if chosen and st.button("打开", key="saved_open"):
            try:
                st.session_state["draft"] = draft_io.load_draft(
                    settings.data_dir / "drafts" / chosen, structures_dir=settings.structures_dir
                )
            except LoadError as e:
                st.error(str(e))


def render() -> None:
    """The whole drafting page."""
    from assistant.ui.library_page import get_library
    from assistant.ui.page_settings import page_settings
    from assistant.ui.settings_page import describe

    settings = page_settings()
    st.caption(describe(settings))
    library = get_library()
    if library is None:
        return
    saved_drafts(settings)
    brief = brief_form(settings)
    if brief is not None:
        outline_only = st.session_state.pop("outline_first", False)
        draft = make_draft(brief, library, settings, outline_only=outline_only)
        if draft is not None and outline_only and draft.outline and not draft.parts:
            st.session_state["outline_brief"] = brief
            st.session_state["outline_text"] = draft.outline
        elif draft is not None:
            _keep(draft, settings)
    if st.session_state.get("outline_brief") is not None:
        outline_editor(library, settings)
    if st.session_state.get(INTERRUPTED) is not None:
        resume_box(library, settings)
    draft = st.session_state.get("draft")
    if draft is not None:
        show_draft(draft, settings)
        diff = st.session_state.pop("last_diff", None)
        if diff:
            with st.expander("刚才的修改（前后对比）", expanded=True):
                st.code(diff, language="diff")
        revise_box(draft, library, settings)
