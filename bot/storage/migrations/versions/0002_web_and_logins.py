"""The web room and the console's logins: message ids from the channel, seats, clocks, secrets.

``messages.client_id`` with the unique index ``uq_messages_client`` (a message sent twice is
stored once), ``users.password_hash``, and the tables ``web_seats``, ``web_chats``,
``web_login_failures`` and ``web_secrets``.

Development builds between the baseline release and Alembic made some of these with
``create_all`` and the old additive upgrade; such a database is stamped at the baseline like a
released one, so this revision, and only this one, skips what is already there.

Revision ID: 0002_web_and_logins
Revises: 0001_baseline
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_web_and_logins"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

WEB_TABLES = ("web_seats", "web_chats", "web_login_failures", "web_secrets")


def _utc(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=False), nullable=nullable)


def upgrade() -> None:
    present = sa.inspect(op.get_bind())
    tables = set(present.get_table_names())
    message_columns = {c["name"] for c in present.get_columns("messages")}
    message_indexes = {i["name"] for i in present.get_indexes("messages")}
    user_columns = {c["name"] for c in present.get_columns("users")}

    # Adding a nullable column, and (in downgrade) dropping one, SQLite does in place: no batch
    # copy, which would also be refused for users (markers and sign-offs refer to it).
    if "client_id" not in message_columns:
        op.add_column("messages", sa.Column("client_id", sa.String(64)))
    if "uq_messages_client" not in message_indexes:
        op.create_index(
            "uq_messages_client", "messages", ["conversation_id", "client_id"], unique=True
        )
    if "password_hash" not in user_columns:
        op.add_column("users", sa.Column("password_hash", sa.String(200)))

    if "web_seats" not in tables:
        op.create_table(
            "web_seats",
            sa.Column("token", sa.String(64), nullable=False),
            sa.Column("mode", sa.String(20), nullable=False),
            sa.Column("code", sa.String(64)),
            sa.Column("exam_number", sa.String(200)),
            sa.Column("scenario_id", sa.String(200), nullable=False),
            sa.Column("scenario_hash", sa.String(128)),
            sa.Column("conversation_id", sa.String(64)),
            _utc("created_at_utc", nullable=False),
            sa.PrimaryKeyConstraint("token", name="pk_web_seats"),
        )
    if "web_chats" not in tables:
        op.create_table(
            "web_chats",
            sa.Column("conversation_id", sa.String(64), nullable=False),
            _utc("nudge_at_utc"),
            _utc("ends_at_utc"),
            sa.Column("closed_by", sa.String(20)),
            sa.PrimaryKeyConstraint("conversation_id", name="pk_web_chats"),
        )
        op.create_index("ix_web_chats_nudge", "web_chats", ["nudge_at_utc"])
        op.create_index("ix_web_chats_ends", "web_chats", ["ends_at_utc"])
    if "web_login_failures" not in tables:
        op.create_table(
            "web_login_failures",
            sa.Column("address", sa.String(100), nullable=False),
            sa.Column("failures", sa.Integer(), nullable=False),
            _utc("last_at_utc", nullable=False),
            sa.PrimaryKeyConstraint("address", name="pk_web_login_failures"),
        )
    if "web_secrets" not in tables:
        op.create_table(
            "web_secrets",
            sa.Column("name", sa.String(50), nullable=False),
            sa.Column("value", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("name", name="pk_web_secrets"),
        )


def downgrade() -> None:
    for table in reversed(WEB_TABLES):
        op.drop_table(table)
    # SQLite drops a column in place since 3.35 (Python 3.10 ships a later one).
    op.drop_column("users", "password_hash")
    op.drop_index("uq_messages_client", table_name="messages")
    op.drop_column("messages", "client_id")
