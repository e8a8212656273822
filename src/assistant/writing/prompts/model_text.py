"""Model output as plain speech text: Markdown, leftover headings and labels removed, streaming-safe."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.domain.numbering import HEADING_TEXT_RE, NUMERAL, TOP_HEADING_RE, cn_number
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
#: How much of a line's start is kept to tell a numeral marker ("一." is not a sentence end).
_HEAD_OUT = 32
#: Characters StreamCleaner._inline treats one by one; a run of any others is put out as it is.
_SPECIAL_RE = re.compile(
    "[" + re.escape("".join({*_SPACE, "\r", "\n", ".", "*", *HALF_TO_FULL, *PAREN_HALF_TO_FULL})) + "]"
)
_NOT_SPACE_RE = re.compile("[^" + re.escape(_SPACE) + "]")

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
        own: tuple[int, str] | None = None,
        drop_salutation: bool = False,
    ) -> None:
        """``prefix``: text already written; ``open_line``: its last line goes on (a resumed part).

        ``own``: this part's (number, heading): met again past the head, it is not another part
        but the model starting the part over, and what came before it is dropped (``restarts``
        counts these; the text then no longer extends what was returned before).
        ``drop_salutation``: a 同志们： line past the head is dropped (a part never has one).
        """
        self.head = head
        self.prefix = prefix
        self.open_line = open_line
        self.own = own
        self.drop_salutation = drop_salutation
        self.restarts = 0
        self._out: list[str] = [prefix]  # the cleaned text, joined when read (see text)
        self.started = bool(prefix)
        self.pending_nl = bool(prefix) and not open_line
        self.line = ""  # the undecided line, without its leading spaces
        self.held: list[str] = []  # the rest of a line held whole (chatter or a heading), in pieces
        self.decided = open_line and bool(prefix)
        self.has_content = self.decided
        self.star = False
        self.ws = ""
        # What was put out of the current line, for punctuation context: its last character,
        # whether it has Chinese text, its start and length (never the whole line: linear time).
        self.last_out = ""
        self.han_out = False
        self.head_out = ""
        self.len_out = 0
        self.open_paren = False
        self.dot = False  # a "." after a number: a decimal point or the end of a sentence
        self.cut_at_heading = cut_at_heading
        self.cut = ""  # the heading of another part the reply went on to (everything after it is dropped)

    @property
    def text(self) -> str:
        """The cleaned text so far (the prefix and everything returned since)."""
        if len(self._out) > 1:
            self._out = ["".join(self._out)]
        return self._out[0]

    @text.setter
    def text(self, value: str) -> None:
        self._out = [value]

    def feed(self, piece: str) -> str:
        """Add model text; return the cleaned text that is now certain.

        Linear time: runs of plain characters and held lines are taken as slices, and nothing
        per character looks back over the line (a 0.4 MB single-line answer took 93 s before).
        """
        out: list[str] = []
        i, n = 0, len(piece)
        while i < n and not self.cut:  # once cut, nothing more belongs to this part
            ch = piece[i]
            if ch == "\r":
                i += 1
            elif ch == "\n":
                self._end_line(out)
                i += 1
            elif self.decided:
                i = self._inline_run(piece, i, out)
            elif self.held:
                end = piece.find("\n", i)
                end = n if end < 0 else end
                self.held.append(piece[i:end].replace("\r", ""))
                i = end
            else:
                i += 1
                if not self.line and ch in _SPACE:
                    continue  # leading spaces are stripped when the line is decided anyway
                self.line += ch
                limit = self.HEAD_MAX if self.head else self.HOLD
                probe = _MD_PREFIX_RE.sub("", self.line).replace("**", "")
                # Possible chatter is held to the end of its line (then dropped or kept whole).
                # A heading of another part is held whole too, so the cut can name it.
                # Once held, a line stays held: more characters never undo a match at its start.
                if _CHATTER_START_RE.match(probe) or (
                    self.cut_at_heading and self.head is None and _TOP_HEADING_START_RE.match(probe)
                ):
                    self.held.append("")
                elif len(self.line) >= limit:
                    self._decide(out, complete=False)
        s = "".join(out)
        self._out.append(s)
        return s

    def _inline_run(self, piece: str, i: int, out: list[str]) -> int:
        """Put out plain characters from ``piece[i]`` on as one slice; one character otherwise. Returns the next index."""
        if not (self.dot or self.star):
            m = _SPECIAL_RE.search(piece, i)
            end = m.start() if m else len(piece)
            if end > i:
                self._put_run(piece[i:end], out)
                return end
            if piece[i] in _SPACE and self.has_content:
                m = _NOT_SPACE_RE.search(piece, i)
                end = m.start() if m else len(piece)
                self.ws += piece[i:end]  # kept only if more text follows on this line
                return end
        self._inline(piece[i], out)
        return i + 1

    def flush(self) -> str:
        """End of the answer: release what is still held."""
        out: list[str] = []
        self._end_line(out)
        s = "".join(out)
        self._out.append(s)
        return s

    def _decide(self, out: list[str], complete: bool) -> None:
        line = _MD_PREFIX_RE.sub("", self.line + "".join(self.held))
        line = _LIST_BEFORE_MARKER_RE.sub("", line)
        self.line = ""
        self.held = []
        self.decided = True
        if self.cut_at_heading and self.head is None and _TOP_HEADING_START_RE.match(line.replace("**", "")):
            plain = line.replace("**", "").strip(_SPACE)
            if not self._is_own(plain):
                # Past this part's own head, a 一、/二、 heading starts another part.
                self.cut = plain[:40]
                return
            # The model began the part again (同志们：, a sentence of opening, then this part's
            # heading): everything before its heading is dropped, the content after it kept.
            self._restart(out)
        if complete:
            probe = line.replace("**", "").strip(_SPACE)
            if not probe or _RULE_RE.match(probe) or _CHATTER_RE.match(probe):
                return
            if self.drop_salutation and self.head is None and SALUTATION_RE.match(probe):
                return
        if self.head is not None:
            probe = line.replace("**", "")
            kept = self.head(probe.strip(_SPACE) if complete else probe, complete)
            if not kept:
                return
            self.head = None
            line = kept
        i = 0
        while i < len(line):
            i = self._inline_run(line, i, out)

    def _is_own(self, line: str) -> bool:
        """Whether a heading line is this part's own heading (its number, or its words)."""
        if self.own is None:
            return False
        number, heading = self.own
        m = TOP_HEADING_RE.match(line)
        if m and m.group(1) == cn_number(number):
            return True
        t = HEADING_TEXT_RE.match(line)
        return bool(t) and t.group(1).strip().rstrip("。") == heading.strip().rstrip("。")

    def _restart(self, out: list[str]) -> None:
        assert self.own is not None
        out.clear()
        self.text = self.prefix
        self.started = bool(self.prefix)
        self.pending_nl = bool(self.prefix) and not self.open_line
        self._new_line_out()
        self.open_paren, self.dot, self.star, self.ws = False, False, False, ""
        self.head = section_head(self.own[1])
        self.restarts += 1

    def _new_line_out(self) -> None:
        self.last_out, self.han_out, self.head_out, self.len_out = "", False, "", 0

    def _end_line(self, out: list[str]) -> None:
        if not self.decided and (self.line or self.held):
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
        self.line, self.held, self.decided, self.has_content = "", [], False, False
        self._new_line_out()
        self.open_paren = False

    def _inline(self, ch: str, out: list[str]) -> None:
        if self.dot:
            self.dot = False
            self._put("." if ch.isascii() and ch.isdigit() else "。", out)
        if ch == "." and self.last_out in tuple("0123456789%") and self.han_out:
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
        prev = self.last_out
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
        if ch == "." and han_before and not (self.len_out <= _HEAD_OUT and _NUMERAL_MARKER_RE.match(self.head_out)):
            return "。"  # but "一.正视问题" is a marker, not a sentence end
        return ch

    def _put(self, ch: str, out: list[str]) -> None:
        self._put_run(ch, out)

    def _put_run(self, run: str, out: list[str]) -> None:
        """Put out text as it is (one character, or a run with nothing to convert)."""
        if self.pending_nl and self.started:
            out.append("\n")
        self.pending_nl = False
        if self.ws:
            out.append(self.ws)
            self.ws = ""
        out.append(run)
        self.last_out = run[-1]
        if not self.han_out:
            self.han_out = bool(_HAN_OR_PUNCT_RE.search(run))
        if self.len_out < _HEAD_OUT:
            self.head_out += run[: _HEAD_OUT - self.len_out]
        self.len_out += len(run)
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


def _closing_head() -> HeadRule:
    """Drop a label or a second 同志们： (the salutation is its own part); the closing says 同志们，."""
    greeted = False

    def rule(line: str, complete: bool) -> str:
        nonlocal greeted
        if complete and (_LABEL_RE.match(line) or SALUTATION_RE.match(line)):
            greeted = greeted or bool(SALUTATION_RE.match(line))
            return ""
        m = _SALUTATION_PREFIX_RE.match(line)
        if m:
            return "同志们，" + line[m.end() :].lstrip(_SPACE)
        if greeted and not line.startswith("同志们"):
            return "同志们，" + line  # the model's "同志们：" line stood for the closing's address
        return line

    return rule


def head_rule(
    role: str, number: int, heading: str, title: str, found: list[str] | None = None
) -> HeadRule:
    """What to drop at the top of a part: its restated heading, a title, a salutation, a label."""
    if number:
        return section_head(heading, found)
    if role == "opening":
        return _opening_head(title)
    return _closing_head()


_GREETING_PREFIX_RE = re.compile(r"^(?:同志们|各位(?:领导|同志|负责同志)?)\s*[：:！!]\s*")
_SENTENCE_END_RE = re.compile(r"[。！？；!?;…]")
#: How much of a resumed answer may restate the end of the kept text (“下面” → “下面，我讲”).
_MAX_TAIL_OVERLAP = 30


class ResumeJoin:
    """The start of a resumed answer, held until it can be joined to the text kept before the cut.

    A model asked to go on often starts over: a greeting, the part's heading, the kept text
    again. What it restates is dropped; a half sentence it does not go on from is cut back to
    its last full stop, so "今天" + "同志们：今天召开约谈会" becomes "今天召开约谈会".
    Once decided, ``prefix`` is the kept text as joined and ``open_line`` whether its last line goes on.
    """

    LEAD = 24  # characters of the answer's own text held before deciding
    MAX_HOLD = 400  # characters past the kept text's length after which the start is decided anyway

    def __init__(self, kept: str, heading: str = "") -> None:
        self.head = heading + "\n" if heading and kept.startswith(heading + "\n") else ""
        if heading and kept == heading:
            self.head = heading
        self.body = kept[len(self.head) :]
        self.raw = ""
        self.decided = False
        self.restarted = False  # a greeting or the part's heading started the answer
        self.prefix = kept
        self.open_line = True
        self.heading = heading

    def feed(self, piece: str) -> str | None:
        """Add answer text; None while held, then the text to clean after ``prefix`` (once all of it)."""
        if self.decided:
            return piece
        self.raw += piece
        if len(self.raw) > len(self.body) + self.MAX_HOLD:
            # No retelling, heading or chatter line is this long: decide rather than scan it again per piece.
            return self._decide(self._lead(final=True) or "")
        lead = self._lead(final=False)
        if lead is None:
            return None
        body = self.body.strip()
        # Hold while the answer may still be retelling the kept text, and until it has its own words.
        if body and body.startswith(lead) and len(lead) <= len(body):
            return None
        if len(lead) < self.LEAD and "\n" not in lead:
            return None
        return self._decide(lead)

    def flush(self) -> str:
        """End of the answer: decide with what there is."""
        if self.decided:
            return ""
        return self._decide(self._lead(final=True) or "")

    def _lead(self, final: bool) -> str | None:
        """The answer without a leading greeting, the part's heading or chatter; None while unsure."""
        rest = self.raw.lstrip()
        while True:
            rest = _MD_PREFIX_RE.sub("", rest).replace("**", "")
            line, nl, after = rest.partition("\n")
            probe = line.strip(_SPACE)
            m = _GREETING_PREFIX_RE.match(probe)
            if m:
                self.restarted = True
                rest = (probe[m.end() :] + nl + after).lstrip()
                continue
            if not nl and not final and (
                _TOP_HEADING_START_RE.match(probe) or _CHATTER_START_RE.match(probe) or "同志们".startswith(probe)
            ):
                return None  # maybe a heading, chatter or a greeting: wait for the line's end
            if self.heading and _TOP_HEADING_START_RE.match(probe) and self._same_heading(probe):
                self.restarted = True
                rest = after.lstrip()
                continue
            if nl and (not probe or _CHATTER_RE.match(probe) or _RULE_RE.match(probe) or _LABEL_RE.match(probe)):
                rest = after.lstrip()
                continue
            return rest

    def _same_heading(self, line: str) -> bool:
        m = HEADING_TEXT_RE.match(line)
        own = HEADING_TEXT_RE.match(self.heading)
        return bool(m and own) and (
            m.group(1).strip() == own.group(1).strip() or line.split("、")[0] == self.heading.split("、")[0]
        )

    def _decide(self, lead: str) -> str:
        self.decided = True
        body = self.body.rstrip()
        stripped = body.strip()
        common = 0
        for a, b in zip(stripped, lead, strict=False):
            if a != b:
                break
            common += 1
        if stripped and common == len(stripped):  # the kept text told again, then the rest: keep ours
            return lead[common:]
        if stripped and (common >= 4 or (self.restarted and common >= 2)):
            # The model began the part again ("一是…" after its heading, or the kept words) and
            # retold it in other words: its answer replaces the kept text.
            self.prefix, self.open_line = self.head.rstrip("\n"), False
            return lead
        overlap = next(
            (n for n in range(min(len(stripped), len(lead), _MAX_TAIL_OVERLAP), 1, -1) if stripped.endswith(lead[:n])),
            0,
        )
        if overlap:  # the answer repeats the last words it was cut at
            return lead[overlap:]
        if self.restarted and stripped and not _SENTENCE_END_RE.search(stripped[-1]):
            # The model started over without going on from a half sentence: drop the half sentence.
            ends = [m.end() for m in _SENTENCE_END_RE.finditer(body)]
            kept = body[: ends[-1]] if ends else ""
            if kept.strip():
                self.prefix = self.head + kept
            else:
                self.prefix, self.open_line = self.head.rstrip("\n"), False
        return lead
