"""Noise-pattern data model (LineRule, NoisePatterns) and its loading from YAML."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.data import DATA_DIR

DEFAULT_PATTERNS_FILE = DATA_DIR / "noise_patterns.yaml"


@dataclass(frozen=True)
class LineRule:
    """One line rule from the YAML file."""

    id: str
    reason: str
    patterns: tuple[re.Pattern[str], ...] = ()
    max_length: int | None = None
    zone: str = "any"
    allow_prose: bool = False
    allow_protected: bool = False
    keys_re: re.Pattern[str] | None = None
    min_keys: int = 2

    def matches(self, line: str) -> bool:
        """Whether the rule's patterns (or key count) match the line."""
        if self.keys_re is not None:
            return len({m.group("key") for m in self.keys_re.finditer(line)}) >= self.min_keys
        return any(p.search(line) for p in self.patterns)


@dataclass(frozen=True)
class NoisePatterns:
    """All cleaning rules, compiled."""

    line_rules: tuple[LineRule, ...]
    protected: tuple[re.Pattern[str], ...]
    structural: tuple[re.Pattern[str], ...]
    sentence_end: re.Pattern[str]
    salutation: re.Pattern[str]
    closing: re.Pattern[str]
    nav_split: re.Pattern[str]
    nav_words: frozenset[str]
    nav_word_suffixes: tuple[str, ...]
    footer_header: re.Pattern[str]
    title_site_suffix: re.Pattern[str]
    title_decorations: tuple[re.Pattern[str], ...]
    site_words: tuple[str, ...] = ()
    title_wrappers: tuple[re.Pattern[str], ...] = ()
    page_furniture: tuple[re.Pattern[str], ...] = ()
    page_end: tuple[re.Pattern[str], ...] = ()
    prose_min_length: int = 30
    nav_item_max_length: int = 10
    nav_run_item_max_length: int = 8
    nav_run_min_lines: int = 3
    list_item_max_length: int = 50
    head_fallback_lines: int = 6
    tail_fraction: float = 0.3
    footer_cut_min_fraction: float = 0.5
    speech_paragraph_min_length: int = 80
    title_max_length: int = 60


def _compile_all(items: list[str] | None) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in (items or []))


def _footer_header_regex(headers: list[str]) -> re.Pattern[str]:
    words = "|".join(re.escape(h) for h in sorted(headers, key=len, reverse=True))
    deco = r"[\s【】\[\]「」『』—\-–_=*·•<>《》○●◆▶►▼▲▽△#]*"
    return re.compile(
        rf"(?i)^{deco}(?:{words}){deco}(?:(?:更多|查看更多|more)\s*[>》»]*)?\s*[：:]?$"
    )


def _parse_patterns(raw: dict) -> NoisePatterns:
    limits = raw.get("limits") or {}
    footer_header = _footer_header_regex(raw.get("footer_headers") or [])
    rules: list[LineRule] = []
    for item in raw.get("line_rules") or []:
        keys_re = None
        patterns = _compile_all(item.get("patterns"))
        if item.get("kind") == "keys":
            keys = "|".join(re.escape(k) for k in sorted(item["keys"], key=len, reverse=True))
            # A key only counts at the start of the line or after a separator, so
            # "问题来源：" inside a sentence is not the web label "来源：".
            keys_re = re.compile(rf"(?:^|[\s|｜丨/【\[（(])(?P<key>{keys})\s*[】\]]?\s*[：:｜|丨]")
        if item.get("from_footer_headers"):
            patterns = (footer_header,)
        rules.append(
            LineRule(
                id=item["id"],
                reason=item["reason"],
                patterns=patterns,
                max_length=item.get("max_length"),
                zone=item.get("zone", "any"),
                allow_prose=bool(item.get("allow_prose", False)),
                allow_protected=bool(item.get("allow_protected", False)),
                keys_re=keys_re,
                min_keys=int(item.get("min_keys", 2)),
            )
        )
    return NoisePatterns(
        line_rules=tuple(rules),
        protected=_compile_all(raw.get("protected")),
        structural=_compile_all(raw.get("structural")),
        sentence_end=re.compile(raw.get("sentence_end", r"[。！？；…”）!?;]$")),
        salutation=re.compile(raw["salutation"]),
        closing=re.compile(raw["closing"]),
        nav_split=re.compile(raw["nav_separators"]),
        nav_words=frozenset(str(w) for w in raw.get("nav_words") or []),
        nav_word_suffixes=tuple(raw.get("nav_word_suffixes") or []),
        footer_header=footer_header,
        title_site_suffix=re.compile(raw["title_site_suffix"]),
        title_decorations=_compile_all(raw.get("title_decorations")),
        site_words=tuple(str(w) for w in raw.get("site_words") or []),
        title_wrappers=_compile_all(raw.get("title_wrappers")),
        page_furniture=_compile_all(raw.get("page_furniture")),
        page_end=_compile_all(raw.get("page_end")),
        **{k: limits[k] for k in limits if k in NoisePatterns.__dataclass_fields__},
    )


def load_patterns(path: str | Path | None = None) -> NoisePatterns:
    """Load and compile the noise rules (the bundled YAML file by default)."""
    if path is None:
        return _default_patterns()
    return _parse_patterns(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def _default_patterns() -> NoisePatterns:
    return _parse_patterns(yaml.safe_load(DEFAULT_PATTERNS_FILE.read_text(encoding="utf-8")))
