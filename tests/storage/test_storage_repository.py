"""The repository functions on a real SQLite file: every write, every read, every error."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine

from bot.core.engine import Snapshot
from bot.core.errors import KefuError, NotFound, TranscriptError
from bot.core.transcript import Message, Transcript, transcript_from_dict
from bot.storage import (
    ConversationSummary,
    StoredConversation,
    StoredMessage,
    add_message,
    create_conversation,
    finish_conversation,
    get_transcript,
    import_transcript,
    list_conversations,
    load_conversation,
    new_id,
    open_database,
    record_turn,
)

T = datetime.fromisoformat
ID_PATTERN = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{4}$")


def _start(engine: Engine, started_at: str, **fields: object) -> str:
    values: dict = {
        "scenario_id": "presale-dress",
        "scenario_hash": None,
        "kind": "presale",
        "title": None,
        "snapshot": Snapshot("greeting", 3, 0, 0, 7),
        "started_at": T(started_at),
    }
    values.update(fields)
    return create_conversation(engine, **values)


# --- create and load ---------------------------------------------------------------------------


def test_create_and_load_round_trip(engine: Engine, snapshot: Snapshot) -> None:
    conversation_id = create_conversation(
        engine,
        scenario_id="complaint-late",
        scenario_hash="sha256:0f3c",
        kind="complaint",
        title="快递迟到",
        snapshot=snapshot,
        channel="telegram",
        mode="exam",
        candidate="张三",
        started_at=T("2026-11-24T22:30:15+08:00"),
    )
    assert conversation_id.startswith("20261124-223015-")
    assert ID_PATTERN.match(conversation_id)
    stored = load_conversation(engine, conversation_id)
    assert stored == StoredConversation(
        id=conversation_id,
        kind="complaint",
        channel="telegram",
        mode="exam",
        started_at=T("2026-11-24T22:30:15+08:00"),
        scenario_id="complaint-late",
        scenario_hash="sha256:0f3c",
        title="快递迟到",
        candidate="张三",
        outcome=None,
        ended_at=None,
        source=None,
        snapshot=snapshot,
        messages=[],
    )
    assert stored.started_at.isoformat() == "2026-11-24T22:30:15+08:00"
    assert not stored.finished


def test_defaults_are_terminal_and_practice(engine: Engine, live_id: str) -> None:
    stored = load_conversation(engine, live_id)
    assert (stored.channel, stored.mode, stored.candidate) == ("terminal", "practice", None)


def test_ids_are_unique_even_in_the_same_second(engine: Engine) -> None:
    ids = {_start(engine, "2026-06-10T09:00:00+08:00") for _ in range(30)}
    assert len(ids) == 30


def test_new_id_reads_as_the_start_time() -> None:
    assert new_id(T("2026-11-24T22:30:15+08:00"))[:16] == "20261124-223015-"


def test_a_seed_too_large_for_the_column_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="64-bit"):
        _start(engine, "2026-06-10T09:00:00+08:00", snapshot=Snapshot("greeting", 3, 0, 0, 2**64))


def test_an_unknown_kind_is_a_programming_error(engine: Engine) -> None:
    with pytest.raises(ValueError, match="kind must be one of"):
        _start(engine, "2026-06-10T09:00:00+08:00", kind="chitchat")


def test_an_unknown_id_is_not_found_with_a_hint(engine: Engine) -> None:
    with pytest.raises(NotFound) as caught:
        load_conversation(engine, "20990101-000000-dead")
    assert str(caught.value) == (
        "没有编号为“20990101-000000-dead”的对话。提示：用 kefu transcripts list 查看已有的对话。"
    )


# --- messages and turns ------------------------------------------------------------------------


def test_add_message_numbers_messages_from_zero(engine: Engine, live_id: str) -> None:
    first = add_message(
        engine, live_id, role="customer", text="在吗？", at=T("2026-06-10T09:00:05+08:00")
    )
    second = add_message(
        engine,
        live_id,
        role="agent",
        text="不知道",
        at=T("2026-06-10T09:00:12.250000+08:00"),
        moves=["greet"],
        violations=("不知道",),
    )
    third = add_message(engine, live_id, role="customer", text="……")
    assert (first, second, third) == (0, 1, 2)
    assert load_conversation(engine, live_id).messages == [
        StoredMessage(0, "customer", "在吗？", T("2026-06-10T09:00:05+08:00")),
        StoredMessage(
            1, "agent", "不知道", T("2026-06-10T09:00:12.250000+08:00"), ("greet",), ("不知道",)
        ),
        StoredMessage(2, "customer", "……", None),
    ]


def test_add_message_to_an_unknown_conversation_is_not_found(engine: Engine) -> None:
    with pytest.raises(NotFound, match="nobody"):
        add_message(engine, "nobody", role="agent", text="hi")


def test_times_keep_their_instant_and_their_offset(engine: Engine, live_id: str) -> None:
    written = [
        "2026-06-10T09:00:05+08:00",
        "2026-06-10T01:00:06+00:00",
        "2026-06-09T20:00:07.000001-05:00",
        "2026-06-10T06:30:08+05:30",
        "2026-06-10T09:00:09",  # no offset in the file: kept without one
    ]
    for text in written:
        add_message(engine, live_id, role="customer", text=text, at=T(text))
    read = [m.at for m in load_conversation(engine, live_id).messages]
    assert [m.isoformat() for m in read if m is not None] == written
    assert read == [T(text) for text in written]


def test_record_turn_saves_analysis_replies_and_state_together(
    engine: Engine, live_id: str
) -> None:
    add_message(engine, live_id, role="customer", text="在吗？", at=T("2026-06-10T09:00:05+08:00"))
    agent = add_message(
        engine, live_id, role="agent", text="亲，在的～", at=T("2026-06-10T09:00:12+08:00")
    )
    seqs = record_turn(
        engine,
        live_id,
        replies=[("这条裙子有 M 码吗？", T("2026-06-10T09:00:13+08:00")), ("急用", None)],
        snapshot=Snapshot("asking", 4, 0, 1, 12345),
        outcome=None,
        agent_seq=agent,
        moves=["greet"],
        violations=[],
    )
    assert seqs == [2, 3]
    stored = load_conversation(engine, live_id)
    assert stored.snapshot == Snapshot("asking", 4, 0, 1, 12345)
    assert (stored.outcome, stored.ended_at) == (None, None)
    assert stored.messages[1].moves == ("greet",)
    assert [(m.seq, m.role, m.text, m.at) for m in stored.messages[2:]] == [
        (2, "customer", "这条裙子有 M 码吗？", T("2026-06-10T09:00:13+08:00")),
        (3, "customer", "急用", None),
    ]


def test_record_turn_keeps_the_customers_memory_and_reasons(engine: Engine, live_id: str) -> None:
    agent = add_message(engine, live_id, role="agent", text="您好，现货充足", at=None)
    memory = {"answered": {"库存": 1}, "answer_words": {"库存": "现货"}, "slots": {"尺码": "L"}}
    record_turn(
        engine,
        live_id,
        replies=[("好的", None), ("那保质期呢？", None)],
        snapshot=Snapshot("shelf_life", 3, 0, 1, 7, memory),
        outcome=None,
        agent_seq=agent,
        reasons=["已回答：库存，客服第 1 句（“现货”）", "客户在问：保质期"],
    )
    stored = load_conversation(engine, live_id)
    assert stored.snapshot == Snapshot("shelf_life", 3, 0, 1, 7, memory)
    assert [m.reasons for m in stored.messages[-2:]] == [
        ("已回答：库存，客服第 1 句（“现货”）", "客户在问：保质期"),
        (),  # the reasons go with the first reply only
    ]


def test_record_turn_with_an_outcome_ends_at_the_last_reply(engine: Engine, live_id: str) -> None:
    agent = add_message(
        engine, live_id, role="agent", text="已为您下单", at=T("2026-06-10T09:05:00+08:00")
    )
    record_turn(
        engine,
        live_id,
        replies=[
            ("好的", T("2026-06-10T09:05:02+08:00")),
            ("谢谢", T("2026-06-10T09:05:03+08:00")),
        ],
        snapshot=Snapshot("ordered", 5, 0, 3, 12345),
        outcome="ordered",
        agent_seq=agent,
        moves=["verify"],
    )
    stored = load_conversation(engine, live_id)
    assert stored.outcome == "ordered"
    assert stored.finished
    assert stored.ended_at is not None
    assert stored.ended_at.isoformat() == "2026-06-10T09:05:03+08:00"


def test_record_turn_with_an_outcome_and_untimed_replies_ends_now(
    engine: Engine, live_id: str
) -> None:
    before = datetime.now().astimezone()
    record_turn(engine, live_id, replies=[], snapshot=Snapshot("left", 0, 3, 4, 1), outcome="left")
    ended_at = load_conversation(engine, live_id).ended_at
    assert ended_at is not None
    assert ended_at.utcoffset() is not None
    assert before - timedelta(seconds=1) <= ended_at <= datetime.now().astimezone()


def test_record_turn_is_one_transaction(engine: Engine, live_id: str) -> None:
    add_message(engine, live_id, role="agent", text="你好")
    with pytest.raises(NotFound) as caught:
        record_turn(
            engine,
            live_id,
            replies=[("在的", None)],
            snapshot=Snapshot("asking", 9, 9, 9, 12345),
            outcome="ordered",
            agent_seq=5,
            moves=["greet"],
        )
    assert str(caught.value) == (
        f"对话“{live_id}”中没有第 5 条消息。提示：用 kefu transcripts list 查看已有的对话。"
    )
    stored = load_conversation(engine, live_id)
    assert len(stored.messages) == 1
    assert stored.snapshot == Snapshot("greeting", 3, 0, 0, 12345)
    assert stored.outcome is None


def test_record_turn_refuses_moves_without_an_agent_message(engine: Engine, live_id: str) -> None:
    with pytest.raises(ValueError, match="agent_seq"):
        record_turn(
            engine,
            live_id,
            replies=[],
            snapshot=Snapshot("a", 1, 1, 1, 1),
            outcome=None,
            moves=["greet"],
        )


def test_finish_conversation_closes_an_open_one(engine: Engine, live_id: str) -> None:
    result = finish_conversation(engine, live_id, "unfinished", T("2026-06-10T09:30:00+08:00"))
    stored = load_conversation(engine, live_id)
    assert result == stored.outcome == "unfinished"
    assert stored.ended_at == T("2026-06-10T09:30:00+08:00")


def test_finish_conversation_keeps_an_outcome_the_customer_reached(
    engine: Engine, live_id: str
) -> None:
    record_turn(
        engine,
        live_id,
        replies=[("那我拍了", T("2026-06-10T09:10:00+08:00"))],
        snapshot=Snapshot("ordered", 5, 0, 2, 12345),
        outcome="ordered",
    )
    result = finish_conversation(engine, live_id, "unfinished", T("2026-06-10T09:30:00+08:00"))
    stored = load_conversation(engine, live_id)
    assert result == stored.outcome == "ordered"
    assert stored.ended_at == T("2026-06-10T09:10:00+08:00")


def test_finish_conversation_of_an_unknown_id_is_not_found(engine: Engine) -> None:
    with pytest.raises(NotFound):
        finish_conversation(engine, "nobody", "unfinished", T("2026-06-10T09:30:00+08:00"))


def test_a_message_is_durable_before_the_engine_closes(
    db_url: str, engine: Engine, live_id: str
) -> None:
    add_message(engine, live_id, role="agent", text="亲，在的～")
    # A brand-new engine, as after a crash: the first one is still open and never closed first.
    fresh = open_database(db_url)
    try:
        assert [m.text for m in load_conversation(fresh, live_id).messages] == ["亲，在的～"]
    finally:
        fresh.dispose()


# --- listing -----------------------------------------------------------------------------------


def test_list_conversations_is_newest_first_across_offsets(engine: Engine) -> None:
    # 09:00+08:00 is 01:00 UTC, so the 02:00+00:00 conversation is the newer one.
    east = _start(engine, "2026-06-10T09:00:00+08:00")
    west = _start(engine, "2026-06-10T02:00:00+00:00")
    older = _start(engine, "2026-06-09T23:00:00+08:00")
    assert [s.id for s in list_conversations(engine)] == [west, east, older]


def test_list_conversations_breaks_ties_by_id(engine: Engine) -> None:
    ids = [_start(engine, "2026-06-10T09:00:00+08:00") for _ in range(5)]
    assert [s.id for s in list_conversations(engine)] == sorted(ids, reverse=True)


def test_list_conversations_limit(engine: Engine) -> None:
    for day in range(1, 6):
        _start(engine, f"2026-06-0{day}T09:00:00+08:00")
    listed = list_conversations(engine, limit=2)
    assert [s.started_at.day for s in listed] == [5, 4]
    assert list_conversations(engine, limit=0) == []
    with pytest.raises(ValueError):
        list_conversations(engine, limit=-1)


def test_list_conversations_summarises_each_one(engine: Engine, live_id: str) -> None:
    add_message(engine, live_id, role="customer", text="在吗？")
    add_message(engine, live_id, role="agent", text="在的")
    empty = _start(engine, "2026-06-09T09:00:00+08:00", kind="objection", scenario_id=None)
    summaries = list_conversations(engine)
    assert summaries == [
        ConversationSummary(
            id=live_id,
            scenario="presale-dress",
            kind="presale",
            outcome=None,
            started_at=T("2026-06-10T09:00:00+08:00"),
            messages=2,
            channel="terminal",
            mode="practice",
            candidate=None,
            title="连衣裙",
        ),
        ConversationSummary(
            id=empty,
            scenario=None,
            kind="objection",
            outcome=None,
            started_at=T("2026-06-09T09:00:00+08:00"),
            messages=0,
            channel="terminal",
            mode="practice",
        ),
    ]
    assert summaries[0].to_json() == {
        "id": live_id,
        "scenario": "presale-dress",
        "kind": "presale",
        "outcome": "unfinished",
        "started_at": "2026-06-10T09:00:00+08:00",
        "messages": 2,
        "title": "连衣裙",
        "channel": "terminal",
        "mode": "practice",
        "candidate": None,
    }


def test_list_conversations_of_an_empty_database(engine: Engine) -> None:
    assert list_conversations(engine) == []


# --- transcripts: export and import ------------------------------------------------------------


def test_get_transcript_exports_the_contract_format(engine: Engine, live_id: str) -> None:
    add_message(engine, live_id, role="customer", text="在吗？", at=T("2026-06-10T09:00:05+08:00"))
    agent = add_message(
        engine, live_id, role="agent", text="亲，在的～", at=T("2026-06-10T09:00:12+08:00")
    )
    record_turn(
        engine,
        live_id,
        replies=[("好，拍了", None)],
        snapshot=Snapshot("ordered", 5, 0, 1, 12345),
        outcome="ordered",
        agent_seq=agent,
        moves=["greet"],
    )
    transcript = get_transcript(engine, live_id)
    assert isinstance(transcript, Transcript)
    assert transcript.to_dict() == {
        "id": live_id,
        "kind": "presale",
        "scenario": "presale-dress",
        "outcome": "ordered",
        "started_at": "2026-06-10T09:00:00+08:00",
        "channel": "terminal",
        "mode": "practice",
        "scenario_hash": "sha256:abc",
        "messages": [
            {"role": "customer", "text": "在吗？", "at": "2026-06-10T09:00:05+08:00"},
            {"role": "agent", "text": "亲，在的～", "at": "2026-06-10T09:00:12+08:00"},
            {"role": "customer", "text": "好，拍了"},
        ],
    }
    # What is exported reads back as a valid transcript with the same messages.
    again = transcript_from_dict(transcript.to_dict(), "export.json")
    assert again.messages == transcript.messages
    assert (again.id, again.kind, again.scenario, again.outcome) == (
        live_id,
        "presale",
        "presale-dress",
        "ordered",
    )


def test_a_live_conversation_never_closed_exports_as_unfinished(
    engine: Engine, live_id: str
) -> None:
    assert get_transcript(engine, live_id).outcome == "unfinished"


def test_get_transcript_of_an_unknown_id_is_not_found(engine: Engine) -> None:
    with pytest.raises(NotFound, match="kefu transcripts list"):
        get_transcript(engine, "nobody")


def _transcript(**fields: object) -> Transcript:
    values: dict = {
        "kind": "objection",
        "messages": [
            Message("customer", "这个是正品吗？", T("2026-06-10T09:00:05+08:00")),
            Message("agent", "亲，我们是官方旗舰店，保证正品。", T("2026-06-10T09:00:20+08:00")),
        ],
    }
    values.update(fields)
    return Transcript(**values)


def test_import_keeps_the_given_id_and_everything_given(engine: Engine) -> None:
    transcript = _transcript(id="sample-007", scenario="objection-genuine", outcome="resolved")
    assert import_transcript(engine, transcript, source="samples/007.json") == "sample-007"
    stored = load_conversation(engine, "sample-007")
    assert (stored.kind, stored.scenario_id, stored.outcome) == (
        "objection",
        "objection-genuine",
        "resolved",
    )
    assert (stored.channel, stored.mode, stored.source) == (
        "import",
        "practice",
        "samples/007.json",
    )
    assert stored.snapshot is None
    assert stored.started_at.isoformat() == "2026-06-10T09:00:05+08:00"
    assert stored.ended_at == T("2026-06-10T09:00:20+08:00")
    assert [m.to_message() for m in stored.messages] == transcript.messages
    assert get_transcript(engine, "sample-007").messages == transcript.messages


def test_import_of_a_taken_id_is_refused_with_a_hint(engine: Engine) -> None:
    import_transcript(engine, _transcript(id="sample-007"), source="a.json")
    with pytest.raises(KefuError) as caught:
        import_transcript(engine, _transcript(id="sample-007"), source="b.json")
    assert str(caught.value) == (
        "b.json: 对话编号“sample-007”已存在于数据库中，未导入。"
        "提示：用 kefu transcripts list 查看已有对话；如要另存一份，删去文件中的“id”即可自动编号。"
    )
    assert len(list_conversations(engine)) == 1


def test_import_without_an_id_generates_one_from_the_first_time(engine: Engine) -> None:
    conversation_id = import_transcript(engine, _transcript(), source="x.json")
    assert ID_PATTERN.match(conversation_id)
    assert conversation_id.startswith("20260610-090005-")


def test_import_without_any_time_starts_now(engine: Engine) -> None:
    untimed = _transcript(messages=[Message("customer", "在吗"), Message("agent", "在的")])
    before = datetime.now().astimezone()
    stored = load_conversation(engine, import_transcript(engine, untimed, source="x.json"))
    assert before - timedelta(seconds=1) <= stored.started_at <= datetime.now().astimezone()
    assert stored.ended_at is None
    # An imported transcript without an outcome is exported without one, not as "unfinished".
    assert get_transcript(engine, stored.id).outcome is None


def test_import_prefers_an_exported_start_time(engine: Engine) -> None:
    exported = _transcript(extra={"started_at": "2026-06-10T08:59:58+08:00", "mode": "exam"})
    stored = load_conversation(engine, import_transcript(engine, exported, source="x.json"))
    assert stored.started_at.isoformat() == "2026-06-10T08:59:58+08:00"
    assert stored.mode == "exam"


def test_import_of_an_overlong_id_is_refused(engine: Engine) -> None:
    with pytest.raises(TranscriptError) as caught:
        import_transcript(engine, _transcript(id="x" * 65), source="x.json")
    assert str(caught.value) == (
        "x.json: “id”长 65 个字符，超过上限 64。提示：改短文件中的“id”，或删去它以自动生成。"
    )


def test_import_of_an_unknown_kind_is_refused(engine: Engine) -> None:
    with pytest.raises(TranscriptError) as caught:
        import_transcript(engine, _transcript(kind="chitchat"), source="x.json")
    assert str(caught.value) == (
        "x.json: “kind”应为 presale / objection / complaint 之一，实际是 'chitchat'"
    )
