"""The `assistant` command: ingest, inspect, list, remove, search, reindex, draft, revise."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from assistant.config import Settings, get_settings
from assistant.models import ROLE_LABELS


def _echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"错误：{message}", err=True)
    sys.exit(code)


class _Ctx:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._library = None

    @property
    def library(self):
        if self._library is None:
            from assistant.library.embeddings import EmbeddingError
            from assistant.library.store import Library, LibraryError

            try:
                self._library = Library.open(self.settings)
            except (LibraryError, EmbeddingError) as e:
                _fail(str(e))
        return self._library


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="数据目录（默认取 ASSISTANT_DATA_DIR，未设置时为 ./data）。",
)
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """约谈讲话写作助手：范文库管理、检索与起草。"""
    try:
        ctx.obj = _Ctx(get_settings(data_dir=data_dir))
    except Exception as e:  # pydantic ValidationError: name the variable that is wrong
        _fail(f"配置有误：{e}")


class _ProgressBar:
    """Character-based progress on stderr, for ingests that take more than a moment."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._bar = None
        self._last = 0

    def file(self, n: int, total: int, path: Path) -> None:
        if self.enabled and total > 1 and n < total:
            click.echo(f"[{n + 1}/{total}] {path.name}", err=True)

    def chars(self, done: int, total: int, message: str) -> None:
        if not self.enabled:
            return
        if self._bar is None or done < self._last:
            self.close()
            self._bar = click.progressbar(length=max(total, 1), label=message, file=sys.stderr)
            self._bar.__enter__()
            self._last = 0
        self._bar.update(done - self._last)
        self._last = done
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def _seed_if_first_use(library, settings: Settings, quiet: bool) -> None:
    """Like the app's first start: an empty, never-seeded library gets the bundled corpus."""
    from assistant.library.corpus import needs_seeding, seed_corpus

    if not needs_seeding(library, settings.corpus_dir):
        return
    if not quiet:
        click.echo("首次使用：正在导入内置范文（只需一次，约需 1 分钟）……", err=True)
    bar = _ProgressBar(enabled=not quiet)
    report = seed_corpus(library, settings.corpus_dir, on_file=bar.file)
    if not quiet:
        click.echo(f"内置范文导入完成：{len(report.added)} 篇。", err=True)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.option("--quiet", "-q", is_flag=True, help="不显示进度。")
@click.pass_obj
def ingest(obj: _Ctx, paths: tuple[Path, ...], as_json: bool, quiet: bool) -> None:
    """把讲话稿文件或文件夹导入范文库（txt、md、docx、pdf）。"""
    from assistant.library.ingest import ingest_paths

    bar = _ProgressBar(enabled=not quiet)
    report = ingest_paths(obj.library, list(paths), progress=bar.chars, on_file=bar.file)
    bar.close()
    if as_json:
        _echo_json(report.model_dump())
    else:
        for a in report.added:
            click.echo(f"已导入：《{a.title or '（无标题）'}》 {a.chunks} 个片段  [{a.doc_id}]")
        for d in report.duplicates:
            click.echo(f"重复，未导入：{d.path}（与《{d.title}》内容相同）[{d.doc_id}]")
        for f in report.failed:
            click.echo(f"导入失败：{f.error}", err=True)
        click.echo(
            f"共导入 {len(report.added)} 篇，重复 {len(report.duplicates)} 篇，失败 {len(report.failed)} 篇。"
        )
    if report.failed:
        sys.exit(1)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.pass_obj
def inspect(obj: _Ctx, path: Path, as_json: bool) -> None:
    """解析一篇讲话稿的结构（不入库）。"""
    from assistant.library.ingest import prepare_path
    from assistant.library.loaders import LoadError

    try:
        prepared = prepare_path(path, obj.settings)
    except LoadError as e:
        _fail(str(e))
    doc = prepared.speech
    if as_json:
        _echo_json(doc.inspect_dict())
        return
    click.echo(f"标题：{doc.title or '（未识别）'}")
    click.echo(f"类型：{doc.kind or '（未识别）'}")
    if doc.salutation:
        click.echo(f"称谓：{doc.salutation}")
    if doc.opening:
        click.echo(f"开场：{doc.opening[:80]}{'……' if len(doc.opening) > 80 else ''}")
    for s in doc.sections:
        click.echo(f"{s.number}. {s.heading or '（无标题）'}  [{ROLE_LABELS.get(s.role, s.role)}]")
        for p in s.points:
            first = p.text.split("\n", 1)[0]
            click.echo(f"    - {first[:60]}{'……' if len(first) > 60 else ''}")
    if doc.closing:
        click.echo(f"结束语：{doc.closing[:80]}{'……' if len(doc.closing) > 80 else ''}")
    if prepared.cleaned.removed:
        click.echo(f"已清除网页杂项 {len(prepared.cleaned.removed)} 行。")


@main.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.pass_obj
def list_(obj: _Ctx, as_json: bool) -> None:
    """列出范文库中的文档。"""
    docs = obj.library.list_documents()
    if as_json:
        _echo_json([d.model_dump() for d in docs])
        return
    if not docs:
        click.echo("范文库为空。可执行 `assistant ingest 文件或文件夹` 导入讲话稿。")
        return
    for d in docs:
        click.echo(f"{d.doc_id}  《{d.title or '（无标题）'}》  {d.chars} 字  {d.chunks} 个片段  {d.filename}")
    click.echo(f"共 {len(docs)} 篇。")


@main.command()
@click.argument("doc_id")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.pass_obj
def remove(obj: _Ctx, doc_id: str, as_json: bool) -> None:
    """从范文库删除一篇文档（向量、原文和解析结果一并删除）。"""
    ok = obj.library.remove(doc_id)
    if as_json:
        _echo_json({"removed": doc_id if ok else None})
    elif ok:
        click.echo(f"已删除 {doc_id}。")
    if not ok:
        _fail(f"范文库中没有编号为 {doc_id} 的文档（可用 `assistant list` 查看）。")


@main.command()
@click.argument("query")
@click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1, 100), help="返回条数。")
@click.option(
    "--role",
    type=click.Choice(["opening", "harm", "causes", "decisions", "rectification", "closing", "other"]),
    default=None,
    help="只检索某一部分。",
)
@click.option("--kind", default=None, help="只检索某类约谈（如 work_safety）。")
@click.option(
    "--mode", type=click.Choice(["hybrid", "dense", "bm25"]), default="hybrid", show_default=True
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.pass_obj
def search(obj: _Ctx, query: str, k: int, role: str | None, kind: str | None, mode: str, as_json: bool) -> None:
    """按语义检索范文片段。"""
    from assistant.library.store import LibraryError

    try:
        hits = obj.library.search(query, k=k, role=role, kind=kind, mode=mode)
    except LibraryError as e:
        _fail(str(e))
    if as_json:
        _echo_json([h.model_dump(include={"doc_id", "title", "section", "role", "text", "score"}) for h in hits])
        return
    if not hits:
        click.echo("没有找到相关内容。")
    for n, h in enumerate(hits, 1):
        click.echo(f"[{n}] 《{h.title}》 {h.section} [{ROLE_LABELS.get(h.role, h.role)}]  得分 {h.score:.4f}")
        click.echo(f"    {h.text}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.pass_obj
def reindex(obj: _Ctx, as_json: bool) -> None:
    """换用向量模型后，用当前模型重建全部向量（原文不需重新上传）。"""
    bar = _ProgressBar(enabled=not as_json)
    n = obj.library.reindex(progress=bar.chars)
    bar.close()
    if as_json:
        _echo_json({"chunks": n, "embedding": obj.library.embedder.id})
    else:
        click.echo(f"已用 {obj.library.embedder.id} 重建 {n} 个片段的索引。")


# ---------------------------------------------------------------- drafting


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
        from assistant.writing import drafting as d
        from assistant.writing.drafting import heading_line

        if isinstance(event, d.OutlineStarted):
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
                click.echo(event.text, nl=False)
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


def _save_partial(obj: _Ctx, text: str) -> str:
    from assistant.writing.draft_io import save_partial

    if not text.strip():
        return ""
    try:
        path = save_partial(text, obj.settings.data_dir)
    except OSError as e:
        return f"已生成的内容未能保存（{e.strerror or e}）。"
    return f"已生成的 {len(text)} 字内容已保存到：{path}"


def _write_output(draft, out: Path) -> None:
    from assistant.writing.draft_io import save_draft

    try:
        save_draft(draft, out)
    except OSError as e:
        _fail(f"无法写入 {out}：{e.strerror or e}")


def _draft_summary(draft, out: Path | None) -> dict:
    from assistant.writing.drafting import speech_chars

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


@main.command()
@click.option(
    "--brief", "brief_path", required=True, type=click.Path(path_type=Path), help="约谈要素文件（.json、.yaml）。"
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
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.option("--quiet", "-q", is_flag=True, help="不显示进度。")
@click.pass_obj
def draft(
    obj: _Ctx,
    brief_path: Path,
    offline: bool,
    out: Path | None,
    outline_path: Path | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """按约谈要素起草讲话稿（先提纲、后分部分撰写，流式输出）。"""
    from assistant.brief import BriefError, load_brief
    from assistant.kinds import KindError, default_kinds
    from assistant.writing.llm import LLMError, make_chat_model, resolve_llm
    from assistant.writing.prompts import PromptError

    settings = obj.settings
    try:
        kinds = default_kinds(settings.structures_dir)
        brief = load_brief(brief_path, kinds)
    except (BriefError, KindError) as e:
        _fail(str(e))
    outline = None
    if outline_path is not None:
        try:
            outline = outline_path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as e:
            _fail(f"无法读取提纲文件 {outline_path}：{getattr(e, 'strerror', None) or e}")

    config = None
    explicit_offline = offline
    if not offline:
        try:
            config = resolve_llm(settings)
        except LLMError as e:
            _fail(e.message)
        if config is None:
            if not quiet:
                click.echo(
                    "未配置大模型，使用离线组稿（如需大模型起草，请设置 OPENAI_API_KEY，"
                    "或 ASSISTANT_PROVIDER / OPENAI_BASE_URL）。",
                    err=True,
                )
            offline = True

    library = obj.library
    _seed_if_first_use(library, settings, quiet)
    stream = out is None and not as_json
    if offline:
        from assistant.writing.offline import compose_offline

        if not quiet and explicit_offline:
            click.echo("使用离线组稿（未使用大模型）。", err=True)
        try:
            result = compose_offline(brief, library, kinds=kinds, settings=settings)
        except (BriefError, KindError, PromptError) as e:
            _fail(str(e))
    else:
        from assistant.writing.drafting import DraftError, DraftInterrupted, draft_speech

        printer = _DraftPrinter(stream=stream, quiet=quiet)
        printer.status(f"使用模型：{config.label}")
        try:
            result = draft_speech(
                brief,
                library,
                make_chat_model(config),
                settings,
                kinds=kinds,
                on_event=printer,
                outline=outline,
            )
        except DraftInterrupted as e:
            printer.end_line()
            saved = _save_partial(obj, e.partial_text or printer.partial_text())
            _fail(e.message + (f"\n{saved}" if saved else ""))
        except LLMError as e:
            printer.end_line()
            saved = _save_partial(obj, e.partial_text or printer.partial_text())
            _fail(e.message + (f"\n{saved}" if saved else ""))
        except (DraftError, PromptError) as e:
            _fail(str(e))
        except KeyboardInterrupt:
            printer.end_line()
            saved = _save_partial(obj, printer.partial_text())
            _fail("已取消。" + (f"\n{saved}" if saved else ""), code=130)
        if stream:
            printer.end_line()
            if printer.printed_text() != result.text:
                # the length pass rewrote a part after it was printed: print the final text in full
                printer.status("篇幅已调整，以下为调整后的全文：")
                click.echo("")
                click.echo(result.text)
            printer.status(
                f"完成：约 {_draft_summary(result, None)['chars']} 字，用时 {result.elapsed_s:.1f} 秒，"
                f"消耗 {result.usage.get('prompt_tokens', 0)} + {result.usage.get('completion_tokens', 0)} 个 token。"
            )
    if out is not None:
        _write_output(result, out)
        if as_json:
            _echo_json(_draft_summary(result, out))
        else:
            click.echo(f"已保存到：{out}")
    elif as_json:
        _echo_json(result.model_dump(mode="json"))
    elif offline:
        click.echo(result.text)
        if result.label and not quiet:
            click.echo(f"说明：本稿为{result.label}。", err=True)


def _parse_section(value: str) -> int | str:
    key = value.strip()
    try:
        return int(key)
    except ValueError:
        return key


@main.command()
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
@click.pass_obj
def revise(
    obj: _Ctx,
    draft_path: Path,
    instruction: str,
    section: str | None,
    passage: str | None,
    brief_path: Path | None,
    out: Path | None,
    as_json: bool,
) -> None:
    """按修改要求改写讲话稿的一个部分或一段文字；不指定部分、要求为“润色”时通篇润色。"""
    from assistant.brief import BriefError, load_brief
    from assistant.kinds import KindError, default_kinds
    from assistant.library.loaders import LoadError
    from assistant.writing.draft_io import load_draft
    from assistant.writing.drafting import DraftError, polish_draft, revise_part, revise_passage
    from assistant.writing.llm import LLMError, make_chat_model, resolve_llm
    from assistant.writing.prompts import PromptError

    settings = obj.settings
    polish = section is None and passage is None
    if section is not None and passage is not None:
        _fail("--section 和 --passage 只能指定一个。")
    if polish and instruction.strip() not in ("润色", "通篇润色"):
        _fail(
            "请用 --section 指定要修改的部分（1–N 为一级标题序号，0 为开场白，-1 为结束语），"
            "或用 --passage 指定要修改的原文片段；通篇润色请写 --instruction 润色。"
        )
    try:
        kinds = default_kinds(settings.structures_dir)
        draft_ = load_draft(draft_path, settings.structures_dir, settings.max_upload_bytes)
        brief = load_brief(brief_path, kinds) if brief_path else None
    except (LoadError, BriefError, KindError) as e:
        _fail(str(e))
    try:
        config = resolve_llm(settings)
    except LLMError as e:
        _fail(e.message)
    if config is None:
        _fail("未配置大模型，无法按要求修改。请设置 OPENAI_API_KEY（或 ASSISTANT_PROVIDER / OPENAI_BASE_URL）后重试。")
    library = None
    if not polish:
        try:
            from assistant.library.store import Library

            library = Library.open(settings)
            if library.chunk_count() == 0:
                library = None
        except Exception:  # references are optional for a revision; go on without them
            library = None
    model = make_chat_model(config)
    warnings: list[str] = []
    try:
        if polish:
            result = polish_draft(draft_, model, brief, settings, kinds=kinds)
            warnings = [w.message for w in result.warnings]
            new_draft, old_text, new_text, diff = result.draft, result.old_text, result.new_text, result.diff
            index = None
        else:
            if passage is not None:
                result = revise_passage(draft_, passage, instruction, model, brief, library, settings, kinds=kinds)
            else:
                result = revise_part(
                    draft_, _parse_section(section), instruction, model, brief, library, settings, kinds=kinds
                )
            warnings = [w.message for w in result.warnings]
            new_draft, old_text, new_text, diff = result.draft, result.old_text, result.new_text, result.diff
            index = result.index
    except (DraftError, PromptError, BriefError, KindError) as e:
        _fail(str(e))
    except LLMError as e:
        _fail(e.message)
    if out is not None:
        _write_output(new_draft, out)
    if as_json:
        part = new_draft.parts[index] if index is not None else None
        _echo_json(
            {
                "part": (
                    {"index": index, "role": part.role, "number": part.number, "heading": part.heading}
                    if part
                    else None
                ),
                "old_text": old_text,
                "new_text": new_text,
                "diff": diff,
                "out": str(out) if out else None,
                "warnings": warnings,
            }
        )
        return
    for w in warnings:
        click.echo(f"提示：{w}", err=True)
    if out is not None:
        click.echo(f"已保存修改后的讲话稿：{out}")
    else:
        click.echo(new_text)
    click.echo("")
    click.echo("修改对照：")
    click.echo(diff or "（没有变化）")


def run() -> None:
    """Console entry point: no traceback ever reaches the user."""
    try:
        main(standalone_mode=False)
    except click.exceptions.Abort:
        _fail("已取消。", code=130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except SystemExit:
        raise
    except Exception as e:
        _fail(f"发生意外错误：{type(e).__name__}: {e}。如反复出现，请把这条信息反馈给维护人员。", code=2)


if __name__ == "__main__":  # pragma: no cover
    run()
