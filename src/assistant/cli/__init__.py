"""The `assistant` command: ingest, inspect, list, show, correct, remove, search, reindex, draft, revise, check, export."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assistant.cli import (
    companion_cmds,
    export_cmds,
    ledger_cmds,
    library_cmds,
    review_cmds,
    user_cmds,
    writing_cmds,
)
from assistant.cli.common import Ctx, fail
from assistant.library.storage.heap import wipe_freed_memory
from assistant.support.config import SettingsError, get_settings
from assistant.support.errors import UserError

__all__ = ["main", "run"]


class _Commands(click.Group):
    """The boundary of every command: an error meant for the user (UserError) is said once, here."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UserError as e:
            # `check` exits 1 for "errors found in the speech", so its own failures exit 2.
            command = self.commands.get(ctx.invoked_subcommand or "")
            fail(str(e), code=getattr(command, "user_error_code", 1))


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="数据目录（默认取 ASSISTANT_DATA_DIR，未设置时为 ./data）。",
)
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """约谈讲话写作助手：范文库管理、检索与起草。"""
    wipe_freed_memory()  # before any document is read (library/storage/heap.py)
    try:
        ctx.obj = Ctx(get_settings(data_dir=data_dir))
    except SettingsError as e:
        # Exit 2 like a usage error: nothing ran, the configuration must be fixed first.
        fail("配置有误：" + ("\n".join(["", *e.problems]) if len(e.problems) > 1 else str(e)), code=2)
    _log_to_file(ctx.obj.settings.data_dir / "logs" / "errors.log")
    ctx.call_on_close(ctx.obj.close)


def _log_to_file(path: Path) -> None:
    """The core's log records (tracebacks of a skipped file, say) go to a file, never to the user's terminal."""
    import logging

    logger = logging.getLogger("assistant")
    logger.propagate = False  # else Python's last-resort handler prints them, in English, on stderr
    if any(getattr(h, "_assistant_cli", False) for h in logger.handlers):
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    except OSError:
        handler = logging.NullHandler()  # a read-only data dir: the command's own message still says what failed
    handler.setFormatter(logging.Formatter("--- %(asctime)s %(name)s\n%(message)s"))
    handler._assistant_cli = True  # type: ignore[attr-defined]
    logger.addHandler(handler)


for _command in (*library_cmds.COMMANDS, *writing_cmds.COMMANDS, *review_cmds.COMMANDS, *export_cmds.COMMANDS,
                 *user_cmds.COMMANDS, *companion_cmds.COMMANDS, *ledger_cmds.COMMANDS):
    main.add_command(_command)


def run() -> None:
    """Console entry point: no traceback ever reaches the user."""
    try:
        main(standalone_mode=False)
    except click.exceptions.Abort:
        fail("已取消。", code=130)
    except click.UsageError as e:
        from assistant.cli.usage_errors import usage_message

        fail(usage_message(e), code=e.exit_code)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except SystemExit:
        raise
    except OSError as e:
        from assistant.support.safe_read import os_error_message

        where = f"（{e.filename}）" if e.filename else ""
        fail(f"文件操作失败{where}：{os_error_message(e)}", code=2)
    except Exception as e:
        # Library errors are English: the details go to a log file, the user reads Chinese.
        from assistant.library.storage.errors import storage_problem

        problem = storage_problem(e)
        if problem:
            fail(problem, code=2)
        logged = _log_error(e)
        detail = f"详细信息已写入 {logged}；" if logged else ""
        fail(f"发生意外错误（{type(e).__name__}）。{detail}如反复出现，请把这条信息反馈给维护人员。", code=2)


def _log_error(error: Exception) -> str:
    """Append the traceback to <data dir>/logs/errors.log; returns its path ('' when that fails too)."""
    import datetime
    import traceback

    try:
        path = get_settings().data_dir / "logs" / "errors.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"--- {datetime.datetime.now().isoformat(timespec='seconds')} {' '.join(sys.argv)}\n")
            f.write("".join(traceback.format_exception(error)))
        return str(path)
    except Exception:  # noqa: BLE001 - logging must never hide the message itself
        return ""
