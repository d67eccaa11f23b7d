"""The audit log as a hash chain: an edited, forged or removed entry, or edited sheet values, show.

Each entry holds ``prev_hash`` (the ``entry_hash`` of the entry before it; the first entry's is
``GENESIS``) and its own ``entry_hash``: SHA-256 over ``prev_hash`` and every field. A finalise
entry also holds ``locks_hash``, the digest of the row values it locked, so that changing a
finalised sheet's stored values in SQL no longer matches the entry that locked them.

Who can write the database file can still recompute the whole chain: the chain shows tampering
done with SQL, not by someone who re-implements kefu's hashing. ``verify`` returns the head hash
so that it can be written down (on the signed results) and compared later. The README's security
section says what else closes that gap (PostgreSQL roles).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, inspect, select, text
from sqlalchemy.orm import Session

from bot.core.audit_hash import FIELDS, GENESIS, entry_digest, locks_digest
from bot.storage.grading_models import AuditRow

# Entries checked every time a database is opened; ``kefu exam audit --verify`` checks them all.
TAIL_ON_OPEN = 200
PG_CHAIN_LOCK = 1_605_016  # pg_advisory_xact_lock key: one writer extends the chain at a time


def last_hash(session: Session) -> str:
    """The head of the chain, read inside the writer's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        # READ COMMITTED lets two writers read the same head: serialise them (SQLite's writers
        # are serialised already by BEGIN IMMEDIATE).
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_CHAIN_LOCK})
    head = session.execute(
        text("SELECT entry_hash FROM audit_log ORDER BY id DESC LIMIT 1")
    ).scalar_one_or_none()
    return head or GENESIS


@dataclass
class Verdict:
    """What a check found: the problems (Chinese, one line each), the entries read, the head."""

    problems: list[str]
    checked: int
    head: str

    @property
    def ok(self) -> bool:
        return not self.problems


def check_links(rows: Iterable[Any], start: str | None) -> tuple[list[str], int, str]:
    """Check consecutive entries; ``start`` is the hash the first must follow (None: unknown)."""
    problems: list[str] = []
    expected = start
    count = 0
    head = start or GENESIS
    for row in rows:
        count += 1
        fields = {name: getattr(row, name) for name in FIELDS}
        if row.entry_hash is None or row.prev_hash is None:
            problems.append(f"审计日志第 {row.id} 条没有链哈希：是绕过 kefu 直接插入的（伪造）。")
        elif expected is not None and row.prev_hash != expected:
            problems.append(f"审计日志第 {row.id} 条接不上前一条：前面的条目被删除、插入或改动过。")
        elif entry_digest(row.prev_hash, fields) != row.entry_hash:
            problems.append(f"审计日志第 {row.id} 条的内容与它的哈希不符：条目被改动过。")
        expected = row.entry_hash
        head = row.entry_hash or head
    return problems, count, head


def verify(engine: Engine, full: bool = True) -> Verdict:
    """Check the table, its triggers, the chain (all, or its tail) and the finalised sheets."""
    with engine.connect() as connection:
        problems = guard_problems(connection)
        if "audit_log" not in inspect(connection).get_table_names():
            return Verdict(problems, 0, GENESIS)
        # Typed columns (not raw SQL): times come back as datetimes on every database.
        log = AuditRow.__table__
        if full:
            rows = connection.execute(select(log).order_by(log.c.id))
            found, count, head = check_links(rows, GENESIS)
        else:
            tail = select(log).order_by(log.c.id.desc()).limit(TAIL_ON_OPEN)
            found, count, head = check_links(reversed(connection.execute(tail).all()), None)
        problems += found
        problems += _sheet_problems(connection)
        problems += _missing_records(connection)
        return Verdict(problems, count, head)


def _missing_records(connection: Connection) -> list[str]:
    """Users whose adding is not in the log: entries removed (or the whole log replaced)."""
    users = connection.execute(text("SELECT count(*) FROM users")).scalar_one()
    added = connection.execute(
        text("SELECT count(*) FROM audit_log WHERE action = 'user'")
    ).scalar_one()
    if added < users:
        return [f"有 {users} 位用户，审计日志里只有 {added} 条添加用户的记录：记录被删除过。"]
    return []


def _sheet_problems(connection: Connection) -> list[str]:
    """Every finalised sheet's values must match the finalise entry that locked them."""
    problems = []
    finals = connection.execute(
        text("SELECT id, locked FROM sheets WHERE final = :yes"), {"yes": True}
    ).all()
    if not finals:
        return problems
    locks: dict[int, str | None] = {}
    for sheet_id, action, locks_hash in connection.execute(
        text(
            "SELECT sheet_id, action, locks_hash FROM audit_log "
            "WHERE action IN ('finalise', 'unlock') AND sheet_id IS NOT NULL ORDER BY id"
        )
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


# The triggers that make the table append-only, by dialect (their DDL: grading_models).
TRIGGERS = {
    "sqlite": ("audit_log_no_update", "audit_log_no_delete", "audit_log_no_replace"),
    "postgresql": ("audit_log_no_change", "audit_log_no_truncate"),
}


def present_triggers(connection: Connection) -> set[str]:
    if connection.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
    else:
        query = (
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgrelid = to_regclass('audit_log') AND tgenabled <> 'D'"
        )
    return set(connection.execute(text(query)).scalars())


def guard_problems(connection: Connection) -> list[str]:
    """The table or its triggers missing (or disabled), each as a problem."""
    if "audit_log" not in inspect(connection).get_table_names():
        return ["审计日志表 audit_log 不存在：它被删除了，所有审计记录都已丢失。"]
    missing = set(TRIGGERS.get(connection.dialect.name, ())) - present_triggers(connection)
    return [
        f"审计日志的保护触发器 {name} 被删除或停用了：日志曾可被改动或删除。"
        for name in sorted(missing)
    ]


def restore_guards(engine: Engine) -> list[str]:
    """Put back a dropped audit table (empty) or trigger; say what was put back."""
    from bot.storage.grading_models import POSTGRESQL_GUARDS, SQLITE_GUARDS

    done: list[str] = []
    with engine.begin() as connection:
        if "audit_log" not in inspect(connection).get_table_names():
            AuditRow.__table__.create(connection)  # its triggers come with it (after_create)
            return ["已重建空的审计日志表 audit_log 及其触发器（原有记录无法恢复）。"]
        dialect = connection.dialect.name
        missing = set(TRIGGERS.get(dialect, ())) - present_triggers(connection)
        if not missing:
            return done
        statements = SQLITE_GUARDS if dialect == "sqlite" else POSTGRESQL_GUARDS
        existing = set()
        if dialect == "postgresql":
            existing = set(
                connection.execute(
                    text("SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass('audit_log')")
                ).scalars()
            )
            connection.execute(text(statements[0]))  # the function the triggers call
        for name in sorted(missing):
            if name in existing:  # disabled, not dropped
                connection.execute(text(f"ALTER TABLE audit_log ENABLE TRIGGER {name}"))
            else:
                connection.execute(text(next(s for s in statements if f" {name} " in s)))
            done.append(f"已恢复审计日志的保护触发器 {name}。")
    return done


def check_on_open(engine: Engine) -> list[str]:
    """The quick check made whenever a database is opened: problems found, then repairs made."""
    verdict = verify(engine, full=False)
    if not verdict.problems:
        return []
    repairs = restore_guards(engine)
    if repairs:
        # A restored trigger would hide that it was ever gone: the log itself keeps the finding.
        from bot.storage.audit import SYSTEM, record
        from bot.storage.repository import writing

        with writing(engine) as session:
            record(session, SYSTEM, "alarm", reason="；".join(verdict.problems + repairs))
    return verdict.problems + repairs
