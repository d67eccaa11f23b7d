"""Storage of task-paper sittings and answers: plain functions that hand back dataclasses.

An answer is saved the moment the page sends it (one row per task, upserted), and refused once
the paper is submitted or its time is up, so what the grader sees is what was there at the end.
A sitting whose time ran out counts as submitted (by "time") whether or not a page was open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.errors import KefuError
from bot.storage.audit import utc_now
from bot.storage.paper_models import PaperAnswerRow, PaperSittingRow
from bot.storage.repository import writing


class PaperClosed(KefuError):
    """The paper was submitted or its time is up: answers can no longer change."""


@dataclass(frozen=True)
class NewSitting:
    """What a first opening stores: the paper given (its variant) and its minutes."""

    paper_id: str
    variant: str | None
    paper: dict[str, Any]
    minutes: int


@dataclass(frozen=True)
class Sitting:
    """A candidate's sitting of a paper, with the answers saved so far (task id → value)."""

    code: str
    paper_id: str
    variant: str | None
    paper: dict[str, Any]
    opened_at: datetime
    ends_at: datetime
    submitted_at: datetime | None
    closed_by: str | None
    answers: dict[str, Any] = field(default_factory=dict)
    collected: bool = False  # its scores are in the result sheet

    def remaining(self, now: datetime | None = None) -> float:
        """Seconds left (0 when submitted or past the deadline)."""
        if self.submitted_at is not None:
            return 0.0
        return max(0.0, (self.ends_at - (now or utc_now())).total_seconds())

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None


def _sitting(session: Session, row: PaperSittingRow) -> Sitting:
    answers = {
        task_id: value
        for task_id, value in session.execute(
            select(PaperAnswerRow.task_id, PaperAnswerRow.value).where(
                PaperAnswerRow.code == row.code
            )
        )
    }
    return Sitting(
        row.code,
        row.paper_id,
        row.variant,
        row.paper,
        row.opened_at_utc,
        row.ends_at_utc,
        row.submitted_at_utc,
        row.closed_by,
        answers,
        row.collected_at_utc is not None,
    )


def _close_if_due(row: PaperSittingRow, now: datetime) -> None:
    if row.submitted_at_utc is None and row.ends_at_utc <= now:
        row.submitted_at_utc, row.closed_by = row.ends_at_utc, "time"


def get_sitting(engine: Engine, code: str) -> Sitting | None:
    """The sitting of an access code (closed by "time" if its deadline passed), or None."""
    with writing(engine) as session:
        row = session.get(PaperSittingRow, code, with_for_update=True)
        if row is None:
            return None
        _close_if_due(row, utc_now())
        return _sitting(session, row)


def open_sitting(engine: Engine, code: str, make: Callable[[], NewSitting]) -> Sitting:
    """The code's sitting, made with ``make()`` on the first opening (its clock starts then)."""
    found = get_sitting(engine, code)
    if found is not None:
        return found
    new = make()
    now = utc_now()
    try:
        with writing(engine) as session:
            session.add(
                PaperSittingRow(
                    code=code,
                    paper_id=new.paper_id,
                    variant=new.variant,
                    paper=new.paper,
                    opened_at_utc=now,
                    ends_at_utc=now + timedelta(minutes=new.minutes),
                )
            )
    except IntegrityError:
        pass  # another tab opened it a moment earlier: that one counts
    found = get_sitting(engine, code)
    assert found is not None
    return found


def save_answer(engine: Engine, code: str, task_id: str, value: Any) -> datetime:
    """Store one task's answer as typed; refuse when the paper is closed. Returns when saved."""
    now = utc_now()
    with writing(engine) as session:
        sitting = session.get(PaperSittingRow, code, with_for_update=True)
        if sitting is None:
            raise PaperClosed("还没有打开试卷。")
        _close_if_due(sitting, now)
        if sitting.submitted_at_utc is not None:
            raise PaperClosed(
                "考试时间已到，试卷已自动提交，答案不能再修改。"
                if sitting.closed_by == "time"
                else "试卷已经提交，答案不能再修改。"
            )
        row = session.get(PaperAnswerRow, (code, task_id))
        if row is None:
            session.add(PaperAnswerRow(code=code, task_id=task_id, value=value, saved_at_utc=now))
        else:
            row.value, row.saved_at_utc = value, now
    return now


def submit_sitting(engine: Engine, code: str, closed_by: str = "candidate") -> Sitting:
    """Submit the paper (once: a second submission changes nothing)."""
    now = utc_now()
    with writing(engine) as session:
        row = session.get(PaperSittingRow, code, with_for_update=True)
        if row is None:
            raise PaperClosed("还没有打开试卷。")
        _close_if_due(row, now)
        if row.submitted_at_utc is None:
            row.submitted_at_utc, row.closed_by = now, closed_by
        return _sitting(session, row)


def sittings(engine: Engine, codes: list[str]) -> dict[str, Sitting]:
    """The sittings of these access codes (those that have one), by code."""
    if not codes:
        return {}
    now = utc_now()
    with Session(engine) as session:
        rows = session.scalars(select(PaperSittingRow).where(PaperSittingRow.code.in_(codes)))
        out = {}
        for row in rows:
            _close_if_due(row, now)  # not written back: shown as closed, stored at the next write
            out[row.code] = _sitting(session, row)
        return out


def mark_collected(engine: Engine, code: str) -> None:
    """Note that a submitted sitting's scores were carried into its result sheet."""
    with writing(engine) as session:
        row = session.get(PaperSittingRow, code, with_for_update=True)
        if row is not None and row.submitted_at_utc is not None:
            row.collected_at_utc = utc_now()
