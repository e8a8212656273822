"""Files and folders into a library: each file prepared (intake/prepare.py), then added; a report of what happened."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.domain.models import (
    IngestAdded,
    IngestDuplicate,
    IngestFailed,
    IngestReport,
    IngestSimilar,
    IngestSkipped,
)
from assistant.intake.loaders import SUPPORTED, SUPPORTED_LABEL
from assistant.intake.prepare import prepare_bytes, prepare_path
from assistant.library.embeddings import EmbeddingError
from assistant.library.storage.errors import storage_problem
from assistant.library.store import AddOutcome, Library, Progress
from assistant.support.errors import UserError
from assistant.support.safe_read import display_name, readable_path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FoundFile:
    """A file to ingest, and the folder it was found in (symlinks must not leave it)."""

    path: Path
    root: Path | None = None


_HIDDEN = "是隐藏文件（名称以“.”开头），已跳过。"
_HIDDEN_DIR = "是隐藏文件夹（名称以“.”开头），其中的文件已跳过。"
_README = "是说明文件（README），不是讲话稿，已跳过。"
_LINKED_DIR = "是指向其他位置的文件夹快捷方式（符号链接），为安全起见没有进入。"


def _unsupported_reason(path: Path) -> str:
    ext = path.suffix.lower() or "无扩展名"
    return f"不是支持的格式（{ext}；支持 {SUPPORTED_LABEL}），已跳过。"


def _walk(folder: Path) -> tuple[list[FoundFile], list[IngestSkipped]]:
    files: list[FoundFile] = []
    skipped: list[IngestSkipped] = []

    def skip(p: Path, reason: str) -> None:
        skipped.append(IngestSkipped(path=readable_path(p), reason=f"《{display_name(p)}》{reason}"))

    def on_error(err: OSError) -> None:
        where = err.filename or folder
        skipped.append(IngestSkipped(path=readable_path(where), reason=f"《{display_name(where)}》无法打开，已跳过。"))

    # followlinks=False: a link to a folder elsewhere is named, never walked into.
    for top, dirs, names in os.walk(folder, onerror=on_error):
        here = Path(top)
        for d in sorted(dirs):
            if d.startswith("."):
                skip(here / d, _HIDDEN_DIR)
            elif (here / d).is_symlink():
                skip(here / d, _LINKED_DIR)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (here / d).is_symlink())
        for n in sorted(names):
            f = here / n
            if n.startswith("."):
                skip(f, _HIDDEN)
            elif f.stem.lower() == "readme":
                skip(f, _README)
            elif f.suffix.lower() not in SUPPORTED:
                skip(f, _unsupported_reason(f))
            else:
                files.append(FoundFile(f, folder))
    return files, skipped


def expand_paths(paths: list[Path]) -> tuple[list[FoundFile], list[IngestSkipped], list[IngestFailed]]:
    """Files to ingest from files and folders (walked); the files skipped in folders, with why;
    and folders that held nothing to ingest."""
    files: list[FoundFile] = []
    skipped: list[IngestSkipped] = []
    failed: list[IngestFailed] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found, passed_over = _walk(p)
            files.extend(found)
            skipped.extend(passed_over)
            if not found:
                failed.append(
                    IngestFailed(
                        path=readable_path(p),
                        error=f"《{display_name(p)}》是文件夹，其中没有可导入的讲话稿文件（支持 {SUPPORTED_LABEL}）。",
                    )
                )
        else:
            files.append(FoundFile(p))
    return files, skipped, failed


def add_bytes(
    library: Library,
    data: bytes,
    filename: str,
    progress: Progress | None = None,
    *,
    allow_similar: bool = False,
) -> AddOutcome:
    """Load, clean, parse, chunk and store one uploaded file (a near copy only with allow_similar)."""
    prepared = prepare_bytes(data, Path(filename).name, library.settings)
    return library.add_prepared(prepared, progress, allow_similar=allow_similar)


def failure_message(name: str | Path, error: Exception) -> str:
    """What to tell the user about a file whose import failed in a way no check foresaw (a full disk, a bug)."""
    problem = storage_problem(error)
    if problem:
        return f"《{display_name(name)}》未导入：{problem}"
    log.exception("ingest of %s failed", name)
    return (
        f"《{display_name(name)}》导入时出现意外错误，已跳过此文件，其余文件照常导入。"
        f"如反复出现，请把这个文件反馈给维护人员（错误类型：{type(error).__name__}）。"
    )


def ingest_paths(
    library: Library,
    paths: list[Path],
    progress: Progress | None = None,
    on_file: Callable[[int, int, Path], None] | None = None,
    *,
    allow_similar: bool = False,
) -> IngestReport:
    """Ingest files and folders; one failing file never stops the rest (failures, skips and near copies are reported)."""
    files, skipped, failed = expand_paths([Path(p) for p in paths])
    report = IngestReport(skipped=skipped, failed=failed)
    settings = library.settings
    reached = 0  # the files before this index are done with (imported, duplicate or failed)
    try:
        for n, found in enumerate(files):
            reached = n
            path = found.path
            if on_file:
                on_file(n, len(files), path)
            try:
                prepared = prepare_path(path, settings, found.root)
                outcome = library.add_prepared(prepared, progress, allow_similar=allow_similar)
            except EmbeddingError as e:
                # The embedding service is down or refuses: every other file would wait and fail too.
                report.failed += [IngestFailed(path=readable_path(f.path), error=str(e)) for f in files[n:]]
                break
            except UserError as e:  # this file's problem, told in Chinese: the batch goes on
                report.failed.append(IngestFailed(path=readable_path(path), error=str(e)))
                continue
            except Exception as e:  # whatever went wrong with this file, the batch goes on
                problem = storage_problem(e)
                if problem:  # a full or read-only disk: every other file would fail the same way
                    report.failed += [IngestFailed(path=readable_path(f.path), error=problem) for f in files[n:]]
                    break
                report.failed.append(IngestFailed(path=readable_path(path), error=failure_message(path, e)))
                continue
            if outcome.similar_to:
                report.similar.append(
                    IngestSimilar(
                        path=readable_path(path),
                        doc_id=outcome.similar_to,
                        title=outcome.title,
                        similarity=round(outcome.similarity, 3),
                    )
                )
            elif outcome.duplicate:
                report.duplicates.append(
                    IngestDuplicate(path=readable_path(path), doc_id=outcome.doc_id, title=outcome.title)
                )
            else:
                report.added.append(
                    IngestAdded(
                        doc_id=outcome.doc_id,
                        title=outcome.title,
                        chunks=outcome.chunks,
                        notices=prepared.loaded.notices,
                    )
                )
    except KeyboardInterrupt:
        # Ctrl-C: the file being written was undone (writes.write_document); the finished ones stay.
        report.not_reached = [readable_path(f.path) for f in files[reached:]]
        return report
    if on_file:
        on_file(len(files), len(files), Path(""))
    return report
