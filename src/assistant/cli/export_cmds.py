"""Export command: a saved draft or a speech file as .docx (GB/T 9704), .txt or .md."""

from __future__ import annotations

from pathlib import Path

import click

from assistant.cli.common import Ctx, echo, echo_json, fail
from assistant.support.atomic_files import write_atomic_bytes
from assistant.support.safe_read import os_error_message


def _format_of(fmt: str | None, out: Path | None) -> str:
    from assistant.export.formats import FORMATS

    if fmt is None and out is not None:
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            fail(f"无法从输出文件名 {out.name} 判断导出格式，请用 --format 指定（{'、'.join(FORMATS)}）。", code=2)
    if fmt is None:
        fail(f"请用 --format 指定导出格式（{'、'.join(FORMATS)}），并用 --out 指定输出文件。", code=2)
    fmt = fmt.strip().lower().lstrip(".")
    if fmt not in FORMATS:
        fail(f"不支持的导出格式“{fmt}”，可选：{'、'.join(FORMATS)}。", code=2)
    return fmt


def _read_source(path: Path, ctx: Ctx):
    """A Draft from a saved .json; the text of any other speech file the loaders read."""
    from assistant.drafts.draft_io import load_draft
    from assistant.intake.loaders import LoadError, load_path

    settings = ctx.settings
    try:
        if path.suffix.lower() == ".json":
            # The size limit is checked before the file is read, as for every upload.
            if path.is_file() and path.stat().st_size > settings.max_upload_bytes:
                fail(
                    f"《{path.name}》文件过大，超过上限 {settings.max_upload_mb:g} MB"
                    "（可通过 ASSISTANT_MAX_UPLOAD_MB 调整）。"
                )
            return load_draft(path, settings.structures_dir, settings.max_upload_bytes)
        # A speech file is exported as written (date line, run-in headings and all), not
        # re-assembled from draft parts.
        return load_path(path, max_bytes=settings.max_upload_bytes).text
    except LoadError as e:
        fail(str(e))
    except OSError as e:
        fail(f"《{path.name}》无法读取：{os_error_message(e)}")


@click.command(name="export")
@click.argument("draft_path", metavar="DRAFT", type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", default=None, metavar="docx|txt|md",
    help="导出格式：docx（GB/T 9704 公文版式）、txt（可直接粘贴到 Word/WPS 的纯文本）、md。不指定时按 --out 的扩展名。",
)
@click.option(
    "--out", type=click.Path(path_type=Path), default=None,
    help="输出文件。不指定时以讲话标题为文件名保存在当前目录；txt、md 可用 --out - 输出到屏幕。",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.pass_obj
def export(obj: Ctx, draft_path: Path, fmt: str | None, out: Path | None, as_json: bool) -> None:
    """把讲话稿（保存的 .json 稿件，或 txt、md、docx、pdf 文件）导出为 Word 公文、纯文本或 Markdown。"""
    from assistant.export.formats import export_bytes, export_filename, export_text
    from assistant.export.layout import layout

    to_stdout = out is not None and str(out) == "-"
    fmt = _format_of(fmt, None if to_stdout else out)
    if to_stdout and fmt == "docx":
        fail("Word 文档不能输出到屏幕，请用 --out 指定 .docx 文件。", code=2)
    source = _read_source(draft_path, obj)
    lay = layout(source)
    if not lay.blocks:
        fail(f"《{draft_path.name}》中没有可导出的讲话稿内容。")
    if to_stdout:
        click.echo(export_text(source, fmt), nl=False)
        return
    target = out if out is not None else Path(export_filename(source, fmt))
    if target.is_dir():
        target = target / export_filename(source, fmt)  # a folder: the title names the file
    data = export_bytes(source, fmt)
    try:
        write_atomic_bytes(target, data)
    except OSError as e:
        fail(f"无法写入 {target}：{os_error_message(e, writing=True)}")
    headings = sum(1 for b in lay.blocks if b.kind == "heading")
    if as_json:
        echo_json(
            {
                "out": str(target),
                "format": fmt,
                "title": lay.title,
                "bytes": len(data),
                "paragraphs": len(lay.blocks),
                "headings": headings,
            }
        )
    else:
        echo(f"已导出《{lay.title or '（无标题）'}》：{target}（{len(lay.blocks)} 段，其中标题 {headings} 个）")


COMMANDS = (export,)
