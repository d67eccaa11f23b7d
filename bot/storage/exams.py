"""Exams and rosters behind plain functions that hand back dataclasses."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.core.errors import KefuError, NotFound
from bot.storage.audit import record
from bot.storage.exam_models import CandidateRow, ExamRow
from bot.storage.repository import writing
from bot.storage.times import now, split_time


@dataclass(frozen=True)
class Candidate:
    """One roster line."""

    exam_number: str
    name: str
    class_name: str
    school: str
    roster_row: int = 0


@dataclass(frozen=True)
class Exam:
    id: int
    name: str
    date: str
    candidates: int
    service: str = "both"
    seed: int | None = None
    threshold: float = 2.0

    @property
    def drawn(self) -> bool:
        return self.seed is not None


def create_exam(
    engine: Engine,
    name: str,
    date: str,
    service: str = "both",
    actor: str = "",
    threshold: float = 2.0,
) -> int:
    """Create an exam; return its id."""
    with writing(engine) as session:
        row = ExamRow(
            name=name,
            date=date,
            service=service,
            threshold=threshold,
            created_at_utc=split_time(now())[0],
        )
        session.add(row)
        session.flush()
        record(session, actor, "exam", exam_id=row.id, after=f"{name}（{date}）")
        return row.id


def get_exam(engine: Engine, exam_id: int) -> Exam:
    """Return an exam with its roster size, or raise ``NotFound``."""
    with Session(engine) as session:
        row = session.get(ExamRow, exam_id)
        if row is None:
            raise NotFound(f"没有编号为 {exam_id} 的考试。提示：kefu exam list 查看已有的考试。")
        count = session.scalar(
            select(func.count()).select_from(CandidateRow).where(CandidateRow.exam_id == exam_id)
        )
        return Exam(row.id, row.name, row.date, count or 0, row.service, row.seed, row.threshold)


def list_exams(engine: Engine) -> list[Exam]:
    with Session(engine) as session:
        ids = session.scalars(select(ExamRow.id).order_by(ExamRow.id)).all()
    return [get_exam(engine, i) for i in ids]


def import_roster(
    engine: Engine, exam_id: int, candidates: list[Candidate], actor: str = "", source: str = ""
) -> int:
    """Add a whole roster in one transaction: all of it or, on any conflict, none of it."""
    if get_exam(engine, exam_id).drawn:
        raise KefuError(f"考试 {exam_id} 已经抽考，不能再导入考生。")
    if not candidates:
        raise KefuError(f"{source or '名单'}: 名单里没有考生（只有表头？）。没有导入任何考生。")
    with writing(engine) as session:
        taken = set(
            session.scalars(
                select(CandidateRow.exam_number).where(CandidateRow.exam_id == exam_id)
            ).all()
        )
        clashes = [c for c in candidates if c.exam_number in taken]
        if clashes:
            raise KefuError(
                "\n".join(
                    f"{source or '名单'}:{c.roster_row}: 准考证号 {c.exam_number} 已在本场考试的名单中"
                    for c in clashes
                )
                + "\n没有导入任何考生。"
            )
        session.add_all(
            CandidateRow(
                exam_id=exam_id,
                exam_number=c.exam_number,
                name=c.name,
                class_name=c.class_name,
                school=c.school,
                roster_row=c.roster_row,
            )
            for c in candidates
        )
        record(
            session, actor, "roster", exam_id=exam_id, after=f"{len(candidates)} 人", reason=source
        )
    return len(candidates)


def roster(engine: Engine, exam_id: int) -> list[Candidate]:
    with Session(engine) as session:
        rows = session.scalars(
            select(CandidateRow).where(CandidateRow.exam_id == exam_id).order_by(CandidateRow.id)
        ).all()
        return [
            Candidate(r.exam_number, r.name, r.class_name, r.school, r.roster_row) for r in rows
        ]
