"""Issue 16, item 7: the audit log is a hash chain; forging, deleting or editing shows.

A real exam database is made with the real commands (a sheet marked and finalised), then
copied and tampered with in plain SQL, one way per copy, as a database file's owner could.
``kefu exam audit --verify`` and the warning printed when the database is opened must say so.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli.test_exam_roster_cli import roster_rows, write_csv

pytestmark = pytest.mark.slow

A, B = "李老师", "张老师"
WARNING = "⚠ 审计警告："


@pytest.fixture
def finalised(run, admin, tmp_path) -> Path:
    """A database with one sheet marked and finalised by A; its path."""
    for name in (A, B):
        admin("user", "add", name, "--role", "grader")
    admin("exam", "create", "--name", "期末考核", "--date", "2026-06-10")
    admin("exam", "roster", "1", str(write_csv(tmp_path / "r.csv", roster_rows(4))))
    table = json.loads(admin("exam", "draw", "--exam", "1", "--seed", "5", "--json").stdout)
    number = next(c for c in table["candidates"] if c["module"] != "customer_service")[
        "exam_number"
    ]
    sheet = json.loads(run("exam", "sheet", "1", number, "--json", user=A).stdout)
    values = [f"{r['id']}={r['max'] / 2:g}" for r in sheet["rows"]]
    assert run("exam", "grade", "1", number, *values, user=A).returncode == 0
    assert run("exam", "finalise", "1", number, user=A).returncode == 0
    good = admin("exam", "audit", "--verify")
    assert good.returncode == 0 and good.stderr == "", good.stderr
    assert good.stdout.startswith("✓ 审计日志完整：")
    return tmp_path / "kefu.db"


def tampered(source: Path, target: Path, *sql: str) -> dict[str, str]:
    """A copy of the database with ``sql`` run on it; the environment that points kefu there."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    with sqlite3.connect(target) as db:
        db.executescript(";\n".join(sql))
    db.close()
    return {"KEFU_DB": f"sqlite:///{target}"}


def verify(admin, env):
    return admin("exam", "audit", "--verify", extra_env=env)


def test_a_forged_insert_is_detected(admin, finalised, tmp_path):
    env = tampered(
        finalised,
        tmp_path / "forged.db",
        "INSERT INTO audit_log (at_utc, actor, action, exam_id, reason) "
        "VALUES ('2026-06-10 10:00:00', '李老师', 'mark', 1, '')",
    )
    result = verify(admin, env)
    assert result.returncode == 2
    last = sqlite3.connect(tmp_path / "forged.db").execute("SELECT max(id) FROM audit_log")
    forged = last.fetchone()[0]
    assert f"审计日志第 {forged} 条没有链哈希：是绕过 kefu 直接插入的（伪造）。" in result.stderr
    assert "审计日志不可信" in result.stderr
    shown = admin("exam", "audit", "1", extra_env=env)  # the plain listing says it too
    assert shown.returncode == 2 and "✗ 审计日志被篡改" in shown.stderr


def test_a_forged_insert_with_made_up_hashes_is_detected(admin, finalised, tmp_path):
    env = tampered(
        finalised,
        tmp_path / "forged2.db",
        "INSERT INTO audit_log (at_utc, actor, action, exam_id, reason, prev_hash, entry_hash) "
        "SELECT '2026-06-10 10:00:00', '李老师', 'mark', 1, '', entry_hash, "
        "'0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' "
        "FROM audit_log ORDER BY id DESC LIMIT 1",
    )
    result = verify(admin, env)
    assert result.returncode == 2 and "的内容与它的哈希不符：条目被改动过。" in result.stderr


def test_a_deleted_entry_is_detected_and_the_dropped_trigger_restored(admin, finalised, tmp_path):
    env = tampered(
        finalised,
        tmp_path / "deleted.db",
        "DROP TRIGGER audit_log_no_delete",
        "DELETE FROM audit_log WHERE id = 4",
    )
    result = verify(admin, env)
    assert result.returncode == 2
    assert (
        f"{WARNING}审计日志的保护触发器 audit_log_no_delete 被删除或停用了：日志曾可被改动或删除。"
        in result.stderr
    )
    assert f"{WARNING}已恢复审计日志的保护触发器 audit_log_no_delete。" in result.stderr
    assert "审计日志第 5 条接不上前一条：前面的条目被删除、插入或改动过。" in result.stderr
    with sqlite3.connect(tmp_path / "deleted.db") as db:
        triggers = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
        alarm = db.execute("SELECT reason FROM audit_log WHERE action = 'alarm'").fetchall()
    db.close()
    assert "audit_log_no_delete" in triggers
    assert len(alarm) == 1 and "audit_log_no_delete 被删除或停用了" in alarm[0][0]
    listing = admin("exam", "audit", "1", extra_env=env).stdout
    assert "发现篡改" in listing  # the finding stays in the log after the repair


def test_an_edited_entry_is_detected(admin, finalised, tmp_path):
    env = tampered(
        finalised,
        tmp_path / "edited.db",
        "DROP TRIGGER audit_log_no_update",
        "UPDATE audit_log SET after = '99' WHERE id = (SELECT min(id) FROM audit_log "
        "WHERE action = 'mark')",
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    )
    result = verify(admin, env)
    assert result.returncode == 2 and "的内容与它的哈希不符：条目被改动过。" in result.stderr
    assert WARNING not in result.stderr or "触发器" not in result.stderr  # put back by hand


def test_edited_finalised_values_are_detected(admin, finalised, tmp_path):
    with sqlite3.connect(finalised) as db:
        sheet_id, locked = db.execute("SELECT id, locked FROM sheets WHERE final = 1").fetchone()
    db.close()
    values = json.loads(locked)
    first = sorted(values)[0]
    values[first] += 10
    env = tampered(
        finalised,
        tmp_path / "sheet.db",
        f"UPDATE sheets SET locked = '{json.dumps(values)}' WHERE id = {sheet_id}",
    )
    result = verify(admin, env)
    assert result.returncode == 2
    assert f"评分表 {sheet_id} 定稿后的分数被改动过（与定稿记录的哈希不符）。" in result.stderr


def test_a_dropped_audit_table_is_reported_not_shown_as_an_empty_log(admin, finalised, tmp_path):
    env = tampered(finalised, tmp_path / "dropped.db", "DROP TABLE audit_log")
    result = admin("exam", "audit", "1", extra_env=env)
    assert result.returncode == 2
    assert (
        f"{WARNING}审计日志表 audit_log 不存在：它被删除了，所有审计记录都已丢失。" in result.stderr
    )
    assert "标为已定稿，但审计日志里没有锁定它的定稿记录" in result.stderr
    assert "有 3 位用户，审计日志里只有 0 条添加用户的记录：记录被删除过。" in result.stderr
