"""Sending the outbox: one chat's replies in order, paced, and never dropped on a 429.

Telegram allows about 30 messages a second per bot and about one a second per private chat.
PTB's ``AIORateLimiter`` applies its per-chat limit to groups only, so the pacing is done here:
a "not before" time per chat and a token bucket for the whole bot. A 429 is waited out for as
long as Telegram says and the message is sent again; network errors are retried with back-off.
A reply is marked sent only after Telegram accepted it, so a crash in between sends it twice
(the one duplicate the design allows; see the README).
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from bot.channels.telegram.dbthread import in_db
from bot.storage import telegram as store
from bot.storage.telegram import PendingReply

log = logging.getLogger(__name__)

# Back-off for network errors: 0.2 s doubling up to this; the reply stays in the outbox meanwhile.
MAX_BACKOFF = 10.0
# Typing indicator: seconds per character and at most this long.
TYPING_PER_CHAR, TYPING_MAX = 0.05, 3.0


@dataclass
class SendStats:
    """What the sender did, for the log and the benchmark."""

    sent: int = 0
    retry_after_waits: int = 0
    retry_after_seconds: float = 0.0
    network_retries: int = 0
    paced_seconds: float = 0.0  # deliberate waits of the per-chat and per-bot limits
    failed: int = 0


class TokenBucket:
    """At most ``rate`` messages a second for the whole bot, with bursts up to ``rate``."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.last = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self) -> float:
        """Wait for a token; return how long this call waited."""
        if self.rate <= 0:
            return 0.0
        async with self._lock:
            now = time.monotonic()
            self.tokens = min(self.rate, self.tokens + (now - self.last) * self.rate)
            self.last = now
            if self.tokens >= 1:
                self.tokens -= 1
                return 0.0
            wait = (1 - self.tokens) / self.rate
            await asyncio.sleep(wait)
            self.tokens, self.last = 0.0, time.monotonic()
            return wait


class Sender:
    """Sends each chat's pending replies in order, one task per chat with something to send."""

    def __init__(
        self,
        bot: Bot,
        db: Engine,
        *,
        chat_interval: float = 1.0,
        rate: float = 30.0,
        typing: bool = False,
    ) -> None:
        self.bot = bot
        self.db = db
        self.chat_interval = chat_interval
        self.typing = typing
        self.bucket = TokenBucket(rate)
        self.stats = SendStats()
        self._not_before: dict[int, float] = {}
        self._dirty: set[int] = set()
        self._tasks: dict[int, asyncio.Task] = {}

    def notify(self, chat_id: int) -> None:
        """Something was added to the chat's outbox: make sure it is being sent."""
        self._dirty.add(chat_id)
        if chat_id not in self._tasks:
            self._tasks[chat_id] = asyncio.create_task(self._drain(chat_id), name=f"send-{chat_id}")

    async def resend_pending(self) -> None:
        """After a restart: send what was decided before the crash but not marked sent."""
        pending = await in_db(store.pending_replies, self.db)
        for chat_id in dict.fromkeys(r.chat_id for r in pending):
            self.notify(chat_id)

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()

    async def _drain(self, chat_id: int) -> None:
        try:
            while True:
                self._dirty.discard(chat_id)
                rows = await in_db(store.pending_replies, self.db, chat_id)
                for row in rows:
                    await self._send(row)
                if chat_id not in self._dirty:
                    return
        except asyncio.CancelledError:
            raise
        except Exception:  # a database error: the replies stay in the outbox for a restart
            log.exception("sending to chat %s failed", chat_id)
        finally:
            self._tasks.pop(chat_id, None)

    async def _pace(self, chat_id: int) -> None:
        waited = 0.0
        gap = self._not_before.get(chat_id, 0.0) - time.monotonic()
        if gap > 0:
            await asyncio.sleep(gap)
            waited += gap
        waited += await self.bucket.take()
        self._not_before[chat_id] = time.monotonic() + self.chat_interval
        self.stats.paced_seconds += waited

    async def _send(self, row: PendingReply) -> None:
        markup = InlineKeyboardMarkup.de_json(row.markup, self.bot) if row.markup else None
        if self.typing:
            await self._type(row)
        backoff = 0.2
        while True:
            await self._pace(row.chat_id)
            try:
                await self.bot.send_message(row.chat_id, row.text, reply_markup=markup)
                break
            except RetryAfter as exc:
                seconds = _seconds(exc)
                self.stats.retry_after_waits += 1
                self.stats.retry_after_seconds += seconds
                log.warning("429 for chat %s: waiting %.1f s", row.chat_id, seconds)
                await asyncio.sleep(seconds)
            except BadRequest as exc:  # a subclass of NetworkError, but final
                await self._give_up(row, exc)
                return
            except NetworkError as exc:
                self.stats.network_retries += 1
                log.warning("network error for chat %s (%s): retrying", row.chat_id, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
            except TelegramError as exc:  # blocked by the user, chat gone: retrying won't help
                await self._give_up(row, exc)
                return
        self.stats.sent += 1
        await in_db(store.mark_sent, self.db, row.id)

    async def _give_up(self, row: PendingReply, exc: TelegramError) -> None:
        self.stats.failed += 1
        log.error("chat %s refused reply %s: %s", row.chat_id, row.id, exc)
        await in_db(store.mark_sent, self.db, row.id, str(exc))

    async def _type(self, row: PendingReply) -> None:
        try:
            await self.bot.send_chat_action(row.chat_id, "typing")
        except TelegramError:
            return  # only a courtesy
        await asyncio.sleep(min(len(row.text) * TYPING_PER_CHAR, TYPING_MAX))


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB warns while it moves retry_after to timedelta
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
