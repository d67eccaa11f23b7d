"""The Telegram channel's storage: inbox, outbox, chat bindings, deadlines, notes, exam codes.

Plain functions over an ``Engine``, dataclasses out, like ``bot.storage.repository``. What one
update changes (replies to send, the chat's binding, its deadlines, a note, a used code, the
update marked handled) is written by ``apply`` in ONE transaction, so a crash leaves either all
of it or none of it, and a replay of the update can start again from a clean state.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.core.errors import KefuError
from bot.storage.models import MessageRow
from bot.storage.repository import (
    _locked,
    _message_row,
    _next_seq,
    _take_seqs,
    write_turn,
    writing,
)
from bot.storage.telegram_models import (
    ExamCodeRow,
    TelegramChatRow,
    TelegramNoteRow,
    TelegramOutboxRow,
    TelegramUpdateRow,
)

# Letters and digits that cannot be mistaken for each other when read aloud or copied by hand.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def utcnow() -> datetime:
    """The current time as naive UTC, as the channel's tables store it."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class InboxEntry:
    update_id: int
    payload: dict
    conversation_id: str | None
    agent_seq: int | None
    handled: bool


@dataclass(frozen=True)
class Binding:
    """The conversation a chat is in now."""

    chat_id: int
    conversation_id: str
    mode: str
    code: str | None = None
    nudge_at: datetime | None = None
    ends_at: datetime | None = None


@dataclass(frozen=True)
class Outgoing:
    """One message to send to a chat, with an optional inline keyboard (Bot API JSON)."""

    chat_id: int
    text: str
    markup: dict | None = None


@dataclass(frozen=True)
class PendingReply:
    id: int
    chat_id: int
    text: str
    markup: dict | None


@dataclass(frozen=True)
class Note:
    """A record of something the candidate sent that did not reach the customer."""

    chat_id: int
    kind: str
    detail: dict
    conversation_id: str | None = None
    ref_message_id: int | None = None
    ref_seq: int | None = None


@dataclass(frozen=True)
class ExamCode:
    code: str
    scenario_id: str
    created_at: datetime
    used_at: datetime | None
    chat_id: int | None
    conversation_id: str | None
    scenario_hash: str | None = None  # the pinned version, for codes made by an exam draw

    @property
    def used(self) -> bool:
        return self.used_at is not None


class CodeTaken(KefuError):
    """The access code was used by someone else in the meantime."""


_KEEP = object()  # "leave this deadline as it is"


@dataclass
class Effects:
    """Everything one update (or one deadline) changes, written together by ``apply``."""

    update_id: int | None = None
    outgoing: list[Outgoing] = field(default_factory=list)
    bind: Binding | None = None
    unbind: int | None = None
    # (chat_id, new time or None); the chat must be bound.
    nudge_at: tuple[int, datetime | None] | None = None
    note: Note | None = None
    use_code: tuple[str, int, str] | None = None  # code, chat_id, conversation_id
    # A customer line that does not come from a turn (the nudge): conversation id, text.
    customer_line: tuple[str, str, datetime] | None = None
    # A candidate's turn: conversation id and ``record_turn``'s arguments (``LiveChat.play``),
    # written first, with the rest of the update, in the same transaction.
    turn: tuple[str, dict] | None = None

    def say(self, chat_id: int, text: str, markup: dict | None = None) -> None:
        self.outgoing.append(Outgoing(chat_id, text, markup))


# ---------------------------------------------------------------------------- inbox


def store_updates(
    engine: Engine, updates: Iterable[tuple[int, int | None, int | None, dict]]
) -> None:
    """Keep raw updates ``(update_id, chat_id, message_id, payload)``; known ids are ignored."""
    updates = list(updates)
    if not updates:
        return
    ids = [u[0] for u in updates]
    with writing(engine) as session:
        known = set(
            session.scalars(
                select(TelegramUpdateRow.update_id).where(TelegramUpdateRow.update_id.in_(ids))
            )
        )
        at = utcnow()
        for update_id, chat_id, message_id, payload in updates:
            if update_id in known:
                continue
            known.add(update_id)
            session.add(
                TelegramUpdateRow(
                    update_id=update_id,
                    chat_id=chat_id,
                    message_id=message_id,
                    payload=payload,
                    received_at_utc=at,
                )
            )


def unhandled_updates(engine: Engine) -> list[dict]:
    """The payloads of stored updates not handled yet, in ``update_id`` order."""
    with Session(engine) as session:
        return list(
            session.scalars(
                select(TelegramUpdateRow.payload)
                .where(TelegramUpdateRow.handled_at_utc.is_(None))
                .order_by(TelegramUpdateRow.update_id)
            )
        )


def inbox_entry(engine: Engine, update_id: int) -> InboxEntry | None:
    with Session(engine) as session:
        row = session.get(TelegramUpdateRow, update_id)
        if row is None:
            return None
        return InboxEntry(
            row.update_id,
            row.payload,
            row.conversation_id,
            row.agent_seq,
            row.handled_at_utc is not None,
        )


def mark_handled(engine: Engine, update_id: int) -> None:
    """Mark an update handled (usually ``apply`` already did, and nothing is written)."""
    entry = inbox_entry(engine, update_id)
    if entry is None or entry.handled:
        return
    with writing(engine) as session:
        row = session.get(TelegramUpdateRow, update_id)
        if row is not None and row.handled_at_utc is None:
            row.handled_at_utc = utcnow()


def claim_turn(engine: Engine, update_id: int, conversation_id: str) -> int:
    """Record the seq the candidate's message is about to take, and return it."""
    with writing(engine) as session:
        _locked(session, conversation_id)
        seq = _next_seq(session, conversation_id)
        row = session.get(TelegramUpdateRow, update_id)
        if row is not None:
            row.conversation_id, row.agent_seq = conversation_id, seq
        return seq


def seq_of_message(engine: Engine, chat_id: int, message_id: int) -> int | None:
    """The seq that a candidate's Telegram message took in its conversation, if it reached it."""
    with Session(engine) as session:
        return session.scalar(
            select(TelegramUpdateRow.agent_seq)
            .where(
                TelegramUpdateRow.chat_id == chat_id,
                TelegramUpdateRow.message_id == message_id,
                TelegramUpdateRow.agent_seq.is_not(None),
            )
            .order_by(TelegramUpdateRow.update_id)
            .limit(1)
        )


# ---------------------------------------------------------------------------- one transaction


def apply(engine: Engine, effects: Effects) -> None:
    """Write everything an update or a deadline decided, in one transaction."""
    now = utcnow()
    with writing(engine) as session:
        if effects.turn is not None:
            conversation_id, record = effects.turn
            agent_seq, _, stale = write_turn(session, conversation_id, **record)
            if stale is not None:
                raise stale  # one process per bot token: never expected; nothing is written
            row = session.get(TelegramUpdateRow, effects.update_id)
            if row is not None:  # what a replay looks for, as claim_turn records it
                row.conversation_id, row.agent_seq = conversation_id, agent_seq
        if effects.use_code is not None:
            code, chat_id, conversation_id = effects.use_code
            row = session.get(ExamCodeRow, code, with_for_update=True)
            if row is None or (
                row.used_at_utc is not None and row.conversation_id != conversation_id
            ):
                raise CodeTaken(f"考试码 {code} 已被使用。")
            row.used_at_utc, row.chat_id, row.conversation_id = now, chat_id, conversation_id
        if effects.customer_line is not None:
            conversation_id, text, at = effects.customer_line
            seq = _take_seqs(session, conversation_id, 1)
            session.add(_message_row(conversation_id, seq, "customer", text, at, (), ()))
        if effects.unbind is not None:
            row = session.get(TelegramChatRow, effects.unbind)
            if row is not None:
                session.delete(row)
        if effects.bind is not None:
            b = effects.bind
            row = session.get(TelegramChatRow, b.chat_id) or TelegramChatRow(chat_id=b.chat_id)
            row.conversation_id, row.mode, row.code = b.conversation_id, b.mode, b.code
            row.nudge_at_utc, row.ends_at_utc = b.nudge_at, b.ends_at
            session.add(row)
        if effects.nudge_at is not None:
            chat_id, when = effects.nudge_at
            row = session.get(TelegramChatRow, chat_id)
            if row is not None:
                row.nudge_at_utc = when
        if effects.note is not None:
            n = effects.note
            session.add(
                TelegramNoteRow(
                    update_id=effects.update_id,
                    chat_id=n.chat_id,
                    conversation_id=n.conversation_id,
                    kind=n.kind,
                    detail=n.detail,
                    ref_message_id=n.ref_message_id,
                    ref_seq=n.ref_seq,
                    at_utc=now,
                )
            )
        for out in effects.outgoing:
            session.add(
                TelegramOutboxRow(
                    chat_id=out.chat_id,
                    text=out.text,
                    reply_markup=out.markup,
                    update_id=effects.update_id,
                    created_at_utc=now,
                )
            )
        if effects.update_id is not None:
            row = session.get(TelegramUpdateRow, effects.update_id)
            if row is not None and row.handled_at_utc is None:
                row.handled_at_utc = now


# ---------------------------------------------------------------------------- outbox


def pending_replies(engine: Engine, chat_id: int | None = None) -> list[PendingReply]:
    """Unsent replies (of one chat, or all), oldest first."""
    query = select(TelegramOutboxRow).where(TelegramOutboxRow.sent_at_utc.is_(None))
    if chat_id is not None:
        query = query.where(TelegramOutboxRow.chat_id == chat_id)
    with Session(engine) as session:
        return [
            PendingReply(r.id, r.chat_id, r.text, r.reply_markup)
            for r in session.scalars(query.order_by(TelegramOutboxRow.id))
        ]


def mark_sent(engine: Engine, reply_id: int, error: str | None = None) -> None:
    """Mark a reply sent. Relaxed: if a power cut loses the mark, the reply is sent again after
    the restart, which is what a crash between sending and marking does anyway."""
    with writing(engine, relaxed=True) as session:
        row = session.get(TelegramOutboxRow, reply_id)
        if row is not None:
            row.sent_at_utc, row.error = utcnow(), error


# ---------------------------------------------------------------------------- chats


def get_binding(engine: Engine, chat_id: int) -> Binding | None:
    with Session(engine) as session:
        row = session.get(TelegramChatRow, chat_id)
        return None if row is None else _binding(row)


def due_deadlines(engine: Engine, at: datetime | None = None) -> list[Binding]:
    """Bound chats whose nudge or exam end is due."""
    at = at or utcnow()
    with Session(engine) as session:
        rows = session.scalars(
            select(TelegramChatRow).where(
                (TelegramChatRow.nudge_at_utc <= at) | (TelegramChatRow.ends_at_utc <= at)
            )
        )
        return [_binding(r) for r in rows]


def _binding(row: TelegramChatRow) -> Binding:
    return Binding(
        row.chat_id, row.conversation_id, row.mode, row.code, row.nudge_at_utc, row.ends_at_utc
    )


def notes(engine: Engine, chat_id: int | None = None) -> list[Note]:
    query = select(TelegramNoteRow).order_by(TelegramNoteRow.id)
    if chat_id is not None:
        query = query.where(TelegramNoteRow.chat_id == chat_id)
    with Session(engine) as session:
        return [
            Note(r.chat_id, r.kind, r.detail, r.conversation_id, r.ref_message_id, r.ref_seq)
            for r in session.scalars(query)
        ]


def agent_message_count(engine: Engine, conversation_id: str) -> int:
    with Session(engine) as session:
        return (
            session.scalar(
                select(func.count()).where(
                    MessageRow.conversation_id == conversation_id, MessageRow.role == "agent"
                )
            )
            or 0
        )


# ---------------------------------------------------------------------------- exam codes


def create_codes(engine: Engine, scenario_id: str, count: int) -> list[str]:
    """Create ``count`` fresh one-time codes for a scenario and return them."""
    if count < 1:
        raise ValueError("count must be at least 1")
    now = utcnow()
    made: list[str] = []
    with writing(engine) as session:
        while len(made) < count:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if code in made or session.get(ExamCodeRow, code) is not None:
                continue
            session.add(ExamCodeRow(code=code, scenario_id=scenario_id, created_at_utc=now))
            made.append(code)
    return made


def get_code(engine: Engine, code: str) -> ExamCode | None:
    with Session(engine) as session:
        row = session.get(ExamCodeRow, code.strip().upper())
        return None if row is None else _code(row)


def list_codes(engine: Engine) -> list[ExamCode]:
    with Session(engine) as session:
        rows = session.scalars(
            select(ExamCodeRow).order_by(ExamCodeRow.created_at_utc, ExamCodeRow.code)
        )
        return [_code(r) for r in rows]


def _code(row: ExamCodeRow) -> ExamCode:
    return ExamCode(
        row.code,
        row.scenario_id,
        row.created_at_utc,
        row.used_at_utc,
        row.chat_id,
        row.conversation_id,
        row.scenario_hash,
    )
