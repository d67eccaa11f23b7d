"""Issue 16, item 7: the audit chain in storage: an older log chained on upgrade, links checked."""

from __future__ import annotations

import sqlite3
import uuid
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from bot.core.audit_hash import GENESIS
from bot.storage import open_database
from bot.storage.audit import add_user, entries
from bot.storage.audit_chain import check_on_open, verify
from tests.storage.test_migrations import load_release


def test_the_last_releases_log_is_chained_on_upgrade_and_verifies(tmp_path: Path):
    url = load_release(tmp_path / "release.db")
    with sqlite3.connect(tmp_path / "release.db") as db:
        before = db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
        finals = db.execute("SELECT count(*) FROM sheets WHERE final = 1").fetchone()[0]
    db.close()
    engine = open_database(url)
    verdict = verify(engine)
    assert verdict.ok, verdict.problems
    assert verdict.checked == before == len(entries(engine)) and before > 0
    with engine.connect() as connection:
        links = connection.execute(
            text("SELECT prev_hash, entry_hash, locks_hash FROM audit_log ORDER BY id")
        ).all()
    assert links[0][0] == GENESIS
    assert all(later[0] == earlier[1] for earlier, later in pairwise(links))
    assert sum(1 for link in links if link[2]) == finals  # each locked sheet's finalise entry
    add_user(engine, "新老师", "grader", "王主任")  # new entries extend the upgraded chain
    assert verify(engine).ok and verify(engine).checked == before + 1
    engine.dispose()


def test_the_check_on_open_reads_only_the_tail_but_sees_a_break_there(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'k.db'}"
    engine = open_database(url)
    for i in range(5):
        add_user(engine, f"用户{i}", "admin" if i == 0 else "grader", "用户0")
    assert check_on_open(engine) == []
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        connection.exec_driver_sql("UPDATE audit_log SET actor = '别人' WHERE id = 5")
    found = check_on_open(engine)
    assert found == [
        "审计日志的保护触发器 audit_log_no_update 被删除或停用了：日志曾可被改动或删除。",
        "审计日志第 5 条的内容与它的哈希不符：条目被改动过。",
        "已恢复审计日志的保护触发器 audit_log_no_update。",
    ]
    assert check_on_open(engine) == ["审计日志第 5 条的内容与它的哈希不符：条目被改动过。"]
    engine.dispose()


def test_on_postgresql_a_disabled_or_dropped_trigger_is_put_back_and_an_edit_found(
    postgres_url: str,
):
    name = f"kefu_audit_{uuid.uuid4().hex[:12]}"
    server = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        engine = open_database(
            make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
        )
        for i in range(3):
            add_user(engine, f"用户{i}", "admin" if i == 0 else "grader", "用户0")
        assert check_on_open(engine) == [] and verify(engine).checked == 3
        with engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
            connection.exec_driver_sql("UPDATE audit_log SET reason = '改过' WHERE id = 2")
            connection.exec_driver_sql("DROP TRIGGER audit_log_no_truncate ON audit_log")
        assert check_on_open(engine) == [
            "审计日志的保护触发器 audit_log_no_change 被删除或停用了：日志曾可被改动或删除。",
            "审计日志的保护触发器 audit_log_no_truncate 被删除或停用了：日志曾可被改动或删除。",
            "审计日志第 2 条的内容与它的哈希不符：条目被改动过。",
            "已恢复审计日志的保护触发器 audit_log_no_change。",
            "已恢复审计日志的保护触发器 audit_log_no_truncate。",
        ]
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM audit_log")
        assert [e.action for e in entries(engine)][-1] == "alarm"
        engine.dispose()
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        server.dispose()
