"""``kefu user``: the named users of the grading system and their roles."""

from __future__ import annotations

import click

from bot.core.marking import ROLES
from bot.services.app import App
from bot.storage.audit import add_user, has_users, list_users


@click.group()
def user() -> None:
    """评分系统的用户（评分员、主评分员、管理员）。Users and roles."""


@user.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(list(ROLES)),
    required=True,
    help="grader 评分员、chief_grader 主评分员（仲裁、解锁）、admin 管理员（考试、名单、抽考、用户）。",
)
@click.pass_obj
def add_cmd(app: App, name: str, role: str) -> int:
    """添加用户（管理员）。第一位用户不需要 --as，且必须是管理员。"""
    from bot.core.errors import KefuError
    from bot.services.exam_grading import acting_user

    if has_users(app.db):
        actor = acting_user(app, "admin").name
    elif role != "admin":
        raise KefuError("第一位用户必须是管理员：kefu user add 姓名 --role admin")
    else:
        actor = name
    add_user(app.db, name, role, actor)
    click.echo(f"已添加用户 {name}（{ROLES[role]}）。")
    return 0


@user.command("list")
@click.pass_obj
def list_cmd(app: App) -> int:
    """列出用户及其角色。"""
    users = list_users(app.db)
    if not users:
        click.echo("还没有用户。先添加管理员：kefu user add 姓名 --role admin")
    for u in users:
        click.echo(f"{u.name}  {ROLES[u.role]}（{u.role}）")
    return 0


@user.command("passwd")
@click.argument("name")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="从标准输入读入密码（一行），用于脚本；否则在终端提示输入两次。",
)
@click.pass_obj
def passwd_cmd(app: App, name: str, password_stdin: bool) -> int:
    """设置用户登录网页评分台的密码（管理员，或用户本人）。Set a console password.

    --as 信任的是这台电脑上的账号（考务办公室的电脑）；网页评分台只认密码。
    """
    import sys

    from bot.console.passwords import hash_password
    from bot.core.errors import KefuError
    from bot.services.exam_grading import acting_user
    from bot.storage.audit import get_user, set_password_hash

    target = get_user(app.db, name)  # a clear message when there is no such user
    actor = acting_user(app, *ROLES)
    if actor.name != target.name and actor.role != "admin":
        raise KefuError("只有管理员能设置别人的密码；每位用户可以设置自己的密码（--as 本人）。")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("新密码", hide_input=True, confirmation_prompt="再输入一次")
    set_password_hash(app.db, target.name, hash_password(password), actor.name)
    click.echo(f"已设置 {target.name} 的密码。网页评分台：http://服务器地址:端口/console/")
    return 0
