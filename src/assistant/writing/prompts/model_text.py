"""Model output as plain speech text: Markdown, leftover headings and labels removed, streaming-safe."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.domain.numbering import HEADING_TEXT_RE, NUMERAL
from assistant.domain.titles import SPEECH_TITLE_RE
from assistant.intake.normalize import HALF_TO_FULL, PAREN_HALF_TO_FULL
from assistant.intake.parsing import DATE_LINE_RE, SALUTATION_RE

_SPACE = " \t\u3000\xa0"
_MD_PREFIX_RE = re.compile(r"^(?:#{1,6}[ \t]*|[-*+•][ \t]+|>[ \t]?)+")
_RULE_RE = re.compile(r"^(?:[-*_=~]{3,}|`{3}.*)$")
_LABEL_RE = re.compile(
    rf"^[（(【\[]?(?:开场白?|开头|结束语|结尾|正文|讲话提纲|第{NUMERAL}部分)[）)】\]]?[：:]?$"
)
_SALUTATION_PREFIX_RE = re.compile(r"^同志们\s*[：:]")

# Lines a chat model adds around what was asked for ("好的，以下是……：", "以上内容供参考……").
# A line that starts like this is held whole and dropped when it is chatter all through.
_CHATTER_START_RE = re.compile(
    r"^(?:好的|好[，,。！!]|当然|没问题|可以[，,。！!]|以下|下面(?:是|为)|根据(?:您|你)|按照(?:您|你)|以上|希望"
    r"|如需|如有|如果(?:您|你)|请(?:您|你)|需要|注[：:]|说明[：:]|备注[：:])"
)
_CHATTER_RE = re.compile(
    r"^(?:(?:好的|好|当然|没问题|可以)[，,。！!].*"
    r"|(?:以下|下面)(?:是|为).{0,60}[：:]"
    r"|(?:以下|下面)(?:是|为)[^。]{0,40}(?:讲话|提纲|稿|内容|版本|修改|润色)[^。]{0,20}"
    r"|(?:根据|按照)(?:您|你).{0,60}"
    r"|以上.{0,40}(?:供参考|仅供|参考|修改|调整|帮助).*"
    r"|(?:希望|如需|如有|如果(?:您|你)|请(?:您|你)|需要).{0,40}"
    r"(?:帮助|调整|修改|告诉我|补充|进一步|随时|满意|需要).*"
    r"|(?:注|说明|备注)[：:].*)$"
)
# A Markdown list number in front of the speech's own marker: "1. 一是……".
_LIST_BEFORE_MARKER_RE = re.compile(
    r"^\d{1,2}[.．、]\s+(?=[一二三四五六七八九十]+[是要]|[（(][一二三四五六七八九十]+[）)])"
)
_TOP_HEADING_START_RE = re.compile(rf"^\s*{NUMERAL}\s*[、.．]")
_HAN_OR_PUNCT_RE = re.compile(r"[\u4e00-\u9fff，。；：？！、“”）》]")
_NUMERAL_MARKER_RE = re.compile(r"^[（(]?[一二三四五六七八九十]+[）)]?$")

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
        self,
        head: HeadRule | None = None,
        prefix: str = "",
        *,
        open_line: bool = False,
        cut_at_heading: bool = False,
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
        self.line_out = ""  # what was put out of the current line, for punctuation context
        self.open_paren = False
        self.dot = False  # a "." after a number: a decimal point or the end of a sentence
        self.cut_at_heading = cut_at_heading
        self.cut = ""  # the heading of another part the reply went on to (everything after it is dropped)

    def feed(self, piece: str) -> str:
        """Add model text; return the cleaned text that is now certain."""
        out: list[str] = []
        for ch in piece:
            if self.cut:
                break  # the reply went on to another part: nothing more belongs to this one
            if ch == "\r":
                continue
            if ch == "\n":
                self._end_line(out)
            elif self.decided:
                self._inline(ch, out)
            else:
                self.line += ch
                limit = self.HEAD_MAX if self.head else self.HOLD
                probe = _MD_PREFIX_RE.sub("", self.line.lstrip(_SPACE)).replace("**", "")
                # Possible chatter is held to the end of its line (then dropped or kept whole).
                # A heading of another part is held whole too, so the cut can name it.
                held = _CHATTER_START_RE.match(probe) or (
                    self.cut_at_heading and self.head is None and _TOP_HEADING_START_RE.match(probe)
                )
                if len(self.line.lstrip(_SPACE)) >= limit and not held:
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
        line = _LIST_BEFORE_MARKER_RE.sub("", line)
        self.line = ""
        self.decided = True
        if self.cut_at_heading and self.head is None and _TOP_HEADING_START_RE.match(line.replace("**", "")):
            # Past this part's own head, a 一、/二、 heading starts another part.
            self.cut = line.replace("**", "").strip(_SPACE)[:40]
            return
        if complete:
            probe = line.replace("**", "").strip(_SPACE)
            if not probe or _RULE_RE.match(probe) or _CHATTER_RE.match(probe):
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
        if self.dot:
            self.dot = False
            self._put("。", out)  # "占38.2%." at the end of a Chinese line ends a sentence
        if self.star:
            self.star = False
            self._put("*", out)
        self.ws = ""
        if self.has_content:
            self.pending_nl = True
        self.line, self.decided, self.has_content = "", False, False
        self.line_out, self.open_paren = "", False

    def _inline(self, ch: str, out: list[str]) -> None:
        if self.dot:
            self.dot = False
            self._put("." if ch.isascii() and ch.isdigit() else "。", out)
        if ch == "." and self.line_out[-1:] in tuple("0123456789%") and _HAN_OR_PUNCT_RE.search(self.line_out):
            self.dot = True
            return
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
        self._put(self._width(ch), out)

    def _width(self, ch: str) -> str:
        """Half-width punctuation after Chinese text becomes full-width (decided from what came before)."""
        prev = self.line_out[-1:]
        chinese_before = bool(prev) and bool(_HAN_OR_PUNCT_RE.match(prev))
        if ch in HALF_TO_FULL and chinese_before:
            return HALF_TO_FULL[ch]
        # Parentheses go as a pair: "(" opens one after Chinese text, ")" closes only that one.
        if ch == "(" and (chinese_before or not prev):
            self.open_paren = True
            return PAREN_HALF_TO_FULL[ch]
        if ch == ")" and self.open_paren:
            self.open_paren = False
            return PAREN_HALF_TO_FULL[ch]
        han_before = bool(prev) and bool(re.match(r"[\u4e00-\u9fff]", prev))
        if ch == "." and han_before and not _NUMERAL_MARKER_RE.match(self.line_out):
            return "。"  # but "一.正视问题" is a marker, not a sentence end
        return ch

    def _put(self, ch: str, out: list[str]) -> None:
        if self.pending_nl and self.started:
            out.append("\n")
        self.pending_nl = False
        if self.ws:
            out.append(self.ws)
            self.ws = ""
        out.append(ch)
        self.line_out += ch
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
        if complete and (line.rstrip("。：:") == bare or _LABEL_RE.match(line) or SALUTATION_RE.match(line)):
            return ""  # a restated heading, a part label or a 同志们： the model repeated
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
