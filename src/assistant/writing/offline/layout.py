"""The offline draft's shape: parts made of blocks (core sentences from the brief plus connectives)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from assistant.domain.brief import Brief
from assistant.domain.kinds import RoleSpec
from assistant.domain.models import DraftPart, count_chars
from assistant.domain.numbering import heading_line, marker_for
from assistant.intake.chunking import pack

SALUTATION = "同志们："
#: Connectives of an unnumbered paragraph start a new paragraph beyond this many characters.
PARAGRAPH_CHARS = 160

Candidate = tuple[str, str]  # (sentence, chunk_id); chunk_id is "" for the phrase file

_WS = re.compile(r"\s+")


def clause(s: str) -> str:
    """A brief item without trailing punctuation, so it can be built into a sentence."""
    return s.strip().rstrip("。；;，,.．、 ")


_CLAUSE_END = re.compile(r"[，,；;。：:]")
#: A brief reference to an issue keeps its first clause when that is at least this long.
MIN_SHORT = 4


def short_form(s: str) -> str:
    """An issue referred to briefly after it was stated in full: its first clause."""
    c = clause(s)
    first = _CLAUSE_END.split(c, maxsplit=1)[0]
    return first if len(first) >= MIN_SHORT else c


def sentence(s: str) -> str:
    c = clause(s)
    return c if c.endswith(("！", "？", "!", "?")) else c + "。"


def norm(s: str) -> str:
    return _WS.sub("", s)


def bigrams(s: str) -> set[str]:
    out: set[str] = set()
    for run in re.findall(r"[\u4e00-\u9fff]+", s):
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    return out


def brief_hash(brief: Brief) -> int:
    return int(hashlib.sha256(brief.model_dump_json().encode("utf-8")).hexdigest()[:12], 16)


def rotate(items: list[str], offset: int) -> list[str]:
    if not items:
        return []
    k = offset % len(items)
    return items[k:] + items[:k]


_TITLE_TAIL = re.compile(
    r"(常务副|副)?(市长|县长|区长|镇长|乡长|州长|省长|书记|主任|局长|厅长|部长|主席|组长|处长|科长|委员|秘书长|董事长|总经理)$"
)


def speaker_org(speaker: str) -> str:
    """The organisation in a speaker's title: 临江市人民政府副市长 → 临江市人民政府 ("" if none)."""
    first = re.split(r"[、，,；;/ ]", speaker.strip(), maxsplit=1)[0]
    org = first
    while True:
        m = _TITLE_TAIL.search(org)
        if not m or m.start() == 0:
            break
        org = org[: m.start()]
    return org if org != first and len(org) >= 2 else ""


@dataclass
class Block:
    """One paragraph of a part: fixed core sentences plus connective extras."""

    core: list[str] = field(default_factory=list)
    point: bool = False  # numbered with the part's marker
    fillable: bool = True  # may receive connective sentences
    prefix: str = ""  # 同志们， for the closing
    suffix: str = ""  # 下面，我讲几点意见。 for the opening
    extras_first: bool = False  # closing: connectives come before the core sentence
    own: list[Candidate] = field(default_factory=list)  # from this block's own query, same kind
    own_any: list[Candidate] = field(default_factory=list)  # … any kind
    extras: list[Candidate] = field(default_factory=list)

    def paragraphs(self) -> list[str]:
        body = [c[0] for c in self.extras]
        if self.point or self.extras_first:
            parts = body + self.core if self.extras_first else self.core + body
            return [self.prefix + "".join(parts) + self.suffix]
        # An unnumbered paragraph: the core, then the connectives in paragraphs of moderate size.
        paras = ["".join(self.core)] if self.core else []
        paras += pack(body, PARAGRAPH_CHARS, count_chars)
        if not paras:
            paras = [""]
        paras[0] = self.prefix + paras[0]
        paras[-1] += self.suffix
        return paras

    def empty(self) -> bool:
        return not self.core and not self.extras


@dataclass
class Part:
    spec: RoleSpec
    number: int = 0
    heading: str = ""
    blocks: list[Block] = field(default_factory=list)
    pool: list[Candidate] = field(default_factory=list)  # all same-kind candidates of the part
    pool_any: list[Candidate] = field(default_factory=list)
    fallback: list[str] = field(default_factory=list)
    optional_points: list[str] = field(default_factory=list)  # generic points not yet added
    # What fill() added, in order; None marks a whole generic point. trim() pops from the end.
    history: list[tuple[Block, Candidate | None]] = field(default_factory=list)
    target: int = 0

    def render(self) -> str:
        lines: list[str] = []
        if self.number:
            lines.append(heading_line(self.number, self.heading))
        n = 0
        style = self.spec.markers or "一是"
        for b in self.blocks:
            if b.empty():
                continue
            paras = b.paragraphs()
            if b.point:
                n += 1
                paras[0] = marker_for(style, n) + paras[0]
            lines.extend(paras)
        return "\n".join(lines)

    def length(self) -> int:
        return count_chars(self.render())

    def sources(self) -> list[str]:
        seen: list[str] = []
        for b in self.blocks:
            for _, cid in b.extras:
                if cid and cid not in seen:
                    seen.append(cid)
        return seen


def draft_parts(title: str, parts: list[Part]) -> list[DraftPart]:
    out = [
        DraftPart(role="title", text=title),
        DraftPart(role="salutation", text=SALUTATION),
    ]
    for p in parts:
        text = p.render()
        if not count_chars(text):
            continue
        out.append(
            DraftPart(
                role=p.spec.role,
                number=p.number,
                heading=p.heading,
                text=text,
                sources=p.sources(),
            )
        )
    return out


def total(title: str, parts: list[Part]) -> int:
    return count_chars(title) + count_chars(SALUTATION) + sum(p.length() for p in parts)
