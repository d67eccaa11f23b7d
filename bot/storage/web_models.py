"""The web channel's tables: seats (one browser each), chat deadlines, login failures, secrets.

A seat is one browser on the exam LAN, named by a random token in its cookie; it holds an exam
code's chat (or a practice chat). Deadlines belong to the conversation, not the seat, so a
candidate who moves to another PC keeps the same exam clock; any server process may act on them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import ID_MAX, Base

TOKEN_MAX = 64


class WebSeatRow(Base):
    """One browser's seat: practice (a scenario it chose) or exam (a code and a 准考证号)."""

    __tablename__ = "web_seats"

    token: Mapped[str] = mapped_column(String(TOKEN_MAX), primary_key=True)
    mode: Mapped[str] = mapped_column(String(20))
    code: Mapped[str | None] = mapped_column(String(64))
    exam_number: Mapped[str | None] = mapped_column(String(200))
    scenario_id: Mapped[str] = mapped_column(String(200))
    scenario_hash: Mapped[str | None] = mapped_column(String(128))
    # Null until the candidate clicks 开始接待.
    conversation_id: Mapped[str | None] = mapped_column(String(ID_MAX))
    created_at_utc: Mapped[datetime] = mapped_column(DateTime(timezone=False))


class WebChatRow(Base):
    """The server-side clocks of a conversation held on the web: the nudge and the exam's end."""

    __tablename__ = "web_chats"
    __table_args__ = (
        Index("ix_web_chats_nudge", "nudge_at_utc"),
        Index("ix_web_chats_ends", "ends_at_utc"),
    )

    conversation_id: Mapped[str] = mapped_column(String(ID_MAX), primary_key=True)
    nudge_at_utc: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    ends_at_utc: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    closed_by: Mapped[str | None] = mapped_column(String(20))


class WebLoginFailureRow(Base):
    """Wrong codes tried from one address, to slow guessing down."""

    __tablename__ = "web_login_failures"

    address: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_at_utc: Mapped[datetime] = mapped_column(DateTime(timezone=False))


class WebSecretRow(Base):
    """A key the web app signs with (the console's session cookies, CSRF tokens), made once and
    shared by every server process through the database."""

    __tablename__ = "web_secrets"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
