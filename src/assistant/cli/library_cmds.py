"""Library commands: ingest, inspect, list, show, correct, remove, search, reindex, doctor."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assistant.cli.common import Ctx, ProgressBar, echo, echo_json, fail
from assistant.domain.models import ROLE_LABELS, SEARCH_ROLES


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, readable=False))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.option("--quiet", "-q", is_flag=True, help="不显示进度。")
@click.option("--allow-similar", is_flag=True, help="与已有文档疑似重复的文件也导入。")
@click.pass_obj
def ingest(obj: Ctx, paths: tuple[Path, ...], as_json: bool, quiet: bool, allow_similar: bool) -> None:
    """把讲话稿文件或文件夹导入范文库（txt、md、docx、pdf；doc、wps、rtf、odt 需安装 LibreOffice）。"""
    from assistant.library.ingest import ingest_paths

    bar = ProgressBar(enabled=not quiet)
    report = ingest_paths(
        obj.library, list(paths), progress=bar.chars, on_file=bar.file, allow_similar=allow_similar
    )
    if report.added:
        bar.close()
        if not quiet:  # so the app's first search need not rebuild it
            echo("正在更新全文检索索引……", err=True)
        obj.library.save_full_text_index()
    bar.close()
    if as_json:
        echo_json(report.model_dump())
    else:
        for a in report.added:
            echo(f"已导入：《{a.title or '（无标题）'}》 {a.chunks} 个片段  [{a.doc_id}]")
            for notice in a.notices:
                echo(f"    注意：{notice}。")
        for d in report.duplicates:
            echo(f"重复，未导入：{d.path}（与《{d.title}》内容相同）[{d.doc_id}]")
        for s in report.similar:
            echo(
                f"疑似重复，未导入：{s.path}（与《{s.title}》约 {s.similarity:.0%} 相同）[{s.doc_id}]"
                "；确需导入请加 --allow-similar"
            )
        for f in report.failed:
            echo(f"导入失败：{f.error}", err=True)
        for k in report.skipped:
            echo(f"已跳过：{k.reason}", err=True)
        similar = f"疑似重复 {len(report.similar)} 篇，" if report.similar else ""
        skipped = f"，跳过 {len(report.skipped)} 个文件" if report.skipped else ""
        echo(
            f"共导入 {len(report.added)} 篇，重复 {len(report.duplicates)} 篇，{similar}失败 {len(report.failed)} 篇{skipped}。"
        )
    if report.not_reached:
        fail(
            f"已取消：取消前导入的 {len(report.added)} 篇已在范文库中；其余 {len(report.not_reached)} 个文件"
            "（含取消时正在导入的那个）没有导入，可以再次运行同一命令，已导入的会按重复跳过。",
            code=130,
        )
    if report.failed:
        sys.exit(1)


@click.command()
@click.argument("path", type=click.Path(path_type=Path, readable=False))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.pass_obj
def inspect(obj: Ctx, path: Path, as_json: bool) -> None:
    """解析一篇讲话稿的结构（不入库）。"""
    from assistant.intake.prepare import prepare_path

    prepared = prepare_path(path, obj.settings)
    doc = prepared.speech
    if as_json:
        echo_json(doc.inspect_dict())
        return
    echo(f"标题：{doc.title or '（未识别）'}")
    echo(f"类型：{doc.kind or '（未识别）'}")
    if doc.salutation:
        echo(f"称谓：{doc.salutation}")
    if doc.opening:
        echo(f"开场：{doc.opening[:80]}{'……' if len(doc.opening) > 80 else ''}")
    for s in doc.sections:
        echo(f"{s.number}. {s.heading or '（无标题）'}  [{ROLE_LABELS.get(s.role, s.role)}]")
        for p in s.points:
            first = p.text.split("\n", 1)[0]
            echo(f"    - {first[:60]}{'……' if len(first) > 60 else ''}")
    if doc.closing:
        echo(f"结束语：{doc.closing[:80]}{'……' if len(doc.closing) > 80 else ''}")
    if prepared.cleaned.removed:
        echo(f"已清除网页杂项 {len(prepared.cleaned.removed)} 行。")
    for c in prepared.cleaned.changed:
        echo(f"已修正：[{c.reason}] {c.before[:40]}{' → ' + c.after[:40] if c.before else ''}")


@click.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.pass_obj
def list_(obj: Ctx, as_json: bool) -> None:
    """列出范文库中的文档。"""
    docs = obj.library.list_documents()
    if as_json:
        echo_json([d.model_dump() for d in docs])
        return
    if not docs:
        echo("范文库为空。可执行 `assistant ingest 文件或文件夹` 导入讲话稿。")
        return
    for d in docs:
        mark = f"  已修改（第 {d.revision} 版）" if d.corrected else ""
        echo(f"{d.doc_id}  《{d.title or '（无标题）'}》  {d.chars} 字  {d.chunks} 个片段  {d.filename}{mark}")
    echo(f"共 {len(docs)} 篇。")


@click.command()
@click.argument("doc_id")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.pass_obj
def remove(obj: Ctx, doc_id: str, as_json: bool) -> None:
    """从范文库删除一篇文档（向量、原文和解析结果一并删除）。"""

    ok = obj.library.remove(doc_id, on_wait=lambda m: echo(m, err=True))
    if as_json:
        echo_json({"removed": doc_id if ok else None})
    elif ok:
        echo(f"已删除 {doc_id}。")
    if not ok:
        fail(f"范文库中没有编号为 {doc_id} 的文档（可用 `assistant list` 查看）。")


_SHOW_JSON = """

\b
--json 输出一个对象：doc_id、title、kind、filename、revision（1 为导入时的版本，每保存一次修改加 1）、
corrected、corrected_at、document（结构：title、kind、salutation、opening、sections[heading、role、intro、
points]、closing）、text（可修改的全文，每段一行）、removed（[{line, reason}]：导入时清除的行及原因）、
changed（[{before, after, reason}]：导入时修正的行）、note（说明，通常为空）。"""


@click.command(help="显示范文库中一篇文档：按结构列出正文，以及导入时清除的网页杂项和原因。" + _SHOW_JSON)
@click.argument("doc_id")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果（字段见上）。")
@click.pass_obj
def show(obj: Ctx, doc_id: str, as_json: bool) -> None:
    from assistant.domain.kinds import kinds_for_reading
    from assistant.library.document_view import document_view

    view = document_view(obj.library, doc_id)  # a missing doc_id is a UserError: exit 1, said in Chinese
    if as_json:
        echo_json(view.to_dict())
        return
    r, doc = view.record, view.speech
    version = f"第 {r.revision} 版（已修改，{r.corrected_at}）" if r.corrected else "导入时的版本"
    echo(f"《{r.title or '（无标题）'}》  [{r.doc_id}]")
    kind = kinds_for_reading(obj.settings.structures_dir).get(r.kind)
    echo(f"类型：{kind.name if kind else r.kind or '（未识别）'}  文件：{r.filename}  {version}")
    for label, part in (("署名", doc.byline), ("称谓", doc.salutation), ("开场", doc.opening)):
        if part:
            echo(f"【{label}】")
            echo(_indented(part))
    for sec in doc.sections:
        echo(f"【{sec.number}. {sec.heading or '（无标题）'}  ·  {ROLE_LABELS.get(sec.role, sec.role)}】")
        echo(_indented("\n".join([*([sec.intro] if sec.intro else []), *(p.text for p in sec.points)])))
    if doc.closing:
        echo("【结束语】")
        echo(_indented(doc.closing))
    echo(f"导入时清除的网页杂项：{len(view.removed)} 行")
    for line in view.removed:
        echo(f"    [{line.reason}] {line.line}")
    for c in view.changed:  # a repair (before → after), or a note of the loader's (no before)
        echo(f"    已修正：[{c.reason}] {c.before} → {c.after}" if c.before else f"    说明：{c.reason}")
    if view.note:
        echo(f"注意：{view.note}")


def _indented(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.split("\n") if line)


def _read_text(source: str, max_bytes: int) -> str:
    """The corrected text from a UTF-8 file ('-': standard input), at most ``max_bytes``."""
    from assistant.support.errors import UserError
    from assistant.support.safe_read import read_file, too_large

    name = "标准输入" if source == "-" else Path(source).name
    if source == "-":
        data = sys.stdin.buffer.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise too_large(name, len(data), max_bytes)
    else:
        data = read_file(source, max_bytes)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"《{name}》不是 UTF-8 编码的文本，未保存修改：请把文件另存为 UTF-8 编码后重试。") from None


@click.command(
    help="把修改后的全文保存为文档的新版本（编号不变，原文件保留，重新分段、向量化并更新检索索引）。"
    "FILE 为 UTF-8 文本文件，每段一行，格式同 `assistant show --json` 的 text；用 - 表示从标准输入读取。"
    "\n\n\b\n--json 输出一个对象：doc_id、title、kind、revision（修改后的版本号）、chunks（新版本的片段数）、"
    "changed（false 表示内容与当前版本相同，未保存新版本）。"
)
@click.argument("doc_id")
@click.option("--file", "source", required=True, metavar="FILE", help="修改后的全文（UTF-8 文本文件；- 为标准输入）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果（字段见上）。")
@click.pass_obj
def correct(obj: Ctx, doc_id: str, source: str, as_json: bool) -> None:
    from assistant.library.correction import correct_document

    text = _read_text(source, obj.settings.max_upload_bytes)
    bar = ProgressBar(enabled=not as_json)
    try:
        outcome = correct_document(obj.library, doc_id, text, progress=bar.chars, on_wait=lambda m: echo(m, err=True))
    finally:
        bar.close()
    if as_json:
        echo_json(outcome.to_dict())
    elif not outcome.changed:
        echo(f"《{outcome.title}》的内容与当前版本相同，未保存新版本（仍为第 {outcome.revision} 版）。")
    else:
        echo(f"已保存《{outcome.title}》的修改：现为第 {outcome.revision} 版，{outcome.chunks} 个片段已重新索引。")


@click.command()
@click.argument("query")
@click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1, 100), help="返回条数。")
@click.option(
    "--role",
    type=click.Choice(SEARCH_ROLES),
    default=None,
    help="只检索某一部分。",
)
@click.option("--kind", default=None, help="只检索某类约谈（如 work_safety）。")
@click.option(
    "--mode", type=click.Choice(["hybrid", "dense", "bm25"]), default="hybrid", show_default=True
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.pass_obj
def search(obj: Ctx, query: str, k: int, role: str | None, kind: str | None, mode: str, as_json: bool) -> None:
    """按语义检索范文，返回命中句子所在的整条要点或整段（命中的句子用【】标出）。"""
    from assistant.intake.chunking import split_at_match

    hits = obj.library.search(query, k=k, role=role, kind=kind, mode=mode)
    if as_json:
        echo_json([h.model_dump(include={"doc_id", "title", "section", "role", "text", "score"}) for h in hits])
        return
    if not hits:
        echo("没有找到相关内容。")
    for n, h in enumerate(hits, 1):
        echo(f"[{n}] 《{h.title}》 {h.heading} [{ROLE_LABELS.get(h.role, h.role)}]  得分 {h.score:.4f}")
        before, match, after = split_at_match(h.text, h.matched)
        # 【】 mark the sentences that matched, when the point has more than those.
        shown = f"{before}【{match}】{after}" if match and (before or after) else h.text
        for line in shown.split("\n"):
            echo(f"    {line}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.pass_obj
def reindex(obj: Ctx, as_json: bool) -> None:
    """换用向量模型后，用当前模型重建全部向量（原文不需重新上传）。"""
    bar = ProgressBar(enabled=not as_json)
    from assistant.library.store import LibraryError

    try:
        n = obj.library.reindex(progress=bar.chars, on_wait=lambda m: echo(m, err=True))
    except LibraryError as e:
        bar.close()
        fail(str(e))
    bar.close()
    if not as_json:
        echo("正在更新全文检索索引……", err=True)
    obj.library.save_full_text_index()
    bar.close()
    if as_json:
        echo_json({"chunks": n, "embedding": obj.library.embedder.id})
    else:
        echo(f"已用 {obj.library.embedder.id} 重建 {n} 个片段的索引。")


@click.command()
@click.option("--repair", is_flag=True, help="修复发现的问题（撤销或补完中断的写入，删除临时和孤立文件，把无法读取的文件移到 damaged/）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.pass_obj
def doctor(obj: Ctx, repair: bool, as_json: bool) -> None:
    """检查范文库、我的稿件和浏览器会话是否完整一致（中断的导入和保存、孤立文件、无法读取的文件等），加 --repair 修复。"""
    from assistant.drafts.draft_doctor import check_drafts
    from assistant.library.storage.doctor import check_library

    # Drafts first: they need no library, and are checked even when the library cannot be opened.
    drafts = check_drafts(obj.settings.data_dir, repair, timeout=obj.settings.lock_timeout)
    if drafts.problems and not as_json:
        _say_doctor(drafts.problems, drafts.repaired)
    library = check_library(obj.library, repair, on_wait=lambda m: echo(m, err=True))
    consistent = library.consistent and drafts.consistent
    problems = [*library.problems, *drafts.problems]
    if as_json:
        echo_json({"consistent": consistent, "problems": problems, "repaired": [*library.repaired, *drafts.repaired]})
    else:
        _say_doctor(library.problems, library.repaired)
        if not problems:
            echo("范文库、我的稿件和会话文件完整一致，没有发现问题。")
        elif not consistent:
            echo("发现的问题尚未修复：请执行 `assistant doctor --repair`。")
    if not consistent:
        sys.exit(1)


def _say_doctor(problems: list[str], repaired: list[str]) -> None:
    for p in problems:
        echo(f"问题：{p}")
    for r in repaired:
        echo(f"已修复：{r}")


COMMANDS = (ingest, inspect, list_, show, correct, remove, search, reindex, doctor)
