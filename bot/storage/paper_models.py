"""The task papers' tables: a candidate's sitting of a paper, and each answer as typed.

A sitting is keyed by the exam access code, like the chat: the paper (the candidate's variant,
stored whole, so that a trainer editing the file during the exam changes nothing for those who
have it), its clock and its submission. Answers are one row per task, written as they are typed,
so that two tasks saved at once never overwrite each other.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base


class PaperSittingRow(Base):
    """The paper an access code's candidate works on, its deadline and its submission."""

    __tablename__ = "paper_sittings"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    paper_id: Mapped[str] = mapped_column(String(200))
    variant: Mapped[str | None] = mapped_column(String(64))
    paper: Mapped[dict] = mapped_column(JSON)
    opened_at_utc: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    ends_at_utc: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    submitted_at_utc: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    # "candidate" (提交试卷) or "time" (the paper's minutes ran out); None while open.
    closed_by: Mapped[str | None] = mapped_column(String(20))
    # When its scores were carried into the result sheet (once, after submission).
    collected_at_utc: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))


class PaperAnswerRow(Base):
    """One task's answer as the candidate last typed it."""

    __tablename__ = "paper_answers"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict | list | str | None] = mapped_column(JSON)
    saved_at_utc: Mapped[datetime] = mapped_column(DateTime(timezone=False))
