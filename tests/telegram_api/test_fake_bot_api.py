"""The fake Telegram Bot API server, exercised over real HTTP: with httpx, with
python-telegram-bot's ``Bot``, with a PTB ``Application`` in this process, and with a PTB bot
that ``run_polling``s in a subprocess, as ``kefu telegram`` will."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import httpx
import pytest
import telegram
from fake_bot_api import FakeBotApi
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, CommandHandler, MessageHandler, filters

CHAT = 1001


def ptb_bot(api: FakeBotApi) -> telegram.Bot:
    return telegram.Bot(api.token, base_url=api.base_url)


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d.upper(), callback_data=d) for d in data]])


# ---------------------------------------------------------------------- plain HTTP


def test_server_runs_on_loopback_with_the_bot_api_layout(fake_bot_api: FakeBotApi) -> None:
    assert fake_bot_api.base_url == f"http://127.0.0.1:{fake_bot_api.port}/bot"
    assert fake_bot_api.env == {
        "TELEGRAM_BOT_TOKEN": fake_bot_api.token,
        "TELEGRAM_API_BASE_URL": fake_bot_api.base_url,
    }


def test_get_me_over_http(fake_bot_api: FakeBotApi, http: httpx.Client) -> None:
    for response in (http.post("getMe"), http.get("getme")):  # methods are case-insensitive
        assert response.status_code == 200
        body = response.json()
        assert body["ok"] is True
        assert body["result"]["is_bot"] is True
        assert body["result"]["username"] == "kefu_test_bot"
        assert body["result"]["id"] == int(fake_bot_api.token.split(":")[0])
    assert [c.method for c in fake_bot_api.calls()] == ["getMe", "getMe"]


def test_wrong_token_is_unauthorized(fake_bot_api: FakeBotApi) -> None:
    with httpx.Client(trust_env=False) as client:
        response = client.post(fake_bot_api.base_url + "123:wrong/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


def test_unknown_method_is_404_and_recorded(fake_bot_api: FakeBotApi, http: httpx.Client) -> None:
    response = http.post("sendDice", data={"chat_id": "5"})
    assert response.status_code == 404
    assert response.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }
    [call] = fake_bot_api.unknown_calls()
    assert (call.method, call.params, call.outcome) == ("sendDice", {"chat_id": 5}, "unknown")


def test_json_form_and_multipart_bodies_parse_alike(
    fake_bot_api: FakeBotApi, http: httpx.Client
) -> None:
    markup = {"inline_keyboard": [[{"text": "是", "callback_data": "yes"}]]}
    http.post("sendMessage", json={"chat_id": CHAT, "text": "一", "reply_markup": markup})
    form = {"chat_id": str(CHAT), "text": "二", "reply_markup": json.dumps(markup)}
    http.post("sendMessage", data=form)
    http.post("sendMessage", data=form | {"text": "三"}, files={"x": ("a.txt", b"abc")})
    calls = fake_bot_api.sent(CHAT)
    assert [c.params["reply_markup"] for c in calls] == [markup] * 3
    assert [c.params["chat_id"] for c in calls] == [CHAT] * 3
    assert fake_bot_api.texts(CHAT) == ["一", "二", "三"]
    assert calls[2].params["x"] == {"filename": "a.txt", "content_type": "text/plain", "size": 3}


def test_send_message_validates_like_telegram(fake_bot_api: FakeBotApi, http: httpx.Client) -> None:
    def error(**params: object) -> str:
        response = http.post("sendMessage", json=params)
        assert response.status_code == 400
        return response.json()["description"]

    assert error(chat_id=CHAT, text="  ") == "Bad Request: message text is empty"
    assert error(text="hi") == "Bad Request: chat_id is empty"
    assert error(chat_id=CHAT, text="长" * 4097) == "Bad Request: message is too long"
    too_long_data = {"inline_keyboard": [[{"text": "a", "callback_data": "x" * 65}]]}
    assert error(chat_id=CHAT, text="a", reply_markup=too_long_data) == (
        "Bad Request: BUTTON_DATA_INVALID"
    )
    assert fake_bot_api.texts(CHAT) == []
    assert [c.outcome for c in fake_bot_api.sent(CHAT)] == ["error"] * 3


# ---------------------------------------------------------------------- getUpdates


def update_ids(response: httpx.Response) -> list[int]:
    body = response.json()
    assert body["ok"] is True, body
    return [u["update_id"] for u in body["result"]]


def test_get_updates_offsets_confirm_like_telegram(
    fake_bot_api: FakeBotApi, http: httpx.Client
) -> None:
    first, second, third = (fake_bot_api.push_text(CHAT, t) for t in ("一", "二", "三"))
    assert second == first + 1 and third == first + 2
    # Without an offset, unconfirmed updates come again.
    assert update_ids(http.post("getUpdates")) == [first, second, third]
    assert update_ids(http.post("getUpdates", data={"offset": "0"})) == [first, second, third]
    assert fake_bot_api.confirmed_offset == 0
    # An offset confirms (forgets) every update below it; limit caps the answer.
    assert update_ids(http.post("getUpdates", data={"offset": str(second), "limit": "1"})) == [
        second
    ]
    assert fake_bot_api.confirmed_offset == second
    assert update_ids(http.post("getUpdates")) == [second, third]
    # A negative offset keeps only the last N.
    fourth = fake_bot_api.push_text(CHAT, "四")
    assert update_ids(http.post("getUpdates", json={"offset": -1})) == [fourth]
    assert update_ids(http.post("getUpdates", json={"offset": fourth + 1})) == []
    assert fake_bot_api.confirmed_offset == fourth + 1
    assert fake_bot_api.pending_updates() == []


def test_long_polling_answers_as_soon_as_an_update_arrives(
    fake_bot_api: FakeBotApi, http: httpx.Client
) -> None:
    started = time.monotonic()
    assert update_ids(http.post("getUpdates", data={"timeout": "0.3"})) == []
    assert 0.3 <= time.monotonic() - started < 2

    pushed: list[int] = []
    timer = threading.Timer(0.3, lambda: pushed.append(fake_bot_api.push_text(CHAT, "在吗")))
    timer.start()
    started = time.monotonic()
    try:
        ids = update_ids(http.post("getUpdates", data={"timeout": "10"}))
    finally:
        timer.join()
    elapsed = time.monotonic() - started
    assert ids == pushed
    assert 0.25 <= elapsed < 3
    assert fake_bot_api.served_at(pushed[0]) is not None


def test_pushes_from_many_threads_get_unique_increasing_ids(
    fake_bot_api: FakeBotApi, http: httpx.Client
) -> None:
    def push(chat: int) -> None:
        for n in range(25):
            fake_bot_api.push_text(chat, f"第{n}条")

    threads = [threading.Thread(target=push, args=(CHAT + i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = update_ids(http.post("getUpdates"))
    assert len(ids) == 100 and ids == sorted(set(ids))
    # Per chat, message ids count up in order.
    for i in range(4):
        chat_updates = [fake_bot_api.pushed(u)["message"] for u in ids]
        mine = [m for m in chat_updates if m["chat"]["id"] == CHAT + i]
        assert [m["message_id"] for m in mine] == list(range(1, 26))
        assert [m["text"] for m in mine] == [f"第{n}条" for n in range(25)]

    raw = fake_bot_api.push_raw({"update_id": ids[-1] + 10, "message": chat_updates[0]})
    assert raw == ids[-1] + 10
    assert fake_bot_api.push_text(CHAT, "之后") == raw + 1


def test_allowed_updates_filters_later_updates(
    fake_bot_api: FakeBotApi, http: httpx.Client
) -> None:
    early_edit = fake_bot_api.push_edit(CHAT, 1, "改")
    http.post("getUpdates", json={"allowed_updates": ["message", "callback_query"]})
    fake_bot_api.push_edit(CHAT, 1, "再改")
    text = fake_bot_api.push_text(CHAT, "hi")
    assert update_ids(http.post("getUpdates")) == [early_edit, text]
    info = http.post("getWebhookInfo").json()["result"]
    assert info["url"] == "" and info["pending_update_count"] == 2
    assert info["allowed_updates"] == ["callback_query", "message"]


def test_a_newer_long_poll_terminates_the_older_with_409(
    fake_bot_api: FakeBotApi, http: httpx.Client
) -> None:
    answers: list[httpx.Response] = []
    poller = threading.Thread(
        target=lambda: answers.append(http.post("getUpdates", data={"timeout": "5"}))
    )
    poller.start()
    fake_bot_api.wait_until(lambda: fake_bot_api.waiting_polls, what="the first poll to wait")
    assert update_ids(http.post("getUpdates", data={"timeout": "0"})) == []
    poller.join(5)
    [older] = answers
    assert older.status_code == 409
    assert older.json()["description"].startswith("Conflict: terminated by other getUpdates")


def test_drop_pending_updates(fake_bot_api: FakeBotApi, http: httpx.Client) -> None:
    fake_bot_api.push_text(CHAT, "旧消息")
    last = fake_bot_api.push_text(CHAT, "旧消息2")
    assert http.post("deleteWebhook", data={"drop_pending_updates": "true"}).json()["result"]
    assert update_ids(http.post("getUpdates")) == []
    assert fake_bot_api.confirmed_offset == last + 1


# ---------------------------------------------------------------------- python-telegram-bot Bot


def test_ptb_get_me_and_base_url(fake_bot_api: FakeBotApi) -> None:
    async def main() -> None:
        bot = ptb_bot(fake_bot_api)
        # PTB appends the token to base_url: requests go to <base_url><token>/<method>.
        assert bot.base_url == fake_bot_api.base_url + fake_bot_api.token
        async with bot:  # initialize() calls getMe
            assert bot.username == "kefu_test_bot"
            me = await bot.get_me()
            assert me.is_bot and me.first_name == "客服陪练"

    asyncio.run(main())
    assert [c.method for c in fake_bot_api.calls()] == ["getMe", "getMe"]


def test_ptb_wrong_token_is_invalid_token(fake_bot_api: FakeBotApi) -> None:
    async def main() -> None:
        async with telegram.Bot("1:nope", base_url=fake_bot_api.base_url):
            pass

    with pytest.raises(InvalidToken):
        asyncio.run(main())


def test_ptb_send_message_round_trip(fake_bot_api: FakeBotApi) -> None:
    incoming = fake_bot_api.push_text(CHAT, "你好")
    incoming_id = fake_bot_api.pushed(incoming)["message"]["message_id"]

    async def main() -> tuple[telegram.Message, telegram.Message]:
        async with ptb_bot(fake_bot_api) as bot:
            first = await bot.send_message(
                CHAT,
                "您好，请问有什么可以帮您？",
                reply_markup=keyboard("yes", "no"),
                reply_to_message_id=incoming_id,
            )
            second = await bot.send_message(CHAT, "第二条")
            return first, second

    first, second = asyncio.run(main())
    assert first.message_id == incoming_id + 1  # one counter per private chat
    assert second.message_id == first.message_id + 1
    assert first.chat.id == CHAT and first.chat.type == "private"
    assert first.text == "您好，请问有什么可以帮您？"
    assert first.from_user is not None and first.from_user.is_bot
    assert abs(first.date.timestamp() - time.time()) < 5
    assert first.reply_markup == keyboard("yes", "no")
    assert first.reply_to_message is not None and first.reply_to_message.text == "你好"

    assert fake_bot_api.texts(CHAT) == ["您好，请问有什么可以帮您？", "第二条"]
    call = fake_bot_api.sent(CHAT)[0]
    # PTB posts form data; the nested reply_markup arrives as a JSON string and is parsed.
    assert call.params["chat_id"] == CHAT
    assert call.params["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "YES", "callback_data": "yes"}, {"text": "NO", "callback_data": "no"}]
        ]
    }


def test_ptb_get_updates_long_polls_and_confirms(fake_bot_api: FakeBotApi) -> None:
    async def main() -> None:
        async with ptb_bot(fake_bot_api) as bot:
            first = fake_bot_api.push_text(CHAT, "一")
            updates = await bot.get_updates(timeout=5)
            assert [u.update_id for u in updates] == [first]

            poll = asyncio.create_task(bot.get_updates(offset=first + 1, timeout=5))
            await asyncio.sleep(0.2)
            assert not poll.done()
            second = fake_bot_api.push_text(CHAT, "二")
            updates = await asyncio.wait_for(poll, 2)
            assert [u.update_id for u in updates] == [second]
            assert updates[0].message is not None and updates[0].message.text == "二"
            assert fake_bot_api.confirmed_offset == first + 1

    asyncio.run(main())


def test_ptb_sees_429_as_retry_after(fake_bot_api: FakeBotApi) -> None:
    fake_bot_api.fail_next("sendMessage", retry_after=3)

    async def main() -> None:
        async with ptb_bot(fake_bot_api) as bot:
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(CHAT, "被限流")
            assert caught.value.retry_after == dtm.timedelta(seconds=3)
            await bot.send_message(CHAT, "恢复")

    asyncio.run(main())
    assert fake_bot_api.texts(CHAT) == ["恢复"]
    failed, ok = fake_bot_api.sent(CHAT)
    assert (failed.outcome, failed.error_code, failed.text) == ("error", 429, "被限流")
    assert ok.ok


def test_http_body_of_an_injected_429(fake_bot_api: FakeBotApi, http: httpx.Client) -> None:
    fake_bot_api.fail_next("getUpdates", times=2, retry_after=7)
    for _ in range(2):
        response = http.post("getUpdates")
        assert response.status_code == 429
        assert response.json() == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 7",
            "parameters": {"retry_after": 7},
        }
    assert http.post("getUpdates").status_code == 200


@pytest.mark.parametrize(
    ("code", "error"), [(500, NetworkError), (502, NetworkError), (400, BadRequest)]
)
def test_ptb_sees_other_injected_errors(
    fake_bot_api: FakeBotApi, code: int, error: type[Exception]
) -> None:
    fake_bot_api.fail_next("sendChatAction", error_code=code)

    async def main() -> None:
        async with ptb_bot(fake_bot_api) as bot:
            with pytest.raises(error):
                await bot.send_chat_action(CHAT, "typing")
            assert await bot.send_chat_action(CHAT, "typing")

    asyncio.run(main())
    assert [c.error_code for c in fake_bot_api.calls("sendChatAction")] == [code, None]


def test_ptb_sees_a_dropped_connection_as_network_error(fake_bot_api: FakeBotApi) -> None:
    fake_bot_api.drop_next("sendMessage")

    async def main() -> None:
        async with ptb_bot(fake_bot_api) as bot:
            with pytest.raises(NetworkError) as caught:
                await bot.send_message(CHAT, "丢了")
            assert "RemoteProtocolError" in str(caught.value)
            await bot.send_message(CHAT, "到了")

    asyncio.run(main())
    assert fake_bot_api.texts(CHAT) == ["到了"]
    assert [c.outcome for c in fake_bot_api.sent(CHAT)] == ["dropped", "ok"]


def test_delay_slows_one_method(fake_bot_api: FakeBotApi) -> None:
    fake_bot_api.delay("sendMessage", 0.2)

    async def main() -> tuple[float, float]:
        async with ptb_bot(fake_bot_api) as bot:
            started = time.monotonic()
            await bot.send_message(CHAT, "慢")
            slow = time.monotonic() - started
            started = time.monotonic()
            await bot.send_chat_action(CHAT, "typing")
            return slow, time.monotonic() - started

    slow, fast = asyncio.run(main())
    assert slow >= 0.2
    assert fast < 0.2


def test_stop_and_start_again_keeps_port_and_state(fake_bot_api: FakeBotApi) -> None:
    port = fake_bot_api.port
    fake_bot_api.push_text(CHAT, "挂起前")

    async def main() -> None:
        async with ptb_bot(fake_bot_api) as bot:
            await bot.send_message(CHAT, "一")
            fake_bot_api.stop()
            with pytest.raises(NetworkError):  # connection refused while it is down
                await bot.send_message(CHAT, "丢")
            fake_bot_api.start()
            await bot.send_message(CHAT, "二")
            [update] = await bot.get_updates()
            assert update.message.text == "挂起前"

    asyncio.run(main())
    assert fake_bot_api.port == port
    assert fake_bot_api.texts(CHAT) == ["一", "二"]


def test_every_pushed_kind_parses_in_ptb(fake_bot_api: FakeBotApi) -> None:
    ids = {
        "command": fake_bot_api.push_command(CHAT, "practice", "presale-01"),
        "not_a_command": fake_bot_api.push_text(CHAT, "/练习"),
        "sticker": fake_bot_api.push_sticker(CHAT),
        "photo": fake_bot_api.push_photo(CHAT, caption="看图"),
        "voice": fake_bot_api.push_voice(CHAT),
        "document": fake_bot_api.push_document(CHAT),
        "location": fake_bot_api.push_location(CHAT),
        "contact": fake_bot_api.push_contact(CHAT),
        "poll": fake_bot_api.push_poll(CHAT),
        "edit": fake_bot_api.push_edit(CHAT, 1, "/practice presale-02"),
        "other_user": fake_bot_api.push_text(CHAT + 1, "hi", first_name="李四"),
    }

    async def main() -> dict[int, telegram.Update]:
        async with ptb_bot(fake_bot_api) as bot:
            return {u.update_id: u for u in await bot.get_updates()}

    updates = asyncio.run(main())
    assert sorted(updates) == sorted(ids.values())
    got = {name: updates[uid] for name, uid in ids.items()}
    command = got["command"].message
    assert command is not None and command.text == "/practice presale-01"
    assert command.parse_entities(["bot_command"]) == {command.entities[0]: "/practice"}
    assert command.from_user is not None and command.from_user.id == CHAT
    assert got["not_a_command"].message.entities == ()  # Telegram commands are Latin only
    assert got["sticker"].message.sticker.emoji == "😀"
    assert got["photo"].message.photo[-1].width == 800
    assert got["photo"].message.caption == "看图"
    assert got["voice"].message.voice.duration == dtm.timedelta(seconds=3)
    assert got["document"].message.document.file_name == "订单截图.pdf"
    assert got["location"].message.location.latitude == pytest.approx(31.2304)
    assert got["contact"].message.contact.phone_number == "+8613800138000"
    assert [o.text for o in got["poll"].message.poll.options] == ["红色", "蓝色"]
    edited = got["edit"].edited_message
    assert edited is not None and edited.message_id == 1 and edited.edit_date is not None
    assert edited.text == "/practice presale-02"
    assert got["other_user"].effective_user.first_name == "李四"
    assert got["other_user"].effective_chat.id == CHAT + 1


def test_callback_queries_and_edits(fake_bot_api: FakeBotApi) -> None:
    async def main() -> None:
        async with ptb_bot(fake_bot_api) as bot:
            sent = await bot.send_message(CHAT, "选一个", reply_markup=keyboard("a", "b"))
            uid = fake_bot_api.push_callback(CHAT, "a", sent.message_id)
            [update] = await bot.get_updates()
            query = update.callback_query
            assert query is not None and query.data == "a"
            assert query.id == fake_bot_api.callback_query_id(uid)
            assert query.message.message_id == sent.message_id
            assert query.message.reply_markup == keyboard("a", "b")
            assert await query.answer("好的")
            with pytest.raises(BadRequest, match=r"(?i)query is too old"):
                await query.answer()

            edited = await bot.edit_message_text("选了 A", CHAT, sent.message_id)
            assert isinstance(edited, telegram.Message)
            assert edited.text == "选了 A" and edited.reply_markup is None
            with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
                await bot.edit_message_text("选了 A", CHAT, sent.message_id)
            edited = await bot.edit_message_reply_markup(
                CHAT, sent.message_id, reply_markup=keyboard("c")
            )
            assert edited.reply_markup == keyboard("c")
            assert await bot.delete_message(CHAT, sent.message_id)
            with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
                await bot.delete_message(CHAT, sent.message_id)

            # A button on a message the server never saw arrives inaccessible (date 0).
            fake_bot_api.push_callback(CHAT, "b", 999)
            [update] = await bot.get_updates(offset=update.update_id + 1)
            assert not update.callback_query.message.is_accessible

    asyncio.run(main())
    assert [c.params["text"] for c in fake_bot_api.calls("editMessageText")] == ["选了 A"] * 2


def test_commands_webhook_info_close_and_log_out(fake_bot_api: FakeBotApi) -> None:
    commands = [("start", "开始"), ("practice", "练习"), ("exam", "考试"), ("end", "结束")]

    async def main() -> None:
        async with ptb_bot(fake_bot_api) as bot:
            assert await bot.set_my_commands(commands)
            assert [(c.command, c.description) for c in await bot.get_my_commands()] == commands
            with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
                await bot.set_my_commands([("Practice", "大写不行")])
            assert await bot.delete_webhook()
            info = await bot.get_webhook_info()
            assert info.url == "" and info.pending_update_count == 0
            assert await bot.close()
            assert await bot.log_out()

    asyncio.run(main())
    assert fake_bot_api.commands() == [{"command": c, "description": d} for c, d in commands]


# ---------------------------------------------------------------------- observing helpers


def test_wait_for_counts_predicates_and_times_out(
    fake_bot_api: FakeBotApi, http: httpx.Client
) -> None:
    before = fake_bot_api.push_text(CHAT, "问题一")
    http.post("sendMessage", json={"chat_id": CHAT, "text": "答一"})
    after = fake_bot_api.push_text(CHAT, "问题二")
    timer = threading.Timer(
        0.2, lambda: http.post("sendMessage", json={"chat_id": CHAT, "text": "答二"})
    )
    timer.start()
    try:
        assert fake_bot_api.wait_for(2, chat_id=CHAT, timeout=5) == ["答一", "答二"]
    finally:
        timer.join()
    assert fake_bot_api.wait_for(1, chat_id=CHAT, after=after) == ["答二"]
    assert fake_bot_api.wait_for(lambda texts: "答一" in texts, chat_id=CHAT, after=before)
    with pytest.raises(AssertionError, match=r"waiting for 3 message\(s\) to chat 1001.*答二"):
        fake_bot_api.wait_for(3, chat_id=CHAT, timeout=0.2)
    with pytest.raises(AssertionError):
        fake_bot_api.wait_for(1, chat_id=CHAT + 1, timeout=0.1)


def test_latencies_pair_served_updates_with_replies(
    fake_bot_api: FakeBotApi, http: httpx.Client
) -> None:
    fake_bot_api.delay("sendMessage", 0.05)  # the delay is after arrival: not counted
    first = fake_bot_api.push_text(CHAT, "在吗")
    other = fake_bot_api.push_text(CHAT + 1, "还没回")
    update_ids(http.post("getUpdates"))
    time.sleep(0.1)
    http.post("sendMessage", json={"chat_id": CHAT, "text": "在的"})
    http.post("sendMessage", json={"chat_id": CHAT, "text": "还有吗"})
    unserved = fake_bot_api.push_text(CHAT, "最后一句")

    by_id = {lat.update_id: lat for lat in fake_bot_api.latencies()}
    assert sorted(by_id) == [first, other, unserved]
    lat = by_id[first]
    assert lat.reply == "在的" and lat.text == "在吗"
    assert lat.pushed_at <= lat.served_at <= lat.replied_at
    assert 0.1 <= lat.latency < 1
    assert by_id[other].served_at is not None and by_id[other].latency is None
    assert by_id[unserved].served_at is None and by_id[unserved].latency is None


# ---------------------------------------------------------------------- PTB Application


def test_ptb_application_polls_replies_and_confirms_on_stop(fake_bot_api: FakeBotApi) -> None:
    """What ``Application.run_polling`` does, step by step, in this process."""

    async def echo(update: telegram.Update, context: object) -> None:
        assert update.message is not None
        sent = await update.message.reply_text(f"收到：{update.message.text}", do_quote=True)
        assert sent.reply_to_message is not None
        assert sent.reply_to_message.text == update.message.text

    async def start(update: telegram.Update, context: object) -> None:
        assert update.message is not None
        await update.message.reply_text("欢迎")

    async def main() -> None:
        app = ApplicationBuilder().token(fake_bot_api.token).base_url(fake_bot_api.base_url).build()
        app.add_handler(CommandHandler("start", start))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
        async with app:
            await app.updater.start_polling(poll_interval=0, timeout=1)
            await app.start()
            await asyncio.to_thread(fake_bot_api.wait_until_polling)
            fake_bot_api.push_command(CHAT, "start")
            await asyncio.to_thread(fake_bot_api.wait_for, 1, CHAT)
            uid = fake_bot_api.push_text(CHAT, "这个多少钱")
            await asyncio.to_thread(fake_bot_api.wait_for, 1, CHAT, 10, uid)
            await app.updater.stop()
            await app.stop()
        assert fake_bot_api.confirmed_offset == uid + 1

    asyncio.run(main())
    assert fake_bot_api.texts(CHAT) == ["欢迎", "收到：这个多少钱"]
    methods = [c.method for c in fake_bot_api.calls()]
    assert methods[:3] == ["getMe", "deleteWebhook", "getUpdates"]
    reply = fake_bot_api.sent(CHAT)[-1]
    # do_quote=True sends reply_parameters (a JSON string in the form); private chats do not
    # quote by default.
    quoted = fake_bot_api.pushed(fake_bot_api.latencies()[-1].update_id)["message"]["message_id"]
    assert reply.params["reply_parameters"] == {"message_id": quoted}
    assert "reply_parameters" not in fake_bot_api.sent(CHAT)[0].params
    [lat, *_] = fake_bot_api.latencies()
    assert lat.latency is not None and lat.latency < 5


def test_ptb_application_rides_out_polling_faults(fake_bot_api: FakeBotApi) -> None:
    """A 429 and a dropped connection on getUpdates: PTB waits and polls again, and the
    update is still delivered once."""

    async def echo(update: telegram.Update, context: object) -> None:
        assert update.message is not None
        await update.message.reply_text("回复")

    async def main() -> None:
        app = ApplicationBuilder().token(fake_bot_api.token).base_url(fake_bot_api.base_url).build()
        app.add_handler(MessageHandler(filters.TEXT, echo))
        async with app:
            await app.updater.start_polling(poll_interval=0, timeout=1)
            await app.start()
            await asyncio.to_thread(fake_bot_api.wait_until_polling)
            fake_bot_api.drop_next("getUpdates")
            fake_bot_api.fail_next("getUpdates", retry_after=1)
            uid = fake_bot_api.push_text(CHAT, "有人吗")
            await asyncio.to_thread(fake_bot_api.wait_for, 1, CHAT, 15)
            await asyncio.to_thread(fake_bot_api.wait_until_confirmed, uid)
            await app.updater.stop()
            await app.stop()

    asyncio.run(main())
    assert fake_bot_api.texts(CHAT) == ["回复"]
    outcomes = [c.outcome for c in fake_bot_api.calls("getUpdates")]
    assert "dropped" in outcomes and "error" in outcomes


BOT_SCRIPT = textwrap.dedent(
    """
    import os

    from telegram import BotCommand
    from telegram.ext import Application, MessageHandler, filters

    async def echo(update, context):
        await update.message.reply_text("echo " + update.message.text)

    async def post_init(app):
        await app.bot.set_my_commands([BotCommand("start", "开始")])

    app = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_BASE_URL"])
        .post_init(post_init)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(poll_interval=0, timeout=1, allowed_updates=["message", "callback_query"])
    """
)


@pytest.mark.slow
def test_run_polling_subprocess_start_up_and_shut_down(
    fake_bot_api: FakeBotApi, telegram_env: dict[str, str], tmp_path: Path
) -> None:
    script = tmp_path / "echo_bot.py"
    script.write_text(BOT_SCRIPT, encoding="utf-8")
    log = tmp_path / "bot.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(script)], env=telegram_env, stdout=out, stderr=out
        )
        try:
            fake_bot_api.wait_until_polling(timeout=30)
            uid = fake_bot_api.push_text(CHAT, "你好")
            assert fake_bot_api.wait_for(1, chat_id=CHAT, timeout=10) == ["echo 你好"]
            fake_bot_api.wait_until_confirmed(uid)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=15)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    assert proc.returncode == 0, log.read_text(encoding="utf-8", errors="replace")
    methods = [c.method for c in fake_bot_api.calls()]
    assert methods[:4] == ["getMe", "setMyCommands", "deleteWebhook", "getUpdates"]
    polls = fake_bot_api.calls("getUpdates")
    assert polls[0].params == {
        "offset": 0,
        "timeout": 1,
        "allowed_updates": ["message", "callback_query"],
    }
    # On stop, PTB calls getUpdates once more with timeout 0 to confirm what it fetched.
    assert polls[-1].params["timeout"] == 0
    assert polls[-1].params["offset"] == uid + 1
