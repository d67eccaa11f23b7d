"""Baseline: the schema of the last release before Alembic (commit 1214ed1).

Conversations and messages, the exam tables, grading (users, sheets, markers, marks, sign-offs,
the append-only audit log with its triggers) and the Telegram channel's tables. Frozen: this file
describes that release's schema and must not follow later changes to the models.

Revision ID: 0001_baseline
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = "audit_log is append-only"

SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
    # INSERT OR REPLACE deletes the old row without firing delete triggers.
    "CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
    "WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
)

POSTGRESQL_TRIGGERS = (
    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$",
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
)


def _utc(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=False), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("scenario_id", sa.String(200)),
        sa.Column("scenario_hash", sa.String(128)),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.Text()),
        sa.Column("seed", sa.BigInteger()),
        sa.Column("state", sa.String(200)),
        sa.Column("mood", sa.Integer()),
        sa.Column("misses", sa.Integer()),
        sa.Column("turn", sa.Integer()),
        sa.Column("outcome", sa.String(100)),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("candidate", sa.String(200)),
        _utc("started_at_utc", nullable=False),
        sa.Column("started_at_offset", sa.Integer()),
        _utc("ended_at_utc"),
        sa.Column("ended_at_offset", sa.Integer()),
        sa.Column("source", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_conversations"),
        sa.CheckConstraint(
            "kind IN ('presale', 'objection', 'complaint')", name="ck_conversations_kind"
        ),
    )
    op.create_index("ix_conversations_started", "conversations", ["started_at_utc", "id"])

    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _utc("at_utc"),
        sa.Column("at_offset", sa.Integer()),
        sa.Column("moves", sa.JSON(), nullable=False),
        sa.Column("violations", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_id_seq"),
        sa.CheckConstraint("role IN ('customer', 'agent')", name="ck_messages_role"),
        sa.CheckConstraint("seq >= 0", name="ck_messages_seq"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_messages_conversation_id_conversations",
            ondelete="CASCADE",
        ),
    )

    op.create_table(
        "exams",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        _utc("created_at_utc", nullable=False),
        sa.Column("service", sa.String(20), server_default="both", nullable=False),
        sa.Column("threshold", sa.Float(), server_default="2", nullable=False),
        sa.Column("seed", sa.BigInteger()),
        _utc("drawn_at_utc"),
        sa.PrimaryKeyConstraint("id", name="pk_exams"),
    )

    op.create_table(
        "candidates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("exam_number", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("class_name", sa.String(100), nullable=False),
        sa.Column("school", sa.String(200), nullable=False),
        sa.Column("roster_row", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_candidates"),
        sa.UniqueConstraint("exam_id", "exam_number", name="uq_candidates_exam_id_exam_number"),
        sa.ForeignKeyConstraint(["exam_id"], ["exams.id"], name="fk_candidates_exam_id_exams"),
    )

    op.create_table(
        "scenario_versions",
        sa.Column("hash", sa.String(128), nullable=False),
        sa.Column("scenario_id", sa.String(200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        _utc("pinned_at_utc", nullable=False),
        sa.PrimaryKeyConstraint("hash", name="pk_scenario_versions"),
    )

    op.create_table(
        "users",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        _utc("created_at_utc", nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_users"),
        sa.CheckConstraint("role IN ('grader', 'chief_grader', 'admin')", name="ck_users_role"),
    )

    op.create_table(
        "sheets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("module", sa.String(40), nullable=False),
        sa.Column("project", sa.String(60), nullable=False),
        sa.Column("form_id", sa.String(100), nullable=False),
        sa.Column("scenario_id", sa.String(200)),
        sa.Column("scenario_hash", sa.String(128)),
        sa.Column("code", sa.String(64)),
        sa.Column("auto", sa.JSON()),
        sa.Column("auto_total", sa.Float()),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("locked", sa.JSON()),
        sa.PrimaryKeyConstraint("id", name="pk_sheets"),
        sa.UniqueConstraint("candidate_id", name="uq_sheets_candidate_id"),
        sa.ForeignKeyConstraint(["exam_id"], ["exams.id"], name="fk_sheets_exam_id_exams"),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name="fk_sheets_candidate_id_candidates"
        ),
    )

    op.create_table(
        "markers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("grader", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_markers"),
        sa.UniqueConstraint("sheet_id", "round", name="uq_markers_sheet_id_round"),
        sa.UniqueConstraint("sheet_id", "grader", name="uq_markers_sheet_id_grader"),
        sa.CheckConstraint("round IN (1, 2, 3)", name="ck_markers_round"),
        sa.ForeignKeyConstraint(["sheet_id"], ["sheets.id"], name="fk_markers_sheet_id_sheets"),
        sa.ForeignKeyConstraint(["grader"], ["users.name"], name="fk_markers_grader_users"),
    )

    op.create_table(
        "marks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("row_id", sa.String(100), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_marks"),
        sa.UniqueConstraint("sheet_id", "round", "row_id", name="uq_marks_sheet_id_round_row_id"),
        sa.ForeignKeyConstraint(["sheet_id"], ["sheets.id"], name="fk_marks_sheet_id_sheets"),
    )

    op.create_table(
        "signoffs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("grader", sa.String(100), nullable=False),
        _utc("at_utc", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_signoffs"),
        sa.UniqueConstraint("sheet_id", "grader", name="uq_signoffs_sheet_id_grader"),
        sa.ForeignKeyConstraint(["sheet_id"], ["sheets.id"], name="fk_signoffs_sheet_id_sheets"),
        sa.ForeignKeyConstraint(["grader"], ["users.name"], name="fk_signoffs_grader_users"),
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _utc("at_utc", nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("exam_id", sa.Integer()),
        sa.Column("sheet_id", sa.Integer()),
        sa.Column("exam_number", sa.String(64)),
        sa.Column("row_id", sa.String(100)),
        sa.Column("before", sa.Text()),
        sa.Column("after", sa.Text()),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in POSTGRESQL_TRIGGERS:
            op.execute(statement)

    op.create_table(
        "tg_inbox",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger()),
        sa.Column("message_id", sa.BigInteger()),
        sa.Column("payload", sa.JSON(), nullable=False),
        _utc("received_at_utc", nullable=False),
        sa.Column("conversation_id", sa.String(64)),
        sa.Column("agent_seq", sa.Integer()),
        _utc("handled_at_utc"),
        sa.PrimaryKeyConstraint("update_id", name="pk_tg_inbox"),
    )
    op.create_index("ix_tg_inbox_pending", "tg_inbox", ["handled_at_utc", "update_id"])

    op.create_table(
        "tg_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reply_markup", sa.JSON()),
        sa.Column("update_id", sa.BigInteger()),
        _utc("created_at_utc", nullable=False),
        _utc("sent_at_utc"),
        sa.Column("error", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_tg_outbox"),
    )
    op.create_index("ix_tg_outbox_pending", "tg_outbox", ["sent_at_utc", "chat_id", "id"])

    op.create_table(
        "tg_chats",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("code", sa.String(64)),
        _utc("nudge_at_utc"),
        _utc("ends_at_utc"),
        sa.PrimaryKeyConstraint("chat_id", name="pk_tg_chats"),
    )

    op.create_table(
        "tg_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("update_id", sa.BigInteger()),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("conversation_id", sa.String(64)),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("ref_message_id", sa.BigInteger()),
        sa.Column("ref_seq", sa.Integer()),
        _utc("at_utc", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tg_notes"),
        sa.UniqueConstraint("update_id", name="uq_tg_notes_update_id"),
    )
    op.create_index("ix_tg_notes_chat_id", "tg_notes", ["chat_id"])

    op.create_table(
        "exam_codes",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("scenario_id", sa.String(200), nullable=False),
        sa.Column("scenario_hash", sa.String(128)),
        _utc("created_at_utc", nullable=False),
        _utc("used_at_utc"),
        sa.Column("chat_id", sa.BigInteger()),
        sa.Column("conversation_id", sa.String(64)),
        sa.Column("holder", sa.String(200)),
        _utc("held_at_utc"),
        sa.PrimaryKeyConstraint("code", name="pk_exam_codes"),
    )


def downgrade() -> None:
    # Dropping audit_log drops its triggers; the PostgreSQL function goes separately.
    for table in (
        "exam_codes",
        "tg_notes",
        "tg_chats",
        "tg_outbox",
        "tg_inbox",
        "audit_log",
        "signoffs",
        "marks",
        "markers",
        "sheets",
        "users",
        "scenario_versions",
        "candidates",
        "exams",
        "messages",
        "conversations",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_log_append_only()")
