"""The grading tables: users, result sheets, marks, sign-offs and the append-only audit log.

The audit log is append-only in the database itself: triggers (SQLite and PostgreSQL) refuse
every UPDATE and DELETE on it (an insert over an existing entry on SQLite, TRUNCATE on
PostgreSQL), so no code path, however wrong, and
no later tool that connects with kefu's credentials can rewrite what happened.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DDL,
    JSON,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.marking import ROLES
from bot.storage.models import Base, _one_of


class UserRow(Base):
    """A named user of the grading system with one role."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_one_of("role", tuple(ROLES)), name="role"),)

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at_utc: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    # An argon2 hash (kefu user passwd); null: the user cannot log in to the web console.
    password_hash: Mapped[str | None] = mapped_column(String(200))


class SheetRow(Base):
    """A candidate's result sheet: the module and project drawn, the form, the chat if any."""

    __tablename__ = "sheets"
    __table_args__ = (UniqueConstraint("candidate_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"))
    module: Mapped[str] = mapped_column(String(40))
    project: Mapped[str] = mapped_column(String(60))
    form_id: Mapped[str] = mapped_column(String(100))
    # Customer service only: the scenario and pinned version given, and the access code.
    scenario_id: Mapped[str | None] = mapped_column(String(200))
    scenario_hash: Mapped[str | None] = mapped_column(String(128))
    code: Mapped[str | None] = mapped_column(String(64))
    # The automatic rows carried from the chat: {row id: [points, [evidence], comment]}.
    auto: Mapped[dict | None] = mapped_column(JSON)
    auto_total: Mapped[float | None] = mapped_column(Float)
    final: Mapped[bool] = mapped_column(default=False)
    # The final value of every row as signed ({row id: points}), kept while the sheet is
    # final, so that nothing changed later (a rubric, a setting) can change a signed result.
    locked: Mapped[dict | None] = mapped_column(JSON)


class MarkerRow(Base):
    """Who marks a sheet in which round (1 first, 2 blind second, 3 arbiter)."""

    __tablename__ = "markers"
    __table_args__ = (
        UniqueConstraint("sheet_id", "round"),
        UniqueConstraint("sheet_id", "grader"),
        CheckConstraint("round IN (1, 2, 3)", name="round"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("sheets.id"))
    round: Mapped[int] = mapped_column(Integer)
    grader: Mapped[str] = mapped_column(ForeignKey("users.name"))


class MarkRow(Base):
    """A grader's current value for one row in one round (its history is in the audit log)."""

    __tablename__ = "marks"
    __table_args__ = (UniqueConstraint("sheet_id", "round", "row_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("sheets.id"))
    round: Mapped[int] = mapped_column(Integer)
    row_id: Mapped[str] = mapped_column(String(100))
    points: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")


class SignoffRow(Base):
    """A user's agreement that a sheet is final; enough of them lock it."""

    __tablename__ = "signoffs"
    __table_args__ = (UniqueConstraint("sheet_id", "grader"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("sheets.id"))
    grader: Mapped[str] = mapped_column(ForeignKey("users.name"))
    at_utc: Mapped[datetime] = mapped_column(DateTime(timezone=False))


class AuditRow(Base):
    """One change: who, when, what (sheet, row), the value before and after, and why."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at_utc: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    exam_id: Mapped[int | None] = mapped_column(Integer)
    sheet_id: Mapped[int | None] = mapped_column(Integer)
    exam_number: Mapped[str | None] = mapped_column(String(64))
    row_id: Mapped[str | None] = mapped_column(String(100))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")
    # The hash chain (bot.storage.audit_chain): the previous entry's hash, this entry's, and for
    # a finalise entry the digest of the values it locked.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    entry_hash: Mapped[str | None] = mapped_column(String(64))
    locks_hash: Mapped[str | None] = mapped_column(String(64))


APPEND_ONLY = "audit_log is append-only"

# Named so that bot.storage.audit_chain can put back a trigger someone dropped.
SQLITE_GUARDS = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
    # INSERT OR REPLACE deletes the old row without firing delete triggers (unless the
    # connection turned recursive_triggers on), so an insert over an existing id is refused too.
    "CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
    "WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
)
POSTGRESQL_GUARDS = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$",
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
)
for _statement in SQLITE_GUARDS:
    event.listen(AuditRow.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRESQL_GUARDS:
    event.listen(
        AuditRow.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql")
    )
