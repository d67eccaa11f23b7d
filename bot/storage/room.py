"""The exam room as the organiser watches it: each customer-service candidate's chat, live.

One query however many candidates: the draw's sheets with their code, the code's conversation
and, from a grouped subquery, how many messages it has and when the last one (and the last
agent message) came. Times stay naive UTC here; the console turns them into "how long ago".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, case, func, select
from sqlalchemy.orm import Session

from bot.storage.exam_models import CandidateRow
from bot.storage.exams import get_exam
from bot.storage.grading_models import SheetRow
from bot.storage.holds import EXPIRY
from bot.storage.models import ConversationRow, MessageRow
from bot.storage.telegram_models import ExamCodeRow
from bot.storage.times import join_time


@dataclass(frozen=True)
class RoomSeat:
    """One customer-service candidate of a drawn exam and where their chat stands."""

    exam_number: str
    name: str
    class_name: str
    code: str
    project: str
    scenario_id: str | None
    # True while a terminal or a browser holds the code (opened, maybe not yet started).
    held: bool
    conversation_id: str | None = None
    channel: str | None = None
    started_at: datetime | None = None  # at the offset it was stored with
    started_at_utc: datetime | None = None
    outcome: str | None = None  # None while the chat runs (or has not begun)
    ended_at: datetime | None = None
    messages: int = 0
    agent_messages: int = 0
    last_message_utc: datetime | None = None
    last_agent_utc: datetime | None = None

    @property
    def started(self) -> bool:
        return self.conversation_id is not None

    @property
    def finished(self) -> bool:
        return self.outcome is not None


def room(engine: Engine, exam_id: int, at_utc: datetime) -> list[RoomSeat]:
    """The customer-service candidates of an exam in roster order (none before the draw).

    ``at_utc`` (naive UTC) decides whether a code's hold is still fresh.
    """
    get_exam(engine, exam_id)  # NotFound, with its hint
    ours = (
        select(ExamCodeRow.conversation_id)
        .join(SheetRow, SheetRow.code == ExamCodeRow.code)
        .where(SheetRow.exam_id == exam_id, ExamCodeRow.conversation_id.is_not(None))
    )
    is_agent = MessageRow.role == "agent"
    stats = (
        select(
            MessageRow.conversation_id.label("conversation_id"),
            func.count().label("messages"),
            func.sum(case((is_agent, 1), else_=0)).label("agent_messages"),
            func.max(MessageRow.at_utc).label("last_at"),
            func.max(case((is_agent, MessageRow.at_utc))).label("last_agent_at"),
        )
        .where(MessageRow.conversation_id.in_(ours))
        .group_by(MessageRow.conversation_id)
        .subquery()
    )
    query = (
        select(
            CandidateRow.exam_number,
            CandidateRow.name,
            CandidateRow.class_name,
            SheetRow.code,
            SheetRow.project,
            SheetRow.scenario_id,
            ExamCodeRow.holder,
            ExamCodeRow.held_at_utc,
            ExamCodeRow.conversation_id,
            ConversationRow.channel,
            ConversationRow.started_at_utc,
            ConversationRow.started_at_offset,
            ConversationRow.outcome,
            ConversationRow.ended_at_utc,
            ConversationRow.ended_at_offset,
            stats.c.messages,
            stats.c.agent_messages,
            stats.c.last_at,
            stats.c.last_agent_at,
        )
        .select_from(SheetRow)
        .join(CandidateRow, CandidateRow.id == SheetRow.candidate_id)
        .outerjoin(ExamCodeRow, ExamCodeRow.code == SheetRow.code)
        .outerjoin(ConversationRow, ConversationRow.id == ExamCodeRow.conversation_id)
        .outerjoin(stats, stats.c.conversation_id == ExamCodeRow.conversation_id)
        .where(SheetRow.exam_id == exam_id, SheetRow.code.is_not(None))
        .order_by(SheetRow.candidate_id)
    )
    with Session(engine) as session:
        rows = session.execute(query).all()
    return [
        RoomSeat(
            exam_number=r.exam_number,
            name=r.name,
            class_name=r.class_name,
            code=r.code,
            project=r.project,
            scenario_id=r.scenario_id,
            held=bool(r.holder) and r.held_at_utc is not None and at_utc - r.held_at_utc < EXPIRY,
            conversation_id=r.conversation_id,
            channel=r.channel,
            started_at=None
            if r.started_at_utc is None
            else join_time(r.started_at_utc, r.started_at_offset),
            started_at_utc=r.started_at_utc,
            outcome=r.outcome,
            ended_at=None
            if r.ended_at_utc is None
            else join_time(r.ended_at_utc, r.ended_at_offset),
            messages=r.messages or 0,
            agent_messages=r.agent_messages or 0,
            last_message_utc=r.last_at,
            last_agent_utc=r.last_agent_at,
        )
        for r in rows
    ]
