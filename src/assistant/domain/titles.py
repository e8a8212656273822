"""The title of a speech: what a title looks like, the decorations sites add, a default one."""

from __future__ import annotations

import re

#: Words that make a short line look like a speech title.
TITLE_HINT_RE = re.compile(r"讲话|提纲|发言|会上|约谈|谈话|致辞|会议")
#: Words a model's title line uses (narrower: 约谈/会议 also start ordinary sentences).
SPEECH_TITLE_RE = re.compile(r"讲话|提纲|发言|会上")
#: Decorations document sites add to a title: （全文） （精选3篇） 【精品】 （word版） …
TITLE_DECOR_RE = re.compile(
    r"\s*[（(【\[]\s*(全文|完整版|精选\d*篇|通用\d*篇|\d+篇|共\d+页|[Ww]ord版|范文|最新|精品|推荐|热门|优秀)\s*[）)】\]]\s*"
)
#: What a WeChat title starts with: emoji (🔥 📌 👉) and a tag such as 【讲话提纲】 or 【干货】.
TITLE_LEAD_RE = re.compile(
    r"^[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D★☆]*\s*"
    r"(?:【(?:讲话提纲|讲话稿|领导讲话|收藏|干货|必看|重磅|荐读|原创|转载|置顶)】\s*)?"
)


def strip_decorations(title: str) -> str:
    """A title without the site decorations around it (kept as is if nothing would remain)."""
    return TITLE_DECOR_RE.sub("", TITLE_LEAD_RE.sub("", title, count=1)).strip() or title


def default_title(meeting: str, title: str | None = None) -> str:
    """The given title, or 在{meeting}上的讲话 (a meeting already written "在……会" keeps one 在)."""
    if title and title.strip():
        return title.strip()
    meeting = meeting.strip().rstrip("。")
    if meeting.endswith("上"):
        meeting = meeting[:-1]
    return f"{meeting}上的讲话" if meeting.startswith("在") else f"在{meeting}上的讲话"


_MEETING_RE = re.compile(r"(?:召开|举行)(?:了|这次|今天的|本次)?(.{4,36}?(?:约谈会|谈话会|会议|大会))")
_DERIVED_MAX = 30


def derive_title(opening: str) -> str:
    """A title for a speech that has none: 在{the meeting the opening names}上的讲话, else its first words."""
    m = _MEETING_RE.search(opening)
    if m:
        return default_title(m.group(1).lstrip("一个次场"))
    first = re.split(r"[。！？；\n]", opening.strip(), maxsplit=1)[0].strip("，、 ")
    return first[:_DERIVED_MAX] + ("……" if len(first) > _DERIVED_MAX else "")
