"""A chat turn in one transaction: the agent's message with its replies, numbered from the row."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import IntegrityError

from bot.core.engine import Snapshot
from bot.core.transcript import Message, Transcript
from bot.storage import (
    AgentMessage,
    add_message,
    import_transcript,
    load_conversation,
    open_database,
    record_turn,
)
from bot.storage.db import connect_database
from bot.storage.repository import StaleTurn

NEXT = Snapshot("asking", 2, 0, 1, 12345)


def turn(engine: Engine, live_id: str, text: str, *, after: int | None = 0, client_id=None):
    return record_turn(
        engine,
        live_id,
        replies=[("在的亲", None), ("想问下尺码", None)],
        snapshot=NEXT,
        outcome=None,
        agent=AgentMessage(text, None, client_id),
        moves=["greet"],
        after_turn=after,
    )


def test_the_message_and_its_replies_are_stored_in_one_commit(engine: Engine, live_id: str):
    commits = []
    event.listen(engine, "commit", lambda conn: commits.append(1))
    assert turn(engine, live_id, "您好") == [1, 2]
    assert len(commits) == 1
    stored = load_conversation(engine, live_id)
    assert [(m.seq, m.role, m.text, m.moves) for m in stored.messages] == [
        (0, "agent", "您好", ("greet",)),
        (1, "customer", "在的亲", ()),
        (2, "customer", "想问下尺码", ()),
    ]
    assert stored.snapshot == NEXT
    assert add_message(engine, live_id, role="agent", text="还在吗") == 3


def test_a_turn_is_three_statements_between_begin_and_commit(engine: Engine, live_id: str):
    # Issue 15: read the row (locked), insert the message and its replies at once, update the
    # row. Each more would be another round of SQLAlchemy's work on every candidate's reply.
    statements = []
    event.listen(
        engine, "before_cursor_execute", lambda *args: statements.append(args[2].split()[0])
    )
    record_turn(
        engine,
        live_id,
        replies=[("在的亲", None), ("想问下尺码", None)],
        snapshot=NEXT,
        outcome="ordered",
        agent=AgentMessage("您好"),
        moves=["greet"],
        after_turn=0,
        reasons=["已回答：尺码"],
    )
    assert [s for s in statements if s not in ("BEGIN", "PRAGMA")] == [
        "SELECT",
        "INSERT",
        "UPDATE",
    ]
    stored = load_conversation(engine, live_id)
    assert [m.reasons for m in stored.messages] == [(), ("已回答：尺码",), ()]
    assert stored.outcome == "ordered" and stored.ended_at is not None


def test_a_stale_turn_keeps_the_message_alone_and_unanswered(engine: Engine, live_id: str):
    with pytest.raises(StaleTurn):
        turn(engine, live_id, "您好", after=5)
    stored = load_conversation(engine, live_id)
    assert [(m.seq, m.text, m.moves) for m in stored.messages] == [(0, "您好", ())]
    assert stored.snapshot.turn == 0  # the state another process saved is left as it is
    assert turn(engine, live_id, "在吗", after=0) == [2, 3]


def test_the_same_client_message_twice_writes_nothing_the_second_time(engine: Engine, live_id: str):
    turn(engine, live_id, "您好", client_id="c-1")
    with pytest.raises(IntegrityError):
        turn(engine, live_id, "您好", after=1, client_id="c-1")
    assert len(load_conversation(engine, live_id).messages) == 3


def test_an_imported_transcript_goes_on_after_its_last_message(engine: Engine):
    transcript = Transcript("presale", [Message("customer", "在吗"), Message("agent", "在的")])
    conversation_id = import_transcript(engine, transcript, source="t.json")
    assert add_message(engine, conversation_id, role="agent", text="还有问题吗") == 2


def test_the_migration_numbers_existing_conversations_from_their_messages(tmp_path: Path):
    from alembic import command

    from bot.storage.migrations import runner

    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = connect_database(url)
    with old.begin() as connection:
        command.upgrade(runner.config(connection), "0002_web_and_logins")
        connection.exec_driver_sql(
            "INSERT INTO conversations (id, kind, channel, mode, started_at_utc) VALUES "
            "('a', 'presale', 'terminal', 'practice', '2026-06-10 01:00:00'),"
            "('b', 'presale', 'terminal', 'practice', '2026-06-10 02:00:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO messages (conversation_id, seq, role, text, moves, violations) VALUES "
            "('a', 0, 'agent', '您好', '[]', '[]'), ('a', 1, 'customer', '在', '[]', '[]'),"
            "('a', 4, 'agent', '亲', '[]', '[]')"
        )
    old.dispose()
    engine = open_database(url)
    try:
        assert add_message(engine, "a", role="agent", text="还在吗") == 5
        assert add_message(engine, "b", role="agent", text="您好") == 0
    finally:
        engine.dispose()
