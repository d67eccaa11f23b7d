"""Schema migrations (Alembic): new databases, the last release's databases, newer ones, races.

The release database is ``tests/data/migrations/release-1214ed1.sql``, a dump of a database made
by the last release before migrations with its own commands (see the README beside it).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.core.errors import KefuError
from bot.storage import add_message, load_conversation, open_database
from bot.storage.db import connect_database, schema_revision, upgrade_database
from bot.storage.migrations import BASELINE, HEAD, runner
from bot.storage.models import Base

RELEASE_DUMP = Path(__file__).parents[1] / "data" / "migrations" / "release-1214ed1.sql"
KEFU = Path(sys.executable).parent / "kefu"
WEB_TABLES = {"web_seats", "web_chats", "web_login_failures", "web_secrets"}
# What the release database holds (tests/data/migrations/README.md).
RELEASE_ROWS = {
    "conversations": 5,
    "messages": 39,
    "exams": 1,
    "candidates": 5,
    "sheets": 5,
    "scenario_versions": 1,
    "users": 3,
    "markers": 1,
    "marks": 7,
    "signoffs": 1,
    "audit_log": 24,
    "exam_codes": 4,
    "tg_inbox": 0,
}


# ------------------------------------------------------------------------------------ helpers


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database that does not exist yet (SQLite) or is empty (PostgreSQL)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    server = request.getfixturevalue("postgres_url")
    name = f"kefu_migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
    finally:
        admin.dispose()


def differences(engine: Engine) -> list:
    """What Alembic's autogenerate finds between the database and the models (empty: none)."""
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)


def migrate_to(url: str, revision: str, *, down: bool = False) -> None:
    """Run the migrations up (or down) to ``revision`` with Alembic alone."""
    engine = connect_database(url)
    try:
        with engine.begin() as connection:
            migrate = command.downgrade if down else command.upgrade
            migrate(runner.config(connection), revision)
    finally:
        engine.dispose()


def assert_append_only(engine: Engine) -> None:
    """The audit log refuses UPDATE and DELETE of an entry (there is one with id 1)."""
    for statement in ("UPDATE audit_log SET reason = 'rewritten'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))


def add_audit_entry(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_log (id, at_utc, actor, action, reason) "
                "VALUES (1, '2026-06-10 09:00:00', 'kefu', 'exam', '')"
            )
        )


def load_release(path: Path) -> str:
    """A new SQLite file holding the last release's database; its URL."""
    connection = sqlite3.connect(path)
    try:
        connection.executescript(RELEASE_DUMP.read_text(encoding="utf-8"))
    finally:
        connection.close()
    return f"sqlite:///{path}"


def row_counts(path: Path) -> dict[str, int]:
    connection = sqlite3.connect(path)
    try:
        return {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in RELEASE_ROWS
        }
    finally:
        connection.close()


def kefu(*args: str, url: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "KEFU_DB": url}
    env.pop("KEFU_DEBUG", None)
    return subprocess.run(
        [str(KEFU), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


# ------------------------------------------------------------------------------- the revisions


def test_head_is_the_head_alembic_computes() -> None:
    assert runner.computed_head() == HEAD
    assert ScriptDirectory.from_config(runner.config()).get_base() == BASELINE
    # Every revision file is one Alembic knows (a revision per schema change since the baseline).
    files = {p.stem for p in (Path(runner.__file__).parent / "versions").glob("0*.py")}
    assert runner.known_revisions() == files and {BASELINE, HEAD} <= files


def test_the_baseline_is_the_last_releases_schema(tmp_path: Path) -> None:
    """Migrating a new SQLite file to the baseline gives what the release's create_all made,
    statement for statement (tables, constraint names, indexes, triggers)."""

    def schema(path: Path) -> dict[tuple[str, str], str]:
        connection = sqlite3.connect(path)
        try:
            rows = connection.execute(
                "SELECT type, name, sql FROM sqlite_master "
                "WHERE name NOT LIKE 'sqlite_%' AND name != 'alembic_version'"
            ).fetchall()
        finally:
            connection.close()
        return {(kind, name): re.sub(r"\s+", " ", sql) for kind, name, sql in rows}

    load_release(tmp_path / "release.db")
    migrate_to(f"sqlite:///{tmp_path / 'baseline.db'}", BASELINE)
    release, baseline = schema(tmp_path / "release.db"), schema(tmp_path / "baseline.db")
    assert ("trigger", "audit_log_no_replace") in baseline
    assert baseline == release


# ------------------------------------------------------------------- (a) the release's database


def test_a_database_of_the_last_release_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "release.db"
    url = load_release(path)
    before = row_counts(path)
    assert before == RELEASE_ROWS

    # A command opening it is what upgrades it.
    listed = kefu("transcripts", "list", url=url, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    for conversation in ("20261206-024259-d9fc", "20261206-024308-7cb2", "dev-complaint-01"):
        assert conversation in listed.stdout
    assert "升级投诉" in listed.stdout
    sheets = kefu("--as", "王主任", "exam", "sheets", "1", url=url, cwd=tmp_path)
    assert sheets.returncode == 0, sheets.stderr
    assert "张三" in sheets.stdout and "已定稿" in sheets.stdout and "49" in sheets.stdout
    assert len([line for line in sheets.stdout.splitlines() if "2026000" in line]) == 5
    current = kefu("db", "current", url=url, cwd=tmp_path)
    assert current.stdout.strip() == f"{HEAD}（最新）"

    assert row_counts(path) == before
    engine = open_database(url)
    try:
        assert schema_revision(engine) == HEAD
        present = inspect(engine)
        for table in Base.metadata.sorted_tables:
            columns = {c["name"] for c in present.get_columns(table.name)}
            assert columns == {c.name for c in table.columns}, table.name
        assert "uq_messages_client" in {i["name"] for i in present.get_indexes("messages")}
        assert differences(engine) == []
        with engine.connect() as connection:
            actors = connection.execute(text("SELECT actor FROM audit_log ORDER BY id")).scalars()
            assert list(actors)[:4] == ["王主任", "王主任", "王主任", "王主任"]
            locked = connection.execute(text("SELECT locked FROM sheets WHERE final"))
            assert json.loads(locked.scalar_one()) == dict(
                zip([f"new_media.p{n}" for n in range(1, 8)], [8, 9, 10, 5, 6, 7, 4], strict=True)
            )
        assert_append_only(engine)
        # The new columns work on the old rows: a channel's message id is stored once.
        conversation = "20261206-024259-d9fc"
        old = len(load_conversation(engine, conversation).messages)
        add_message(engine, conversation, role="agent", text="亲，在的", client_id="c-1")
        with pytest.raises(IntegrityError):
            add_message(engine, conversation, role="agent", text="亲，在的", client_id="c-1")
        assert len(load_conversation(engine, conversation).messages) == old + 1
    finally:
        engine.dispose()


def test_a_pre_migration_database_is_stamped_then_upgraded(fresh_url: str) -> None:
    """The release's tables without a version table (what its create_all left), on both
    backends: recognised, stamped at the baseline, upgraded; the triggers are still there."""
    migrate_to(fresh_url, BASELINE)
    engine = connect_database(fresh_url)
    add_audit_entry(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE alembic_version")
    change = upgrade_database(engine)
    assert (change.before, change.after, change.stamped) == (None, HEAD, True)
    assert schema_revision(engine) == HEAD
    assert differences(engine) == []
    assert_append_only(engine)
    engine.dispose()


def test_a_database_of_a_development_build_is_upgraded_too(tmp_path: Path) -> None:
    """Built between the release and migrations (create_all): part of revision 2 is there."""
    url = f"sqlite:///{tmp_path / 'dev.db'}"
    engine = create_engine(url)
    Base.metadata.create_all(engine)  # today's models, triggers included
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE web_secrets")
        connection.exec_driver_sql("ALTER TABLE users DROP COLUMN password_hash")
        for later in ("paper_answers", "paper_sittings"):  # revision 3 came after those builds
            connection.exec_driver_sql(f"DROP TABLE {later}")
        # Revision 0006 came after such builds.
        connection.exec_driver_sql("ALTER TABLE conversations DROP COLUMN memory")
        connection.exec_driver_sql("ALTER TABLE messages DROP COLUMN reasons")
        connection.exec_driver_sql("ALTER TABLE conversations DROP COLUMN next_seq")
    engine.dispose()
    engine = open_database(url)
    assert schema_revision(engine) == HEAD
    assert differences(engine) == []
    engine.dispose()


def test_a_database_older_than_the_baseline_is_refused_and_left_alone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'older.db'}"
    migrate_to(url, BASELINE)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE alembic_version")
        connection.exec_driver_sql("ALTER TABLE exams DROP COLUMN drawn_at_utc")
    with pytest.raises(KefuError) as caught:
        open_database(url)
    assert str(caught.value) == (
        f"数据库“{url}”由更早版本的 kefu 创建，缺少列 exams.drawn_at_utc，无法自动升级。"
        "提示：请备份数据库后联系维护者。"
    )
    tables = set(inspect(engine).get_table_names())
    assert "alembic_version" not in tables and "web_seats" not in tables
    engine.dispose()


# ----------------------------------------------------------- (b) migrations equal the models


def test_a_new_database_is_built_by_the_migrations_as_the_models_say(fresh_url: str) -> None:
    engine = open_database(fresh_url)
    try:
        assert schema_revision(engine) == HEAD
        assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {
            "alembic_version"
        }
        assert differences(engine) == []
        add_audit_entry(engine)
        assert_append_only(engine)
    finally:
        engine.dispose()


def test_a_database_at_an_older_revision_is_upgraded_when_opened(fresh_url: str) -> None:
    """Down to the baseline (and the downgrade works), then up again by ``open_database``."""
    open_database(fresh_url).dispose()
    migrate_to(fresh_url, BASELINE, down=True)
    engine = connect_database(fresh_url)
    assert schema_revision(engine) == BASELINE
    assert not WEB_TABLES & set(inspect(engine).get_table_names())
    engine.dispose()
    engine = open_database(fresh_url)
    assert schema_revision(engine) == HEAD
    assert differences(engine) == []
    engine.dispose()


def test_opening_a_current_database_is_one_query_without_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kefu.db'}"
    open_database(url).dispose()
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if statement not in ("BEGIN", "BEGIN IMMEDIATE"):
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        open_database(url).dispose()
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert statements == ["SELECT version_num FROM alembic_version"]
    probe = (
        "import sys; from bot.storage import open_database; "
        f"open_database({url!r}).dispose(); print('alembic' in sys.modules)"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
    )
    assert found.stdout.strip() == "False", found.stderr


# ------------------------------------------------------------------------ a newer database


def test_a_database_newer_than_this_kefu_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kefu.db'}"
    engine = open_database(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
    engine.dispose()
    with pytest.raises(KefuError) as caught:
        open_database(url)
    message = str(caught.value)
    assert f"数据库“{url}”的结构版本 0099_future 比这个 kefu 新" in message
    assert HEAD in message and "请把 kefu 升级到最新版本" in message
    listed = kefu("transcripts", "list", url=url, cwd=tmp_path)
    assert listed.returncode == 2 and listed.stderr.strip() == message
    current = kefu("db", "current", url=url, cwd=tmp_path)
    assert current.returncode == 0 and current.stdout.startswith("0099_future（比这个 kefu 新")
    engine = connect_database(url)
    assert schema_revision(engine) == "0099_future"
    engine.dispose()


# ----------------------------------------------------------------------------- kefu db


def test_kefu_db_current_and_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kefu.db'}"
    assert kefu("db", "current", url=url, cwd=tmp_path).stdout.startswith("数据库文件不存在")
    assert not (tmp_path / "kefu.db").exists()
    migrate_to(url, BASELINE)
    assert kefu("db", "current", url=url, cwd=tmp_path).stdout.startswith(
        f"{BASELINE}（可升级到 {HEAD}：kefu db upgrade"
    )
    upgraded = kefu("db", "upgrade", url=url, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.strip() == f"已从 {BASELINE} 升级到 {HEAD}。"
    again = kefu("db", "upgrade", url=url, cwd=tmp_path)
    assert again.stdout.strip() == f"数据库已是最新版本 {HEAD}，无需升级。"
    assert kefu("db", "current", url=url, cwd=tmp_path).stdout.strip() == f"{HEAD}（最新）"


# --------------------------------------------------------------- (c) processes at once


CHILD = """
import sys, time
from pathlib import Path
from bot.storage.db import open_database, schema_revision
from bot.storage.migrations import runner  # Alembic loaded before the start, to overlap more
Path(sys.argv[2]).touch()
while not Path(sys.argv[3]).exists():
    time.sleep(0.005)
engine = open_database(sys.argv[1])
print(schema_revision(engine))
engine.dispose()
"""


@pytest.mark.slow
def test_processes_opening_one_new_database_at_once_all_succeed(
    fresh_url: str, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    children = []
    for n in range(3):
        ready = tmp_path / f"ready-{n}"
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, fresh_url, str(ready), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        children.append((child, ready))
    deadline = time.monotonic() + 60
    while not all(ready.exists() for _, ready in children) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    results = [(child.communicate(timeout=120), child.returncode) for child, _ in children]
    for (out, err), returncode in results:
        assert returncode == 0, err
        assert out.strip() == HEAD
    engine = connect_database(fresh_url)
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert versions == [(HEAD,)]
        assert differences(engine) == []
    finally:
        engine.dispose()


@pytest.mark.slow
def test_opening_waits_for_another_process_creating_the_tables_past_a_turns_wait(
    tmp_path: Path,
) -> None:
    # Three workers starting at once on a loaded machine: the first's migrations held the
    # write lock past the 5 s a chat turn waits, and the others failed "database is locked".
    path = tmp_path / "new.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("PRAGMA journal_mode=WAL")
    other.execute("BEGIN IMMEDIATE")  # as a process busy creating the tables

    def release() -> None:
        time.sleep(7.0)
        other.execute("ROLLBACK")

    holder = threading.Thread(target=release)
    holder.start()
    started = time.monotonic()
    engine = open_database(f"sqlite:///{path}")
    waited = time.monotonic() - started
    holder.join()
    other.close()
    try:
        assert waited >= 6.5 and schema_revision(engine) == HEAD
        with engine.connect() as connection:  # a turn's wait is back to its own
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    finally:
        engine.dispose()
