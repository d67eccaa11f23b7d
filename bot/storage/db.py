"""Opening the database named by ``--db`` / ``KEFU_DB``: engine, connection settings, schema.

The schema is made and upgraded by the Alembic migrations in ``bot.storage.migrations``; opening a
database whose schema is current reads its revision and nothing else.

Every problem a user can cause here (a mistyped URL, a missing driver, a server that does not
answer, a folder that cannot be created) becomes a ``KefuError`` naming the URL with its
password hidden, so the command line shows a message instead of a traceback.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from bot.core.errors import KefuError
from bot.storage.migrations import HEAD

if TYPE_CHECKING:
    from bot.storage.migrations.runner import SchemaChange

HINT = (
    "提示：检查 --db 或环境变量 KEFU_DB（SQLAlchemy 地址，例如 sqlite:///kefu.db 或 "
    "postgresql+psycopg://用户:密码@主机/库名）。"
)
# Execution option that makes the next transaction on SQLite a writer from its first statement.
WRITE_OPTION = "kefu_write"
# Execution option for a write whose loss on a power cut is harmless (a reply marked sent: it
# would be sent again, as after any crash): on SQLite it commits without waiting for the disk.
RELAXED_OPTION = "kefu_relaxed"
# The advisory lock that serialises creating and upgrading the tables on PostgreSQL ("kefu").
SCHEMA_LOCK = 0x6B656675
# Alembic's table holding the schema revision.
VERSION_TABLE = "alembic_version"
# Seconds to wait for a PostgreSQL server before saying it is unreachable.
CONNECT_TIMEOUT = 10

# How long an SQLite writer waits for another's lock: a chat turn, in milliseconds.
BUSY_MS = 5000
# How long a process opening the database waits for another that is creating or upgrading its
# tables: importing Alembic and running every migration takes seconds on a busy machine (three
# workers starting at once on a loaded server waited past BUSY_MS and failed).
SCHEMA_WAIT_MS = 120_000

# WAL lets readers (a report, `transcripts list`) work while a chat is writing.
_WAL_PRAGMA = "PRAGMA journal_mode=WAL"
# Seconds between tries to turn a new database to WAL while another process is doing it too.
_WAL_RETRY_S = 0.01
_SQLITE_PRAGMAS = (
    # Two channels writing at once wait for each other instead of failing at once.
    f"PRAGMA busy_timeout={BUSY_MS}",
    # SQLite ignores foreign keys unless asked, per connection.
    "PRAGMA foreign_keys=ON",
)
# FULL syncs the WAL on every commit: a message is on disk before the customer replies, and a
# power cut loses nothing that was answered. NORMAL syncs only at checkpoints: a commit costs no
# wait for the disk, the database stays consistent after a crash of kefu or of the machine,
# but a power cut may lose the last commits (the last turns, answered on screen).
SYNCHRONOUS = ("FULL", "NORMAL")


def open_database(url: str, synchronous: str = "FULL") -> Engine:
    """Open the database at ``url`` (making an SQLite file's folder) with its schema up to date.

    A new database gets kefu's tables, and one an older kefu made is upgraded in place, by the
    migrations in ``bot.storage.migrations``. When the schema is already current (every run but
    the first after an upgrade) this costs one query and Alembic is not imported.
    """
    engine = connect_database(url, synchronous)
    try:
        if schema_revision(engine) != HEAD:
            upgrade_database(engine)
    except KefuError:
        engine.dispose()
        raise
    return engine


def connect_database(url: str, synchronous: str = "FULL") -> Engine:
    """The engine for ``url`` with kefu's connection settings, its schema left as it is."""
    if synchronous.upper() not in SYNCHRONOUS:
        raise KefuError(
            f"设置项 sqlite_synchronous（KEFU_SQLITE_SYNCHRONOUS）的值“{synchronous}”无效，"
            f"应为 {' 或 '.join(SYNCHRONOUS)}。"
        )
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
        _configure_sqlite(engine, synchronous.upper())
    return engine


def schema_revision(engine: Engine) -> str | None:
    """The schema revision recorded in the database, in one query; None when none is recorded
    (a new database, or one made before kefu used migrations)."""
    try:
        with engine.connect() as connection:
            try:
                found = connection.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}")
                revisions = sorted(found.scalars())
            except DBAPIError:
                # No version table: a new database. Anything else is reported as it is.
                connection.rollback()
                if inspect(connection).has_table(VERSION_TABLE):
                    raise
                return None
    except SQLAlchemyError as exc:
        raise _cannot_open(engine, exc) from None
    return ",".join(revisions) or None


def upgrade_database(engine: Engine) -> SchemaChange:
    """Bring the database's schema to ``HEAD`` with the migrations; say what was done.

    The migrations run in one transaction that first takes the schema lock (SQLite: BEGIN
    IMMEDIATE; PostgreSQL: an advisory lock), so that several processes opening one new or
    older database at once (kefu web --workers) do not race: the first migrates it, the
    others wait and then find it current. On SQLite and PostgreSQL DDL is transactional: a
    failed upgrade leaves the database as it was.
    """
    # Imported here: Alembic is needed only when the schema is behind.
    from bot.storage.migrations import runner

    try:
        with engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            sqlite = engine.dialect.name == "sqlite"
            # On the driver's own connection: through SQLAlchemy the pragma would begin the
            # transaction (and take the write lock) before the longer wait is set.
            driver = connection.connection.driver_connection
            if sqlite:
                driver.execute(f"PRAGMA busy_timeout={SCHEMA_WAIT_MS}")
            try:
                with connection.begin():
                    if engine.dialect.name == "postgresql":
                        connection.execute(
                            text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK}
                        )
                    return runner.upgrade(connection, _shown(engine))
            finally:
                if sqlite:  # the pooled connection goes back with a chat turn's patience
                    driver.execute(f"PRAGMA busy_timeout={BUSY_MS}")
    except SQLAlchemyError as exc:
        raise _cannot_open(engine, exc) from None


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


def _shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _cannot_open(engine: Engine, exc: SQLAlchemyError) -> KefuError:
    return KefuError(f"无法打开数据库“{_shown(engine)}”：{_reason(exc)}。{HINT}")


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


def _configure_sqlite(engine: Engine, synchronous: str = "FULL") -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from Python's sqlite3, which would only send it before the first
        # INSERT; ``_on_begin`` sends it instead, so a read-then-write is one transaction.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            _turn_to_wal(cursor)
            for pragma in _SQLITE_PRAGMAS:
                cursor.execute(pragma)
            cursor.execute(f"PRAGMA synchronous={synchronous}")  # one of SYNCHRONOUS
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writer takes the write lock at BEGIN (waiting up to busy_timeout); a deferred
        # transaction that reads and then writes would fail at once under WAL if another
        # connection committed in between.
        options = connection.get_execution_options()
        writes = options.get(WRITE_OPTION, False)
        if writes:
            # synchronous may be changed between transactions; the connection remembers it.
            wanted = "NORMAL" if options.get(RELAXED_OPTION, False) else synchronous
            info = connection.connection.info
            if info.get("synchronous", synchronous) != wanted:
                connection.exec_driver_sql(f"PRAGMA synchronous={wanted}")
                info["synchronous"] = wanted
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _turn_to_wal(cursor: sqlite3.Cursor) -> None:
    """Put the database in WAL mode, waiting as a chat turn would for another process doing it.

    Two processes turning one brand-new database to WAL at once (kefu web --workers) each hold
    a read lock and want the write lock: SQLite sees that waiting could deadlock and fails one
    of them at once with "database is locked", without waiting out the busy timeout. The other
    finishes in milliseconds, so the loser tries again.
    """
    deadline = time.monotonic() + BUSY_MS / 1000
    while True:
        try:
            cursor.execute(_WAL_PRAGMA)
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(_WAL_RETRY_S)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    # sqlite_errorcode exists from Python 3.11; on 3.10 the message is all there is.
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF == sqlite3.SQLITE_BUSY
    return str(exc) == "database is locked"
