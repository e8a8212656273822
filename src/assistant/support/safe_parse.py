"""JSON and YAML typed by users, parsed safely: YAML screened before loading, every problem in Chinese."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from assistant.support.errors import UserError

#: Deeper than any brief or front matter needs (a brief is a mapping of lists: two levels).
MAX_DEPTH = 32
#: A brief of a thousand facts has a few thousand tokens; a megabyte of "[]" has a million,
#: which would take PyYAML many seconds to build.
MAX_TOKENS = 100_000
# libyaml's scanner is ~50x faster than the pure-Python one; both build with SafeConstructor.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_OPEN = (
    yaml.FlowSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.BlockMappingStartToken,
)
_CLOSE = (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken, yaml.BlockEndToken)


class ParseProblem(UserError, ValueError):
    """The text could not be parsed or was refused; str(e) is Chinese, e.g. "不是有效的 JSON（第 1 行第 2 列）：…"."""


class UnsafeYaml(ParseProblem):
    """The YAML uses aliases or nests too deeply: refused before it is loaded."""


def screen_yaml(text: str, max_depth: int = MAX_DEPTH, max_tokens: int = MAX_TOKENS) -> None:
    """Refuse aliases, deep nesting and too many items (UnsafeYaml) from the tokens, before anything is built.

    Aliases can nest a few lines into billions of values once walked (a "billion laughs"), and
    PyYAML's scanner slows quadratically with flow nesting; the scan stops at the first offence.
    """
    depth = 0
    for count, token in enumerate(yaml.scan(text, Loader=_LOADER)):
        if count > max_tokens:
            raise UnsafeYaml(f"内容过于繁杂（超过 {max_tokens} 个语法单元），已拒绝读取")
        if isinstance(token, yaml.AliasToken):
            raise UnsafeYaml("使用了 YAML 别名（用 * 引用 & 锚点），出于安全考虑不支持，请把内容直接写出来")
        if isinstance(token, _OPEN):
            depth += 1
            if depth > max_depth:
                raise UnsafeYaml(nesting_message(max_depth))
        elif isinstance(token, _CLOSE):
            depth -= 1


def nesting_message(max_depth: int = MAX_DEPTH) -> str:
    """The refusal of a text nested deeper than ``max_depth`` levels."""
    return f"嵌套层数过多（超过 {max_depth} 层），已拒绝读取"


def _at(line: int, column: int) -> str:
    return f"第 {line} 行第 {column} 列"


_JSON_MESSAGES = (
    ("Expecting value", "这里缺少一个值（或多了一个逗号）"),
    ("Expecting ',' delimiter", "这里缺少逗号"),
    ("Expecting ':' delimiter", "这里缺少冒号"),
    ("Expecting property name enclosed in double quotes", "这里应是用英文双引号括起的字段名（常见原因：多了一个逗号，或用了单引号、中文引号）"),
    ("Unterminated string", "字符串缺少结尾的英文双引号"),
    ("Extra data", "内容结束后还有多余的字符"),
    ("Invalid control character", "字符串中有不允许的控制字符（如直接换行、制表符）"),
    ("Invalid \\uXXXX escape", "字符串中的反斜杠转义格式有误"),
    ("Invalid \\escape", "字符串中有无法识别的反斜杠转义，反斜杠本身请写作 \\\\"),
    ("Illegal trailing comma", "最后一项后面多了一个逗号"),
)  # fmt: skip


def json_problem(err: json.JSONDecodeError) -> str:
    """A JSON syntax error as Chinese: where it is and what is wrong there."""
    what = next((zh for en, zh in _JSON_MESSAGES if err.msg.startswith(en)), "格式有误")
    return f"不是有效的 JSON（{_at(err.lineno, err.colno)}）：{what}"


_YAML_MESSAGES = (
    ("could not determine a constructor for the tag", None),  # handled with the tag itself
    ("mapping values are not allowed", "这里不能出现“键: 值”（常见原因：值里有冒号却没加引号，或缩进不对）"),
    ("found character '\\t' that cannot start any token", "这里有制表符，YAML 的缩进只能用空格"),
    ("that cannot start any token", "这里的字符不能作为内容的开头，请给这一项的值加上引号"),
    ("found unexpected end of stream", "文件意外结束（引号或括号没有闭合）"),
    ("found unknown escape character", "引号内有无法识别的反斜杠转义"),
    ("could not find expected ':'", "这里缺少冒号"),
    ("expected ',' or ']'", "这里缺少逗号或右方括号 ]"),
    ("expected ',' or '}'", "这里缺少逗号或右花括号 }"),
    ("found unexpected ':'", "这里多了一个冒号，或冒号后缺少空格"),
    ("exceeded maximum nesting depth", "嵌套层数过多"),
    ("expected <block end>", "缩进不一致（同一层的项目应对齐）"),
    ("did not find expected key", "缩进不一致，或这里缺少“键:”"),
    ("did not find expected '-' indicator", "列表项应以“- ”开头，且与同一列表的其他项对齐"),
    ("expected the node content", "这里缺少内容"),
    ("found unhashable key", "键不能是列表或映射"),
    ("found duplicate anchor", "使用了 YAML 别名（用 * 引用 & 锚点），出于安全考虑不支持"),
    ("found undefined alias", "使用了 YAML 别名（用 * 引用 & 锚点），出于安全考虑不支持"),
    ("but found another document", "文件中只能有一个文档（不要用多个 ---）"),
)  # fmt: skip

_TAG_RE = re.compile(r"'tag:yaml\.org,2002:([^']*)'|'([^']*)'")


def yaml_problem(err: yaml.YAMLError) -> str:
    """A YAML error as Chinese: where it is (its problem_mark) and what is wrong there."""
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    where = f"（{_at(mark.line + 1, mark.column + 1)}）" if mark is not None else ""
    if isinstance(err, yaml.reader.ReaderError):
        return f"不是有效的 YAML（第 {err.position + 1} 个字符）：含有不允许的控制字符"
    problem = str(getattr(err, "problem", None) or "")
    context = str(getattr(err, "context", None) or "")
    if "could not determine a constructor for the tag" in problem:
        m = _TAG_RE.search(problem)
        tag = ("!!" + m.group(1)) if m and m.group(1) is not None else (m.group(2) if m else "")
        return f"不是有效的 YAML{where}：使用了不允许的 YAML 标签 {tag}（出于安全考虑不支持）"
    text = f"{context} {problem}"
    what = next((zh for en, zh in _YAML_MESSAGES if zh and en in text), "格式有误")
    return f"不是有效的 YAML{where}：{what}"


def _deeper_than(data: Any, max_depth: int) -> bool:
    # Iterative: the data may be nested just short of the recursion limit.
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (list, dict)):
            if depth >= max_depth:
                return True
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)
    return False


def parse_text(text: str, fmt: str, max_depth: int = MAX_DEPTH) -> Any:
    """Parse ``text`` as "json" or "yaml"; any problem → ParseProblem with a Chinese reason."""
    try:
        if fmt == "json":
            data = json.loads(text)
            if _deeper_than(data, max_depth):
                raise ParseProblem(nesting_message(max_depth))
            return data
        screen_yaml(text, max_depth)
        return yaml.load(text, Loader=_LOADER)  # a safe loader, C or pure Python
    except json.JSONDecodeError as e:
        raise ParseProblem(json_problem(e)) from None
    except yaml.YAMLError as e:
        raise ParseProblem(yaml_problem(e)) from None
    except RecursionError:
        raise ParseProblem(nesting_message(max_depth)) from None
    except ValueError as e:
        if isinstance(e, ParseProblem):
            raise
        # Python refuses to turn very long digit strings into ints (sys.int_max_str_digits);
        # YAML builds dates, so 2024-13-45 fails here too.
        if "digits" in str(e):
            raise ParseProblem("含有位数过多的数字，无法读取") from None
        raise ParseProblem("含有无法识别的值（例如不存在的日期），请给这个值加上引号") from None
