"""The Telegram channel's tables: inbox idempotence, one-transaction effects, codes, deadlines."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine

from bot.core.engine import Snapshot
from bot.storage import add_message, create_conversation
from bot.storage import telegram as store
from bot.storage.telegram import Binding, Effects, Note


def _conversation(engine: Engine) -> str:
    return create_conversation(
        engine,
        scenario_id="presale-dress-size",
        scenario_hash="h",
        kind="presale",
        title="t",
        snapshot=Snapshot("opening", 5, 0, 0, 1),
        channel="telegram",
        started_at=datetime.now().astimezone(),
    )


def test_updates_are_stored_once_and_replayed_in_order(engine: Engine) -> None:
    store.store_updates(engine, [(12, 1, 5, {"update_id": 12}), (11, 1, 4, {"update_id": 11})])
    store.store_updates(engine, [(12, 1, 5, {"update_id": 12, "again": True})])
    assert store.unhandled_updates(engine) == [{"update_id": 11}, {"update_id": 12}]
    store.mark_handled(engine, 11)
    assert store.unhandled_updates(engine) == [{"update_id": 12}]
    entry = store.inbox_entry(engine, 11)
    assert entry is not None and entry.handled
    assert store.inbox_entry(engine, 99) is None


def test_claim_turn_records_the_next_seq(engine: Engine) -> None:
    cid = _conversation(engine)
    add_message(engine, cid, role="customer", text="在吗？")
    store.store_updates(engine, [(1, 7, 3, {})])
    assert store.claim_turn(engine, 1, cid) == 1
    entry = store.inbox_entry(engine, 1)
    assert entry is not None and (entry.conversation_id, entry.agent_seq) == (cid, 1)
    assert store.seq_of_message(engine, 7, 3) == 1


def test_apply_writes_everything_and_marks_the_update(engine: Engine) -> None:
    cid = _conversation(engine)
    store.store_updates(engine, [(5, 7, 1, {})])
    effects = Effects(5)
    effects.bind = Binding(7, cid, "practice", nudge_at=store.utcnow() - timedelta(seconds=1))
    effects.note = Note(7, "sticker", {"emoji": "😀"}, cid)
    effects.say(7, "一")
    effects.say(7, "二", {"inline_keyboard": []})
    store.apply(engine, effects)
    assert [r.text for r in store.pending_replies(engine, 7)] == ["一", "二"]
    assert store.inbox_entry(engine, 5).handled
    assert [n.kind for n in store.notes(engine, 7)] == ["sticker"]
    assert [b.chat_id for b in store.due_deadlines(engine)] == [7]
    first = store.pending_replies(engine)[0]
    store.mark_sent(engine, first.id)
    assert [r.text for r in store.pending_replies(engine)] == ["二"]
    store.apply(engine, Effects(unbind=7))
    assert store.get_binding(engine, 7) is None


def test_a_code_is_used_once(engine: Engine) -> None:
    codes = store.create_codes(engine, "presale-dress-size", 3)
    assert len(set(codes)) == 3
    assert all(len(c) == store.CODE_LENGTH for c in codes)
    cid, other = _conversation(engine), _conversation(engine)
    store.apply(engine, Effects(use_code=(codes[0], 7, cid)))
    with pytest.raises(store.CodeTaken):
        store.apply(engine, Effects(use_code=(codes[0], 8, other)))
    listed = {c.code: c for c in store.list_codes(engine)}
    assert listed[codes[0]].used and listed[codes[0]].conversation_id == cid
    assert not listed[codes[1]].used
    assert store.get_code(engine, codes[1].lower()) is not None
