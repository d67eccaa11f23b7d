"""Crash safety: an exam of 50 candidates while the bot is killed with SIGKILL 20+ times.

Afterwards every candidate message is stored exactly once, in order, and answered, and every
candidate saw their customer's replies and the end of the exam. A reply may arrive more than
once (the process died between Telegram accepting it and kefu marking it sent, once per such
kill); nothing may be missing.
"""

from __future__ import annotations

import random
import time

import pytest
from fake_bot_api import FakeBotApi
from telegram_harness import DRESS, DRESS_TURNS, KefuBot, as_admin

from bot.channels.telegram import texts
from bot.storage import load_conversation, open_database
from bot.storage import telegram as store

CANDIDATES = 50
KILLS = 20


@pytest.mark.slow
def test_kill_9_during_an_exam_loses_and_repeats_no_message(
    kefu_bot: KefuBot, fake_api: FakeBotApi, db_url: str
) -> None:
    codes = as_admin(db_url, "exam", "codes", "--scenario", DRESS, "--count", str(CANDIDATES))
    assert codes.returncode == 0, codes.stderr
    chats = {3000 + i: code for i, code in enumerate(codes.stdout.split())}
    rounds = [[f"/exam {code}" for code in chats.values()]]
    rounds += [[line] * CANDIDATES for line in DRESS_TURNS]
    rng = random.Random(20261124)
    kills = 0
    for round_number, messages in enumerate(rounds):
        for chat, text in zip(chats, messages, strict=True):
            fake_api.push_text(chat, text)
        # About three crashes per round of messages, at random moments (also during start-up).
        while kills < KILLS * (round_number + 1) // len(rounds):
            polls = len(fake_api.calls("getUpdates"))
            kefu_bot.start()
            if rng.random() < 0.2:  # during start-up (replaying, resending)
                time.sleep(rng.uniform(0.3, 3.5))
            else:  # while it works
                fake_api.wait_until(lambda n=polls: len(fake_api.calls("getUpdates")) > n, 30)
                time.sleep(rng.uniform(0.0, 1.0))
            kefu_bot.kill()
            kills += 1
    assert kills >= KILLS
    kefu_bot.start()

    def finished() -> bool:
        return all(texts.EXAM_OVER in fake_api.texts(chat) for chat in chats)

    fake_api.wait_until(finished, timeout=90, what="every candidate's exam to end")
    engine = open_database(db_url)
    try:
        codes_by_chat = {c.chat_id: c for c in store.list_codes(engine)}
        assert set(codes_by_chat) == set(chats)
        for chat, code in chats.items():
            assert codes_by_chat[chat].code == code
            stored = load_conversation(engine, codes_by_chat[chat].conversation_id)
            agent = [m.text for m in stored.messages if m.role == "agent"]
            assert agent == list(DRESS_TURNS), f"chat {chat}: {agent}"
            roles = [m.role for m in stored.messages]
            # The customer opens, and answers every candidate message.
            assert roles == ["customer"] + ["agent", "customer"] * len(DRESS_TURNS), roles
            assert stored.outcome == "ordered"
            seen = fake_api.texts(chat)
            for message in stored.messages:
                if message.role == "customer":
                    assert message.text in seen, f"chat {chat} never got {message.text!r}"
            # At least once. A reply is sent again after every kill that falls between Telegram
            # accepting it and kefu marking it sent, and kills during start-up can hit the resend
            # of the same pending replies more than once: the Bot API has no idempotency key.
            assert 1 <= seen.count(texts.EXAM_OVER) <= 1 + kills
    finally:
        engine.dispose()
