"""What every command shares: the context object, output helpers and the progress bar."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from assistant.support.config import Settings
from assistant.support.visible import strip_controls

# json.dumps escapes C0 controls itself; DEL, C1 controls and the bidi marks it leaves raw.
_JSON_UNSAFE_RE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def echo(message: str = "", err: bool = False, nl: bool = True) -> None:
    """click.echo without control characters or text-reordering marks (titles and file names come from documents)."""
    click.echo(strip_controls(str(message)), err=err, nl=nl)


def echo_json(data) -> None:
    """Print data as indented JSON, Chinese left readable; invisible marks escaped (\\u202e), never raw."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    click.echo(_JSON_UNSAFE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def fail(message: str, code: int = 1) -> None:
    """Print a Chinese error to stderr and exit with the given code."""
    echo(f"错误：{message}", err=True)
    sys.exit(code)


class Ctx:
    """The click context object: settings, and the Library opened on first use."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._library = None

    @property
    def library(self):
        """The Library; opening it is slow, so commands that never need it never open it."""
        if self._library is None:
            from assistant.library.store import Library

            self._library = Library.open(self.settings)  # a LibraryError is said by the command group
        return self._library

    def close(self) -> None:
        """After the command: close the Library if it was opened (see Library.close)."""
        if self._library is not None:
            self._library.close()


class ProgressBar:
    """Character-based progress on stderr, for ingests that take more than a moment."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._bar = None
        self._last = 0

    def file(self, n: int, total: int, path: Path) -> None:
        """Name the file being worked on when there are several."""
        if self.enabled and total > 1 and n < total:
            echo(f"[{n + 1}/{total}] {path.name}", err=True)

    def chars(self, done: int, total: int, message: str) -> None:
        """Advance the bar; a smaller `done` than last time starts a new bar."""
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
        """Finish the current bar, if any."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def seed_if_first_use(library, settings: Settings, quiet: bool) -> None:
    """Like the app's first start: an empty, never-seeded library gets the bundled corpus."""
    from assistant.library.corpus import needs_seeding, seed_corpus

    if not needs_seeding(library, settings.corpus_dir):
        return
    if not quiet:
        click.echo("首次使用：正在导入内置范文（只需一次）……", err=True)
    bar = ProgressBar(enabled=not quiet)
    report = seed_corpus(library, settings.corpus_dir, on_file=bar.file)
    if not quiet:
        click.echo(f"内置范文导入完成：{len(report.added)} 篇。", err=True)
