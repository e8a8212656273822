"""The 校对 panel: the checker's findings grouped by rule, safe suggestions applied with one click."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import streamlit as st

from assistant.domain.brief import Brief
from assistant.domain.kinds import MeetingKind
from assistant.domain.models import Draft
from assistant.ledger.model import Ledger
from assistant.ledger.report import ledger_from_sidecar
from assistant.review.checks import CheckError, rule_labels, run_checks
from assistant.review.model import SEVERITY_LABELS, CheckReport, Finding
from assistant.ui.markdown_text import escape_markdown

KEEP_REPORTS = 4
_ICONS = {"error": "🔴", "warning": "🟠", "hint": "🔵"}


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _report(
    text: str, brief: Brief | None, kind: MeetingKind | None, previous: str | None, ledger: Ledger | None = None
) -> CheckReport:
    """The report of this exact text, computed once per text (a rerun does not check again)."""
    cache = st.session_state.setdefault("review_reports", {})
    key = _key(text + (previous or "") + (f"\0ledger {ledger.name} {len(ledger.rows)}" if ledger else ""))
    if key not in cache:
        with st.spinner("正在校对……"):
            while len(cache) >= KEEP_REPORTS:  # the draft's and a library speech's, not every old one
                cache.pop(next(iter(cache)))
            cache[key] = run_checks(text, brief=brief, kind=kind, previous=previous, ledger=ledger)
    return cache[key]


def brief_ledger(brief: Brief | None, saved: dict) -> Ledger | None:
    """The ledger this session's brief came from, when the open draft's units are all in it."""
    if not saved or brief is None:
        return None
    try:
        ledger = ledger_from_sidecar(saved)
    except ValueError:
        return None
    units = {r.unit for r in ledger.rows}
    return ledger if brief.targets and all(t in units for t in brief.targets) else None


def text_report(text: str, kind: MeetingKind | None) -> CheckReport:
    """The report of a library speech (no brief: form, wording and punctuation only)."""
    return _report(text, None, kind, None)


def _finding_line(f: Finding) -> str:
    where = f"第 {f.line} 行" if f.line else "全文"
    excerpt = f"：“{f.excerpt}”" if f.excerpt else ""
    return _ICONS[f.severity] + " " + escape_markdown(f"{SEVERITY_LABELS[f.severity]} · {where}{excerpt} — {f.message}")


def show_findings(
    report: CheckReport, key: str, on_apply: Callable[[Finding], None] | None = None
) -> None:
    """Findings grouped by rule; with ``on_apply`` each safe suggestion gets an 采用 button."""
    if not report.findings:
        st.success(f"校对完成：没有发现问题（全文 {report.chars} 字，约 {report.minutes} 分钟）。")
        return
    counts = {s: sum(f.severity == s for f in report.findings) for s in ("error", "warning", "hint")}
    st.caption(
        f"全文 {report.chars} 字，约 {report.minutes} 分钟；"
        f"错误 {counts['error']} 处，警告 {counts['warning']} 处，提示 {counts['hint']} 处。"
    )
    labels = rule_labels()
    for rule in report.rules:
        found = [f for f in report.findings if f.rule == rule]
        if not found:
            continue
        with st.expander(f"{labels[rule]}（{len(found)}）", expanded=any(f.severity == "error" for f in found)):
            for n, f in enumerate(found):
                st.markdown(_finding_line(f))
                if on_apply is not None and f.suggestion is not None:
                    label = escape_markdown(f"采用：“{f.excerpt}”改为“{f.suggestion}”")
                    if st.button(label, key=f"{key}_apply_{rule}_{n}"):
                        on_apply(f)


def show_review(
    draft: Draft, brief: Brief | None, kind: MeetingKind | None, keep: Callable[[Finding], None],
    ledger: Ledger | None = None,
) -> None:
    """The 校对 panel under a draft: findings by rule; ``keep`` applies a chosen suggestion.

    ``ledger``: the ledger the brief came from; every figure and date is then compared with its rows.
    """
    with st.expander("校对", expanded=False):
        if ledger is not None:
            st.caption(escape_markdown(f"已与台账《{ledger.name}》的 {len(ledger.rows)} 行核对数字和日期。"))
        report = _report(draft.text, brief, kind, None, ledger)

        def apply(f: Finding) -> None:
            try:
                keep(f)
            except CheckError as e:
                st.error(escape_markdown(str(e)))
                return
            st.rerun()

        show_findings(report, "draft", apply)
