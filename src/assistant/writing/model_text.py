"""Model output as plain speech text: Markdown, leftover headings and labels removed, streaming-safe."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.library.parsing import DATE_LINE_RE, SALUTATION_RE
from assistant.numbering import HEADING_TEXT_RE, NUMERAL
from assistant.titles import SPEECH_TITLE_RE

_SPACE = " \t\u3000\xa0"
_MD_PREFIX_RE = re.compile(r"^(?:#{1,6}[ \t]*|[-*+•][ \t]+|>[ \t]?)+")
_RULE_RE = re.compile(r"^(?:[-*_=~]{3,}|`{3}.*)$")
_LABEL_RE = re.compile(
    rf"^[（(【\[]?(?:开场白?|开头|结束语|结尾|正文|讲话提纲|第{NUMERAL}部分)[）)】\]]?[：:]?$"
)
_SALUTATION_PREFIX_RE = re.compile(r"^同志们\s*[：:]")

#: head(line, complete) → text to keep ("" drops the line and keeps looking; content ends the head).
HeadRule = Callable[[str, bool], str]


class StreamCleaner:
    """Streaming cleaner: drops Markdown and leftover headings, collapses blank lines.

    Chunking-invariant: feeding a text in any pieces yields the same output as feeding it
    whole, so the streamed tokens always add up to the stored text.
    """

    HOLD = 8  # characters held at a line start to recognise a Markdown prefix
    HEAD_MAX = 80  # longer lines cannot be a heading/title/salutation to drop

    def __init__(
        self, head: HeadRule | None = None, prefix: str = "", *, open_line: bool = False
    ) -> None:
        """``prefix``: text already written; ``open_line``: its last line goes on (a resumed part)."""
        self.head = head
        self.text = prefix
        self.started = bool(prefix)
        self.pending_nl = bool(prefix) and not open_line
        self.line = ""
        self.decided = open_line and bool(prefix)
        self.has_content = self.decided
        self.star = False
        self.ws = ""

    def feed(self, piece: str) -> str:
        """Add model text; return the cleaned text that is now certain."""
        out: list[str] = []
        for ch in piece:
            if ch == "\r":
                continue
            if ch == "\n":
                self._end_line(out)
            elif self.decided:
                self._inline(ch, out)
            else:
                self.line += ch
                limit = self.HEAD_MAX if self.head else self.HOLD
                if len(self.line.lstrip(_SPACE)) >= limit:
                    self._decide(out, complete=False)
        s = "".join(out)
        self.text += s
        return s

    def flush(self) -> str:
        """End of the answer: release what is still held."""
        out: list[str] = []
        self._end_line(out)
        s = "".join(out)
        self.text += s
        return s

    def _decide(self, out: list[str], complete: bool) -> None:
        line = _MD_PREFIX_RE.sub("", self.line.lstrip(_SPACE))
        self.line = ""
        self.decided = True
        if complete:
            probe = line.replace("**", "").strip(_SPACE)
            if not probe or _RULE_RE.match(probe):
                return
        if self.head is not None:
            probe = line.replace("**", "")
            kept = self.head(probe.strip(_SPACE) if complete else probe, complete)
            if not kept:
                return
            self.head = None
            line = kept
        for ch in line:
            self._inline(ch, out)

    def _end_line(self, out: list[str]) -> None:
        if not self.decided and self.line:
            self._decide(out, complete=True)
        if self.star:
            self.star = False
            self._put("*", out)
        self.ws = ""
        if self.has_content:
            self.pending_nl = True
        self.line, self.decided, self.has_content = "", False, False

    def _inline(self, ch: str, out: list[str]) -> None:
        if self.star:
            self.star = False
            if ch == "*":
                return  # "**" is Markdown bold
            self._put("*", out)
        if ch == "*":
            self.star = True
            return
        if ch in _SPACE:
            if self.has_content:
                self.ws += ch  # kept only if more text follows on this line
            return
        self._put(ch, out)

    def _put(self, ch: str, out: list[str]) -> None:
        if self.pending_nl and self.started:
            out.append("\n")
        self.pending_nl = False
        if self.ws:
            out.append(self.ws)
            self.ws = ""
        out.append(ch)
        self.started = True
        self.has_content = True


def clean_model_text(text: str, head: HeadRule | None = None, prefix: str = "") -> str:
    """Model output as plain text: no Markdown (#, **, leading "- "), one paragraph per line."""
    c = StreamCleaner(head, prefix)
    c.feed(text)
    c.flush()
    return c.text


def section_head(heading: str, found: list[str] | None = None) -> HeadRule:
    """Drop a repeated "一、heading" (any number, or the bare heading) at the top of a section."""
    bare = heading.strip().rstrip("。")

    def rule(line: str, complete: bool) -> str:
        m = HEADING_TEXT_RE.match(line)
        if m:
            if found is not None and m.group(1).strip():
                found.append(m.group(1).strip())
            return line[m.end() :].lstrip(_SPACE)
        if complete and (line.rstrip("。：:") == bare or _LABEL_RE.match(line)):
            return ""
        return line

    return rule


def _opening_head(title: str) -> HeadRule:
    """Drop a title, date line or 同志们： the model wrote although it was asked not to."""

    def rule(line: str, complete: bool) -> str:
        m = _SALUTATION_PREFIX_RE.match(line)
        if m:
            return line[m.end() :].lstrip(_SPACE)
        if not complete:
            return line
        if SALUTATION_RE.match(line) or DATE_LINE_RE.match(line) or _LABEL_RE.match(line):
            return ""
        if title and line.rstrip("。") == title:
            return ""
        if len(line) <= 60 and "。" not in line and SPEECH_TITLE_RE.search(line):
            return ""
        return line

    return rule


def _closing_head(line: str, complete: bool) -> str:
    return "" if complete and _LABEL_RE.match(line) else line


def head_rule(
    role: str, number: int, heading: str, title: str, found: list[str] | None = None
) -> HeadRule:
    """What to drop at the top of a part: its restated heading, a title, a salutation, a label."""
    if number:
        return section_head(heading, found)
    if role == "opening":
        return _opening_head(title)
    return _closing_head
