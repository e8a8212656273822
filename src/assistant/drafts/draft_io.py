"""Drafts on disk: JSON (lossless) or plain text; text/Word drafts are read with the speech parser."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from assistant.domain.models import Draft, DraftPart
from assistant.domain.numbering import heading_line
from assistant.intake.loaders import DEFAULT_MAX_BYTES, LoadError, load_path
from assistant.intake.parsing import parse_speech
from assistant.support.atomic_files import write_atomic, write_atomic_bytes  # noqa: F401 - re-exported
from assistant.support.safe_read import read_file
from assistant.support.validation import format_validation_errors

IMPORTED_LABEL = "导入的讲话稿"

#: A draft file's fields as a refusal names them (the JSON name stays: it is what the file shows).
DRAFT_FIELD_LABELS = {
    "title": "标题", "kind": "会议类型", "parts": "各部分", "role": "部分类型", "number": "序号",
    "heading": "小标题", "text": "正文", "sources": "参考片段", "complete": "是否写完", "warnings": "提示",
    "outline": "提纲", "mode": "生成方式", "status": "状态", "label": "说明", "provider": "服务商",
    "model": "模型", "usage": "用量", "elapsed_s": "用时", "created_at": "创建时间", "brief": "约谈要素",
    "target_chars": "目标字数",
}  # fmt: skip
_AT_RE = re.compile(r"line (\d+) column (\d+)")


def draft_to_text(draft: Draft) -> str:
    """The draft as plain text: one paragraph per line, no Markdown, ending with a newline."""
    text = draft.text
    return text + "\n" if text else ""


def draft_to_json(draft: Draft) -> str:
    """The draft as UTF-8 JSON (Chinese kept readable)."""
    return draft.model_dump_json(indent=2)


def save_draft(draft: Draft, path: Path | str) -> Path:
    """Save a draft: ``.json`` → Draft JSON, anything else → plain text."""
    p = Path(path)
    if p.suffix.lower() == ".json":
        return write_atomic(p, draft_to_json(draft))
    return write_atomic(p, draft_to_text(draft))


def draft_from_text(
    text: str, metadata: dict | None = None, structures_dir: Path | None = None
) -> Draft:
    """A Draft from speech text, split into parts by the same parser that reads uploads."""
    doc = parse_speech(text, metadata, structures_dir)
    parts: list[DraftPart] = []
    if doc.title and not doc.title_derived:
        parts.append(DraftPart(role="title", text=doc.title))
    if doc.salutation:
        parts.append(DraftPart(role="salutation", text=doc.salutation))
    if doc.opening:
        parts.append(DraftPart(role="opening", text=doc.opening))
    for s in doc.sections:
        body = "\n".join(s.paragraphs)
        if s.heading:
            head = heading_line(s.number, s.heading)
            parts.append(
                DraftPart(
                    role=s.role,
                    number=s.number,
                    heading=s.heading,
                    text=head + ("\n" + body if body else ""),
                )
            )
        elif body:
            parts.append(DraftPart(role="other", text=body))
    if doc.closing:
        parts.append(DraftPart(role="closing", text=doc.closing))
    return Draft(
        title=doc.title,
        kind=doc.kind,
        parts=parts,
        mode="imported",
        label=IMPORTED_LABEL,
        created_at=datetime.now().isoformat(timespec="seconds"),
    )


def load_draft(
    path: Path | str, structures_dir: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Draft:
    """Read a draft: Draft JSON, or a .txt/.md/.docx speech parsed into parts; LoadError otherwise."""
    p = Path(path)
    if p.suffix.lower() == ".json":
        name = p.name
        if not p.exists():
            raise LoadError(f"《{name}》文件不存在，请检查路径。", name)
        # Size, file type and symlink checks before a byte is read, as for any speech file.
        data = read_file(p, max_bytes)
        try:
            raw = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise LoadError(f"《{name}》不是 UTF-8 编码的 JSON 文件，无法读取。", name) from None
        try:
            return Draft.model_validate_json(raw)
        except ValidationError as e:
            raise LoadError(
                f"《{name}》不是本工具保存的讲话稿 JSON 文件：{_draft_problems(e)}。纯文本稿请保存为 .txt、.md 或 .docx。",
                name,
            ) from None
    loaded = load_path(p, max_bytes=max_bytes)
    draft = draft_from_text(loaded.text, loaded.metadata, structures_dir)
    if not draft.parts:
        raise LoadError(f"《{p.name}》中没有可用的讲话稿内容。", p.name)
    return draft


def _draft_problems(error: ValidationError) -> str:
    """What is wrong with a draft file, in Chinese: the JSON's syntax, or up to three fields."""
    errors = error.errors()
    if errors and errors[0].get("type") == "json_invalid":
        detail = str((errors[0].get("ctx") or {}).get("error", ""))
        if "recursion" in detail:
            return "JSON 嵌套层数过多"
        at = _AT_RE.search(detail)
        return f"不是有效的 JSON（第 {at[1]} 行第 {at[2]} 列附近格式有误）" if at else "不是有效的 JSON"
    problems = []
    for err, text in zip(errors, format_validation_errors(error, DRAFT_FIELD_LABELS), strict=False):
        english = [x for x in (err.get("msg"), str((err.get("ctx") or {}).get("error") or "")) if x]
        if any(x in text for x in english):  # a kind of error the translator does not know: say it plainly
            where = " ".join(f"第{x + 1}项" if isinstance(x, int) else str(x) for x in err.get("loc", ()))
            text = f"字段 {where or '内容'}：取值不符合要求"
        problems.append(text.replace("JSON 对象或 YAML 映射", "JSON 对象").replace("JSON 数组或 YAML 列表", "JSON 数组"))
    more = f"；共 {len(problems)} 处问题" if len(problems) > 3 else ""
    return "；".join(problems[:3]) + more if problems else "内容格式不对"


def _fresh_path(data_dir: Path | str, prefix: str, suffix: str) -> Path:
    folder = Path(data_dir) / "drafts"
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"{prefix}{stamp}{suffix}"
    n = 2
    while path.exists():
        path = folder / f"{prefix}{stamp}-{n}{suffix}"
        n += 1
    return path


def save_partial(text: str, data_dir: Path | str) -> Path:
    """Keep the text of an interrupted draft as ``<data_dir>/drafts/partial-<timestamp>.txt``."""
    return write_atomic(_fresh_path(data_dir, "partial-", ".txt"), text.rstrip("\n") + "\n")


def save_interrupted(draft: Draft, data_dir: Path | str, text: str = "") -> Path:
    """Keep an interrupted draft: ``partial-<timestamp>.json`` (to resume) beside its ``.txt``.

    Returns the JSON path; ``text`` (all that was received) is used for the .txt when the
    draft holds less, e.g. an outline cut short.
    """
    json_path = _fresh_path(data_dir, "partial-", ".json")
    shown = text if len(text.strip()) > len(draft.text.strip()) else draft.text
    write_atomic(json_path.with_suffix(".txt"), shown.rstrip("\n") + "\n")
    return write_atomic(json_path, draft_to_json(draft.model_copy(update={"status": "interrupted"})))

