"""The `assistant` command: ingest, inspect, list, remove, search, reindex."""

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


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.option("--quiet", "-q", is_flag=True, help="不显示进度。")
@click.pass_obj
def ingest(obj: _Ctx, paths: tuple[Path, ...], as_json: bool, quiet: bool) -> None:
    """把讲话稿文件或文件夹导入范文库（txt、md、docx、pdf）。"""
    bar = _ProgressBar(enabled=not quiet)
    report = obj.library.ingest_paths(list(paths), progress=bar.chars, on_file=bar.file)
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
