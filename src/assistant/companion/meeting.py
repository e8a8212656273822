"""The facts of one 约谈 the companion documents share: units, issues with their figures, decisions,
requirements with deadlines, and which unit answers for which issue.

Every document (notice, minutes, checklist) is written from one `Meeting`, so they cannot drift
apart. Nothing is invented: what the brief does not say stays the marked blank FILL_MARK.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from assistant.companion.model import FILL_MARK
from assistant.domain.brief import Brief
from assistant.domain.facts import char_pairs, specifics
from assistant.domain.measures import find_measure

#: Who attends when the brief does not say.
DEFAULT_ATTENDEES = ("各被约谈单位主要负责人", "分管负责人")
#: What a summoned unit brings when the brief does not say.
DEFAULT_MATERIALS = (
    "本单位问题整改情况书面说明（含原因分析和责任落实情况）",
    "相关项目推进台账",
    "下一步整改措施及完成时限安排",
)

# Pairs of characters every item of a 约谈 shares; an issue and a requirement that share only
# these are not about the same thing.
_GENERIC_PAIRS = frozenset(
    ["完成", "工作", "推进", "进度", "整改", "单位", "项目", "工程", "建设", "加快", "全部", "问题", "情况", "要求", "落实", "责任", "计划", "重点", "滞后", "严重", "目前", "进行", "全县", "全市", "全区", "各被", "被约", "约谈", "报送", "方案", "时间", "确保", "按期", "之前", "以前", "前完", "底前", "月底", "年底", "相关", "有关", "部门", "存在", "主要", "负责", "各单", "位要", "要按", "按照", "必须", "切实", "进一", "一步", "步加", "成整", "改任", "任务", "投资", "成投", "亿元", "万元", "占年", "仅占", "年度", "度计", "划的", "个百", "百分", "分点", "上半", "半年", "全年", "同比", "比上"]
)
# Words of an issue that point to the unit in charge when the issue does not name it.
_DUTY_HINTS: dict[str, tuple[str, ...]] = {
    "交通": ("道路", "公路", "环路", "大道", "桥梁", "交通", "客运", "货运"),
    "水利": ("水库", "河道", "堤防", "灌区", "水利", "供水", "防汛"),
    "水务": ("水库", "河道", "供水", "排水", "污水", "排污口"),
    "住房": ("住房", "棚改", "小区", "房屋", "保障房", "燃气"),
    "住建": ("住房", "棚改", "小区", "房屋", "保障房", "燃气"),
    "自然资源": ("征地", "用地", "土地", "规划许可"),
    "生态环境": ("污染", "排放", "排污", "环保", "扬尘", "生态"),
    "应急": ("安全生产", "事故", "隐患"),
    "教育": ("学校", "校舍", "幼儿园"),
    "卫生": ("医院", "卫生院", "诊所"),
    "城市管理": ("市容", "环卫", "垃圾"),
    "城管": ("市容", "环卫", "垃圾"),
    "农业": ("农田", "高标准农田", "农业"),
    "市场监管": ("食品", "特种设备", "价格"),
    "人力资源": ("欠薪", "就业", "社保"),
}
_PLACE_PREFIX_RE = re.compile(r"^[\u4e00-\u9fff]{2,4}?(?:自治区|自治州|省|市|县|区|旗|镇|乡|街道)")
_UNIT_SUFFIX_RE = re.compile(
    r"(?:人民政府|政府|办事处|管理委员会|管委会|委员会|有限责任公司|有限公司|集团|公司|办公室|中心|局|委|办|厅|站|所|院|队)$"
)
_ALL_UNITS_RE = re.compile(r"各(?:被约谈|责任|有关|相关|参会|牵头|成员)?单位|各部门|各乡镇|各镇|各街道")


def _split(unit: str) -> tuple[list[str], str]:
    """(names a text calls the unit by, a town's bare name or "") for one unit."""
    keys = [unit]
    m = _PLACE_PREFIX_RE.match(unit)
    place = m.group(0) if m and len(m.group(0)) < len(unit) else ""
    core = _UNIT_SUFFIX_RE.sub("", unit[len(place) :])
    if len(core) >= 2:
        keys.append(core)
    stem = ""
    if place and not core and (place[-1] in "镇乡" or place.endswith("街道")):
        keys.append(place)  # 云溪镇人民政府: "云溪镇"
        stem = place.removesuffix("街道") if place.endswith("街道") else place[:-1]
    return [k for k in dict.fromkeys(keys) if len(k) >= 2], stem if len(stem) >= 2 else ""


def unit_keys(unit: str) -> tuple[str, ...]:
    """The ways a text names a unit: full name, name without place and suffix, a town's own name."""
    keys, stem = _split(unit)
    return tuple(keys + ([stem] if stem else []))


def _names(unit: str, text: str, *, strict: bool = False) -> bool:
    """Whether a text names the unit; ``strict``: not by a town's bare name (北岸老旧小区 is a project)."""
    keys = _split(unit)[0] if strict else unit_keys(unit)
    return any(k in text for k in keys)


def _hinted(unit: str, text: str) -> bool:
    """Whether a text is about what the unit is in charge of (水库 for a 水利局)."""
    keys = _split(unit)[0]
    core = keys[1] if len(keys) > 1 else unit
    return any(word in text for key, words in _DUTY_HINTS.items() if key in core for word in words)


def _pairs(text: str) -> set[str]:
    return char_pairs(text) - _GENERIC_PAIRS


def related(a: str, b: str, least: int = 1) -> bool:
    """Whether two items are about the same thing: they share ``least`` non-generic character pairs."""
    return len(_pairs(a) & _pairs(b)) >= least


def deadlines_of(text: str) -> list[str]:
    """The deadlines a requirement states as written (8月10日前, 年底前); else its dates."""
    found = [f.text for f in specifics(text, ("deadline",))]
    if not found:
        found = [f.text for f in specifics(text, ("date",))]
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Issue:
    """One problem of the brief, with the brief's facts about it (its figures)."""

    text: str
    facts: tuple[str, ...]
    units: tuple[str, ...]  # the units answering for it
    units_guessed: bool  # no unit could be told from the text: every summoned unit is listed

    @property
    def full(self) -> str:
        """The issue and its facts as one sentence-run (what the minutes and the checklist print)."""
        if not self.facts:
            return self.text
        return "，".join([self.text.rstrip("。；，"), *(f.rstrip("。；，") for f in self.facts)])


@dataclass(frozen=True)
class Requirement:
    """A requirement of the brief with its deadlines and whom and what it is about."""

    text: str
    deadlines: tuple[str, ...]
    units: tuple[str, ...]  # units it names; every unit when it says 各单位
    issues: tuple[int, ...]  # indexes of the issues it is about


@dataclass(frozen=True)
class Row:
    """One row of the 整改责任清单: an issue and one unit answering for it."""

    issue: str
    unit: str
    measures: str
    deadline: str
    person: str
    note: str


class Meeting:
    """The brief read once for all companion documents."""

    def __init__(self, brief: Brief):
        self.brief = brief
        self.units: tuple[str, ...] = tuple(dict.fromkeys(brief.targets))
        self.measure = find_measure(brief.measure or None)

    @property
    def name(self) -> str:
        """The meeting's name as a title uses it (…约谈会)."""
        name = self.brief.meeting.strip().rstrip("。")
        if re.search(r"(?:约谈|谈话|提醒)$", name):
            name += "会"
        return name

    @property
    def time(self) -> str:
        return self.brief.meeting_time or FILL_MARK

    @property
    def place(self) -> str:
        return self.brief.place or FILL_MARK

    @property
    def chair(self) -> str:
        return self.brief.chair or FILL_MARK

    @property
    def attendees(self) -> str:
        return "、".join(self.brief.attendees) if self.brief.attendees else "和".join(DEFAULT_ATTENDEES)

    @property
    def materials(self) -> tuple[str, ...]:
        return tuple(self.brief.materials) or DEFAULT_MATERIALS

    @cached_property
    def issues(self) -> tuple[Issue, ...]:
        """The brief's issues, each with the facts about it and the units answering for it."""
        texts = self.brief.issues
        attached: dict[int, list[str]] = {i: [] for i in range(len(texts))}
        for fact in self.brief.facts:
            scores = [len(_pairs(fact) & _pairs(t)) for t in texts]
            best = max(range(len(texts)), key=lambda i: scores[i])
            if scores[best] >= 2:
                attached[best].append(fact)
        out = []
        for i, text in enumerate(texts):
            about = " ".join([text, *attached[i]])
            # Named in the text, or in charge of what it is about (水库 → 水利局).
            units = tuple(u for u in self.units if _names(u, about) or _hinted(u, about))
            out.append(Issue(text, tuple(attached[i]), units or self.units, not units))
        return tuple(out)

    @cached_property
    def general_facts(self) -> tuple[str, ...]:
        """Facts of the brief not about one issue (the overall situation)."""
        taken = {f for issue in self.issues for f in issue.facts}
        return tuple(f for f in self.brief.facts if f not in taken)

    @cached_property
    def requirements(self) -> tuple[Requirement, ...]:
        out = []
        for text in self.brief.requirements:
            named = tuple(u for u in self.units if _names(u, text, strict=True))
            units = self.units if _ALL_UNITS_RE.search(text) else named
            # The issues it shares the most with ("第一标段" is not about every 标段 of the list).
            scores = [len(_pairs(text) & _pairs(" ".join([i.text, *i.facts]))) for i in self.issues]
            best = max(scores, default=0)
            issues = tuple(i for i, score in enumerate(scores) if best and score >= max(1, -(-best * 3 // 5)))
            if _ALL_UNITS_RE.search(text):
                issues = ()  # "各单位……": every unit, whatever it is about
            out.append(Requirement(text, tuple(deadlines_of(text)), units, issues))
        return tuple(out)

    def issues_of(self, unit: str) -> list[Issue]:
        """The issues a unit answers for."""
        return [issue for issue in self.issues if unit in issue.units]

    def rows(self) -> list[Row]:
        """The checklist: one row per issue × unit answering for it; every summoned unit has a row."""
        rows: list[Row] = []
        listed: set[str] = set()
        for i, issue in enumerate(self.issues):
            for unit in issue.units:
                rows.append(self._row(i, issue, unit, guessed=issue.units_guessed))
                listed.add(unit)
        for unit in self.units:
            if unit not in listed:  # named by no issue: it was summoned all the same
                rows += [self._row(i, issue, unit, guessed=True) for i, issue in enumerate(self.issues)]
        return rows

    def _row(self, index: int, issue: Issue, unit: str, guessed: bool) -> Row:
        chosen: list[Requirement] = []
        specific: list[Requirement] = []
        for req in self.requirements:
            for_unit = unit in req.units or (not req.units and index in req.issues)
            for_issue = not req.issues or index in req.issues
            if for_unit and for_issue:
                chosen.append(req)
                if req.issues or (req.units and len(req.units) < len(self.units)):
                    specific.append(req)
        deadlines = [d for req in (specific or chosen) for d in req.deadlines]
        note = "责任单位按约谈对象列出，请核对" if guessed and len(self.units) > 1 else ""
        return Row(
            issue=issue.full,
            unit=unit,
            measures="；".join(r.text.rstrip("。；") for r in chosen) or FILL_MARK,
            deadline="；".join(dict.fromkeys(deadlines)) or FILL_MARK,
            person=FILL_MARK,  # never invented: only the unit can name who answers for it
            note=note,
        )
