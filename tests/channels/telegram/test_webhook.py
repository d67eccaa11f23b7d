"""Webhook mode: the real ``kefu telegram`` with its own webhook server, updates POSTed to it.

The loopback Bot API records ``setWebhook`` (and refuses ``getUpdates`` while a webhook is set);
the tests play Telegram's side of delivery themselves: ``httpx.post`` to the bot's port with the
secret token. An update is built with the fake server's ``push_*`` helpers (for its ids and
shape) and then delivered by POST; the fake server's own queue is never polled.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fake_bot_api import FakeBotApi
from sqlalchemy import Engine
from telegram_harness import DRESS, DRESS_TURNS, KefuBot

from bot.channels.telegram import texts
from bot.storage import open_database
from bot.storage import telegram as store

SECRET = "test-secret_0123456789"
URL = "https://kefu.example.org/telegram/hook"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
def db(db_url: str) -> Iterator[Engine]:
    engine = open_database(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Webhook:
    """Telegram's side of webhook delivery to the bot on ``port``."""

    def __init__(self, api: FakeBotApi, port: int) -> None:
        self.api = api
        self.endpoint = f"http://127.0.0.1:{port}/telegram/hook"
        self.client = httpx.Client(timeout=10, trust_env=False)

    def post(self, update: dict, secret: str | None = SECRET, **kwargs) -> httpx.Response:
        headers = {HEADER: secret} if secret is not None else {}
        return self.client.post(self.endpoint, json=update, headers=headers, **kwargs)

    def say(self, chat: int, text: str, replies: int = 1, timeout: float = 10) -> list[str]:
        update_id = self.api.push_text(chat, text)
        assert self.post(self.api.pushed(update_id)).status_code == 200
        return self.api.wait_for(replies, chat_id=chat, after=update_id, timeout=timeout)


@pytest.fixture
def hook(fake_api: FakeBotApi, port: int) -> Iterator[Webhook]:
    webhook = Webhook(fake_api, port)
    yield webhook
    webhook.client.close()


def start_webhook(bot: KefuBot, api: FakeBotApi, port: int) -> None:
    calls = len(api.calls("setWebhook"))
    bot.start(
        KEFU_TELEGRAM_WEBHOOK_URL=URL,
        KEFU_TELEGRAM_WEBHOOK_PORT=str(port),
        KEFU_TELEGRAM_WEBHOOK_SECRET=SECRET,
    )
    api.wait_until(lambda: len(api.calls("setWebhook")) > calls, 30, "the bot to set its webhook")


def test_webhook_mode_answers_candidates(
    kefu_bot: KefuBot, fake_api: FakeBotApi, port: int, db: Engine, hook: Webhook
) -> None:
    start_webhook(kefu_bot, fake_api, port)
    call = fake_api.calls("setWebhook")[-1]
    assert call.ok and call.params["url"] == URL
    assert call.params["secret_token"] == SECRET
    assert "message" in call.params["allowed_updates"]
    assert "callback_query" in call.params["allowed_updates"]
    fake_api.wait_for_call("setMyCommands")
    chat = 7001
    assert hook.say(chat, "/help") == [texts.HELP]
    opening = hook.say(chat, f"/practice {DRESS}", replies=3)
    assert opening[0] == texts.PRACTICE_START
    for line in DRESS_TURNS[:2]:
        assert len(hook.say(chat, line)) == 1
    # Telegram delivering the same update again (its 200 got lost) is answered once.
    again = fake_api.push_text(chat, "/nonsense")
    assert hook.post(fake_api.pushed(again)).status_code == 200
    fake_api.wait_for(1, chat_id=chat, after=again)
    assert hook.post(fake_api.pushed(again)).status_code == 200
    time.sleep(0.5)
    assert fake_api.texts(chat, after=again) == [texts.UNKNOWN_COMMAND]
    # The bot never polls while its webhook is set.
    assert not fake_api.calls("getUpdates")
    assert kefu_bot.stop() == 0
    assert "Traceback" not in kefu_bot.log


def test_wrong_secret_or_bad_json_is_refused_and_not_stored(
    kefu_bot: KefuBot, fake_api: FakeBotApi, port: int, db: Engine, hook: Webhook
) -> None:
    start_webhook(kefu_bot, fake_api, port)
    chat = 7002
    update_id = fake_api.push_text(chat, "/help")
    update = fake_api.pushed(update_id)
    assert hook.post(update, secret="wrong").status_code == 403
    assert hook.post(update, secret=None).status_code == 403
    assert hook.post(update, secret=SECRET[:-1]).status_code == 403
    bad = hook.client.post(hook.endpoint, content=b"{not json", headers={HEADER: SECRET})
    assert bad.status_code == 400
    assert hook.post({"message": update["message"]}).status_code == 400  # no update_id
    assert hook.post([update]).status_code == 400
    time.sleep(0.5)
    assert store.inbox_entry(db, update_id) is None
    assert store.unhandled_updates(db) == []
    assert fake_api.texts(chat) == []
    # The same update with the right secret is taken.
    assert hook.post(update).status_code == 200
    assert fake_api.wait_for(1, chat_id=chat) == [texts.HELP]
    assert store.inbox_entry(db, update_id).handled


def test_kill_9_right_after_the_200_still_answers(
    kefu_bot: KefuBot, fake_api: FakeBotApi, port: int, db: Engine, hook: Webhook
) -> None:
    start_webhook(kefu_bot, fake_api, port)
    chats = list(range(7100, 7120))
    for chat in chats:
        hook.say(chat, f"/practice {DRESS}", replies=3)
    delivered = [fake_api.push_text(chat, DRESS_TURNS[0]) for chat in chats]
    # Delivered all at once (Telegram does so, up to max_connections), and killed at the last 200.
    with ThreadPoolExecutor(len(chats)) as pool:
        answers = list(pool.map(lambda u: hook.post(fake_api.pushed(u)).status_code, delivered))
    kefu_bot.kill()
    assert answers == [200] * len(chats)
    # Every update answered 200 was stored before the answer.
    assert all(store.inbox_entry(db, u) is not None for u in delivered)
    unhandled = [u for u in delivered if not store.inbox_entry(db, u).handled]
    print(f"{len(unhandled)} of {len(delivered)} updates were not handled yet at the kill")
    assert unhandled, "the kill came too late to test anything"
    start_webhook(kefu_bot, fake_api, port)
    for chat, update_id in zip(chats, delivered, strict=True):
        replies = fake_api.wait_for(1, chat_id=chat, after=update_id, timeout=20)
        assert 1 <= len(replies) <= 2  # at most one duplicate (sent, then killed before marked)
    assert all(store.inbox_entry(db, u).handled for u in delivered)
