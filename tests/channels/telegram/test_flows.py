"""The real ``kefu telegram`` process against the loopback Bot API: flows, bad input, faults."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from fake_bot_api import FakeBotApi
from sqlalchemy import Engine
from telegram_harness import DRESS, DRESS_TURNS, KEFU, KefuBot, as_admin

from bot.channels.telegram import texts
from bot.channels.telegram.sender import TYPING_MAX, TYPING_PER_CHAR
from bot.storage import list_conversations, load_conversation, open_database
from bot.storage import telegram as store


@pytest.fixture
def db(db_url: str) -> Iterator[Engine]:
    engine = open_database(db_url)
    yield engine
    engine.dispose()


def running(bot: KefuBot, api: FakeBotApi, **env: str) -> KefuBot:
    polls = len(api.calls("getUpdates"))
    bot.start(**env)
    api.wait_until(lambda: len(api.calls("getUpdates")) > polls, 30, "the bot polling")
    return bot


def say(api: FakeBotApi, chat: int, text: str, replies: int = 1, timeout: float = 10) -> list[str]:
    update = api.push_text(chat, text)
    return api.wait_for(replies, chat_id=chat, after=update, timeout=timeout)


def conversation_of(db: Engine, chat: int, mode: str = "practice"):
    """The stored conversation of a chat (each test chat has at most one)."""
    ids = [c.id for c in list_conversations(db) if c.mode == mode]
    for cid in ids:
        stored = load_conversation(db, cid)
        candidate = stored.candidate or ""
        if candidate == f"tg:{chat}" or any(
            code.conversation_id == cid and code.chat_id == chat for code in store.list_codes(db)
        ):
            return stored
    raise AssertionError(f"no {mode} conversation for chat {chat}")


def test_commands_are_registered_in_chinese(kefu_bot: KefuBot, fake_api: FakeBotApi) -> None:
    running(kefu_bot, fake_api)
    fake_api.wait_for_call("setMyCommands")
    names = [c["command"] for c in fake_api.commands()]
    assert names == ["start", "help", "practice", "exam", "end"]
    assert "练习" in fake_api.commands()[2]["description"]
    assert say(fake_api, 5, "/start") == [texts.HELP]


def test_missing_token_is_a_clear_error(db_url: str) -> None:
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    result = subprocess.run(
        [KEFU, "telegram"], env={**env, "KEFU_DB": db_url}, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_a_practice_conversation_ends_with_a_score(
    kefu_bot: KefuBot, fake_api: FakeBotApi, db: Engine
) -> None:
    running(kefu_bot, fake_api)
    chat = 101
    listing = fake_api.push_text(chat, "/practice")
    fake_api.wait_for(1, chat_id=chat, after=listing)
    menu = fake_api.messages_sent(chat)[-1]
    assert menu.text == texts.PICK_SCENARIO
    buttons = [
        b["callback_data"] for row in menu.params["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert f"practice:{DRESS}" in buttons and len(buttons) >= 20
    pressed = fake_api.push_callback(chat, f"practice:{DRESS}", menu.result["message_id"])
    opening = fake_api.wait_for(3, chat_id=chat, after=pressed)
    assert opening[0] == texts.PRACTICE_START
    assert opening[1].startswith("【售前】")  # the brief comes before the customer speaks
    fake_api.wait_for_call(
        "answerCallbackQuery",
        lambda c: c.params.get("callback_query_id") == fake_api.callback_query_id(pressed),
    )
    for line in DRESS_TURNS[:-1]:
        say(fake_api, chat, line)
    last = say(fake_api, chat, DRESS_TURNS[-1], replies=2)
    assert last[1].startswith("练习对话已结束（下单）")
    assert "总分：" in last[1] and "/ 100" in last[1]
    stored = conversation_of(db, chat)
    assert stored.outcome == "ordered" and stored.channel == "telegram"
    assert [m.text for m in stored.messages if m.role == "agent"] == list(DRESS_TURNS)
    # What the candidate saw from the customer is what was stored, in order.
    shown = fake_api.texts(chat)[3:]
    customer = [m.text for m in stored.messages if m.role == "customer"]
    assert [t for t in shown if t in customer] == customer
    assert say(fake_api, chat, "还在吗") == [texts.NOT_STARTED]


def test_an_exam_conversation_shows_no_score(
    kefu_bot: KefuBot, fake_api: FakeBotApi, db: Engine, db_url: str
) -> None:
    made = as_admin(db_url, "exam", "codes", "--scenario", DRESS, "--count", "2")
    assert made.returncode == 0, made.stderr
    code, spare = made.stdout.split()
    running(kefu_bot, fake_api)
    chat = 202
    assert say(fake_api, chat, "/exam") == [texts.EXAM_NEEDS_CODE]
    assert say(fake_api, chat, "/exam NOPE1234") == [texts.CODE_UNKNOWN.format(code="NOPE1234")]
    opening = say(fake_api, chat, f"/exam {code.lower()}", replies=3)
    assert opening[0].startswith("考试开始") and opening[1].startswith("【售前】")
    assert say(fake_api, chat, f"/exam {spare}") == [texts.BUSY_EXAM]
    assert say(fake_api, chat, f"/practice {DRESS}") == [texts.BUSY_EXAM]
    for line in DRESS_TURNS[:-1]:
        say(fake_api, chat, line)
    last = say(fake_api, chat, DRESS_TURNS[-1], replies=2)
    assert last[1] == texts.EXAM_OVER
    assert not any("总分" in t for t in fake_api.texts(chat))
    assert say(fake_api, 203, f"/exam {code}") == [texts.CODE_USED.format(code=code)]
    listed = json.loads(as_admin(db_url, "exam", "codes", "--list", "--json").stdout)
    used = {c["code"]: c["used"] for c in listed}
    assert used == {code: True, spare: False}
    stored = conversation_of(db, chat, "exam")
    assert stored.outcome == "ordered" and stored.candidate == code


def test_end_asks_first_and_ends_as_unfinished(
    kefu_bot: KefuBot, fake_api: FakeBotApi, db: Engine
) -> None:
    running(kefu_bot, fake_api)
    chat = 303
    assert say(fake_api, chat, "/end") == [texts.NOTHING_OPEN]
    say(fake_api, chat, f"/practice {DRESS}", replies=3)
    assert say(fake_api, chat, f"/practice {DRESS}") == [texts.BUSY]
    say(fake_api, chat, DRESS_TURNS[0])
    ask = fake_api.push_text(chat, "/end")
    assert fake_api.wait_for(1, chat_id=chat, after=ask) == [texts.END_CONFIRM]
    question = fake_api.messages_sent(chat)[-1]
    keep = fake_api.push_callback(chat, "end:no", question.result["message_id"])
    assert fake_api.wait_for(1, chat_id=chat, after=keep) == [texts.END_KEPT]
    yes = fake_api.push_callback(chat, "end:yes", question.result["message_id"])
    summary = fake_api.wait_for(1, chat_id=chat, after=yes)[0]
    assert summary.startswith("练习对话已结束（未完成）") and "主要改进" in summary
    assert conversation_of(db, chat).outcome == "unfinished"


def test_bad_input_is_refused_and_recorded(
    kefu_bot: KefuBot, fake_api: FakeBotApi, db: Engine
) -> None:
    running(kefu_bot, fake_api)
    chat = 404
    say(fake_api, chat, f"/practice {DRESS}", replies=3)
    first = fake_api.push_text(chat, DRESS_TURNS[0])
    fake_api.wait_for(1, chat_id=chat, after=first)
    for push in (
        fake_api.push_sticker,
        fake_api.push_photo,
        fake_api.push_voice,
        fake_api.push_document,
        fake_api.push_location,
        fake_api.push_contact,
        fake_api.push_poll,
    ):
        update = push(chat)
        assert fake_api.wait_for(1, chat_id=chat, after=update) == [texts.ONLY_TEXT]
    message_id = fake_api.pushed(first)["message"]["message_id"]
    edit = fake_api.push_edit(chat, message_id, "改过的话")
    assert fake_api.wait_for(1, chat_id=chat, after=edit) == [texts.EDIT_IGNORED]
    long = say(fake_api, chat, "亲" * 1001)
    assert long == [texts.TOO_LONG.format(n=1001, limit=1000)]
    kinds = [n.kind for n in store.notes(db, chat)]
    assert kinds == [
        "sticker",
        "photo",
        "voice",
        "document",
        "location",
        "contact",
        "poll",
        "edit",
        "too_long",
    ]
    edit_note = store.notes(db, chat)[7]
    assert edit_note.detail == {"text": "改过的话"} and edit_note.ref_seq == 1
    stored = conversation_of(db, chat)
    # The original stays; neither the edit nor the long message reached the customer.
    assert [m.text for m in stored.messages if m.role == "agent"] == [DRESS_TURNS[0]]
    assert len(stored.messages) == 3
    assert say(fake_api, chat, "/nonsense") == [texts.UNKNOWN_COMMAND]


def test_candidates_interleaved_each_get_their_own_customer(
    kefu_bot: KefuBot, fake_api: FakeBotApi, db: Engine
) -> None:
    running(kefu_bot, fake_api)
    for group in ([1001, 1002], list(range(2001, 2031))):
        for chat in group:
            fake_api.push_text(chat, f"/practice {DRESS}")
        for line in DRESS_TURNS:
            for chat in group:
                fake_api.push_text(chat, line)
        for chat in group:
            # start (3) + a reply to each turn + the score summary
            fake_api.wait_for(3 + len(DRESS_TURNS) + 1, chat_id=chat, timeout=30)
        for chat in group:
            stored = conversation_of(db, chat)
            assert stored.outcome == "ordered"
            assert [m.text for m in stored.messages if m.role == "agent"] == list(DRESS_TURNS)
            customer = [m.text for m in stored.messages if m.role == "customer"]
            assert fake_api.texts(chat)[2:-1] == customer  # in order, nothing else between
    assert len(list_conversations(db)) == 32


def test_429_and_dropped_connections_lose_nothing(kefu_bot: KefuBot, fake_api: FakeBotApi) -> None:
    running(kefu_bot, fake_api)
    chat = 505
    fake_api.fail_next("sendMessage", times=2, retry_after=1)
    started = time.monotonic()
    assert say(fake_api, chat, "/help") == [texts.HELP]
    assert time.monotonic() - started >= 1.5  # both 429s were waited out
    fake_api.drop_next("sendMessage")
    say(fake_api, chat, f"/practice {DRESS}", replies=3)
    fake_api.drop_next("getUpdates")
    fake_api.fail_next("sendMessage", error_code=502)
    assert len(say(fake_api, chat, DRESS_TURNS[0], timeout=20)) == 1
    failed = [c for c in fake_api.sent(chat) if not c.ok]
    assert [c.error_code for c in failed if c.error_code] == [429, 429, 502]
    assert texts.HELP in fake_api.texts(chat)


def test_deadlines_nudge_and_end_the_exam_across_a_restart(
    kefu_bot: KefuBot, fake_api: FakeBotApi, db: Engine, db_url: str
) -> None:
    code = as_admin(db_url, "exam", "codes", "--scenario", DRESS).stdout.strip()
    env = {"KEFU_NUDGE_SECONDS": "1", "KEFU_EXAM_MINUTES": "0.1"}  # 6 s
    running(kefu_bot, fake_api, **env)
    chat = 606
    say(fake_api, chat, f"/exam {code}", replies=3)
    nudge = fake_api.wait_for(4, chat_id=chat, timeout=10)[3]
    stored = conversation_of(db, chat, "exam")
    assert stored.messages[-1].role == "customer" and stored.messages[-1].text == nudge
    kefu_bot.stop()
    time.sleep(4)  # the exam ends while the bot is down
    running(kefu_bot, fake_api, **env)
    texts_ = fake_api.wait_for(lambda t: texts.EXAM_TIME_UP in t, chat_id=chat, timeout=15)
    assert texts_.count(nudge) == 1
    assert conversation_of(db, chat, "exam").outcome == "unfinished"


def test_a_failing_handler_gets_the_neutral_message_and_the_bot_goes_on(
    kefu_bot: KefuBot, fake_api: FakeBotApi, db: Engine, db_url: str
) -> None:
    """A handler raising (here: the conversations table renamed away under the running bot,
    as a broken database would) gets the candidate ``texts.ERROR``; the update counts as
    handled, and the bot answers the next messages once the table is back."""
    running(kefu_bot, fake_api)
    chat = 707
    assert say(fake_api, chat, "/help") == [texts.HELP]
    with db.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE conversations RENAME TO conversations_away")
    failed = fake_api.push_text(chat, f"/practice {DRESS}")
    assert fake_api.wait_for(1, chat_id=chat, after=failed) == [texts.ERROR]
    with db.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE conversations_away RENAME TO conversations")
    fake_api.wait_until(lambda: store.inbox_entry(db, failed).handled, 10, "the update handled")
    assert "handling an update failed" in kefu_bot.log
    assert say(fake_api, chat, "/help") == [texts.HELP]
    opening = say(fake_api, chat, f"/practice {DRESS}", replies=3)
    assert opening[0] == texts.PRACTICE_START
    assert len(say(fake_api, chat, DRESS_TURNS[0])) == 1
    # After a restart the failed update is not tried again.
    kefu_bot.stop()
    running(kefu_bot, fake_api)
    assert say(fake_api, chat, DRESS_TURNS[1]) == [conversation_of(db, chat).messages[-1].text]
    assert fake_api.texts(chat).count(texts.ERROR) == 1


def test_typing_shows_before_a_reply_only_when_enabled(
    kefu_bot: KefuBot, fake_api: FakeBotApi
) -> None:
    def calls_to(chat: int):
        return [c for c in fake_api.calls() if str(c.chat_id) == str(chat)]

    running(kefu_bot, fake_api)
    assert say(fake_api, 808, "/nonsense") == [texts.UNKNOWN_COMMAND]
    assert [c.method for c in calls_to(808)] == ["sendMessage"]  # off by default
    kefu_bot.stop()
    running(kefu_bot, fake_api, KEFU_TELEGRAM_TYPING="1")
    chat = 809
    assert say(fake_api, chat, "/nonsense") == [texts.UNKNOWN_COMMAND]
    action, message = calls_to(chat)
    assert (action.method, message.method) == ("sendChatAction", "sendMessage")
    assert action.ok and action.params["action"] == "typing"
    pause = min(len(texts.UNKNOWN_COMMAND) * TYPING_PER_CHAR, TYPING_MAX)
    assert message.time - action.time >= pause - 0.05  # "typing…", a pause, then the reply
    # Each reply of several gets its own indicator, in order.
    say(fake_api, chat, f"/practice {DRESS}", replies=3)
    methods = [c.method for c in calls_to(chat)][2:]
    assert methods == ["sendChatAction", "sendMessage"] * 3
