"""Checking the audit chain in plain SQL, on any ``Reader`` (SQLAlchemy's connection or sqlite3).

Every command checks the tail of the log when it opens the database (``bot.storage.audit_chain``
says what the chain is and repairs what can be repaired). The checks only read, and are written
here over a ``bot.storage.reader.Reader`` so that a read-only command on SQLite makes exactly
the same check without importing SQLAlchemy. Nothing here writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.audit_hash import FIELDS, GENESIS, entry_digest, locks_digest
from bot.storage.reader import Reader, moment

# Entries checked every time a database is opened; ``kefu exam audit --verify`` checks them all.
TAIL_ON_OPEN = 200
# The triggers that make the table append-only, by dialect (their DDL: grading_models).
TRIGGERS = {
    "sqlite": ("audit_log_no_update", "audit_log_no_delete", "audit_log_no_replace"),
    "postgresql": ("audit_log_no_change", "audit_log_no_truncate"),
}
_COLUMNS = ("id", "prev_hash", "entry_hash", *FIELDS)
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM audit_log"


@dataclass
class Verdict:
    """What a check found: the problems (Chinese, one line each), the entries read, the head."""

    problems: list[str]
    checked: int
    head: str

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_with(reader: Reader, full: bool = True) -> Verdict:
    """Check the table, its triggers, the chain (all, or its tail) and the finalised sheets."""
    problems = guard_problems(reader)
    if not has_audit_table(reader):
        return Verdict(problems, 0, GENESIS)
    if full:
        found, count, head = check_links(_entries(reader.stream(f"{_SELECT} ORDER BY id")), GENESIS)
    else:
        tail = reader.rows(f"{_SELECT} ORDER BY id DESC LIMIT {TAIL_ON_OPEN}")
        found, count, head = check_links(_entries(reversed(tail)), None)
    problems += found
    problems += _sheet_problems(reader)
    problems += _missing_records(reader)
    return Verdict(problems, count, head)


def _entries(rows: Iterable[Any]) -> Iterable[dict[str, Any]]:
    for row in rows:
        entry = dict(zip(_COLUMNS, row, strict=True))
        # The hash covers the time as a datetime prints it, whatever the database hands back.
        entry["at_utc"] = moment(entry["at_utc"]) if entry["at_utc"] is not None else None
        yield entry


def check_links(rows: Iterable[Mapping[str, Any]], start: str | None) -> tuple[list[str], int, str]:
    """Check consecutive entries; ``start`` is the hash the first must follow (None: unknown)."""
    problems: list[str] = []
    expected = start
    count = 0
    head = start or GENESIS
    for row in rows:
        count += 1
        fields = {name: row[name] for name in FIELDS}
        if row["entry_hash"] is None or row["prev_hash"] is None:
            problems.append(
                f"审计日志第 {row['id']} 条没有链哈希：是绕过 kefu 直接插入的（伪造）。"
            )
        elif expected is not None and row["prev_hash"] != expected:
            problems.append(
                f"审计日志第 {row['id']} 条接不上前一条：前面的条目被删除、插入或改动过。"
            )
        elif entry_digest(row["prev_hash"], fields) != row["entry_hash"]:
            problems.append(f"审计日志第 {row['id']} 条的内容与它的哈希不符：条目被改动过。")
        expected = row["entry_hash"]
        head = row["entry_hash"] or head
    return problems, count, head


def _missing_records(reader: Reader) -> list[str]:
    """Users whose adding is not in the log: entries removed (or the whole log replaced)."""
    users = reader.rows("SELECT count(*) FROM users")[0][0]
    added = reader.rows("SELECT count(*) FROM audit_log WHERE action = 'user'")[0][0]
    if added < users:
        return [f"有 {users} 位用户，审计日志里只有 {added} 条添加用户的记录：记录被删除过。"]
    return []


def _sheet_problems(reader: Reader) -> list[str]:
    """Every finalised sheet's values must match the finalise entry that locked them."""
    problems = []
    finals = reader.rows("SELECT id, locked FROM sheets WHERE final = :yes", {"yes": True})
    if not finals:
        return problems
    locks: dict[int, str | None] = {}
    for sheet_id, action, locks_hash in reader.stream(
        "SELECT sheet_id, action, locks_hash FROM audit_log "
        "WHERE action IN ('finalise', 'unlock') AND sheet_id IS NOT NULL ORDER BY id"
    ):
        locks[sheet_id] = locks_hash if action == "finalise" else None
    for sheet_id, locked in finals:
        values = json.loads(locked) if isinstance(locked, str) else locked
        if locks.get(sheet_id) is None:
            problems.append(
                f"评分表 {sheet_id} 标为已定稿，但审计日志里没有锁定它的定稿记录（记录被删除或伪造）。"
            )
        elif locks[sheet_id] != locks_digest(sheet_id, values):
            problems.append(f"评分表 {sheet_id} 定稿后的分数被改动过（与定稿记录的哈希不符）。")
    return problems


def has_audit_table(reader: Reader) -> bool:
    """Whether the table ``audit_log`` exists (in the schema kefu's tables are in)."""
    if reader.dialect == "sqlite":
        query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'"
    else:
        # As SQLAlchemy's inspector looks: the connection's default schema.
        query = (
            "SELECT 1 FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_name = 'audit_log'"
        )
    return bool(reader.rows(query))


def present_triggers(reader: Reader) -> set[str]:
    if reader.dialect == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
    else:
        query = (
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgrelid = to_regclass('audit_log') AND tgenabled <> 'D'"
        )
    return {row[0] for row in reader.rows(query)}


def guard_problems(reader: Reader) -> list[str]:
    """The table or its triggers missing (or disabled), each as a problem."""
    if not has_audit_table(reader):
        return ["审计日志表 audit_log 不存在：它被删除了，所有审计记录都已丢失。"]
    missing = set(TRIGGERS.get(reader.dialect, ())) - present_triggers(reader)
    return [
        f"审计日志的保护触发器 {name} 被删除或停用了：日志曾可被改动或删除。"
        for name in sorted(missing)
    ]
