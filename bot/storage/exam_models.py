"""The exam administration tables: exams and their rosters of candidates.

They share ``Base`` with the conversation tables so that ``open_database`` creates them too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base


class ExamRow(Base):
    """One exam sitting (name and date), to which a roster, a draw and sheets belong."""

    __tablename__ = "exams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    date: Mapped[str] = mapped_column(String(10))  # ISO date, as the school writes it
    created_at_utc: Mapped[datetime] = mapped_column(DateTime(timezone=False))


class CandidateRow(Base):
    """A candidate on an exam's roster: 准考证号, 姓名, 班级, 学校."""

    __tablename__ = "candidates"
    __table_args__ = (UniqueConstraint("exam_id", "exam_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"))
    exam_number: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    class_name: Mapped[str] = mapped_column(String(100))
    school: Mapped[str] = mapped_column(String(200))
    roster_row: Mapped[int] = mapped_column(Integer)
