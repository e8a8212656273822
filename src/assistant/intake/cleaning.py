"""Web-page noise removal and whitespace/punctuation normalisation for uploaded speeches.

The rules (regexes and word lists) live in ``assistant/data/noise_patterns.yaml`` so a
new site style is supported by editing data; noise_patterns.py loads them and
normalize.py normalises lines. First repair.py mends the text itself (watermarks, page numbers
and a document site's running headers/footers, also where they are glued to a line, then the
paragraphs a page or a hard wrap broke). Then this module applies the rules in four passes:

1. per-line rules (breadcrumbs, metadata lines, promos, URLs, copyright, …);
2. navigation detection (menu lines, vertical menus) and footer blocks
   (everything after a "相关推荐" header at the end of the page);
3. duplicate page titles at the top;
4. normalisation of whitespace and half-width punctuation in the lines that remain (last, so
   the rules see junk as the page wrote it: "整理.word版本可编辑." rather than "整理。…").

It never changes wording: only whole lines are dropped (plus a site-name suffix or a site's tag
on the title, and page furniture or watermark text glued to a line, each reported with its
reason), and inside lines only whitespace and punctuation width change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.domain.models import ChangedLine, CleanResult, RemovedLine
from assistant.domain.numbering import TOP_HEADING_RE, cn_to_int
from assistant.domain.titles import SPEECH_TITLE_RE
from assistant.intake.noise_patterns import NoisePatterns, load_patterns
from assistant.intake.normalize import drop_invisible, normalise_line, split_lines
from assistant.intake.repair import repair_lines

REASON_NAV = "导航"
REASON_FOOTER = "页脚"
REASON_DUP_TITLE = "重复标题"
REASON_SITE_NAME = "站点名称"
REASON_OUTSIDE = "正文之外"
REASON_BANJI = "版记"
REASON_TITLE_WRAPPER = "标题修饰"


# --- classification ---------------------------------------------------------------------


@dataclass
class _Doc:
    lines: list[str]
    reasons: list[str | None]
    sal_idx: int | None
    head_end: int
    tail_start: int


def _matches_any(patterns: tuple[re.Pattern[str], ...], line: str) -> bool:
    return any(p.search(line) for p in patterns)


def _is_prose(line: str, pats: NoisePatterns) -> bool:
    return len(line) >= pats.prose_min_length and bool(pats.sentence_end.search(line))


def _is_nav_word(item: str, pats: NoisePatterns) -> bool:
    return item in pats.nav_words or (
        len(item) >= 3 and any(item.endswith(s) for s in pats.nav_word_suffixes)
    )


_SENTENCE_PUNCT_RE = re.compile(r"[，。；！？：、,;!?:“”\"'（）()]")


def _nav_items(line: str, pats: NoisePatterns) -> list[str] | None:
    """Items of a menu-like line, or None when the line has sentence punctuation."""
    if _SENTENCE_PUNCT_RE.search(line):
        return None
    items = [it for it in pats.nav_split.split(line) if it]
    if not items or any(len(it) > pats.nav_item_max_length for it in items):
        return None
    return items


def _is_nav_line(line: str, pats: NoisePatterns) -> bool:
    items = _nav_items(line, pats)
    if not items:
        return False
    hits = sum(_is_nav_word(it, pats) for it in items)
    if hits == len(items):
        return True
    return len(items) >= 3 and hits >= max(2, (len(items) + 1) // 2)


def _locate(lines: list[str], pats: NoisePatterns) -> tuple[int | None, int, int]:
    """Salutation index, end of the head zone and start of the tail zone."""
    n = len(lines)
    sal_idx = next(
        (i for i, line in enumerate(lines[: max(40, n // 2)]) if pats.salutation.search(line)),
        None,
    )
    head_end = sal_idx if sal_idx is not None else min(n, pats.head_fallback_lines)
    closing = [i for i, line in enumerate(lines) if pats.closing.search(line)]
    # "同志们，" also opens paragraphs mid-speech; only a late one is the closing.
    if closing and closing[-1] > (sal_idx or 0) and closing[-1] >= n * (1 - 2 * pats.tail_fraction):
        tail_start = closing[-1] + 1
    else:
        tail_start = max(head_end, int(n * (1 - pats.tail_fraction)))
    return sal_idx, head_end, tail_start


def _in_zone(zone: str, i: int, doc: _Doc) -> bool:
    if zone == "head":
        return i < doc.head_end
    if zone == "tail":
        return i >= doc.tail_start
    if zone == "edges":
        return i < doc.head_end or i >= doc.tail_start
    return True


_SENTENCE_RE = re.compile(r"[。！？!?]$")


def _apply_line_rules(doc: _Doc, pats: NoisePatterns) -> None:
    for i, line in enumerate(doc.lines):
        protected = _matches_any(pats.protected, line)
        # Junk rarely ends like a sentence; only rules that say allow_prose touch sentences.
        prose = _is_prose(line, pats) or bool(_SENTENCE_RE.search(line))
        for rule in pats.line_rules:
            if rule.max_length is not None and len(line) > rule.max_length:
                continue
            if (prose and not rule.allow_prose) or (protected and not rule.allow_protected):
                continue
            if _in_zone(rule.zone, i, doc) and rule.matches(line):
                doc.reasons[i] = rule.reason
                break
        if doc.reasons[i] is None and not protected and not prose and _is_nav_line(line, pats):
            doc.reasons[i] = REASON_FOOTER if i >= doc.tail_start else REASON_NAV


def _title_index(doc: _Doc) -> int | None:
    """The line kept as the title: the last surviving line before the salutation."""
    if doc.sal_idx is None:
        return None
    return next((i for i in range(doc.sal_idx - 1, -1, -1) if doc.reasons[i] is None), None)


def _apply_vertical_menus(doc: _Doc, pats: NoisePatterns, title_idx: int | None) -> None:
    """Runs of short one-item lines (a menu pasted one item per line)."""

    def candidate(i: int) -> bool:
        line = doc.lines[i]
        if doc.reasons[i] in (REASON_NAV, REASON_FOOTER):
            return True
        return (
            doc.reasons[i] is None
            and i != title_idx
            and len(line) <= pats.nav_run_item_max_length
            and not _SENTENCE_PUNCT_RE.search(line)
            and not _matches_any(pats.protected, line)
            and len(pats.nav_split.split(line)) == 1
        )

    i, n = 0, len(doc.lines)
    while i < n:
        if not candidate(i):
            i += 1
            continue
        j = i
        while j < n and candidate(j):
            j += 1
        run = range(i, j)
        hits = sum(
            1
            for k in run
            if doc.reasons[k] in (REASON_NAV, REASON_FOOTER) or _is_nav_word(doc.lines[k], pats)
        )
        if len(run) >= pats.nav_run_min_lines and hits * 2 >= len(run):
            for k in run:
                if doc.reasons[k] is None:
                    doc.reasons[k] = REASON_FOOTER if k >= doc.tail_start else REASON_NAV
        i = j


def _apply_footer_blocks(doc: _Doc, pats: NoisePatterns, title_idx: int | None) -> None:
    """Related-article lists after a header such as 相关推荐 / 往期推荐 / END."""
    n = len(doc.lines)
    i = 0
    while i < n:
        if not pats.footer_header.search(doc.lines[i]):
            i += 1
            continue
        doc.reasons[i] = doc.reasons[i] or REASON_FOOTER
        rest = range(i + 1, n)
        late = i >= n * pats.footer_cut_min_fraction or i >= doc.tail_start
        # Speech paragraphs after the header mean it was not the page footer.
        speech_follows = any(
            _matches_any(pats.structural, doc.lines[k])
            or (
                len(doc.lines[k]) >= pats.speech_paragraph_min_length
                and _is_prose(doc.lines[k], pats)
            )
            for k in rest
        )
        if late and not speech_follows:
            for k in rest:
                doc.reasons[k] = doc.reasons[k] or REASON_FOOTER
            return
        # Early or mid-document: only the list right under the header.
        k = i + 1
        while k < n and k != title_idx and k != doc.sal_idx:
            line = doc.lines[k]
            if doc.reasons[k] is None and (
                len(line) > pats.list_item_max_length
                or _is_prose(line, pats)
                or _matches_any(pats.structural, line)
            ):
                break
            doc.reasons[k] = doc.reasons[k] or REASON_NAV
            k += 1
        i = k


def _title_key(line: str, pats: NoisePatterns) -> str:
    key = pats.title_site_suffix.sub("", line)
    for p in pats.title_decorations:
        key = p.sub("", key)
    return re.sub(r"\s+", "", key)


def _apply_duplicate_titles(doc: _Doc, pats: NoisePatterns) -> dict[int, RemovedLine]:
    """Keep one copy of a title repeated at the top; strip a site-name suffix from it."""
    extra: dict[int, RemovedLine] = {}
    head = [
        i
        for i in range(doc.head_end)
        if doc.reasons[i] is None
        and len(doc.lines[i]) <= pats.title_max_length + 20
        and not pats.sentence_end.search(doc.lines[i])
    ]
    groups: dict[str, list[int]] = {}
    for i in head:
        key = _title_key(doc.lines[i], pats)
        if len(key) >= 4:
            groups.setdefault(key, []).append(i)
    for key, members in groups.items():
        bare = [i for i in members if re.sub(r"\s+", "", doc.lines[i]) == key]
        keep = bare[0] if bare else members[0]
        for i in members:
            if i != keep:
                doc.reasons[i] = REASON_DUP_TITLE
        m = pats.title_site_suffix.search(doc.lines[keep])
        if m:
            extra[keep] = RemovedLine(line=m.group(1), reason=REASON_SITE_NAME)
            doc.lines[keep] = doc.lines[keep][: m.start()]
    return extra


_BYLINE_RE = re.compile(r"^[（(]?\s*\d{4}\s*年.{0,14}[）)]?$")
_BANJI_RE = re.compile(r"^(?:抄送|主送|分送|印发)[：:]|\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*印发$")


def _unwrap_title(line: str, pats: NoisePatterns) -> str:
    for rx in pats.title_wrappers:
        line = rx.sub("", line)
    return pats.title_site_suffix.sub("", line).strip()


def _title_like(line: str, pats: NoisePatterns) -> bool:
    core = _unwrap_title(line, pats)
    return 4 <= len(core) <= 60 and not pats.sentence_end.search(core) and bool(SPEECH_TITLE_RE.search(core))


def _site_text(line: str, pats: NoisePatterns) -> bool:
    return any(w in line for w in pats.site_words)


def _apply_region(doc: _Doc, pats: NoisePatterns) -> dict[int, str]:
    """What lies before the speech's title and after its end is page text; returns retitled lines.

    The speech starts at its title (the nearest title-like line before the salutation, or
    before the first heading when there is no salutation) and ends with its closing
    paragraph (同志们，……) or its 版记.
    """
    kept = [i for i, r in enumerate(doc.reasons) if r is None]
    if not kept:
        return {}
    heads = [i for i in kept if _matches_any(pats.structural, doc.lines[i]) and not pats.closing.search(doc.lines[i])]
    # The speech's own top headings run 一、二、三…; a list that starts again at 一、 after
    # them (a code block, another article) is not part of it.
    tops, expected = [], 1
    for i in kept:
        m = TOP_HEADING_RE.match(doc.lines[i])
        if m and cn_to_int(m.group(1)) == expected:
            tops.append(i)
            expected += 1
        elif m and tops and cn_to_int(m.group(1)) == 1:
            break
    anchor = doc.sal_idx if doc.sal_idx is not None else (heads[0] if heads else None)
    if anchor is None:
        return {}
    title = next(
        (i for i in range(anchor - 1, -1, -1) if doc.reasons[i] is None and _title_like(doc.lines[i], pats)),
        None,
    )
    if title is None and doc.sal_idx is not None:
        # A title without 讲话/提纲 in it: the short line right before the salutation.
        before = [i for i in range(doc.sal_idx) if doc.reasons[i] is None and not _BYLINE_RE.match(doc.lines[i])]
        if before:
            line = doc.lines[before[-1]]
            if len(line) <= 40 and not re.search(r"[。！？：:，,]", line) and not _site_text(line, pats):
                title = before[-1]
    start = title if title is not None else anchor
    for i in range(start):
        if doc.reasons[i] is None:
            doc.reasons[i] = REASON_OUTSIDE
    if title is not None and doc.sal_idx is not None:
        # Between the title and the salutation only a date or speaker line belongs to the speech.
        for i in range(title + 1, doc.sal_idx):
            line = doc.lines[i]
            byline = _BYLINE_RE.match(line) or (
                len(line) <= 40 and not re.search(r"[。！？]", line) and not _site_text(line, pats)
            )
            if doc.reasons[i] is None and not byline:
                doc.reasons[i] = REASON_OUTSIDE
    last_head = tops[-1] if tops else (heads[-1] if heads else anchor)
    # Post buttons, reply prompts, a site's note about itself: the article ended before them
    # (this is what ends a speech without a closing paragraph).
    page_end = next(
        (i for i in range(last_head + 1, len(doc.lines)) if _matches_any(pats.page_end, doc.lines[i])), None
    )
    if page_end is not None:
        for i in range(page_end, len(doc.lines)):
            doc.reasons[i] = doc.reasons[i] or REASON_OUTSIDE
    end = len(doc.lines)
    for i in range(last_head + 1, len(doc.lines)):
        if doc.reasons[i] is None and _BANJI_RE.search(doc.lines[i]):
            end = i
            break
    for i in range(end, len(doc.lines)):
        doc.reasons[i] = doc.reasons[i] or REASON_BANJI
    closings = [i for i in range(last_head, end) if doc.reasons[i] is None and pats.closing.search(doc.lines[i])]
    if closings:
        # The speech ends with its closing. What follows belongs to it only while it goes on
        # speaking (a sentence, 谢谢大家！, a date or signature line); from the first line
        # that does not, the rest is page text (replies, notices, other articles, code).
        cut = False
        for i in range(closings[-1] + 1, end):
            line = doc.lines[i]
            if doc.reasons[i] is not None:
                continue
            speaking = (
                bool(re.search(r"[。！？]$", line)) and not _site_text(line, pats)
            ) or bool(_BYLINE_RE.match(line))
            cut = cut or not speaking
            if cut:
                doc.reasons[i] = REASON_OUTSIDE
    retitled: dict[int, str] = {}
    if title is not None:
        bare = _unwrap_title(doc.lines[title], pats)
        if bare != doc.lines[title]:
            retitled[title] = bare
    return retitled


_MENU_ITEM_RE = re.compile(r"^[•▪●◆■▸►]\s*[^\s。！？，]{1,8}$")


def _apply_menu_items(doc: _Doc) -> None:
    """A bulleted line of a few words is a site menu item wherever it stands (speeches number points)."""
    for i, line in enumerate(doc.lines):
        if doc.reasons[i] is None and _MENU_ITEM_RE.match(line):
            doc.reasons[i] = REASON_NAV


def clean_text(text: str, *, patterns: NoisePatterns | None = None) -> CleanResult:
    """Remove web-page noise and normalise whitespace/punctuation; report removed lines."""
    pats = patterns or load_patterns()
    # Zero-width and bidi characters go first, so repairs see the text the reader sees.
    text = drop_invisible(text)
    repaired = repair_lines(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), pats.page_furniture)
    lines = split_lines("\n".join(repaired.lines))
    sal_idx, head_end, tail_start = _locate(lines, pats)
    doc = _Doc(list(lines), [None] * len(lines), sal_idx, head_end, tail_start)

    _apply_line_rules(doc, pats)
    _apply_menu_items(doc)
    title_idx = _title_index(doc)
    _apply_vertical_menus(doc, pats, title_idx)
    _apply_footer_blocks(doc, pats, title_idx)
    suffixes = _apply_duplicate_titles(doc, pats)
    retitled = _apply_region(doc, pats)

    kept: list[str] = []
    removed: list[RemovedLine] = list(repaired.removed)
    for i, (original, line, reason) in enumerate(zip(lines, doc.lines, doc.reasons, strict=True)):
        if reason is not None:
            removed.append(RemovedLine(line=original, reason=reason))
            continue
        if i in suffixes:
            removed.append(suffixes[i])
        if i in retitled:
            repaired.changed.append((line, retitled[i], REASON_TITLE_WRAPPER))
            line = retitled[i]
        out = normalise_line(line)
        if out:
            kept.append(out)
    changed = [ChangedLine(before=b, after=a, reason=r) for b, a, r in repaired.changed]
    return CleanResult(text="\n".join(kept), removed=removed, changed=changed)
