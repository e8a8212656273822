"""Review commands: check a draft or speech (校对)."""

from __future__ import annotations

from pathlib import Path

import click

from assistant.cli.common import Ctx, echo, echo_json


def _print_report(report, labels: dict[str, str], notices: list[str]) -> None:
    from assistant.review.model import SEVERITY_LABELS

    for n in notices:
        click.echo(f"说明：{n}", err=True)
    counts = "，".join(
        f"{SEVERITY_LABELS[s]} {len([f for f in report.findings if f.severity == s])} 处"
        for s in ("error", "warning", "hint")
    )
    click.echo(f"校对结果：{counts}（全文约 {report.chars} 字，宣读约 {report.minutes:g} 分钟）")
    for name, found in report.by_rule().items():
        click.echo("")
        click.echo(f"【{labels[name]}】")
        for f in found:
            where = f"第 {f.line} 行" if f.line else "全文"
            echo(f"  {where} [{SEVERITY_LABELS[f.severity]}] {f.message}")
            if f.excerpt and f.suggestion is not None:
                echo(f"      原文：“{f.excerpt}”  →  建议：“{f.suggestion}”")
            elif f.excerpt:
                echo(f"      原文：“{f.excerpt}”")
    if not report.findings:
        click.echo("没有发现问题。")


@click.command()
@click.argument("draft_path", type=click.Path(path_type=Path))
@click.option(
    "--brief", "brief_path", type=click.Path(path_type=Path), default=None,
    help="约谈要素文件（.json、.yaml），用于核对事实；稿件为 JSON 时默认用其中保存的约谈要素。",
)  # fmt: skip
@click.option(
    "--rule", "rules", multiple=True,
    help="只做某项检查（可多次指定）：structure、placeholders、confusables、punctuation、facts、ledger（台账，需 --ledger）、measure（问责层级）、delivery。",
)  # fmt: skip
@click.option(
    "--ledger", "ledger_path", type=click.Path(path_type=Path), default=None,
    help="督查台账（.xlsx、.csv，或 assistant brief 保存的 .ledger.json）：核对稿中的完成率、计划完成时间和责任单位。",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.pass_obj
def check(
    obj: Ctx, draft_path: Path, brief_path: Path | None, rules: tuple[str, ...], ledger_path: Path | None, as_json: bool
) -> None:
    """校对讲话稿：结构与序号、占位符、错别字、标点、事实、篇幅。发现错误时退出码为 1。

    DRAFT_PATH 可以是保存的稿件（.json），也可以是 .txt、.md、.docx、.pdf 讲话稿。
    文件无法读取时退出码为 2。
    """
    from assistant.domain.brief import load_brief
    from assistant.domain.kinds import default_kinds
    from assistant.drafts.check_source import load_for_check
    from assistant.review.checks import rule_labels, run_checks

    settings = obj.settings
    source = load_for_check(draft_path, settings.max_upload_bytes)
    brief = load_brief(brief_path) if brief_path else source.brief
    kinds = default_kinds(settings.structures_dir)
    kind = kinds.get(source.kind) if source.kind else None
    ledger = None
    if ledger_path:
        from assistant.ledger.report import ledger_for_check

        ledger = ledger_for_check(ledger_path, settings.max_upload_bytes)
    report = run_checks(source.text, brief=brief, kind=kind, rules=rules or None, kinds=kinds, ledger=ledger)
    if as_json:
        echo_json(report.public())
    else:
        _print_report(report, rule_labels(), source.notices)
    if report.has_errors:
        raise SystemExit(1)


check.user_error_code = 2  # its own failures: 1 already means "the speech has errors" (cli/__init__)

COMMANDS = (check,)
