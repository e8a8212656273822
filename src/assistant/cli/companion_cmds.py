"""Companion command: the 约谈通知, 约谈纪要, 整改责任清单 and large-print copy of one 约谈."""

from __future__ import annotations

from pathlib import Path

import click

from assistant.cli.common import Ctx, echo, echo_json, fail
from assistant.support.atomic_files import write_atomic_bytes
from assistant.support.safe_read import os_error_message

_KINDS = ("notice", "minutes", "checklist", "largeprint")


def _format_of(kind: str, fmt: str | None, out: Path) -> str:
    """The file format: --format, else --out's suffix; a .docx for everything but the checklist's .xlsx."""
    suffix = out.suffix.lower().lstrip(".")
    allowed = ("xlsx", "docx") if kind == "checklist" else ("docx",)
    if fmt and suffix in ("xlsx", "docx") and suffix != fmt:
        fail(f"--format {fmt} 与输出文件 {out.name} 的扩展名不一致，请改成一致。", code=2)
    if suffix and suffix not in ("xlsx", "docx"):
        fail(f"无法保存为 {out.name}：配套文书是 Word（.docx）或 Excel（.xlsx）文件，请改用这两种扩展名。", code=2)
    chosen = fmt or suffix or allowed[0]
    if chosen not in allowed:
        names = "、".join("." + a for a in allowed)
        fail(f"{'整改责任清单' if kind == 'checklist' else '该文书'}只能保存为 {names} 文件，不能保存为 .{chosen}。", code=2)
    return chosen


def _inputs(obj: Ctx, brief_path: Path | None, draft_path: Path | None):
    """(brief, draft): the brief file, else the brief saved in the draft JSON."""
    from assistant.domain.brief import load_brief, parse_brief
    from assistant.drafts.draft_io import load_draft
    from assistant.intake.loaders import LoadError

    settings = obj.settings
    draft = None
    if draft_path is not None:
        try:
            draft = load_draft(draft_path, settings.structures_dir, settings.max_upload_bytes)
        except LoadError as e:
            fail(str(e))
        except OSError as e:
            fail(f"《{draft_path.name}》无法读取：{os_error_message(e)}")
    if brief_path is not None:
        return load_brief(brief_path), draft
    if draft is not None and draft.brief:
        return parse_brief(draft.brief, draft_path.name if draft_path else ""), draft
    fail("请用 --brief 指定约谈要素文件（.json、.yaml）；稿件是本工具保存的 .json 时可省略。", code=2)


def _write(target: Path, data: bytes) -> None:
    try:
        write_atomic_bytes(target, data)
    except OSError as e:
        fail(f"无法写入 {target}：{os_error_message(e, writing=True)}")


@click.command(name="companion")
@click.option("--brief", "brief_path", type=click.Path(path_type=Path), default=None,
              help="约谈要素文件（.json、.yaml）；稿件为本工具保存的 .json 时可省略。")
@click.option("--draft", "draft_path", type=click.Path(path_type=Path), default=None,
              help="定稿的讲话稿（assistant draft 保存的 .json，或 .txt、.md、.docx）；用于核对事实，大字版必填。")
@click.option("--kind", type=click.Choice(_KINDS), required=True,
              help="文书：notice（约谈通知）、minutes（约谈纪要）、checklist（整改责任清单）、largeprint（大字讲话稿）。")
@click.option("--per-unit", is_flag=True,
              help="约谈通知分单位：--out 为 .docx 时每个单位一页；--out 为文件夹时每个单位一个文件。")
@click.option("--format", "fmt", type=click.Choice(("docx", "xlsx")), default=None,
              help="文件格式（整改责任清单可选 xlsx 或 docx，默认按 --out 的扩展名，否则 xlsx）。")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="输出文件（分单位通知可为文件夹）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.pass_obj
def companion(obj: Ctx, brief_path: Path | None, draft_path: Path | None, kind: str, per_unit: bool,
              fmt: str | None, out: Path, as_json: bool) -> None:
    """生成约谈配套文书：约谈通知、约谈纪要、整改责任清单（.xlsx/.docx）、大字讲话稿（.docx）。

    事实（单位、问题、数据、时限）一律取自约谈要素，并与讲话稿核对，不一致处给出提示；
    文号、联系人、责任人等无从得知的内容标为“〔待填〕”。
    """
    from assistant.companion import KINDS, make_companion, make_notices_per_unit

    if per_unit and kind != "notice":
        fail("--per-unit 只用于约谈通知（--kind notice）。", code=2)
    if kind == "largeprint" and draft_path is None:
        fail("大字讲话稿需要讲话稿：请用 --draft 指定定稿的讲话稿文件。", code=2)
    brief, draft = _inputs(obj, brief_path, draft_path)
    to_folder = per_unit and (out.is_dir() or not out.suffix)
    if to_folder:
        files = make_notices_per_unit(brief, draft)
        targets = [out / f.name for f in files]
    else:
        chosen = _format_of(kind, fmt, out)
        files = [make_companion(kind, brief, draft, per_unit=per_unit, fmt=chosen)]
        target = out / files[0].name if out.is_dir() else out
        # "纪要" becomes 纪要.docx; a path that exists (/dev/null, say) is kept, and write_atomic_bytes refuses it.
        named = target.suffix or target.exists() or target.is_symlink()
        targets = [target if named else target.with_name(f"{target.name}.{chosen}")]
    for target, file in zip(targets, files, strict=True):
        _write(target, file.data)
    warnings = list(dict.fromkeys(w for f in files for w in f.warnings))
    if as_json:
        echo_json({
            "kind": kind,
            "files": [{"out": str(t), "bytes": len(f.data), "blanks": f.blanks} for t, f in zip(targets, files, strict=True)],
            "warnings": warnings,
        })
        return
    for target, file in zip(targets, files, strict=True):
        blanks = f"，{file.blanks} 处“〔待填〕”需人工填写" if file.blanks else ""
        echo(f"已生成{KINDS[kind]}：{target}{blanks}")
    for w in warnings:
        echo(f"提示：{w}", err=True)


COMMANDS = (companion,)
