"""Plain-SQL reads that run on an engine's connection or on a bare sqlite3 connection.

``kefu transcripts list`` must answer within 0.3 s at 100,000 stored conversations, and importing
SQLAlchemy alone takes about 0.17 s here (Python itself starts in 0.02 s). A command that only
reads therefore asks for a ``Reader``: over Python's own ``sqlite3`` when the database is an
SQLite file whose schema is current and whose audit log passes the check made on every opening
(``open_sqlite_reader``, no SQLAlchemy imported), otherwise over the engine's connection
(``AlchemyReader``: PostgreSQL, and every database that must first be made, upgraded or repaired).
The SQL is the same on both; this module imports neither SQLAlchemy nor the models.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.storage.migrations import HEAD

if TYPE_CHECKING:
    from sqlalchemy import Connection

# The URL prefixes read here as "the rest is a file name"; anything else (other backends,
# in-memory databases, URI file names, query options, %-escapes) goes through SQLAlchemy, whose
# reading of the URL is the reference.
_SQLITE_PREFIXES = ("sqlite:///", "sqlite+pysqlite:///")
# As long as kefu's own SQLite connections wait for a lock (busy_timeout, bot.storage.db).
_BUSY_SECONDS = 5.0
# Rows fetched at a time when a reader streams (a server-side cursor on PostgreSQL).
STREAM_BATCH = 1000


class Reader:
    """Run read-only SQL with ``:name`` parameters; rows come back as tuples."""

    dialect: str

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Sequence[Any]]:
        """All rows of one SELECT."""
        raise NotImplementedError

    def stream(self, sql: str, params: Mapping[str, Any] | None = None) -> Iterable[Sequence[Any]]:
        """The rows of one SELECT as the database hands them, not all held at once."""
        raise NotImplementedError


class SqliteReader(Reader):
    """A ``Reader`` over a sqlite3 connection (the caller closes it)."""

    dialect = "sqlite"

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Sequence[Any]]:
        return self.connection.execute(sql, params or {}).fetchall()

    def stream(self, sql: str, params: Mapping[str, Any] | None = None) -> Iterable[Sequence[Any]]:
        return self.connection.execute(sql, params or {})

    def close(self) -> None:
        self.connection.close()


class AlchemyReader(Reader):
    """A ``Reader`` over a SQLAlchemy connection: the same SQL as ``text()``."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Sequence[Any]]:
        from sqlalchemy import text

        return list(self.connection.execute(text(sql), dict(params or {})).all())

    def stream(self, sql: str, params: Mapping[str, Any] | None = None) -> Iterable[Sequence[Any]]:
        from sqlalchemy import text

        return self.connection.execute(
            text(sql), dict(params or {}), execution_options={"yield_per": STREAM_BATCH}
        )


def moment(value: datetime | str) -> datetime:
    """A stored time as a ``datetime``: SQLite hands back the text SQLAlchemy wrote there
    (``2026-06-10 09:00:05.000000``), PostgreSQL a ``datetime`` already."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def sqlite_file(url: str) -> Path | None:
    """The file of a plain SQLite URL (``sqlite:///kefu.db``); None for any other URL."""
    for prefix in _SQLITE_PREFIXES:
        if url.startswith(prefix):
            name = url[len(prefix) :]
            plain = name and not any(c in name for c in "?%#") and name != ":memory:"
            return Path(name) if plain and not name.startswith("file:") else None
    return None


def open_sqlite_reader(url: str) -> SqliteReader | None:
    """A reader over sqlite3 for ``url`` when it needs nothing but reading; else None.

    None when the URL is not a plain SQLite file, the file does not exist (opening makes it),
    its schema is not ``HEAD`` (opening upgrades it), or the audit check on opening finds a
    problem (opening warns and repairs): the caller then opens the database the usual way, which
    does all that and checks the log again.
    """
    path = sqlite_file(url)
    if path is None or not path.is_file():
        return None
    # Imported here: the check needs the audit hashes, which a URL we pass on never does.
    from bot.storage.audit_verify import verify_with

    reader = SqliteReader(sqlite3.connect(path, timeout=_BUSY_SECONDS))
    try:
        revisions = sorted(r[0] for r in reader.rows("SELECT version_num FROM alembic_version"))
        if ",".join(revisions) == HEAD and verify_with(reader, full=False).ok:
            return reader
    except (sqlite3.Error, ValueError):
        pass  # not a database, no version table, an unreadable value: the usual way says what
    reader.close()
    return None
