"""Bringing a database to ``HEAD`` with Alembic; imported only when a database is behind.

``upgrade`` runs on a connection whose transaction already holds the schema lock (see
``bot.storage.db.upgrade_database``), so that several processes opening one database at once
migrate it once: the first does the work, the others find it done.
"""

from __future__ import annotations

from typing import NamedTuple

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from bot.core.errors import KefuError
from bot.storage.migrations import BASELINE, HEAD

# The tables of the baseline release: a database with any of them and no version table was
# made before Alembic, and is stamped at the baseline before it is upgraded.
BASELINE_TABLES = frozenset(
    {
        "conversations",
        "messages",
        "exams",
        "candidates",
        "scenario_versions",
        "users",
        "sheets",
        "markers",
        "marks",
        "signoffs",
        "audit_log",
        "tg_inbox",
        "tg_outbox",
        "tg_chats",
        "tg_notes",
        "exam_codes",
    }
)


class SchemaChange(NamedTuple):
    """What ``upgrade`` did: the revision before (None: none recorded) and after."""

    before: str | None
    after: str
    # The database had kefu's tables but no revision: made before Alembic, stamped at BASELINE.
    stamped: bool


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, in code: the scripts are found inside the installed package."""
    cfg = Config()
    cfg.set_main_option("script_location", "bot.storage:migrations")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def computed_head() -> str:
    """The head revision as Alembic computes it from ``versions/`` (``HEAD`` must equal it)."""
    head = ScriptDirectory.from_config(config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    """Every revision in ``versions/``."""
    return {script.revision for script in ScriptDirectory.from_config(config()).walk_revisions()}


def current(connection: Connection) -> tuple[str, ...]:
    """The revisions recorded in the database (none for a new or pre-Alembic database)."""
    return MigrationContext.configure(connection).get_current_heads()


def upgrade(connection: Connection, shown: str) -> SchemaChange:
    """Bring the database to ``HEAD``; ``shown`` names it (password hidden) in messages."""
    cfg = config(connection)
    heads = current(connection)
    if heads == (HEAD,):
        return SchemaChange(HEAD, HEAD, stamped=False)
    unknown = [revision for revision in heads if revision not in known_revisions()]
    if unknown:
        raise KefuError(
            f"数据库“{shown}”的结构版本 {', '.join(unknown)} 比这个 kefu 新"
            f"（这个 kefu 认识的最新版本是 {HEAD}）：数据库已被更新版本的 kefu 升级过，"
            "这个 kefu 不能使用它。提示：请把 kefu 升级到最新版本后再打开这个数据库。"
        )
    stamped = not heads and bool(BASELINE_TABLES & set(inspect(connection).get_table_names()))
    if stamped:
        command.stamp(cfg, BASELINE)
    command.upgrade(cfg, "head")
    if stamped:
        _check_complete(connection, shown)
    return SchemaChange(heads[0] if heads else None, HEAD, stamped=stamped)


def _check_complete(connection: Connection, shown: str) -> None:
    """Refuse a pre-Alembic database that lacks tables or columns of the baseline release
    (one made by a kefu older than it), rather than let commands fail on it later."""
    from alembic.autogenerate import compare_metadata

    from bot.storage.models import Base

    missing = []
    for diff in compare_metadata(MigrationContext.configure(connection), Base.metadata):
        if diff[0] == "add_table":
            missing.append(f"表 {diff[1].name}")
        elif diff[0] == "add_column":
            missing.append(f"列 {diff[2]}.{diff[3].name}")
    if missing:
        raise KefuError(
            f"数据库“{shown}”由更早版本的 kefu 创建，缺少{'、'.join(missing)}，无法自动升级。"
            "提示：请备份数据库后联系维护者。"
        )
