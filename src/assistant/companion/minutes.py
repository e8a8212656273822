"""约谈纪要: time, place, chair, units, attendees, then the problems, the decisions, the requirements."""

from __future__ import annotations

from assistant.companion.meeting import Meeting
from assistant.companion.model import Para
from assistant.domain.numbering import cn_number

#: The decision a measure of the ladder (domain/measures.py) stands for, by measure id.
_MEASURE_DECISIONS = {
    "reminder": "对{units}进行提醒谈话，督促限期整改",
    "interview": "对{units}进行约谈，责令限期整改",
    "circular": "对{units}予以通报批评，责令限期整改",
    "admonish": "对{units}进行诫勉谈话，责令限期整改",
    "accountability": "对{units}依规依纪进行问责",
}


def minutes_title(meeting: Meeting) -> str:
    """……纪要."""
    return f"{meeting.name}纪要"


def _item(n: int, text: str) -> Para:
    head = f"（{cn_number(n)}）"
    return Para("heading", head + text.rstrip("。；") + "。", head, level=2)


def minutes_paras(meeting: Meeting) -> list[Para]:
    """The minutes' paragraphs, every fact as the brief states it."""
    brief = meeting.brief
    units = "、".join(meeting.units)
    paras = [
        Para("title", minutes_title(meeting)),
        Para("body", f"时间：{meeting.time}"),
        Para("body", f"地点：{meeting.place}"),
        Para("body", f"主持人：{meeting.chair}"),
        Para("body", f"约谈对象：{units}"),
        Para("body", f"参加人员：{meeting.attendees}"),
    ]
    if brief.speaker:
        paras.append(Para("body", f"讲话人：{brief.speaker}"))
    form = meeting.measure.name if meeting.measure.name in ("提醒谈话", "诫勉谈话") else "约谈"
    paras.append(Para("body", f"会议对{units}进行了{form}。现将会议主要精神纪要如下："))
    section = 1
    paras.append(Para("heading", f"{cn_number(section)}、会议指出的问题", f"{cn_number(section)}、会议指出的问题"))
    if meeting.general_facts:
        paras.append(Para("body", "；".join(f.rstrip("。；") for f in meeting.general_facts) + "。"))
    for n, issue in enumerate(meeting.issues, 1):
        who = "、".join(issue.units) if not issue.units_guessed else ""
        text = issue.full + (f"（责任单位：{who}）" if who else "")
        paras.append(_item(n, text))
    section += 1
    paras.append(Para("heading", f"{cn_number(section)}、会议决定", f"{cn_number(section)}、会议决定"))
    measure = meeting.measure
    decisions = list(brief.decisions)
    # The level of the meeting is its first decision, unless the brief's decisions already name it.
    if not any(name in d for d in decisions for name in (measure.name, *measure.aliases)):
        decisions.insert(0, _MEASURE_DECISIONS.get(measure.id, _MEASURE_DECISIONS["interview"]).format(units=units))
    for n, decision in enumerate(decisions, 1):
        paras.append(_item(n, decision))
    section += 1
    paras.append(Para("heading", f"{cn_number(section)}、整改要求和时限", f"{cn_number(section)}、整改要求和时限"))
    if brief.requirements:
        # A requirement's deadline is in its own words (8月10日前): printed as the brief gives it.
        for n, req in enumerate(meeting.requirements, 1):
            paras.append(_item(n, req.text))
    else:
        paras.append(Para("body", "各被约谈单位按照会议决定抓好整改落实。"))
    return paras
