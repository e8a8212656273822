"""约谈通知: to all summoned units at once, or one per unit (time, place, attendees, materials, contact)."""

from __future__ import annotations

from assistant.companion.meeting import Meeting
from assistant.companion.model import FILL_MARK, Para
from assistant.domain.numbering import cn_number

# The meeting forms a notice can name; a decision (通报批评, 问责) is announced at a 约谈, never in its notice.
_MEETING_FORMS = {"提醒谈话": "提醒谈话", "诫勉谈话": "诫勉谈话"}


def notice_title(meeting: Meeting) -> str:
    """关于召开……的通知."""
    return f"关于召开{meeting.name}的通知"


def notice_paras(meeting: Meeting, unit: str | None = None) -> list[Para]:
    """The notice's paragraphs: to every unit, or (``unit``) to that one unit about its own issues."""
    units = [unit] if unit else list(meeting.units)
    issues = meeting.issues_of(unit) if unit else list(meeting.issues)
    issues = issues or list(meeting.issues)
    you = "你单位" if unit else "、".join(units)
    form = _MEETING_FORMS.get(meeting.measure.name, "约谈")
    about = "、".join(i.text.rstrip("。；") for i in issues)
    paras = [
        Para("center", f"文号：{FILL_MARK}"),
        Para("title", notice_title(meeting)),
        Para("salutation", "、".join(units) + "："),
        Para("body", f"针对{about}等问题，经研究，决定召开{meeting.name}，对{you}进行{form}。现将有关事项通知如下："),
    ]
    attendees = meeting.attendees
    if unit and not meeting.brief.attendees:
        attendees = "你单位主要负责人和分管负责人"
    sections = [
        ("约谈时间", meeting.time),
        ("约谈地点", meeting.place),
        ("参加人员", attendees),
    ]
    for n, (label, value) in enumerate(sections, 1):
        head = f"{cn_number(n)}、{label}："
        paras.append(Para("heading", head + value.rstrip("。") + "。", head))
    n = len(sections) + 1
    paras.append(Para("heading", f"{cn_number(n)}、约谈事项", f"{cn_number(n)}、约谈事项"))
    for k, issue in enumerate(issues, 1):
        paras.append(Para("body", f"{k}.{issue.full.rstrip('。；')}。"))
    n += 1
    paras.append(Para("heading", f"{cn_number(n)}、需携带材料", f"{cn_number(n)}、需携带材料"))
    for k, item in enumerate(meeting.materials, 1):
        paras.append(Para("body", f"{k}.{item.rstrip('。；')}。"))
    n += 1
    paras += [
        Para("heading", f"{cn_number(n)}、有关要求", f"{cn_number(n)}、有关要求"),
        Para("body", "参加人员须准时参加，不得缺席或委托他人代为参加；确有特殊情况不能参加的，须提前向联系人报告。"),
        Para("body", f"联系人：{FILL_MARK}；联系电话：{FILL_MARK}。"),
        Para("blank"),
        Para("right", f"发文机关：{FILL_MARK}"),
        Para("right", f"成文日期：{FILL_MARK}"),
    ]
    return paras


def notices_paras(meeting: Meeting, per_unit: bool) -> list[Para]:
    """One notice for all units, or one notice per unit, each starting on a new page."""
    if not per_unit:
        return notice_paras(meeting)
    out: list[Para] = []
    for i, unit in enumerate(meeting.units):
        paras = notice_paras(meeting, unit)
        if i:
            first = paras[0]
            paras[0] = Para(first.kind, first.text, first.head, first.level, new_page=True)
        out += paras
    return out
