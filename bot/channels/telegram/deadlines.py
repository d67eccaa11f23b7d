"""Deadlines that survive restarts: the customer's nudge after silence, and the exam's end.

They are columns of the chat binding in the database; this task only looks every second for
those that are due and acts on each under its chat's lock, like an update.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bot.channels.telegram.dbthread import in_db
from bot.channels.telegram.processor import ChatOrderProcessor
from bot.channels.telegram.service import ChatService
from bot.storage import telegram as store

log = logging.getLogger(__name__)

CHECK_EVERY = 1.0


async def watch_deadlines(
    service: ChatService,
    processor: ChatOrderProcessor,
    notify: Callable[[int], None],
    every: float = CHECK_EVERY,
) -> None:
    """Run until cancelled: act on due deadlines every ``every`` seconds."""
    while True:
        await asyncio.sleep(every)
        try:
            due = await in_db(store.due_deadlines, service.db)
            for binding in due:
                async with processor.lock_for(binding.chat_id):
                    effects = await in_db(service.deadline, binding.chat_id)
                if effects is not None and effects.outgoing:
                    notify(binding.chat_id)
        except asyncio.CancelledError:
            raise
        except Exception:  # a database hiccup: try again in a second
            log.exception("checking deadlines failed")
