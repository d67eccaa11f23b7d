"""The web channel's tables on SQLite and PostgreSQL: seats, clocks claimed once, login failures,
and a message id stored once per conversation."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from bot.storage import add_message, create_conversation
from bot.storage import web as store
from bot.storage.repository import find_client_message, messages_after
from bot.storage.web import Seat


def new_conversation(engine, snapshot, started):
    return create_conversation(
        engine,
        scenario_id="presale-dress",
        scenario_hash=None,
        kind="presale",
        title="连衣裙",
        snapshot=snapshot,
        channel="web",
        started_at=started,
    )


@pytest.fixture
def started():
    from bot.storage.times import now

    return now()


def test_a_client_message_id_is_unique_within_a_conversation(backend, snapshot, started):
    one = new_conversation(backend, snapshot, started)
    other = new_conversation(backend, snapshot, started)
    seq = add_message(backend, one, role="agent", text="您好", client_id="abc")
    with pytest.raises(IntegrityError):
        add_message(backend, one, role="agent", text="您好", client_id="abc")
    # The same id in another conversation, and messages without an id, are fine.
    add_message(backend, other, role="agent", text="您好", client_id="abc")
    add_message(backend, one, role="customer", text="在吗")
    add_message(backend, one, role="customer", text="在吗")
    assert find_client_message(backend, one, "abc") == seq
    assert find_client_message(backend, one, "nope") is None
    assert [m.text for m in messages_after(backend, one, seq)] == ["在吗", "在吗"]


def test_seats_are_stored_and_replaced(backend):
    token = secrets.token_urlsafe(8)
    seat = Seat(token, "exam", "presale-dress", "abc", code="CODE1234", exam_number="2026001")
    store.create_seat(backend, seat)
    assert store.get_seat(backend, token) == seat
    store.set_seat_conversation(backend, token, "20260610-090000-abcd")
    assert store.get_seat(backend, token).conversation_id == "20260610-090000-abcd"
    assert store.get_seat(backend, "missing") is None


def test_a_due_nudge_is_claimed_once(backend, snapshot, started):
    chat = new_conversation(backend, snapshot, started)
    due = store.utc_now() - timedelta(seconds=1)
    later = store.utc_now() + timedelta(minutes=20)
    store.start_clocks(backend, chat, due, later)
    assert [c for c, _ in store.due_clocks(backend)] == [chat]
    assert store.claim_nudge(backend, chat, due) is True
    assert store.claim_nudge(backend, chat, due) is False
    clocks = store.get_clocks(backend, chat)
    assert clocks.nudge_at is None and clocks.ends_at == later
    # A nudge moved on by a new message is not taken by a claim for the old time.
    store.set_nudge(backend, chat, due)
    store.set_nudge(backend, chat, later)
    assert store.claim_nudge(backend, chat, due) is False


def test_the_end_is_claimed_once_and_stops_both_clocks(backend, snapshot, started):
    chat = new_conversation(backend, snapshot, started)
    due = store.utc_now() - timedelta(seconds=1)
    store.start_clocks(backend, chat, due, due)
    assert store.claim_end(backend, chat, due) is True
    assert store.claim_end(backend, chat, due) is False
    assert store.get_clocks(backend, chat) == store.Clocks(None, None, "time")
    assert store.due_clocks(backend) == []


def test_wrong_codes_make_an_address_wait_more_and_more(backend):
    address = f"10.1.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    assert store.login_wait(backend, address) == 0
    for count in range(1, store.FREE_TRIES + 1):
        assert store.record_login_failure(backend, address) == count
    first = store.login_wait(backend, address)
    assert 0 < first <= 1
    store.record_login_failure(backend, address)
    assert 1 < store.login_wait(backend, address) <= 2
    later = store.utc_now() + store.FAILURE_MEMORY + timedelta(seconds=1)
    assert store.login_wait(backend, address, later) == 0  # forgotten after a while
    store.clear_login_failures(backend, address)
    assert store.login_wait(backend, address) == 0
