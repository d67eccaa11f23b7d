"""The customer's memory and the reasons for its replies.

``conversations.memory`` (JSON): what the scripted customer remembers (moves not yet taken up,
questions answered, concessions offered, what was agreed), so that a conversation resumed after
a restart remembers what it was told. ``messages.reasons`` (JSON): why the customer said a reply
(已回答：保质期，第 3 条 / 客户还在等：保质期), shown in the practice view and the report.

Revision ID: 0006_reply_reasons
Revises: 0005_audit_chain
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_reply_reasons"
down_revision = "0005_audit_chain"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns: SQLite adds them in place (no batch copy of tables others refer to).
    op.add_column("conversations", sa.Column("memory", sa.JSON(), nullable=True))
    op.add_column("messages", sa.Column("reasons", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("messages", "reasons")
    op.drop_column("conversations", "memory")
