"""Opening the database named by ``--db`` / ``KEFU_DB``: engine, connection settings, tables.

Every problem a user can cause here (a mistyped URL, a missing driver, a server that does not
answer, a folder that cannot be created) becomes a ``KefuError`` naming the URL with its
password hidden, so the command line shows a message instead of a traceback.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.core.errors import KefuError
from bot.storage.models import Base

HINT = (
    "提示：检查 --db 或环境变量 KEFU_DB（SQLAlchemy 地址，例如 sqlite:///kefu.db 或 "
    "postgresql+psycopg://用户:密码@主机/库名）。"
)
# Execution option that makes the next transaction on SQLite a writer from its first statement.
WRITE_OPTION = "kefu_write"
# The advisory lock that serialises creating and upgrading the tables on PostgreSQL ("kefu").
SCHEMA_LOCK = 0x6B656675
# Seconds to wait for a PostgreSQL server before saying it is unreachable.
CONNECT_TIMEOUT = 10

_SQLITE_PRAGMAS = (
    # WAL lets readers (a report, `transcripts list`) work while a chat is writing.
    "PRAGMA journal_mode=WAL",
    # FULL syncs the WAL on every commit: a message is on disk before the customer replies.
    "PRAGMA synchronous=FULL",
    # Two channels writing at once wait for each other instead of failing at once.
    "PRAGMA busy_timeout=5000",
    # SQLite ignores foreign keys unless asked, per connection.
    "PRAGMA foreign_keys=ON",
)


def open_database(url: str) -> Engine:
    """Open the database at ``url``, creating its tables (and an SQLite file's folder) if missing."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise KefuError(f"数据库地址“{_mask(url)}”格式不对，应为 SQLAlchemy 地址。{HINT}") from None
    shown = parsed.render_as_string(hide_password=True)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite:
        _make_sqlite_folder(parsed, shown)
    try:
        engine = create_engine(parsed, **_engine_options(parsed))
    except ArgumentError as exc:  # includes NoSuchModuleError: an unknown backend or driver
        raise KefuError(f"数据库地址“{shown}”无法使用：{exc}。{HINT}") from None
    except ImportError as exc:
        raise KefuError(
            f"数据库地址“{shown}”需要的驱动没有安装（{exc}）。"
            "提示：PostgreSQL 请安装 kefu[postgres]（psycopg）；或检查 --db 或环境变量 KEFU_DB。"
        ) from None
    if is_sqlite:
        _configure_sqlite(engine)
    try:
        # A writer from the start (SQLite: BEGIN IMMEDIATE), so that two processes opening a
        # new file at once do not both create the tables.
        with engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                if engine.dialect.name == "postgresql":
                    # Several server processes may start at once on a new database (kefu web
                    # --workers): one creates the tables while the others wait for it.
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK}
                    )
                Base.metadata.create_all(connection)
                add_missing_columns(connection)
                add_missing_indexes(connection)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise KefuError(f"无法打开数据库“{shown}”：{_reason(exc)}。{HINT}") from None
    return engine


def add_missing_columns(connection: Connection) -> list[str]:
    """Add the nullable or defaulted columns a newer kefu declares to tables an older one made.

    Only additive changes are made here, the kind a release adds (a new nullable column);
    anything else (a renamed column, a new constraint) will need a real migration (Alembic).
    Returns the ``table.column`` names added.
    """
    present = inspect(connection)
    added = []
    for table in Base.metadata.sorted_tables:
        have = {c["name"] for c in present.get_columns(table.name)}
        for column in table.columns:
            if column.name in have:
                continue
            kind = column.type.compile(dialect=connection.dialect)
            default = column.server_default
            if default is None and not column.nullable:
                raise KefuError(
                    f"数据库表 {table.name} 缺少必填的列 {column.name}，无法自动升级。"
                    "提示：请备份数据库后联系维护者。"
                )
            clause = ""
            if default is not None:
                value = getattr(default, "arg", "")
                literal = value if isinstance(value, str) else str(getattr(value, "text", value))
                clause = (
                    f" DEFAULT '{literal}'" if isinstance(value, str) else f" DEFAULT {literal}"
                )
            connection.exec_driver_sql(
                f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}{clause}'
            )
            added.append(f"{table.name}.{column.name}")
    return added


def add_missing_indexes(connection: Connection) -> list[str]:
    """Create the indexes a newer kefu declares on tables an older one made; return their names."""
    present = inspect(connection)
    added = []
    for table in Base.metadata.sorted_tables:
        have = {index["name"] for index in present.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in have:
                index.create(connection)
                added.append(str(index.name))
    return added


def display_url(url: str) -> str:
    """A database URL as messages show it: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return _mask(url)


def _mask(url: str) -> str:
    """Hide the password of a URL that SQLAlchemy could not parse."""
    # Up to the last "@", greedily: a password may itself contain "@" or "/".
    return re.sub(r"^((?:[^/]*://)?[^:@/]*:)(?!//).*@", r"\1***@", url)


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's own first line (e.g. 'connection refused'), without SQLAlchemy's boilerplate."""
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__


def _engine_options(url: URL) -> dict[str, Any]:
    if url.get_backend_name() == "sqlite":
        return {}
    # A server may drop idle connections (the Telegram bot idles for hours): test on checkout.
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        # Without a timeout, an unreachable host hangs the command for minutes.
        options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT}
    return options


def _make_sqlite_folder(url: URL, shown: str) -> None:
    database = url.database
    # In-memory databases and URI file names ("file:…?mode=ro") have no folder to make.
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    folder = Path(database).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise KefuError(
            f"无法为数据库“{shown}”创建文件夹“{folder}”：{exc.strerror or exc}。{HINT}"
        ) from None


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from Python's sqlite3, which would only send it before the first
        # INSERT; ``_on_begin`` sends it instead, so a read-then-write is one transaction.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in _SQLITE_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writer takes the write lock at BEGIN (waiting up to busy_timeout); a deferred
        # transaction that reads and then writes would fail at once under WAL if another
        # connection committed in between.
        writes = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")
