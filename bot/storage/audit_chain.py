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

from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from bot.core.audit_hash import GENESIS
from bot.storage.audit_verify import TRIGGERS, Verdict, present_triggers, verify_with
from bot.storage.grading_models import AuditRow
from bot.storage.reader import AlchemyReader

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


def verify(engine: Engine, full: bool = True) -> Verdict:
    """Check the table, its triggers, the chain (all, or its tail) and the finalised sheets."""
    with engine.connect() as connection:
        # The checks themselves are plain SQL (bot.storage.audit_verify): a read-only command on
        # SQLite makes the same ones without SQLAlchemy (bot.storage.reader).
        return verify_with(AlchemyReader(connection), full)


def restore_guards(engine: Engine) -> list[str]:
    """Put back a dropped audit table (empty) or trigger; say what was put back."""
    from bot.storage.grading_models import POSTGRESQL_GUARDS, SQLITE_GUARDS

    done: list[str] = []
    with engine.begin() as connection:
        if "audit_log" not in inspect(connection).get_table_names():
            AuditRow.__table__.create(connection)  # its triggers come with it (after_create)
            return ["已重建空的审计日志表 audit_log 及其触发器（原有记录无法恢复）。"]
        dialect = connection.dialect.name
        missing = set(TRIGGERS.get(dialect, ())) - present_triggers(AlchemyReader(connection))
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
