"""Updates of one chat strictly in order, different chats at once, each update handled once.

A candidate's messages must reach the customer in the order sent, while thirty candidates must
not wait for each other: one ``asyncio.Lock`` per chat, and a large concurrency limit. Inside
the lock an update already handled (a replay, or Telegram sending it again after a crash) is
skipped, and one that was handled (or failed) is marked so.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from typing import Any

from sqlalchemy import Engine
from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.channels.telegram.dbthread import in_db
from bot.storage import telegram as store

MAX_CONCURRENT = 4096


class ChatOrderProcessor(BaseUpdateProcessor):
    """Process updates concurrently across chats and in order within a chat."""

    def __init__(self, db: Engine, max_concurrent_updates: int = MAX_CONCURRENT) -> None:
        super().__init__(max_concurrent_updates)
        self.db = db
        self._locks: dict[int, asyncio.Lock] = {}

    def lock_for(self, chat_id: int) -> asyncio.Lock:
        """The lock that orders everything done in one chat (updates and deadlines)."""
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = asyncio.Lock()
        return lock

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            await coroutine
            return
        chat = update.effective_chat or update.effective_user
        async with self.lock_for(chat.id if chat else 0):
            entry = await in_db(store.inbox_entry, self.db, update.update_id)
            if entry is not None and entry.handled:
                if inspect.iscoroutine(coroutine):
                    coroutine.close()  # never started: closing it keeps "never awaited" away
                return
            await coroutine
            # Also after an error (the error handler has answered): a poisoned update must
            # not be replayed at every start.
            await in_db(store.mark_handled, self.db, update.update_id)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close."""
