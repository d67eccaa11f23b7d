"""The same round trip on SQLite and, when ``KEFU_TEST_POSTGRES_URL`` is set, on PostgreSQL.

The PostgreSQL database may hold other data: these tests only look at the ids they create.
"""

from __future__ import annotations

import secrets
import threading
from datetime import datetime

from sqlalchemy import Engine

from bot.core.engine import Snapshot
from bot.core.errors import KefuError
from bot.core.transcript import Message, Transcript
from bot.storage import (
    add_message,
    create_conversation,
    finish_conversation,
    get_transcript,
    import_transcript,
    list_conversations,
    load_conversation,
    open_database,
    record_turn,
)

T = datetime.fromisoformat


def test_live_conversation_round_trip(backend: Engine) -> None:
    conversation_id = create_conversation(
        backend,
        scenario_id="presale-dress",
        scenario_hash="sha256:abc",
        kind="presale",
        title="连衣裙",
        snapshot=Snapshot("greeting", 3, 0, 0, 2**62),
        channel="telegram",
        mode="exam",
        candidate="E-0042",
        started_at=T("2026-06-10T09:00:00.123456+08:00"),
    )
    add_message(
        backend, conversation_id, role="customer", text="在吗？", at=T("2026-06-10T09:00:05+08:00")
    )
    agent = add_message(
        backend, conversation_id, role="agent", text="不知道", at=T("2026-06-09T20:00:12-05:00")
    )
    record_turn(
        backend,
        conversation_id,
        replies=[("什么态度！", T("2026-06-10T01:00:13+00:00"))],
        snapshot=Snapshot("angry", 1, 1, 1, 2**62),
        outcome=None,
        agent_seq=agent,
        violations=["不知道"],
    )
    finish_conversation(backend, conversation_id, "unfinished", T("2026-06-10T09:10:00+08:00"))

    stored = load_conversation(backend, conversation_id)
    assert stored.snapshot == Snapshot("angry", 1, 1, 1, 2**62)
    assert (stored.outcome, stored.candidate, stored.mode) == ("unfinished", "E-0042", "exam")
    assert stored.started_at.isoformat() == "2026-06-10T09:00:00.123456+08:00"
    assert [(m.seq, m.role, m.at.isoformat() if m.at else None) for m in stored.messages] == [
        (0, "customer", "2026-06-10T09:00:05+08:00"),
        (1, "agent", "2026-06-09T20:00:12-05:00"),
        (2, "customer", "2026-06-10T01:00:13+00:00"),
    ]
    assert stored.messages[1].violations == ("不知道",)

    summary = next(s for s in list_conversations(backend) if s.id == conversation_id)
    assert summary.to_json()["messages"] == 3
    assert summary.to_json()["outcome"] == "unfinished"
    assert get_transcript(backend, conversation_id).to_dict()["messages"][1] == {
        "role": "agent",
        "text": "不知道",
        "at": "2026-06-09T20:00:12-05:00",
    }


def test_import_round_trip(backend: Engine) -> None:
    given = f"test-{secrets.token_hex(6)}"
    transcript = Transcript(
        kind="complaint",
        id=given,
        outcome="resolved",
        messages=[
            Message("customer", "快递一周都没到！", T("2026-06-10T09:00:05+08:00")),
            Message("agent", "非常抱歉，我马上为您查询。", None),
        ],
    )
    assert import_transcript(backend, transcript, source="complaint.json") == given
    exported = get_transcript(backend, given)
    assert exported.messages == transcript.messages
    assert (exported.kind, exported.outcome, exported.extra["channel"]) == (
        "complaint",
        "resolved",
        "import",
    )
    try:
        import_transcript(backend, transcript, source="again.json")
    except KefuError as exc:
        assert "已存在" in str(exc)
    else:
        raise AssertionError("a second import of the same id must be refused")


def test_writers_on_two_engines_never_take_the_same_seq(backend: Engine) -> None:
    # Two engines stand for two processes (a terminal chat and the Telegram bot) on one database.
    conversation_id = create_conversation(
        backend,
        scenario_id=None,
        scenario_hash=None,
        kind="presale",
        title=None,
        snapshot=Snapshot("greeting", 3, 0, 0, 1),
        started_at=T("2026-06-10T09:00:00+08:00"),
    )
    other = open_database(backend.url.render_as_string(hide_password=False))
    errors: list[BaseException] = []

    def write(target: Engine, who: str) -> None:
        try:
            for i in range(15):
                add_message(target, conversation_id, role="agent", text=f"{who}{i}")
        except BaseException as exc:  # reported below: a thread's error is otherwise lost
            errors.append(exc)

    threads = [
        threading.Thread(target=write, args=(target, who))
        for target, who in ((backend, "a"), (other, "b"), (backend, "c"), (other, "d"))
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        other.dispose()
    assert errors == []
    messages = load_conversation(backend, conversation_id).messages
    assert [m.seq for m in messages] == list(range(60))
    assert len({m.text for m in messages}) == 60
