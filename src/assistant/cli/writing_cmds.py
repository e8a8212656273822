"""Writing commands: draft a speech from a brief, revise a draft."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assistant.cli.common import Ctx, echo, echo_json, fail, seed_if_first_use
from assistant.domain.models import ROLE_LABELS
from assistant.domain.numbering import heading_line
from assistant.support.safe_read import os_error_message


class _DraftPrinter:
    """Shows drafting events: the speech on stdout (streaming) or progress on stderr."""

    def __init__(self, stream: bool, quiet: bool):
        self.stream = stream  # speech text goes to stdout as it arrives
        self.quiet = quiet
        self.texts: dict[int, str] = {}  # part index → final text so far (for a partial file)
        self.printed: dict[int, str] = {}  # part index → what went to stdout
        self.outline = ""
        self._line_open = False  # stdout is in the middle of a line
        self._adjusting = False

    def status(self, message: str) -> None:
        if not self.quiet:
            self.end_line()  # keep stderr messages off the middle of a streamed line
            click.echo(message, err=True)

    def end_line(self) -> None:
        if self._line_open:
            click.echo("")
            self._line_open = False

    def __call__(self, event) -> None:
        from assistant.writing import events as d

        if isinstance(event, d.Notice):
            self.status(event.message)
        elif isinstance(event, d.OutlineStarted):
            self.outline = ""
            self.status("正在生成提纲……" if event.attempt == 1 else "正在重新生成提纲……")
        elif isinstance(event, d.OutlineToken):
            self.outline += event.text
        elif isinstance(event, d.OutlineDone):
            self.outline = event.text
        elif isinstance(event, d.PartStarted):
            self._adjusting = event.adjusting
            if event.adjusting:
                return  # a rewrite of a printed part: the final text is printed again at the end
            self.texts[event.index] = ""
            if not self.stream and (event.role in ("opening", "closing") or event.number):
                label = (
                    heading_line(event.number, event.heading)
                    if event.number
                    else ROLE_LABELS.get(event.role, event.role)
                )
                self.status(f"正在撰写：{label}")
            self.end_line()
        elif isinstance(event, d.PartToken):
            if self._adjusting:
                return
            self.texts[event.index] = self.texts.get(event.index, "") + event.text
            if self.stream:
                self.printed[event.index] = self.printed.get(event.index, "") + event.text
                echo(event.text, nl=False)
                sys.stdout.flush()
                self._line_open = not event.text.endswith("\n")
        elif isinstance(event, d.PartDone):
            self.texts[event.index] = event.part.text
        elif isinstance(event, d.DraftWarning):
            self.status(f"提示：{event.message}")

    def printed_text(self) -> str:
        return "\n".join(t for _, t in sorted(self.printed.items()) if t.strip())

    def partial_text(self) -> str:
        text = "\n".join(t for _, t in sorted(self.texts.items()) if t.strip())
        return text or self.outline


def _save_partial(obj: Ctx, text: str) -> str:
    from assistant.drafts.draft_io import save_partial

    if not text.strip():
        return ""
    try:
        path = save_partial(text, obj.settings.data_dir)
    except OSError as e:
        return f"已生成的内容未能保存：{os_error_message(e, writing=True)}"
    return f"已生成的 {len(text)} 字内容已保存到：{path}"


def _save_interrupted(obj: Ctx, partial, text: str) -> str:
    from assistant.drafts.draft_io import save_interrupted

    try:
        path = save_interrupted(partial, obj.settings.data_dir, text)
    except OSError as e:
        return f"已生成的内容未能保存：{os_error_message(e, writing=True)}"
    return (
        f"已写出的部分已保存到：{path.with_suffix('.txt')}\n"
        f"继续生成：assistant draft --resume {path}"
    )


def _write_output(draft, out: Path) -> None:
    from assistant.drafts.draft_io import save_draft

    try:
        save_draft(draft, out)
    except OSError as e:
        fail(f"无法写入 {out}：{os_error_message(e, writing=True)}")


def _draft_summary(draft, out: Path | None) -> dict:
    from assistant.domain.models import speech_chars

    return {
        "out": str(out) if out else None,
        "title": draft.title,
        "kind": draft.kind,
        "mode": draft.mode,
        "label": draft.label,
        "chars": speech_chars(draft),
        "provider": draft.provider,
        "model": draft.model,
        "usage": draft.usage,
        "elapsed_s": draft.elapsed_s,
    }


@click.command()
@click.option(
    "--brief", "brief_path", type=click.Path(path_type=Path), default=None, help="约谈要素文件（.json、.yaml）。"
)
@click.option("--offline", is_flag=True, help="不调用大模型，用范文库离线组稿。")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="保存到文件：.json 保存完整稿件数据，其他扩展名保存纯文本。不指定时直接输出正文。",
)
@click.option(
    "--outline",
    "outline_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="按这份（修改过的）提纲起草，不再让模型生成提纲。",
)
@click.option(
    "--resume",
    "resume_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="从中断处继续生成：生成中断时保存的 partial-*.json 文件。",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.option("--quiet", "-q", is_flag=True, help="不显示进度。")
@click.pass_obj
def draft(
    obj: Ctx,
    brief_path: Path | None,
    offline: bool,
    out: Path | None,
    outline_path: Path | None,
    resume_path: Path | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """按约谈要素起草讲话稿（先提纲、后分部分撰写，流式输出）。"""
    from assistant.writing.writer import choose_writer

    settings = obj.settings
    if (brief_path is None) == (resume_path is None):
        fail("请用 --brief 指定约谈要素文件，或用 --resume 指定中断时保存的稿件（二者选一）。")
    brief, partial, outline = _draft_inputs(settings, brief_path, resume_path, outline_path)
    writer = choose_writer(settings, offline=offline)
    if writer.notice and not quiet:
        click.echo(writer.notice, err=True)

    library = obj.library
    seed_if_first_use(library, settings, quiet)
    stream = out is None and not as_json and writer.mode != "offline"
    printer = _DraftPrinter(stream=stream, quiet=quiet)
    if writer.mode != "offline":
        printer.status(f"使用模型：{writer.label}")
    result = _write_keeping_partial(obj, writer, printer, library, brief, partial, outline)
    if stream:
        _finish_stream(printer, result)
    if out is not None:
        _write_output(result, out)
        if as_json:
            echo_json(_draft_summary(result, out))
        else:
            click.echo(f"已保存到：{out}")
    elif as_json:
        echo_json(result.model_dump(mode="json"))
    elif writer.mode == "offline":
        echo(result.text)
        if result.label and not quiet:
            click.echo(f"说明：本稿为{result.label}。", err=True)


def _draft_inputs(settings, brief_path: Path | None, resume_path: Path | None, outline_path: Path | None):
    """(brief, interrupted draft to resume, edited outline): what `draft` was given, read safely."""
    from assistant.domain.brief import load_brief
    from assistant.drafts.draft_io import load_draft
    from assistant.support.errors import LoadError
    from assistant.support.safe_read import read_file

    brief = partial = outline = None
    if resume_path is not None:
        partial = load_draft(resume_path, settings.structures_dir, settings.max_upload_bytes)
    else:
        brief = load_brief(brief_path)
    if outline_path is not None:
        try:
            outline = read_file(outline_path, settings.max_upload_bytes).decode("utf-8-sig")
        except LoadError as e:
            fail(f"无法读取提纲文件：{e}")
        except UnicodeDecodeError:
            fail(f"提纲文件 {outline_path} 不是 UTF-8 编码的文本，请另存为 UTF-8 后重试。")
    return brief, partial, outline


def _write_keeping_partial(obj: Ctx, writer, printer: _DraftPrinter, library, brief, partial, outline):
    """The finished draft; on a failure or Ctrl-C what was written is saved and the command ends saying where."""
    from assistant.llm import LLMError
    from assistant.writing.events import DraftInterrupted

    try:
        if partial is not None:
            return writer.resume(partial, library, printer)
        return writer.write(brief, library, printer, outline=outline)
    except DraftInterrupted as e:
        printer.end_line()
        fail(e.message + "\n" + _save_interrupted(obj, e.draft, e.partial_text or printer.partial_text()))
    except LLMError as e:
        printer.end_line()
        saved = _save_partial(obj, e.partial_text or printer.partial_text())
        fail(e.message + (f"\n{saved}" if saved else ""))
    except KeyboardInterrupt:
        printer.end_line()
        saved = _save_partial(obj, printer.partial_text())
        fail("已取消。" + (f"\n{saved}" if saved else ""), code=130)


def _finish_stream(printer: _DraftPrinter, result) -> None:
    """After the streamed parts: the final text again if the length pass changed it, and a summary line."""
    printer.end_line()
    if printer.printed_text() != result.text:
        # the length pass rewrote a part after it was printed: print the final text in full
        printer.status("篇幅已调整，以下为调整后的全文：")
        click.echo("")
        echo(result.text)
    printer.status(
        f"完成：约 {_draft_summary(result, None)['chars']} 字，用时 {result.elapsed_s:.1f} 秒，"
        f"消耗 {result.usage.get('prompt_tokens', 0)} + {result.usage.get('completion_tokens', 0)} 个 token。"
    )


def _references_library(settings):
    """The library for a part's references, or None: references are optional for a revision."""
    from assistant.library.store import Library

    try:
        library = Library.open(settings)
    except Exception:  # an unreadable or mismatched library: revise without references
        return None
    return library if library.chunk_count() else None


REFUSED_EXIT = 3  # the change failed the guard and nothing was written (1: an error, 2: usage)


def _report_revision(result, index: int | None, out: Path | None, as_json: bool, force: bool) -> None:
    """Save the revised draft when asked and allowed, then print the new text and the marks (or JSON).

    A change the guard found problems with is refused (nothing written, exit 3) unless ``--force``.
    """
    check = result.check
    proposal = getattr(result, "proposal", result.draft)
    refused = (not check.ok and not force) or proposal is None  # an unmapped polish cannot be kept
    kept = proposal if (check.ok or force) and proposal is not None else None
    warnings = [w.message for w in result.warnings]
    old_text, new_text, diff = result.old_text, result.new_text, result.diff
    if out is not None and kept is not None:
        _write_output(kept, out)
    if as_json:
        part = result.draft.parts[index] if index is not None else None
        echo_json(
            {
                "part": (
                    {"index": index, "role": part.role, "number": part.number, "heading": part.heading}
                    if part
                    else None
                ),
                "accepted": not refused,
                "problems": list(check.problems),
                "old_text": old_text,
                "new_text": new_text,
                "diff": diff,
                "out": str(out) if out is not None and kept is not None else None,
                "warnings": warnings,
            }
        )
    else:
        if refused:
            click.echo("修改稿未通过核对，未采用，原稿和输出文件都没有改动：", err=True)
            for p in check.problems:
                click.echo(f"  · {p}", err=True)
            if proposal is not None:
                click.echo("确认仍要采用，请加 --force 重新运行；或换一种修改要求。", err=True)
        else:
            for w in warnings:
                click.echo(f"提示：{w}", err=True)
            if not check.ok:
                click.echo("已按 --force 采用未通过核对的修改稿。", err=True)
        if out is not None and kept is not None:
            click.echo(f"已保存修改后的讲话稿：{out}")
        elif not refused:
            echo(new_text)
        click.echo("")
        click.echo("修改对照：")
        echo(diff or "（没有变化）")
    if refused:
        sys.exit(REFUSED_EXIT)


def _parse_section(value: str) -> int | str:
    key = value.strip()
    try:
        return int(key)
    except ValueError:
        return key


@click.command()
@click.argument("draft_path", type=click.Path(path_type=Path))
@click.option("--instruction", "-i", required=True, help="修改要求，或预设名称（更严厉、更精炼、扩写……）。")
@click.option(
    "--section",
    default=None,
    help="要修改的部分：1–N 为一级标题序号，0（opening）为开场白，-1（closing）为结束语。",
)
@click.option("--passage", default=None, help="要修改的原文片段（须在稿中只出现一次）。")
@click.option(
    "--brief", "brief_path", type=click.Path(path_type=Path), default=None, help="约谈要素文件（稿件为 JSON 时可省略）。"
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="把修改后的全文保存到文件（.json 或纯文本）。",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.option("--force", is_flag=True, help="修改稿未通过核对（丢了事实、加了约谈要素以外的内容、与别处重复）时仍然采用。")
@click.pass_obj
def revise(
    obj: Ctx,
    draft_path: Path,
    instruction: str,
    section: str | None,
    passage: str | None,
    brief_path: Path | None,
    out: Path | None,
    as_json: bool,
    force: bool,
) -> None:
    """按修改要求改写讲话稿的一个部分或一段文字；不指定部分、要求为“润色”时通篇润色。

    修改稿丢了原有的事实、加了约谈要素以外的内容或与别处重复时不采用（退出码 3），加 --force 仍然采用。
    """
    from assistant.domain.brief import load_brief
    from assistant.drafts.draft_io import load_draft
    from assistant.writing.writer import choose_reviser

    settings = obj.settings
    polish = section is None and passage is None
    if section is not None and passage is not None:
        fail("--section 和 --passage 只能指定一个。")
    if polish and instruction.strip() not in ("润色", "通篇润色"):
        fail(
            "请用 --section 指定要修改的部分（1–N 为一级标题序号，0 为开场白，-1 为结束语），"
            "或用 --passage 指定要修改的原文片段；通篇润色请写 --instruction 润色。"
        )
    draft_ = load_draft(draft_path, settings.structures_dir, settings.max_upload_bytes)
    brief = load_brief(brief_path) if brief_path else None
    reviser = choose_reviser(settings)
    library = None if polish else _references_library(settings)
    if polish:
        result = reviser.polish(draft_, brief=brief)
        index = None
    elif passage is not None:
        result = reviser.passage(draft_, passage, instruction, brief=brief, library=library)
        index = result.index
    else:
        result = reviser.part(draft_, _parse_section(section), instruction, brief=brief, library=library)
        index = result.index
    _report_revision(result, index, out, as_json, force)


COMMANDS = (draft, revise)
