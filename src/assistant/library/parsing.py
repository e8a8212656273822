"""Cleaned text → SpeechDoc: title, salutation, opening, top-level sections with roles, closing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.models import Point, Section, SpeechDoc

_CN_NUM = "一二三四五六七八九十"
_CN_DIGITS = {c: i + 1 for i, c in enumerate(_CN_NUM)}

# A top-level heading: 一、 … (also "一." / "一．" which people type by mistake).
TOP_HEADING_RE = re.compile(rf"^([{_CN_NUM}]{{1,3}})\s*[、.．]\s*(.*)$")
# Second-level fallbacks used when a document has no 一、 headings at all.
PAREN_HEADING_RE = re.compile(rf"^[（(]([{_CN_NUM}]{{1,3}})[）)]\s*(.*)$")
SALUTATION_RE = re.compile(r"^(同志们|各位(领导|同志|负责同志)?|.{0,12}同志们)\s*[：:！!]\s*$")
CLOSING_RE = re.compile(r"^同志们\s*[，,！!]")
DATE_LINE_RE = re.compile(r"^[（(]\s*\d{4}\s*年.{0,12}[）)]$")
TITLE_HINT_RE = re.compile(r"讲话|提纲|发言|会上|约谈|谈话|致辞|会议")
# Decorations document sites add to a title: （全文） （精选3篇） 【精品】 （word版） …
TITLE_DECOR_RE = re.compile(
    r"\s*[（(【\[]\s*(全文|完整版|精选\d*篇|通用\d*篇|\d+篇|共\d+页|[Ww]ord版|范文|最新|精品|推荐|热门|优秀)\s*[）)】\]]\s*"
)
MARKDOWN_PREFIX_RE = re.compile(r"^\s*(#{1,6}\s*|[*_]{2}|>\s*)")
MARKDOWN_SUFFIX_RE = re.compile(r"([*_]{2})\s*$")

# Paragraph-initial point markers, by family, highest level first. Only a marker at the
# start of a paragraph makes a point; an enumeration inside one paragraph does not.
POINT_FAMILIES: list[tuple[str, re.Pattern[str]]] = [
    ("paren_cn", re.compile(rf"^[（(]([{_CN_NUM}]{{1,3}})[）)]")),
    ("arabic", re.compile(r"^(\d{1,2})\s*[.．、]")),
    ("shi", re.compile(rf"^([{_CN_NUM}]{{1,3}})是")),
    ("yao", re.compile(rf"^([{_CN_NUM}]{{1,3}})要")),
    ("di", re.compile(rf"^第([{_CN_NUM}]{{1,3}})\s*[，,、：:]")),
    ("order", re.compile(r"^(首先|其次|再次|再者|最后)\s*[，,：:]")),
    ("paren_arabic", re.compile(r"^[（(](\d{1,2})[）)]")),
]
_ORDER_WORDS = {"首先": 1, "其次": 2, "再次": 3, "再者": 3, "最后": 4}
_SENTENCE_END = "。！？；"


def cn_to_int(s: str) -> int:
    """Chinese numeral up to 九十九 → int (一 → 1, 十二 → 12, 二十 → 20)."""
    if not s:
        return 0
    if s.isdigit():
        return int(s)
    if "十" not in s:
        return _CN_DIGITS.get(s, 0)
    tens, _, ones = s.partition("十")
    return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)


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


DEFAULT_ROLE_KEYWORDS = Path(__file__).resolve().parents[1] / "data" / "role_keywords.yaml"
# Canonical order of section roles, used to break ties by position.
ROLE_ORDER = ("harm", "causes", "decisions", "rectification")


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
        if role not in ROLE_ORDER:
            return 1.0
        return abs(ROLE_ORDER.index(role) / (len(ROLE_ORDER) - 1) - position)

    return min(tied, key=distance)


# ---------------------------------------------------------------- kinds


@lru_cache(maxsize=8)
def _load_kind_keywords(structures_dir: str) -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
    out = []
    for f in sorted(Path(structures_dir).glob("*.yaml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        names = (data.get("name", ""), *data.get("aliases", []))
        out.append((data.get("id", f.stem), tuple(n for n in names if n), tuple(str(k) for k in data.get("keywords", []))))
    return tuple(out)


def detect_kind(text: str, structures_dir: Path | None) -> str:
    """Meeting kind id whose keywords best match the title and opening ("" if none)."""
    if structures_dir is None or not Path(structures_dir).is_dir():
        return ""
    best, best_score = "", 0.0
    for kind_id, names, keywords in _load_kind_keywords(str(structures_dir)):
        score = sum(3 for n in names if n in text) + sum(text.count(k) for k in keywords)
        if score > best_score:
            best, best_score = kind_id, score
    return best if best_score >= 2 else ""


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
        return _ORDER_WORDS.get(g, 0)
    return cn_to_int(g)


def extract_points(paragraphs: list[str]) -> list[Point]:
    """Paragraph-initial points of a section, using its highest-level marker family."""
    for family, pattern in POINT_FAMILIES:
        starts = []
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
        if len(starts) < 2:
            continue
        points = []
        for n, (i, marker) in enumerate(starts):
            end = starts[n + 1][0] if n + 1 < len(starts) else len(paragraphs)
            head = paragraphs[i]
            parts = [head]
            # A short sub-heading owns the paragraphs after it; a full paragraph point stands alone.
            if _looks_like_subheading(head):
                parts += paragraphs[i + 1 : end]
            points.append(Point(index=n + 1, marker=marker, text="\n".join(parts)))
        return points
    return []


def _looks_like_subheading(p: str) -> bool:
    return len(p) <= 40 or not any(ch in p[:-1] for ch in "。；！？")


# ---------------------------------------------------------------- parse


def parse_speech(
    text: str,
    metadata: dict | None = None,
    structures_dir: Path | None = None,
    role_keywords: RoleKeywords | None = None,
) -> SpeechDoc:
    """Parse cleaned speech text into a SpeechDoc; never raises on odd input."""
    metadata = dict(metadata or {})
    paras = split_paragraphs(text)
    heads = _find_headings(paras, TOP_HEADING_RE)
    heading_re = TOP_HEADING_RE
    if len(heads) < 2:
        alt = _find_headings(paras, PAREN_HEADING_RE)
        if len(alt) >= 2:
            heads, heading_re = alt, PAREN_HEADING_RE

    first_body = heads[0] if heads else len(paras)
    front = paras[:first_body]

    title = ""
    salutation = ""
    opening: list[str] = []
    i = 0
    # Title: the first line, when it looks like one and is not the salutation/opening prose.
    if front and _is_title_candidate(front[0]) and (len(front) > 1 or heads):
        title = front[0]
        i = 1
        # Titles are sometimes broken over two lines ("在……会上的" / "讲话").
        if (
            i < len(front)
            and _is_title_candidate(front[i])
            and len(front[i]) <= 12
            and TITLE_HINT_RE.search(front[i])
            and not SALUTATION_RE.match(front[i])
        ):
            title += front[i]
            i += 1
    # Date / speaker lines between the title and the salutation.
    while i < len(front) and not SALUTATION_RE.match(front[i]):
        line = front[i]
        if DATE_LINE_RE.match(line) or (len(line) <= 30 and not line.endswith(("。", "：", ":"))):
            i += 1
            continue
        break
    if i < len(front) and SALUTATION_RE.match(front[i]):
        salutation = front[i]
        i += 1
    opening = front[i:]
    title = TITLE_DECOR_RE.sub("", title).strip() or title
    if not title and metadata.get("title"):
        title = str(metadata["title"]).strip()

    sections: list[Section] = []
    closing: list[str] = []
    kw = role_keywords
    for n, start in enumerate(heads):
        end = heads[n + 1] if n + 1 < len(heads) else len(paras)
        m = heading_re.match(paras[start])
        assert m is not None
        heading, run_in = _split_heading(m.group(2))
        body_paras = ([run_in] if run_in else []) + paras[start + 1 : end]
        if n == len(heads) - 1:
            for j, p in enumerate(body_paras):
                if CLOSING_RE.match(p):
                    closing = body_paras[j:]
                    body_paras = body_paras[:j]
                    break
        body = "\n".join(body_paras)
        position = n / (len(heads) - 1) if len(heads) > 1 else 0.0
        role = classify_role(heading, body, position, kw)
        sections.append(
            Section(
                number=cn_to_int(m.group(1)),
                heading=heading,
                role=role,
                body=body,
                points=extract_points(body_paras),
                paragraphs=body_paras,
            )
        )

    if not heads:
        # Not a structured speech: keep everything, classified as "other".
        body_paras = opening
        opening = []
        for j, p in enumerate(body_paras):
            if j > 0 and CLOSING_RE.match(p):
                closing = body_paras[j:]
                body_paras = body_paras[:j]
                break
        if body_paras:
            sections.append(
                Section(
                    number=1,
                    heading="",
                    role="other",
                    body="\n".join(body_paras),
                    points=extract_points(body_paras),
                    paragraphs=body_paras,
                )
            )

    kind = str(metadata.get("kind") or "")
    if not kind:
        kind = detect_kind(title + "\n" + "\n".join(opening[:3]), structures_dir)
    return SpeechDoc(
        title=title,
        kind=kind,
        salutation=salutation,
        opening="\n".join(opening),
        sections=sections,
        closing="\n".join(closing),
        metadata=metadata,
    )
