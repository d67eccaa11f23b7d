"""The next message number on the conversation row: ``conversations.next_seq``.

Appending a message used to look up the greatest ``seq`` of the conversation's messages; the
row now carries the next one. Existing conversations get theirs from their messages.

Revision ID: 0004_speed
Revises: 0003_task_papers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_speed"
down_revision = "0003_task_papers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A column with a default SQLite adds in place: no batch copy of a table others refer to.
    op.add_column(
        "conversations",
        sa.Column("next_seq", sa.Integer(), nullable=False, server_default="0"),
    )
    op.execute(
        "UPDATE conversations SET next_seq = COALESCE("
        "(SELECT MAX(seq) + 1 FROM messages WHERE messages.conversation_id = conversations.id), 0)"
    )


def downgrade() -> None:
    op.drop_column("conversations", "next_seq")
