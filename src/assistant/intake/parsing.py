"""Cleaned text → SpeechDoc: title, salutation, opening, top-level sections with roles, closing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.data import DATA_DIR
from assistant.domain.kinds import detect_kind, kinds_for_reading
from assistant.domain.models import BODY_ROLES, Point, Section, SpeechDoc
from assistant.domain.numbering import (
    ORDER_WORDS,
    PAREN_HEADING_RE,
    POINT_FAMILIES,
    TOP_HEADING_RE,
    cn_to_int,
)
from assistant.domain.titles import TITLE_HINT_RE, strip_decorations

SALUTATION_RE = re.compile(r"^(同志们|各位(领导|同志|负责同志)?|.{0,12}同志们)\s*[：:！!]\s*$")
CLOSING_RE = re.compile(r"^同志们\s*[，,！!]")
DATE_LINE_RE = re.compile(r"^[（(]\s*\d{4}\s*年.{0,12}[）)]$")
MARKDOWN_PREFIX_RE = re.compile(r"^\s*(#{1,6}\s*|[*_]{2}|>\s*)")
MARKDOWN_SUFFIX_RE = re.compile(r"([*_]{2})\s*$")
_SENTENCE_END = "。！？；"


def _strip_markdown(line: str) -> str:
    line = MARKDOWN_PREFIX_RE.sub("", line)
    line = MARKDOWN_SUFFIX_RE.sub("", line)
    return line.replace("**", "").strip()


def split_paragraphs(text: str) -> list[str]:
    """One paragraph per non-empty line, markdown emphasis removed."""
    out = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _strip_markdown(raw.replace("\u3000", " ").strip())
        if line:
            out.append(line)
    return out


# ---------------------------------------------------------------- role keywords


@dataclass(frozen=True)
class RoleKeywords:
    """Keyword weights per role (loaded from a YAML data file)."""

    roles: dict[str, dict[str, float]]
    body_factor: float = 0.25
    body_chars: int = 120


DEFAULT_ROLE_KEYWORDS = DATA_DIR / "role_keywords.yaml"


@lru_cache(maxsize=8)
def load_role_keywords(path: Path | None = None) -> RoleKeywords:
    """Read role keywords from YAML (the bundled file unless a path is given)."""
    data = yaml.safe_load(Path(path or DEFAULT_ROLE_KEYWORDS).read_text(encoding="utf-8"))
    roles = {role: {str(k): float(v) for k, v in kws.items()} for role, kws in data["roles"].items()}
    return RoleKeywords(
        roles=roles,
        body_factor=float(data.get("body_factor", 0.25)),
        body_chars=int(data.get("body_chars", 120)),
    )


def classify_role(
    heading: str, body: str, position: float, keywords: RoleKeywords | None = None
) -> str:
    """Role of a top-level section from its heading (and the start of its body)."""
    kw = keywords or load_role_keywords()
    head_scores = {role: sum(w for k, w in kws.items() if k in heading) for role, kws in kw.roles.items()}
    lead = body[: kw.body_chars]
    scores = {
        role: head_scores[role]
        + kw.body_factor * sum(w for k, w in kws.items() if k in lead)
        for role, kws in kw.roles.items()
    }
    best = max(scores.values(), default=0.0)
    if best <= 0:
        return "other"
    tied = [r for r, s in scores.items() if abs(s - best) < 1e-9]
    if len(tied) == 1:
        return tied[0]

    # Ties go to the role whose usual place in the speech is nearest this section's place.
    def distance(role: str) -> float:
        if role not in BODY_ROLES:
            return 1.0
        return abs(BODY_ROLES.index(role) / (len(BODY_ROLES) - 1) - position)

    return min(tied, key=distance)


# ---------------------------------------------------------------- headings


def _split_heading(rest: str) -> tuple[str, str]:
    """Split '正视问题，认清危害。当前……' into heading and run-in body."""
    rest = rest.strip()
    for i, ch in enumerate(rest):
        if ch in _SENTENCE_END:
            head, tail = rest[:i], rest[i + 1 :].strip()
            if tail:
                return head.strip(), tail
            return head.strip(), ""
    return rest.rstrip("：:").strip(), ""


#: Longest heading a numbered paragraph can start with (marker and stop not counted). A longer
#: first sentence makes the paragraph an enumerated item ("（一）对……予以通报批评，……。"), not
#: a heading with run-in text: in the corpus headings are 3–23 characters, items 26 and more.
POINT_HEADING_MAX = 25


def point_heading(paragraph: str) -> tuple[str, str]:
    """The heading a numbered paragraph starts with, and the run-in text after it:
    "（一）压实责任。各单位……" → ("（一）压实责任。", "各单位……"); ("", paragraph) for an item."""
    head, tail = _split_heading(paragraph)
    marker = next((m for _, pattern in POINT_FAMILIES if (m := pattern.match(paragraph))), None)
    if len(head) - (marker.end() if marker else 0) > POINT_HEADING_MAX:
        return "", paragraph
    if not tail:
        return paragraph, ""
    return paragraph[: len(paragraph) - len(tail)], tail


def _is_title_candidate(line: str) -> bool:
    if len(line) > 80 or line.endswith(("。", "；", "！", "？")):
        return False
    if TOP_HEADING_RE.match(line) or SALUTATION_RE.match(line) or DATE_LINE_RE.match(line):
        return False
    return bool(TITLE_HINT_RE.search(line)) or len(line) <= 40


def _find_headings(paras: list[str], pattern: re.Pattern[str]) -> list[int]:
    """Indexes of paragraphs that are sequentially numbered headings (一、二、三…)."""
    found: list[int] = []
    expected = 1
    for i, p in enumerate(paras):
        m = pattern.match(p)
        if not m:
            continue
        n = cn_to_int(m.group(1))
        # Require a sensible sequence so a stray "三、" inside a list does not split the speech.
        if n == expected:
            found.append(i)
            expected += 1
    return found


# ---------------------------------------------------------------- points


def _marker_value(family: str, m: re.Match[str]) -> int:
    g = m.group(1)
    if family == "order":
        return ORDER_WORDS.get(g, 0)
    return cn_to_int(g)


def _point_starts(paragraphs: list[str]) -> list[tuple[int, str]]:
    """(paragraph index, marker) of each point, in the highest marker family used twice or more."""
    for family, pattern in POINT_FAMILIES:
        starts: list[tuple[int, str]] = []
        expected = 1
        for i, p in enumerate(paragraphs):
            m = pattern.match(p)
            if not m:
                continue
            value = _marker_value(family, m)
            if family == "order":
                if value >= expected or (starts and m.group(1) == "最后"):
                    starts.append((i, m.group(0).rstrip("，,：: ")))
                    expected = value + 1
            elif value == expected:
                starts.append((i, m.group(0).rstrip("，,：: ")))
                expected += 1
        if len(starts) >= 2:
            return starts
    return []


def extract_points(paragraphs: list[str]) -> list[Point]:
    """Paragraph-initial points of a section; each owns the paragraphs up to the next point."""
    starts = _point_starts(paragraphs)
    points = []
    for n, (i, marker) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(paragraphs)
        points.append(Point(index=n + 1, marker=marker, text="\n".join(paragraphs[i:end])))
    return points


# ---------------------------------------------------------------- parse


def _section(paragraphs: list[str], **fields) -> Section:
    points = extract_points(paragraphs)
    first = len(paragraphs) - sum(p.text.count("\n") + 1 for p in points)
    return Section(
        **fields,
        body="\n".join(paragraphs),
        intro="\n".join(paragraphs[:first]),
        points=points,
        paragraphs=paragraphs,
    )


def _top_headings(paras: list[str]) -> tuple[list[int], re.Pattern[str]]:
    """Indexes of the top-level headings and their pattern: 一、 …, or （一） … when no 一、 run."""
    heads = _find_headings(paras, TOP_HEADING_RE)
    if len(heads) < 2:
        alt = _find_headings(paras, PAREN_HEADING_RE)
        if len(alt) >= 2:
            return alt, PAREN_HEADING_RE
    return heads, TOP_HEADING_RE


@dataclass
class _Front:
    """The lines before the first heading: title, byline, salutation and the opening."""

    title_lines: list[str]
    byline: list[str]
    salutation: str
    opening: list[str]


def _front_matter(front: list[str], has_headings: bool) -> _Front:
    title_lines: list[str] = []
    byline: list[str] = []
    salutation = ""
    i = 0
    # Title: the first line, when it looks like one and is not the salutation/opening prose.
    if front and _is_title_candidate(front[0]) and (len(front) > 1 or has_headings):
        title_lines = [front[0]]
        i = 1
        # Titles are sometimes broken over two lines ("在……会上的" / "讲话").
        if (
            i < len(front)
            and _is_title_candidate(front[i])
            and len(front[i]) <= 12
            and TITLE_HINT_RE.search(front[i])
            and not SALUTATION_RE.match(front[i])
        ):
            title_lines.append(front[i])
            i += 1
    # Date / speaker lines between the title and the salutation.
    while i < len(front) and not SALUTATION_RE.match(front[i]):
        line = front[i]
        if DATE_LINE_RE.match(line) or (len(line) <= 30 and not line.endswith(("。", "：", ":"))):
            byline.append(line)
            i += 1
            continue
        break
    if i < len(front) and SALUTATION_RE.match(front[i]):
        salutation = front[i]
        i += 1
    return _Front(title_lines, byline, salutation, front[i:])


def _split_closing(paras: list[str], first: int = 0) -> tuple[list[str], list[str]]:
    """Body and closing ("同志们，……" and what follows), the closing searched from ``first`` on."""
    for j, p in enumerate(paras):
        if j >= first and CLOSING_RE.match(p):
            return paras[:j], paras[j:]
    return paras, []


def _numbered_sections(
    paras: list[str], heads: list[int], heading_re: re.Pattern[str], role_keywords: RoleKeywords | None
) -> tuple[list[Section], list[str]]:
    """One section per top-level heading, and the closing found in the last one."""
    sections: list[Section] = []
    closing: list[str] = []
    for n, start in enumerate(heads):
        end = heads[n + 1] if n + 1 < len(heads) else len(paras)
        line = paras[start]
        m = heading_re.match(line)
        assert m is not None
        heading, run_in = _split_heading(m.group(2))
        body_paras = ([run_in] if run_in else []) + paras[start + 1 : end]
        if n == len(heads) - 1:
            body_paras, closing = _split_closing(body_paras)
        position = n / (len(heads) - 1) if len(heads) > 1 else 0.0
        sections.append(
            _section(
                body_paras,
                number=cn_to_int(m.group(1)),
                heading=heading,
                heading_line=line[: len(line) - len(run_in)] if run_in else line,
                run_in=bool(run_in),
                role=classify_role(heading, "\n".join(body_paras), position, role_keywords),
            )
        )
    return sections, closing


def _unnumbered_section(paras: list[str]) -> tuple[list[Section], list[str]]:
    """A speech without top-level headings: everything in one section of role "other", and the closing."""
    body_paras, closing = _split_closing(paras, first=1)
    sections = [_section(body_paras, number=1, heading="", role="other")] if body_paras else []
    return sections, closing


def parse_speech(
    text: str,
    metadata: dict | None = None,
    structures_dir: Path | None = None,
    role_keywords: RoleKeywords | None = None,
) -> SpeechDoc:
    """Parse cleaned speech text into a SpeechDoc; never raises on odd input."""
    metadata = dict(metadata or {})
    paras = split_paragraphs(text)
    heads, heading_re = _top_headings(paras)
    front = _front_matter(paras[: heads[0] if heads else len(paras)], bool(heads))
    opening = front.opening
    if heads:
        sections, closing = _numbered_sections(paras, heads, heading_re, role_keywords)
    else:
        # Not a structured speech: keep everything, classified as "other".
        sections, closing = _unnumbered_section(opening)
        opening = []

    title = strip_decorations("".join(front.title_lines))
    derived = not title
    if derived:
        title = str(metadata.get("title") or "").strip()
    kind = str(metadata.get("kind") or "")
    if not kind:
        # The title says most about the meeting; the body decides when the title is generic.
        kind = detect_kind("\n".join([title, title, text]), kinds_for_reading(structures_dir))
    return SpeechDoc(
        title=title,
        title_line="\n".join(front.title_lines),
        title_derived=derived and bool(title),
        byline="\n".join(front.byline),
        kind=kind,
        salutation=front.salutation,
        opening="\n".join(opening),
        sections=sections,
        closing="\n".join(closing),
        metadata=metadata,
    )
