"""Dates and progress as offices write them in a ledger cell, read into a date and a share 0..1.

Dates: 2026年6月30日, 2026/9/30, 2026-08-31, 2026.8.31, 20260831, 2026年9月 and 2026/9 (the
month's last day), 9月30日, 9月底 / 6月底 (the year of the as-of date), 年底, 2026年三季度 (the
quarter's last day), Excel date cells and Excel serial numbers. Progress: 55%, "55" (percent),
0.4 (a share), 完成/已完成/已竣工/已销号 (done), 未开工 (0), a percentage inside text
("主体完工，完成80%"). A cell that cannot be read gives a Chinese problem, never an exception.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_EXCEL_EPOCH = dt.date(1899, 12, 30)
#: Serial numbers 1982-01-01 … 2119: a plain number in a date column outside this is not a date.
_SERIAL_RANGE = (30000, 80000)
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}

_FULL = str.maketrans("０１２３４５６７８９．／－％", "0123456789./-%")
_YMD = re.compile(r"((?:19|20)\d{2})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*[日号]?")
_COMPACT = re.compile(r"(?<!\d)((?:19|20)\d{2})(0[1-9]|1[0-2])([0-2]\d|3[01])(?!\d)")
_YM = re.compile(r"((?:19|20)\d{2})\s*[年./\-]\s*(\d{1,2})\s*(?:月)?\s*(底|末|份|中旬|上旬|下旬)?(?![\d日号])")
_MD = re.compile(r"(?<![\d年./\-])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_M = re.compile(r"(?<![\d年./\-])(\d{1,2})\s*月\s*(底|末|份|中旬|上旬|下旬)?(?![\d日号])")
_QUARTER = re.compile(r"(?:((?:19|20)\d{2})\s*年\s*)?(?:第)?([一二三四1-4])\s*季度")
_YEAR_END = re.compile(r"(?:((?:19|20)\d{2})\s*年\s*)?年[底末]|((?:19|20)\d{2})\s*年(?:底|末)")

_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_PERCENT_LED = re.compile(r"(?:完成率?|进度|达到?|累计完成)\s*(?:为|约|仅)?\s*(\d+(?:\.\d+)?)\s*%")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_DONE = {"完成", "已完成", "全部完成", "完工", "已完工", "竣工", "已竣工", "销号", "已销号", "已投产", "已交付",
         "已投用", "已建成", "建成", "办结", "已办结", "已整改", "整改完成", "已整改完成"}
_NOT_STARTED = {"未开工", "未启动", "尚未开工", "尚未启动", "未实施", "未动工"}
_STRIP = " \t\r\n　。，,；;！!"


@dataclass(frozen=True)
class DateValue:
    """A cell read as a date: the date (None when unreadable or empty), its text, and a problem."""

    date: dt.date | None
    text: str
    problem: str = ""


@dataclass(frozen=True)
class ProgressValue:
    """A cell read as progress: share 0..1 (None when no number), done flag, its text, a problem."""

    share: float | None
    done: bool
    text: str
    problem: str = ""


def cell_text(value: object) -> str:
    """A cell as the user sees it (dates as 2026年6月30日, 0.55 as 0.55, None as '')."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _part_of_month(year: int, month: int, part: str | None) -> dt.date:
    # 中旬 ends on the 20th, 上旬 on the 10th; 底/末/份/nothing: the month's last day.
    if part == "上旬":
        return dt.date(year, month, 10)
    if part == "中旬":
        return dt.date(year, month, 20)
    return _month_end(year, month)


def _safe(make) -> dt.date | None:
    try:
        return make()
    except ValueError:
        return None


def parse_date(value: object, as_of: dt.date | None = None) -> DateValue:
    """A ledger cell as a date; a month alone means its last day, a year-less date takes as_of's year."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DateValue(None, "")
    if isinstance(value, dt.datetime):
        return DateValue(value.date(), cell_text(value))
    if isinstance(value, dt.date):
        return DateValue(value, cell_text(value))
    text = cell_text(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
            return DateValue(_EXCEL_EPOCH + dt.timedelta(days=int(value)), text)
        return DateValue(None, text, f"“{text}”不是日期")
    s = text.translate(_FULL)
    if re.fullmatch(r"\d{5}(?:\.0+)?", s) and _SERIAL_RANGE[0] <= float(s) <= _SERIAL_RANGE[1]:
        return DateValue(_EXCEL_EPOCH + dt.timedelta(days=int(float(s))), text)
    year = (as_of or dt.date.today()).year
    found: dt.date | None = None
    if (m := _YMD.search(s)) or (m := _COMPACT.search(s)):
        found = _safe(lambda: dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    elif m := _YM.search(s):
        found = _safe(lambda: _part_of_month(int(m.group(1)), int(m.group(2)), m.group(3)))
    elif m := _MD.search(s):
        found = _safe(lambda: dt.date(year, int(m.group(1)), int(m.group(2))))
    elif m := _M.search(s):
        found = _safe(lambda: _part_of_month(year, int(m.group(1)), m.group(2)))
    elif m := _QUARTER.search(s):
        q = _CN_DIGITS.get(m.group(2)) or int(m.group(2))
        found = _month_end(int(m.group(1) or year), q * 3)
    elif m := _YEAR_END.search(s):
        found = dt.date(int(m.group(1) or m.group(2) or year), 12, 31)
    if found is None:
        return DateValue(None, text, f"“{text}”无法识别为日期（可写作 2026年6月30日、2026/6/30 或 2026年6月）")
    return DateValue(found, text)


def parse_progress(value: object) -> ProgressValue:
    """A ledger cell as progress: a share 0..1 and whether the item is done."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ProgressValue(None, False, "")
    text = cell_text(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        share = _share(float(value))
        if share is None:
            return ProgressValue(None, False, text, f"进度“{text}”超出 0–100%")
        return ProgressValue(share, share >= 1.0, text)
    s = text.translate(_FULL)
    bare = s.strip(_STRIP)
    if bare in _DONE:
        return ProgressValue(1.0, True, text)
    if bare in _NOT_STARTED:
        return ProgressValue(0.0, False, text)
    m = _PERCENT_LED.search(s) or _PERCENT.search(s)
    if m:
        share = float(m.group(1)) / 100
        if share > 1:
            return ProgressValue(None, False, text, f"进度“{text}”超出 100%")
        return ProgressValue(share, share >= 1.0, text)
    if _NUMBER.fullmatch(bare):
        share = _share(float(bare))
        if share is None:
            return ProgressValue(None, False, text, f"进度“{text}”超出 0–100%")
        return ProgressValue(share, share >= 1.0, text)
    if any(bare.startswith(w) for w in _NOT_STARTED):
        return ProgressValue(0.0, False, text)
    return ProgressValue(None, False, text, f"进度“{text}”中没有百分比，无法判断完成了多少，已按未完成处理")


def _share(number: float) -> float | None:
    # 0.4 is a share (a percent-formatted cell holds 0.4), 40 is a percent: offices write both.
    if 0 <= number <= 1:
        return number
    if 1 < number <= 100:
        return number / 100
    return None


def percent_text(share: float | None) -> str:
    """0.55 → '55%', 0.625 → '62.5%'."""
    if share is None:
        return ""
    value = round(share * 100, 1)
    return f"{value:g}%"


def date_text(day: dt.date | None) -> str:
    """2026-06-30 → '2026年6月30日'."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""
