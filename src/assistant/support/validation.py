"""Pydantic validation errors as one Chinese sentence each: which field, what is wrong, what was given."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import ValidationError

#: Python type names as users know them.
TYPE_NAMES = {
    "str": "文字",
    "int": "整数",
    "float": "数字",
    "list": "列表",
    "dict": "键值对象",
    "bool": "布尔值",
    "NoneType": "空值",
}

#: Message per pydantic error type; {where} the field, {got}/{got_type} what was given, {ctx[…]}.
_MESSAGES: dict[tuple[str, ...], str] = {
    ("string_type", "string_sub_type"): "字段 {where}：类型错误，应为文字{got_type}",
    ("int_type", "int_parsing", "int_from_float"): "字段 {where}：类型错误，应为整数{got_type}",
    ("float_type", "float_parsing"): "字段 {where}：类型错误，应为数字{got_type}",
    ("bool_type", "bool_parsing"): "字段 {where}：类型错误，应为 true 或 false{got_type}",
    ("list_type", "tuple_type"): "字段 {where}：类型错误，应为列表（JSON 数组或 YAML 列表）{got_type}",
    ("dict_type", "model_type", "model_attributes_type"): (
        "{where_or_all}：类型错误，应为键值对象（JSON 对象或 YAML 映射）{got_type}"
    ),
    ("greater_than_equal",): "字段 {where}：取值过小，应不小于 {ge}{got}",
    ("greater_than",): "字段 {where}：取值过小，应大于 {gt}{got}",
    ("less_than_equal",): "字段 {where}：取值过大，应不大于 {le}{got}",
    ("less_than",): "字段 {where}：取值过大，应小于 {lt}{got}",
    ("too_short",): "字段 {where}：至少需要填写 {min_length} 项",
    ("string_too_short",): "字段 {where}：不能为空",
    ("string_pattern_mismatch",): (
        "字段 {where}：格式不正确，只能使用小写字母、数字和下划线，且以字母开头{got}"
    ),
}
_BY_TYPE = {t: msg for types, msg in _MESSAGES.items() for t in types}


def _loc_text(loc: Sequence[Any], labels: dict[str, str]) -> str:
    parts: list[str] = []
    for i, item in enumerate(loc):
        if isinstance(item, int):
            parts.append(f"第{item + 1}项")
        elif i == len(loc) - 1 and str(item) in labels:
            parts.append(f"{item}（{labels[str(item)]}）")
        else:
            parts.append(str(item))
    return " ".join(parts)


def _value_text(v: Any) -> str:
    text = repr(v) if not isinstance(v, str) else f"“{v}”"
    return text if len(text) <= 40 else text[:37] + "…"


def format_validation_errors(
    exc: ValidationError,
    labels: dict[str, str],
    allowed_fields: Callable[[tuple], Sequence[str]] | None = None,
) -> list[str]:
    """Translate pydantic errors into one Chinese sentence each (field, then what is wrong)."""
    out: list[str] = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        typ = err.get("type", "")
        ctx = err.get("ctx") or {}
        value = err.get("input")
        where = _loc_text(loc, labels)
        values = {
            "where": where,
            "where_or_all": where or "内容",
            "got": f"，实际为 {type(value).__name__ if value is None else _value_text(value)}",
            "got_type": f"，实际为{TYPE_NAMES.get(type(value).__name__, type(value).__name__)} "
            f"{_value_text(value)}",
            **{k: ctx.get(k) for k in ("ge", "gt", "le", "lt", "min_length")},
        }
        if typ == "missing":
            msg = f"缺少必填字段 {where}"
        elif typ == "extra_forbidden":
            allowed = list(allowed_fields(loc[:-1])) if allowed_fields else []
            msg = f"字段“{loc[-1]}”不是有效字段"
            if len(loc) > 1:
                msg = f"{_loc_text(loc[:-1], labels)} 中的{msg}"
            if allowed:
                msg += "，可用字段：" + "、".join(allowed)
        elif typ in _BY_TYPE:
            msg = _BY_TYPE[typ].format(**values)
        elif typ == "literal_error":
            options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
            shown = "、".join(o or "空" for o in options) or str(ctx.get("expected"))
            msg = f"字段 {where}：取值无效，应为 {shown} 之一{values['got']}"
        else:
            detail = str(ctx.get("error") or err.get("msg", ""))
            msg = f"字段 {where}：{detail}" if where else detail
        out.append(msg)
    return out
