"""Library, model and user text shown literally by st.markdown (never as markup or formatting).

Escaped is what Markdown (GFM plus Streamlit's additions) would read as markup: links and images
(``[``, ``]``), emphasis, code, strike-through, tables, LaTeX (``$``), Streamlit's ``:color[…]``
and ``:emoji:``, HTML, and what starts a heading, a list or a rule at the start of a line.
Characters that cannot form markup where they stand are left alone, so that ``OPENAI_API_KEY``
or ``partial-1.json`` read the same in the page's source as on the screen.
"""

from __future__ import annotations

import html
import re

# Always markup, or part of it: backslash, code, emphasis, brackets, strike-through, tables, LaTeX.
_ALWAYS = r"[\\`*\[\]~|$]"
# Inside a word an underscore never starts or ends emphasis (CommonMark's flanking rule).
_UNDERSCORE = r"(?<!\w)_|_(?!\w)"
# Streamlit's directives: ":red[…]", ":material/icon:", ":smile:", ":+1:".
_COLON = r":(?=[A-Za-z+\-])"
_SPECIAL = re.compile(f"({_ALWAYS}|{_UNDERSCORE}|{_COLON})")
# At the start of a line (after spaces): a heading, a list item, a rule, a setext underline;
# a piece that follows an address is treated alike (one backslash too many changes nothing).
_LINE_MARK = re.compile(r"(?m)^([ \t]*)([#+\-=])")
_ORDERED = re.compile(r"(?m)^([ \t]*\d+)([.)])")

# GFM turns addresses in plain text into links after parsing, escaped or not ("http://…",
# "www.…", "name@host"). Inside a code span no link is made, and the address still reads and
# copies exactly as written (nothing invisible is inserted into it).
# No parentheses: "[文字](http://…)![](…)" ends its first address at ")", where Markdown would.
_URL_CHARS = r"[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]"
# Each alternative starts only where a run of its characters starts: linear on any text.
_ADDRESS = re.compile(
    rf"(?i)(?<![a-z0-9+.\-])(?:[a-z][a-z0-9+.\-]*://|www\.){_URL_CHARS}*"
    r"|(?<![a-z0-9._%+\-])[a-z0-9._%+\-]+@[a-z0-9_\-]+(?:\.[a-z0-9_\-]+)+"
)


def _plain(text: str) -> str:
    text = _SPECIAL.sub(r"\\\1", html.escape(text, quote=False))
    return _ORDERED.sub(r"\1\\\2", _LINE_MARK.sub(r"\1\\\2", text))


def _address_end(text: str, start: int, end: int) -> int:
    """Where an address really ends: not on closing punctuation or an unmatched bracket."""
    while end > start:
        last, body = text[end - 1], text[start : end - 1]
        if last in ".,:;!?'*" or (last == "]" and body.count("[") < body.count("]") + 1):
            end -= 1
            continue
        return end
    return end


def escape_markdown(text: str) -> str:
    """Text shown literally by st.markdown: HTML escaped, markup backslashed, addresses as code (no links)."""
    out: list[str] = []
    end = 0
    for m in _ADDRESS.finditer(text):
        if m.start() < end:
            continue
        stop = _address_end(text, m.start(), m.end())
        # The character set of an address has no backtick, so one backtick delimits it.
        out += [_plain(text[end : m.start()]), f"`{text[m.start() : stop]}`"]
        end = stop
    out.append(_plain(text[end:]))
    return "".join(out)
