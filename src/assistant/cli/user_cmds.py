"""`assistant user add/remove/passwd/role/list`: the office's named accounts (support/accounts.py)."""

from __future__ import annotations

import sys

import click

from assistant.cli.common import Ctx, echo_json
from assistant.support.access import ROLE_LABELS
from assistant.support.accounts import AccountError, AccountStore, parse_role

pass_ctx = click.make_pass_decorator(Ctx)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        # One line: a script can pipe a generated password without it showing in `ps`.
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("密码", hide_input=True, confirmation_prompt="再输入一次", show_default=False)


@click.group("user")
def user() -> None:
    """管理账号：每人一个账号，稿件各自私有（局域网使用时推荐）。"""


@user.command("add")
@click.argument("name")
@click.option("--role", "role_name", default="writer", show_default=True,
              help="writer（写作人员）、editor（范文库管理员）或 admin（系统管理员）。")
@click.option("--password-stdin", is_flag=True, help="从标准输入读一行作为密码（不提示）。")
@pass_ctx
def add(obj: Ctx, name: str, role_name: str, password_stdin: bool) -> None:
    """新建账号 NAME。"""
    role = parse_role(role_name)
    account = AccountStore(obj.settings.data_dir).add(name, _password(password_stdin), role)
    click.echo(f"已新建账号 {account.name}（{ROLE_LABELS[account.role]}）。")


@user.command("remove")
@click.argument("name")
@pass_ctx
def remove(obj: Ctx, name: str) -> None:
    """删除账号 NAME（其登录立即失效；稿件保留在数据目录中）。"""
    AccountStore(obj.settings.data_dir).remove(name)
    click.echo(f"已删除账号 {name}；其登录已失效。")


@user.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="从标准输入读一行作为新密码（不提示）。")
@pass_ctx
def passwd(obj: Ctx, name: str, password_stdin: bool) -> None:
    """修改账号 NAME 的密码（其已有的登录全部失效）。"""
    store = AccountStore(obj.settings.data_dir)
    if store.get(name) is None:
        raise AccountError(f"没有名为 {name} 的用户。")
    store.set_password(name, _password(password_stdin))
    click.echo(f"已修改 {name} 的密码；其已有的登录已失效。")


@user.command("role")
@click.argument("name")
@click.argument("role_name", metavar="ROLE")
@pass_ctx
def set_role(obj: Ctx, name: str, role_name: str) -> None:
    """修改账号 NAME 的角色（writer / editor / admin）。"""
    role = parse_role(role_name)
    AccountStore(obj.settings.data_dir).set_role(name, role)
    click.echo(f"已把 {name} 的角色改为{ROLE_LABELS[role]}；其已有的登录已失效。")


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@pass_ctx
def list_(obj: Ctx, as_json: bool) -> None:
    """列出账号（不显示密码）。"""
    accounts = AccountStore(obj.settings.data_dir).list()
    if as_json:
        echo_json([{"name": a.name, "role": a.role.value, "created_at": a.created_at} for a in accounts])
        return
    if not accounts:
        click.echo("还没有账号：本机不需要登录（只监听 127.0.0.1 时）。用 assistant user add 新建。")
        return
    for a in accounts:
        click.echo(f"{a.name}\t{ROLE_LABELS[a.role]}\t建立于 {a.created_at[:16].replace('T', ' ')}")


COMMANDS = (user,)
