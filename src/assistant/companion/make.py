"""The one entry point for the page and the CLI: `make_companion(kind, brief, draft) -> CompanionFile`."""

from __future__ import annotations

from typing import Literal

from assistant.companion.checklist import (
    checklist_docx,
    checklist_text,
    checklist_title,
    checklist_xlsx,
)
from assistant.companion.crosscheck import speech_warnings
from assistant.companion.largeprint import largeprint_docx
from assistant.companion.meeting import Meeting
from assistant.companion.minutes import minutes_paras, minutes_title
from assistant.companion.model import (
    DOCX_MIME,
    FILL_MARK,
    KINDS,
    XLSX_MIME,
    CompanionError,
    CompanionFile,
    Para,
)
from assistant.companion.notice import notice_paras, notice_title, notices_paras
from assistant.companion.word import render
from assistant.domain.brief import Brief
from assistant.domain.models import Draft
from assistant.export.filenames import safe_filename
from assistant.review.placeholders import forgotten_placeholders

Kind = Literal["notice", "minutes", "checklist", "largeprint"]
Format = Literal["docx", "xlsx"]


def _text(paras: list[Para]) -> str:
    return "\n".join(p.text for p in paras)


def _placeholder_warnings(text: str, what: str) -> list[str]:
    """A forgotten "XX" or 某某 the brief carried into the document (a marked blank is not one)."""
    found = [line[a:b] for line in text.split("\n") for a, b, _ in forgotten_placeholders(line)]
    if not found:
        return []
    shown = "、".join(f"“{x}”" for x in dict.fromkeys(found))
    return [f"{what}中有未填写的占位内容 {shown}（来自约谈要素），请在约谈要素中补上实际内容后重新生成。"]


def _base_warnings(brief: Brief, draft: Draft | None) -> list[str]:
    if draft is None or not draft.text.strip():
        return ["未提供讲话稿，未能与讲话稿核对事实；配套文书按约谈要素写出。"]
    warnings = []
    if draft.status != "done":
        warnings.append("讲话稿尚未写完（生成中断），请在定稿后重新生成配套文书。")
    return warnings + speech_warnings(brief, draft.text)


def _file(kind: str, stem: str, ext: str, data: bytes, warnings: list[str], text: str) -> CompanionFile:
    return CompanionFile(
        name=f"{safe_filename(stem)}.{ext}",
        data=data,
        mime=XLSX_MIME if ext == "xlsx" else DOCX_MIME,
        warnings=tuple(dict.fromkeys(warnings)),
        kind=kind,
        blanks=text.count(FILL_MARK),
    )


def make_companion(
    kind: str,
    brief: Brief,
    draft: Draft | None = None,
    *,
    per_unit: bool = False,
    fmt: str | None = None,
) -> CompanionFile:
    """One companion document from the brief (the facts) and the final speech (checked against them).

    kind: notice | minutes | checklist | largeprint; ``per_unit`` (notice): a page per unit;
    ``fmt`` (checklist): "xlsx" (default) or "docx". Warnings say where the speech and the brief differ.
    """
    if kind not in KINDS:
        raise CompanionError(f"不支持的文书类型“{kind}”，可选：{'、'.join(f'{k}（{v}）' for k, v in KINDS.items())}。")
    fmt = (fmt or ("xlsx" if kind == "checklist" else "docx")).lower().lstrip(".")
    allowed = ("xlsx", "docx") if kind == "checklist" else ("docx",)
    if fmt not in allowed:
        raise CompanionError(f"{KINDS[kind]}只能导出为 {'、'.join('.' + f for f in allowed)} 文件，不能导出为 .{fmt}。")
    if kind == "largeprint":
        if draft is None or not draft.text.strip():
            raise CompanionError("大字讲话稿需要讲话稿：请用 --draft 指定定稿的讲话稿文件（assistant draft 保存的 .json，或 .txt/.docx）。")
        warnings = ["讲话稿尚未写完（生成中断），大字版只含已写出的部分。"] if draft.status != "done" else []
        data = largeprint_docx(draft)
        stem = f"{draft.title or brief.title or brief.meeting}（大字版）"
        return _file(kind, stem, "docx", data, warnings, draft.text)
    meeting = Meeting(brief)
    warnings = _base_warnings(brief, draft)
    if kind == "checklist":
        text = checklist_text(meeting)
        data = checklist_xlsx(meeting) if fmt == "xlsx" else checklist_docx(meeting)
        return _file(kind, checklist_title(meeting), fmt, data, warnings + _placeholder_warnings(text, KINDS[kind]), text)
    if kind == "notice":
        paras = notices_paras(meeting, per_unit)
        stem = notice_title(meeting) + ("（分单位）" if per_unit and len(meeting.units) > 1 else "")
    else:
        paras = minutes_paras(meeting)
        stem = minutes_title(meeting)
    text = _text(paras)
    data = render(paras, stem)
    return _file(kind, stem, "docx", data, warnings + _placeholder_warnings(text, KINDS[kind]), text)


def make_notices_per_unit(brief: Brief, draft: Draft | None = None) -> list[CompanionFile]:
    """One 约谈通知 file per summoned unit (each addressed to that unit, about its own issues)."""
    meeting = Meeting(brief)
    warnings = _base_warnings(brief, draft) if draft is not None else []
    out = []
    for unit in meeting.units:
        paras = notice_paras(meeting, unit)
        text = _text(paras)
        stem = f"{unit}-{KINDS['notice']}"
        data = render(paras, notice_title(meeting))
        out.append(_file("notice", stem, "docx", data, warnings + _placeholder_warnings(text, KINDS["notice"]), text))
    return out
