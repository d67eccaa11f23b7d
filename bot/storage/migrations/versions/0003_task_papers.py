"""Task papers: a candidate's sitting of a paper and the answers as typed.

The tables ``paper_sittings`` (one per access code: the paper given, its clock, its submission)
and ``paper_answers`` (one row per task, saved as the candidate types).

Revision ID: 0003_task_papers
Revises: 0002_web_and_logins
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_task_papers"
down_revision = "0002_web_and_logins"
branch_labels = None
depends_on = None


def _utc(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=False), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "paper_sittings",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("paper_id", sa.String(200), nullable=False),
        sa.Column("variant", sa.String(64)),
        sa.Column("paper", sa.JSON(), nullable=False),
        _utc("opened_at_utc", nullable=False),
        _utc("ends_at_utc", nullable=False),
        _utc("submitted_at_utc"),
        sa.Column("closed_by", sa.String(20)),
        _utc("collected_at_utc"),
        sa.PrimaryKeyConstraint("code", name="pk_paper_sittings"),
    )
    op.create_table(
        "paper_answers",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("value", sa.JSON()),
        _utc("saved_at_utc", nullable=False),
        sa.PrimaryKeyConstraint("code", "task_id", name="pk_paper_answers"),
    )


def downgrade() -> None:
    op.drop_table("paper_answers")
    op.drop_table("paper_sittings")
