"""The audit log becomes a hash chain: ``prev_hash``, ``entry_hash`` and ``locks_hash``.

The entries already there are chained in id order on upgrade, and each finalise entry that
still locks its sheet gets the digest of the sheet's locked values. The append-only trigger is
lifted for that one update (SQLite: dropped and made again; PostgreSQL: disabled and enabled)
inside the migration's transaction, so no other writer sees the table unguarded.

Revision ID: 0005_audit_chain
Revises: 0004_speed
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from bot.core.audit_hash import FIELDS, GENESIS, entry_digest, locks_digest

revision = "0005_audit_chain"
down_revision = "0004_speed"
branch_labels = None
depends_on = None

COLUMNS = ("prev_hash", "entry_hash", "locks_hash")
APPEND_ONLY = "audit_log is append-only"
SQLITE_NO_UPDATE = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
)

# The log as this revision sees it (never the live models).
log = sa.table(
    "audit_log",
    sa.column("id", sa.Integer),
    sa.column("at_utc", sa.DateTime),
    *(sa.column(name, sa.Integer) for name in ("exam_id", "sheet_id")),
    *(
        sa.column(name, sa.String)
        for name in ("actor", "action", "exam_number", "row_id", "before", "after", "reason")
    ),
    *(sa.column(name, sa.String) for name in COLUMNS),
)


def upgrade() -> None:
    bind = op.get_bind()
    # A development build's create_all may have made them already (as in revision 2).
    present = {c["name"] for c in sa.inspect(bind).get_columns("audit_log")}
    # Adding a nullable column SQLite does in place: no batch copy, the triggers stay.
    for name in COLUMNS:
        if name not in present:
            op.add_column("audit_log", sa.Column(name, sa.String(64), nullable=True))
    locked = _locked_sheets(bind)
    last_finalise = {
        sheet_id: entry_id
        for entry_id, sheet_id in bind.execute(
            sa.select(log.c.id, log.c.sheet_id)
            .where(log.c.action == "finalise", log.c.sheet_id.is_not(None))
            .order_by(log.c.id)
        )
    }
    _lift_guard(bind)
    prev = GENESIS
    for row in bind.execute(sa.select(log).order_by(log.c.id)).mappings().all():
        fields = {name: row[name] for name in FIELDS if name != "locks_hash"}
        fields["locks_hash"] = None
        if row["sheet_id"] in locked and last_finalise.get(row["sheet_id"]) == row["id"]:
            fields["locks_hash"] = locks_digest(row["sheet_id"], locked[row["sheet_id"]])
        digest = entry_digest(prev, fields)
        bind.execute(
            log.update()
            .where(log.c.id == row["id"])
            .values(prev_hash=prev, entry_hash=digest, locks_hash=fields["locks_hash"])
        )
        prev = digest
    _restore_guard(bind)


def _locked_sheets(bind) -> dict[int, dict]:
    sheets = sa.table(
        "sheets", sa.column("id", sa.Integer), sa.column("final"), sa.column("locked", sa.JSON)
    )
    rows = bind.execute(sa.select(sheets.c.id, sheets.c.locked).where(sheets.c.final.is_(True)))
    return {i: (json.loads(v) if isinstance(v, str) else v) or {} for i, v in rows}


def _lift_guard(bind) -> None:
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    elif bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")


def _restore_guard(bind) -> None:
    if bind.dialect.name == "sqlite":
        op.execute(SQLITE_NO_UPDATE)
    elif bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change")


def downgrade() -> None:
    # SQLite drops a column in place since 3.35 (Python 3.10 ships a later one).
    for name in reversed(COLUMNS):
        op.drop_column("audit_log", name)
