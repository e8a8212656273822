"""What `assistant check` (and the page's 校对 of an upload) reads: a saved draft or a speech file.

A saved draft (.json) brings its brief and kind. A speech file is read with the project's
loaders; lines the cleaner recognises as web-page furniture (breadcrumbs, 举报/收藏 bars, footer
lists) are blanked, not deleted, so every finding's line number is still the file's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from assistant.domain.brief import Brief, BriefError, parse_brief
from assistant.domain.facts import compact
from assistant.drafts.draft_io import load_draft
from assistant.intake.cleaning import clean_text
from assistant.intake.loaders import DEFAULT_MAX_BYTES, LoadError, load_path
from assistant.intake.parsing import DATE_LINE_RE, SALUTATION_RE


@dataclass
class CheckSource:
    """A text to check, with the brief and kind a saved draft carries."""

    text: str
    brief: Brief | None = None
    kind: str = ""
    skipped: int = 0  # web-page lines left out of the check
    notices: list[str] = field(default_factory=list)  # Chinese, for the user


def _looks_like_the_title(lines: list[str], i: int) -> bool:
    """A line followed by the salutation or a date line: the speech's own title, not the page's."""
    after = [x.strip() for x in lines[i + 1 :] if x.strip()][:2]
    return any(SALUTATION_RE.match(x) or DATE_LINE_RE.match(x) for x in after)


def blank_page_furniture(text: str) -> tuple[str, int]:
    """The text with the lines the cleaner removes as web-page noise made empty, and their count."""
    removed = Counter(compact(r.line) for r in clean_text(text).removed)
    lines = text.split("\n")
    where: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        key = compact(line)
        if key and key in removed:
            where.setdefault(key, []).append(i)
    count = 0
    for key, found in where.items():
        # The page repeats the speech's title: blank the copies, keep the one the speech opens with.
        found.sort(key=lambda i: _looks_like_the_title(lines, i))
        for i in found[: removed[key]]:
            lines[i] = ""
            count += 1
    return "\n".join(lines), count


def load_for_check(path: Path | str, max_bytes: int = DEFAULT_MAX_BYTES) -> CheckSource:
    """Read a draft .json or a .txt/.md/.docx/.pdf speech for checking; LoadError when unreadable."""
    p = Path(path)
    if p.suffix.lower() == ".json":
        draft = load_draft(p, max_bytes=max_bytes)
        source = CheckSource(draft.text, kind=draft.kind)
        if draft.brief:
            try:
                source.brief = parse_brief(draft.brief, "（讲话稿中保存的约谈要素）")
            except BriefError as e:
                source.notices.append(f"讲话稿中保存的约谈要素无法使用，未核对事实：{e}")
        return source
    loaded = load_path(p, max_bytes=max_bytes)
    text, skipped = blank_page_furniture(loaded.text)
    if not text.strip():
        raise LoadError(f"《{p.name}》中没有可检查的文字。", p.name)
    source = CheckSource(text, kind=str(loaded.metadata.get("kind") or ""), skipped=skipped)
    if skipped:
        source.notices.append(f"已跳过 {skipped} 行网页杂项（导航、按钮、页脚等），未作检查。")
    return source
