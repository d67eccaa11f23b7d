"""The Telegram channel's tables: durable inbox and outbox, chat bindings, notes, access codes.

They share ``Base`` with the conversation tables; the migrations build them. The channel's state lives here and not in python-telegram-bot's persistence, so a ``kill -9`` loses
no update that Telegram was told we had, and no reply that was decided.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import ID_MAX, Base


class TelegramUpdateRow(Base):
    """One raw update, stored before Telegram is told it was received (the durable inbox)."""

    __tablename__ = "tg_inbox"
    __table_args__ = (Index("ix_tg_inbox_pending", "handled_at_utc", "update_id"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict] = mapped_column(JSON)
    received_at_utc: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    # Set just before a candidate text is handed to the conversation: the seq its message will
    # take. A replay after a crash finds out from it how far the turn got.
    conversation_id: Mapped[str | None] = mapped_column(String(ID_MAX))
    agent_seq: Mapped[int | None] = mapped_column(Integer)
    handled_at_utc: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))


class TelegramOutboxRow(Base):
    """A message decided but maybe not yet sent; rows of one chat go out in ``id`` order."""

    __tablename__ = "tg_outbox"
    __table_args__ = (Index("ix_tg_outbox_pending", "sent_at_utc", "chat_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    reply_markup: Mapped[dict | None] = mapped_column(JSON)
    update_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at_utc: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    sent_at_utc: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    # Set when Telegram refused the message for good (blocked by the user, chat gone).
    error: Mapped[str | None] = mapped_column(Text)


class TelegramChatRow(Base):
    """The conversation a chat is in now, and its deadlines (so they survive restarts)."""

    __tablename__ = "tg_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    conversation_id: Mapped[str] = mapped_column(String(ID_MAX))
    mode: Mapped[str] = mapped_column(String(20))
    code: Mapped[str | None] = mapped_column(String(64))
    nudge_at_utc: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    ends_at_utc: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))


class TelegramNoteRow(Base):
    """Something a candidate sent that is not a message to the customer: a sticker, an edit…"""

    __tablename__ = "tg_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    update_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    conversation_id: Mapped[str | None] = mapped_column(String(ID_MAX))
    kind: Mapped[str] = mapped_column(String(20))  # sticker, photo, edit, too_long, …
    detail: Mapped[dict] = mapped_column(JSON)
    # For an edit: the Telegram message edited and, when it reached the customer, its seq.
    ref_message_id: Mapped[int | None] = mapped_column(BigInteger)
    ref_seq: Mapped[int | None] = mapped_column(Integer)
    at_utc: Mapped[datetime] = mapped_column(DateTime(timezone=False))


class ExamCodeRow(Base):
    """A one-time access code: one code, one candidate, one exam conversation."""

    __tablename__ = "exam_codes"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    scenario_id: Mapped[str] = mapped_column(String(200))
    # The pinned script version (scenario_versions.hash) when the code was made by an exam draw.
    scenario_hash: Mapped[str | None] = mapped_column(String(128))
    created_at_utc: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    used_at_utc: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    conversation_id: Mapped[str | None] = mapped_column(String(ID_MAX))
    # The terminal that has the code's chat open ("host:pid") and when it last said so, so that
    # a second terminal cannot attach to the same chat (bot.storage.holds).
    holder: Mapped[str | None] = mapped_column(String(200))
    held_at_utc: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
