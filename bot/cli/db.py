"""``kefu db``: the database's schema revision, and upgrading it on purpose.

Every command brings the database up to date when it opens it; ``kefu db upgrade`` does it at a
moment the administrator chooses (after a backup, before the exam) and says what it did.
"""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import inspect, make_url
from sqlalchemy.exc import ArgumentError

from bot.services.app import App
from bot.storage.db import connect_database, display_url, schema_revision, upgrade_database
from bot.storage.migrations import BASELINE, HEAD


@click.group("db")
def db() -> None:
    """数据库结构版本与升级。Database schema revision and upgrade."""


@db.command("current")
@click.pass_obj
def current_cmd(app: App) -> int:
    """显示数据库的结构版本（不做任何修改）；不是最新版本时说明如何升级。"""
    url = app.settings.db
    if _missing_sqlite_file(url):
        click.echo(f"数据库文件不存在：{display_url(url)}（首次使用时会自动建表）。")
        return 0
    engine = connect_database(url)
    try:
        revision = schema_revision(engine)
        # Only asked when no revision is recorded: are kefu's tables there (an older kefu)?
        has_tables = revision is None and inspect(engine).has_table("conversations")
    finally:
        engine.dispose()
    if revision == HEAD:
        click.echo(f"{revision}（最新）")
    elif has_tables:
        click.echo(
            f"无版本记录：由使用迁移之前的 kefu 创建（将记为 {BASELINE}）；"
            f"运行 kefu db upgrade 升级到 {HEAD}（任何命令打开数据库时也会自动升级）。"
        )
    elif revision is None:
        click.echo(f"无版本记录：还没有建表；运行 kefu db upgrade 建表（版本 {HEAD}）。")
    elif not set(revision.split(",")) <= _known():
        click.echo(f"{revision}（比这个 kefu 新：它认识的最新版本是 {HEAD}；请升级 kefu）")
    else:
        click.echo(
            f"{revision}（可升级到 {HEAD}：kefu db upgrade；任何命令打开数据库时也会自动升级）"
        )
    return 0


@db.command("upgrade")
@click.pass_obj
def upgrade_cmd(app: App) -> int:
    """把数据库升级到这个 kefu 的最新结构版本（新数据库则建表），保留全部数据。

    任何命令打开数据库时都会自动升级；此命令用于在选定的时机（例如备份之后、考试之前）升级，并报告做了什么。

    数据库比这个 kefu 新时拒绝，并提示升级 kefu。
    """
    engine = connect_database(app.settings.db)
    try:
        change = upgrade_database(engine)
    finally:
        engine.dispose()
    if change.stamped:
        click.echo(f"数据库由使用迁移之前的 kefu 创建：已记为 {BASELINE} 并升级到 {change.after}。")
    elif change.before == change.after:
        click.echo(f"数据库已是最新版本 {change.after}，无需升级。")
    elif change.before is None:
        click.echo(f"已建表，数据库版本 {change.after}。")
    else:
        click.echo(f"已从 {change.before} 升级到 {change.after}。")
    return 0


def _known() -> set[str]:
    from bot.storage.migrations.runner import known_revisions  # imports Alembic

    return known_revisions()


def _missing_sqlite_file(url: str) -> bool:
    """True for an SQLite file that does not exist yet (connecting would create it)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return False  # connect_database reports it
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return False
    return not database.startswith("file:") and not Path(database).exists()
