"""The exam administration tables: exams, their rosters of candidates, pinned script versions.

They share ``Base`` with the conversation tables; the migrations build them (bot/storage/migrations).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base


class ExamRow(Base):
    """One exam sitting (name and date), to which a roster, a draw and sheets belong."""

    __tablename__ = "exams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    date: Mapped[str] = mapped_column(String(10))  # ISO date, as the school writes it
    created_at_utc: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    # Which customer-service project its candidates take: presale, aftersale or both.
    service: Mapped[str] = mapped_column(String(20), default="both", server_default="both")
    # Double marking: rows further apart than this go to a third grader. Fixed when the exam
    # is created, so that changing the setting later cannot change a result.
    threshold: Mapped[float] = mapped_column(Float, default=2.0, server_default="2")
    # Set once by the draw, which can then not be run again for this exam.
    seed: Mapped[int | None] = mapped_column(BigInteger)
    drawn_at_utc: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))


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


class ScenarioVersionRow(Base):
    """A script version pinned by a draw: the validated scenario as JSON, by its content hash.

    An exam chat runs on this copy, so a trainer editing the file during the exam changes
    nothing for the candidates who were given the earlier version.
    """

    __tablename__ = "scenario_versions"

    hash: Mapped[str] = mapped_column(String(128), primary_key=True)
    scenario_id: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    pinned_at_utc: Mapped[datetime] = mapped_column(DateTime(timezone=False))
