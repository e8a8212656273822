"""click's usage errors (English, from click itself) said again in Chinese."""

from __future__ import annotations

import re

import click

_VALUE = r"'(?P<value>.*)'"
#: click's wording of a bad value → ours ({value} is the value the user gave).
_BAD_VALUES = (
    (re.compile(rf"^{_VALUE} is not one of "), "取值“{value}”无效"),
    (re.compile(rf"^{_VALUE} is not a valid integer"), "“{value}”不是整数"),
    (re.compile(rf"^{_VALUE} is not a valid float"), "“{value}”不是数字"),
    (re.compile(rf"^(?:File|Directory|Path) {_VALUE} does not exist"), "“{value}”不存在"),
    (re.compile(rf"^(?:File|Directory|Path) {_VALUE} is a file"), "“{value}”是文件，这里需要文件夹"),
    (re.compile(rf"^(?:File|Directory|Path) {_VALUE} is a directory"), "“{value}”是文件夹，这里需要文件"),
    (re.compile(rf"^(?:File|Directory|Path) {_VALUE} is not readable"), "“{value}”没有读取权限"),
    (re.compile(r"^(?P<value>\S+) is not in the range"), "{value} 超出允许的范围"),
)
_EXTRA = re.compile(r"^Got unexpected extra arguments? \((?P<value>.*)\)")


def _param_name(error: click.BadParameter) -> str:
    param = error.param
    if isinstance(param, click.Option) and param.opts:
        return param.opts[-1] if param.opts[-1].startswith("--") else param.opts[0]
    if param is not None:
        return (param.human_readable_name or "参数").upper()
    hint = error.param_hint
    return hint if isinstance(hint, str) else " / ".join(hint or ["参数"])


def _choices(error: click.BadParameter) -> str:
    kind = getattr(error.param, "type", None)
    if isinstance(kind, click.Choice):
        return "，可选：" + "、".join(str(c) for c in kind.choices)
    return ""


def usage_message(error: click.UsageError) -> str:
    """One Chinese sentence for a usage error, then where to read the command's help."""
    command = error.ctx.command_path if error.ctx is not None else "assistant"
    help_hint = f"用“{command} --help”查看用法。"
    if isinstance(error, click.NoSuchOption):
        close = f"，是不是想用 {'、'.join(error.possibilities)}" if error.possibilities else ""
        # "-rf.md" reaches click as option -r: a file name that starts with "-".
        file_hint = (
            f"如果这是以“-”开头的文件名，请在文件名前加上 -- （例如 {command} -- -文件名.txt）。"
            if not error.option_name.startswith("--")
            else ""
        )
        return f"没有 {error.option_name} 这个选项{close}。{file_hint}{help_hint}"
    if isinstance(error, click.exceptions.NoSuchCommand):
        close = f"，是不是想用 {'、'.join(error.possibilities)}" if error.possibilities else ""
        return f"没有“{error.command_name}”这个命令{close}。用“assistant --help”查看全部命令。"
    if isinstance(error, click.MissingParameter):
        return f"缺少 {_param_name(error)}。{help_hint}"
    if isinstance(error, click.BadParameter):
        said = "取值无效"
        for pattern, template in _BAD_VALUES:
            m = pattern.match(error.message)
            if m:
                said = template.format(value=m.group("value"))
                break
        return f"{_param_name(error)} 的{said}{_choices(error)}。{help_hint}"
    if isinstance(error, click.BadOptionUsage):
        return f"选项 {error.option_name} 的用法不对（它后面需要给出一个值）。{help_hint}"
    extra = _EXTRA.match(error.message)
    if extra:
        return f"多余的参数：{extra.group('value')}。{help_hint}"
    return f"命令用法有误。{help_hint}"
