"""The web channel's storage: seats, the server-side clocks of web chats, login failures.

Plain functions over an ``Engine`` that hand back dataclasses, like the rest of ``bot.storage``.
A deadline is claimed with a conditional UPDATE before it is acted on, so that when several
server processes serve one exam, exactly one of them nudges the customer or ends the chat.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.audit import utc_now
from bot.storage.repository import writing
from bot.storage.telegram_models import ExamCodeRow
from bot.storage.web_models import WebChatRow, WebLoginFailureRow, WebSeatRow, WebSecretRow

# Wrong codes from one address before each further try has to wait, and how the wait grows.
FREE_TRIES = 5
MAX_WAIT = timedelta(seconds=60)
# Failures older than this are forgotten.
FAILURE_MEMORY = timedelta(minutes=15)


@dataclass(frozen=True)
class Seat:
    """One browser's seat."""

    token: str
    mode: str
    scenario_id: str
    scenario_hash: str | None
    code: str | None = None
    exam_number: str | None = None
    conversation_id: str | None = None

    @property
    def exam(self) -> bool:
        return self.mode == "exam"


@dataclass(frozen=True)
class Clocks:
    """A web chat's deadlines, in naive UTC (None: not running)."""

    nudge_at: datetime | None = None
    ends_at: datetime | None = None
    # Who ended the chat: "customer", "candidate" or "time"; None while it runs.
    closed_by: str | None = None


def create_seat(engine: Engine, seat: Seat) -> Seat:
    """Store a new seat (or replace the one with the same token) and return it."""
    with writing(engine) as session:
        row = session.get(WebSeatRow, seat.token, with_for_update=True)
        if row is None:
            row = WebSeatRow(token=seat.token, created_at_utc=utc_now())
            session.add(row)
        row.mode, row.code, row.exam_number = seat.mode, seat.code, seat.exam_number
        row.scenario_id, row.scenario_hash = seat.scenario_id, seat.scenario_hash
        row.conversation_id = seat.conversation_id
    return seat


def get_seat(engine: Engine, token: str) -> Seat | None:
    with Session(engine) as session:
        row = session.get(WebSeatRow, token)
        return None if row is None else _seat(row)


def set_seat_conversation(engine: Engine, token: str, conversation_id: str) -> None:
    with writing(engine) as session:
        row = session.get(WebSeatRow, token, with_for_update=True)
        if row is not None:
            row.conversation_id = conversation_id


def start_clocks(
    engine: Engine, conversation_id: str, nudge_at: datetime | None, ends_at: datetime | None
) -> None:
    """Set a new web chat's deadlines (naive UTC; None: that clock does not run)."""
    with writing(engine) as session:
        row = session.get(WebChatRow, conversation_id, with_for_update=True)
        if row is None:
            row = WebChatRow(conversation_id=conversation_id)
            session.add(row)
        row.nudge_at_utc, row.ends_at_utc = nudge_at, ends_at


def set_nudge(engine: Engine, conversation_id: str, nudge_at: datetime | None) -> None:
    """Move (or stop, with None) a web chat's nudge; its end time stays."""
    with writing(engine) as session:
        session.execute(
            update(WebChatRow)
            .where(WebChatRow.conversation_id == conversation_id)
            .values(nudge_at_utc=nudge_at)
        )


def stop_clocks(engine: Engine, conversation_id: str, closed_by: str) -> None:
    """Stop both clocks of a chat that has ended, and say who ended it."""
    with writing(engine) as session:
        session.execute(
            update(WebChatRow)
            .where(WebChatRow.conversation_id == conversation_id)
            .values(nudge_at_utc=None, ends_at_utc=None, closed_by=closed_by)
        )


def get_clocks(engine: Engine, conversation_id: str) -> Clocks:
    with Session(engine) as session:
        row = session.get(WebChatRow, conversation_id)
        if row is None:
            return Clocks()
        return Clocks(row.nudge_at_utc, row.ends_at_utc, row.closed_by)


def due_clocks(engine: Engine, now: datetime | None = None) -> list[tuple[str, Clocks]]:
    """The web chats with a deadline at or before ``now`` (naive UTC)."""
    now = now or utc_now()
    with Session(engine) as session:
        rows = session.scalars(
            select(WebChatRow).where(
                or_(WebChatRow.nudge_at_utc <= now, WebChatRow.ends_at_utc <= now)
            )
        )
        return [(r.conversation_id, Clocks(r.nudge_at_utc, r.ends_at_utc)) for r in rows]


def claim_nudge(engine: Engine, conversation_id: str, due: datetime) -> bool:
    """Take the nudge that was due at ``due``; False when another process took it, or it moved."""
    return _claim(engine, conversation_id, WebChatRow.nudge_at_utc, due, clear_both=False)


def claim_end(engine: Engine, conversation_id: str, due: datetime) -> bool:
    """Take the chat's end (its time is up); False when another process took it first."""
    return _claim(engine, conversation_id, WebChatRow.ends_at_utc, due, clear_both=True)


def _claim(engine: Engine, conversation_id: str, column, due: datetime, clear_both: bool) -> bool:
    values: dict[str, object] = {column.key: None}
    if clear_both:
        values = {"nudge_at_utc": None, "ends_at_utc": None, "closed_by": "time"}
    with writing(engine) as session:
        result = session.execute(
            update(WebChatRow)
            .where(WebChatRow.conversation_id == conversation_id, column == due)
            .values(**values)
        )
        return result.rowcount == 1


def code_of_conversation(engine: Engine, conversation_id: str) -> str | None:
    """The access code whose exam chat this is, if any."""
    with Session(engine) as session:
        return session.scalar(
            select(ExamCodeRow.code).where(ExamCodeRow.conversation_id == conversation_id)
        )


def secret(engine: Engine, name: str) -> str:
    """The signing key ``name``, made on first use and then the same for every server process."""
    with Session(engine) as session:
        row = session.get(WebSecretRow, name)
        if row is not None:
            return row.value
    try:
        with writing(engine) as session:
            session.add(WebSecretRow(name=name, value=secrets.token_urlsafe(48)))
    except IntegrityError:
        pass  # another process made it a moment ago: use theirs
    with Session(engine) as session:
        row = session.get(WebSecretRow, name)
        assert row is not None
        return row.value


def login_wait(engine: Engine, address: str, now: datetime | None = None) -> float:
    """Seconds this address must still wait before trying another code (0: it may try now)."""
    now = now or utc_now()
    with Session(engine) as session:
        row = session.get(WebLoginFailureRow, address)
        if row is None or row.failures < FREE_TRIES or now - row.last_at_utc > FAILURE_MEMORY:
            return 0.0
        wait = min(timedelta(seconds=2 ** (row.failures - FREE_TRIES)), MAX_WAIT)
        return max(0.0, (row.last_at_utc + wait - now).total_seconds())


def record_login_failure(engine: Engine, address: str) -> int:
    """Count one more wrong code from this address; return how many in a row."""
    now = utc_now()
    with writing(engine) as session:
        row = session.get(WebLoginFailureRow, address, with_for_update=True)
        if row is None:
            row = WebLoginFailureRow(address=address, failures=0, last_at_utc=now)
            session.add(row)
        elif now - row.last_at_utc > FAILURE_MEMORY:
            row.failures = 0
        row.failures += 1
        row.last_at_utc = now
        return row.failures


def clear_login_failures(engine: Engine, address: str) -> None:
    with writing(engine) as session:
        row = session.get(WebLoginFailureRow, address, with_for_update=True)
        if row is not None:
            session.delete(row)


def _seat(row: WebSeatRow) -> Seat:
    return Seat(
        token=row.token,
        mode=row.mode,
        scenario_id=row.scenario_id,
        scenario_hash=row.scenario_hash,
        code=row.code,
        exam_number=row.exam_number,
        conversation_id=row.conversation_id,
    )
