"""Opening the database: tables, SQLite settings on every connection, and clean errors."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from bot.core.errors import KefuError
from bot.storage import load_conversation, open_database
from bot.storage.audit_chain import verify
from bot.storage.db import HINT, _mask, connect_database, schema_revision
from bot.storage.exams import get_exam
from bot.storage.migrations import BASELINE, HEAD, runner

EXPECTED_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": 2,
    "busy_timeout": 5000,
    "foreign_keys": 1,
}


def _pragmas(engine: Engine) -> dict[str, object]:
    with engine.connect() as connection:
        return {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in EXPECTED_PRAGMAS
        }


def test_open_database_creates_the_folder_and_the_tables(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "kefu.db"
    engine = open_database(f"sqlite:///{path}")
    try:
        assert path.is_file()
        assert {"conversations", "messages"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_opening_an_existing_database_again_keeps_its_data(
    db_url: str, engine: Engine, live_id: str
) -> None:
    again = open_database(db_url)
    try:
        assert load_conversation(again, live_id).id == live_id
    finally:
        again.dispose()


def test_the_sqlite_settings_are_in_effect(engine: Engine) -> None:
    # synchronous 2 is FULL.
    assert _pragmas(engine) == EXPECTED_PRAGMAS


def test_the_settings_hold_on_every_pooled_connection(engine: Engine) -> None:
    with engine.connect() as first, engine.connect() as second:
        for connection in (first, second):
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_connections_turning_one_new_database_to_wal_at_once_all_succeed(
    tmp_path: Path,
) -> None:
    # Two processes turning a new file to WAL at once can deadlock on its locks; SQLite then
    # fails one at once with "database is locked" rather than wait (about 1 round in 6 with
    # eight here, before the retry). An engine per thread stands for a process: threads share
    # SQLite's file locks as processes do, and one engine would make its first connection alone.
    rounds, threads = 60, 8
    failures: list[Exception] = []
    for n in range(rounds):
        url = f"sqlite:///{tmp_path / f'new-{n}.db'}"
        start = threading.Barrier(threads)

        def connect(url: str = url, start: threading.Barrier = start) -> None:
            engine = connect_database(url)
            start.wait()
            try:
                with engine.connect() as connection:
                    assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            except Exception as exc:  # every failure is collected, to be shown below
                failures.append(exc)
            finally:
                engine.dispose()

        workers = [threading.Thread(target=connect) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    assert failures == []


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO messages (conversation_id, seq, role, text, moves, violations) "
                "VALUES ('nobody', 0, 'agent', 'hi', '[]', '[]')"
            )
        )


def test_a_malformed_url_is_a_clean_error() -> None:
    with pytest.raises(KefuError) as caught:
        open_database("nonsense")
    assert str(caught.value) == f"数据库地址“nonsense”格式不对，应为 SQLAlchemy 地址。{HINT}"
    assert "检查 --db 或环境变量 KEFU_DB" in HINT


def test_a_malformed_url_does_not_show_its_password() -> None:
    with pytest.raises(KefuError) as caught:
        open_database("my db://kefu:s3cret@db.example/kefu")
    assert "s3cret" not in str(caught.value)
    assert "my db://kefu:***@db.example/kefu" in str(caught.value)


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("u:p@ss/w@host/db", "u:***@host/db"),
        ("x://user@host/db", "x://user@host/db"),
        ("sqlite:///a:b.db", "sqlite:///a:b.db"),
    ],
)
def test_mask_hides_only_the_password(url: str, masked: str) -> None:
    assert _mask(url) == masked


def test_an_unknown_backend_is_a_clean_error() -> None:
    with pytest.raises(KefuError) as caught:
        open_database("nosuchdb://kefu:s3cret@localhost/kefu")
    message = str(caught.value)
    assert message.startswith("数据库地址“nosuchdb://kefu:***@localhost/kefu”无法使用：")
    assert message.endswith(HINT)


def test_an_unreachable_server_is_a_clean_error_without_the_password() -> None:
    # Port 1 refuses at once; without psycopg installed, the missing driver is reported instead.
    with pytest.raises(KefuError) as caught:
        open_database("postgresql+psycopg://kefu:s3cret@127.0.0.1:1/kefu")
    message = str(caught.value)
    assert "postgresql+psycopg://kefu:***@127.0.0.1:1/kefu" in message
    assert "s3cret" not in message
    assert "KEFU_DB" in message


def test_a_file_that_is_not_a_database_is_a_clean_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database, just notes\n" * 100, encoding="utf-8")
    with pytest.raises(KefuError) as caught:
        open_database(f"sqlite:///{path}")
    assert str(caught.value) == f"无法打开数据库“sqlite:///{path}”：file is not a database。{HINT}"


def test_a_folder_that_cannot_be_made_is_a_clean_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(KefuError) as caught:
        open_database(f"sqlite:///{blocker / 'sub' / 'kefu.db'}")
    assert str(caught.value).startswith(
        f"无法为数据库“sqlite:///{blocker / 'sub' / 'kefu.db'}”创建文件夹"
    )


def test_a_database_from_an_older_kefu_gets_the_new_columns_and_keeps_its_rows(tmp_path):
    """A database at the previous release's revision is upgraded when opened, its rows kept."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = connect_database(url)
    with engine.begin() as connection:  # the previous release's tables, from its migration
        command.upgrade(runner.config(connection), BASELINE)
    with engine.begin() as connection:  # rows as that release wrote them (no audit chain yet)
        exam_id = connection.execute(
            text(
                "INSERT INTO exams (name, date, created_at_utc) "
                "VALUES ('旧考试', '2026-01-01', :at) RETURNING id"
            ),
            {"at": datetime(2026, 1, 1)},
        ).scalar_one()
        connection.execute(
            text(
                "INSERT INTO audit_log (at_utc, actor, action, exam_id, after, reason) "
                "VALUES (:at, '王主任', 'user', NULL, '王主任（管理员）', ''), "
                "(:at, '王主任', 'exam', :exam, '旧考试', '')"
            ),
            {"at": datetime(2026, 1, 1), "exam": exam_id},
        )
        connection.execute(
            text("INSERT INTO users (name, role, created_at_utc) VALUES ('王主任', 'admin', :at)"),
            {"at": datetime(2026, 1, 1)},
        )
    assert "password_hash" not in {c["name"] for c in inspect(engine).get_columns("users")}
    engine.dispose()
    upgraded = open_database(url)
    assert schema_revision(upgraded) == HEAD
    assert "password_hash" in {c["name"] for c in inspect(upgraded).get_columns("users")}
    assert "client_id" in {c["name"] for c in inspect(upgraded).get_columns("messages")}
    assert "uq_messages_client" in {i["name"] for i in inspect(upgraded).get_indexes("messages")}
    assert {"web_seats", "web_chats", "web_login_failures", "web_secrets"} <= set(
        inspect(upgraded).get_table_names()
    )
    exam = get_exam(upgraded, exam_id)
    assert (exam.name, exam.service, exam.seed) == ("旧考试", "both", None)
    chained = verify(upgraded)  # the old entries are chained by the upgrade
    assert chained.checked == 2 and chained.problems == []
    with upgraded.connect() as connection:
        assert connection.execute(text("SELECT name, password_hash FROM users")).all() == [
            ("王主任", None)
        ]
    upgraded.dispose()
