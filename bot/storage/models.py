"""The database tables, as SQLAlchemy 2 declarative models: conversations and their messages.

Only generic types are used so the same models serve SQLite and PostgreSQL. Every time is two
columns, ``*_utc`` (naive UTC) and ``*_offset`` (seconds east of UTC), see ``bot.storage.times``.
These rows stay inside ``bot.storage``: the repository hands dataclasses to everyone else.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.core.moves import KINDS
from bot.core.transcript import ROLES

# Long enough for a generated id (20 characters) and for the ids people give imported files.
ID_MAX = 64
# A channel's id for one agent message (a UUID is 36 characters).
CLIENT_ID_MAX = 64

# Fixed constraint names, so that a later migration (Alembic) can refer to them on every backend.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    """The declarative base of kefu's tables."""

    metadata = MetaData(naming_convention=NAMING)


class ConversationRow(Base):
    """One conversation: live (terminal, Telegram) or imported from a transcript file."""

    __tablename__ = "conversations"
    # kind and role are fixed by the contract; channel and mode are not constrained, so that a
    # new channel (web) needs no schema change.
    __table_args__ = (
        CheckConstraint(_one_of("kind", KINDS), name="kind"),
        Index("ix_conversations_started", "started_at_utc", "id"),
    )

    id: Mapped[str] = mapped_column(String(ID_MAX), primary_key=True)
    scenario_id: Mapped[str | None] = mapped_column(String(200))
    # The script's content hash, so that a re-score uses the version the candidate talked to.
    scenario_hash: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(Text)
    # The engine's snapshot; all null for an imported transcript, which has no live customer.
    seed: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str | None] = mapped_column(String(200))
    mood: Mapped[int | None] = mapped_column(Integer)
    misses: Mapped[int | None] = mapped_column(Integer)
    turn: Mapped[int | None] = mapped_column(Integer)
    # The customer's memory (bot.core.memory.Memory.to_json()): null before it had any.
    memory: Mapped[dict | None] = mapped_column(JSON)
    # Null while the conversation is live.
    outcome: Mapped[str | None] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(20))
    candidate: Mapped[str | None] = mapped_column(String(200))
    started_at_utc: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    started_at_offset: Mapped[int | None] = mapped_column(Integer)
    ended_at_utc: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    ended_at_offset: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(Text)
    # The seq the next message takes: kept here so that appending a message reads one row
    # instead of the greatest seq of the conversation's messages (migration 0004_speed).
    next_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    messages: Mapped[list[MessageRow]] = relationship(
        back_populates="conversation",
        order_by="MessageRow.seq",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class MessageRow(Base):
    """One message of a conversation, in order (``seq`` from 0)."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        CheckConstraint(_one_of("role", ROLES), name="role"),
        CheckConstraint("seq >= 0", name="seq"),
        # A channel's own id for an agent message (the web page's, per send): a message sent
        # twice (a double click, a resend after a dropped connection) is stored once.
        Index("uq_messages_client", "conversation_id", "client_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # No separate index: the unique (conversation_id, seq) constraint already leads with it.
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    at_utc: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    at_offset: Mapped[int | None] = mapped_column(Integer)
    moves: Mapped[list[str]] = mapped_column(JSON, default=list)
    violations: Mapped[list[str]] = mapped_column(JSON, default=list)
    client_id: Mapped[str | None] = mapped_column(String(CLIENT_ID_MAX))
    # Why the customer said this (on the first reply to an agent message): 已回答：保质期，第 3 条.
    reasons: Mapped[list[str] | None] = mapped_column(JSON)

    conversation: Mapped[ConversationRow] = relationship(back_populates="messages")


# Every table shares this base: the migrations (bot/storage/migrations) must build the same schema
# (a test compares them), and ``create_all`` in tests builds it directly.
import bot.storage.exam_models  # noqa: E402
import bot.storage.grading_models  # noqa: E402
import bot.storage.paper_models  # noqa: E402
import bot.storage.telegram_models  # noqa: E402
import bot.storage.web_models  # noqa: E402, F401
