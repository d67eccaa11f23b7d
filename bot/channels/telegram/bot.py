"""The durable bot: every fetched update is in kefu's database before Telegram forgets it.

PTB's polling ``Updater`` puts a fetched batch on its queue, and its NEXT ``getUpdates`` call
confirms the batch to Telegram before any handler may have run; the last call at shutdown even
fetches a batch and drops it. So ``get_updates`` itself commits every raw update (unique on
``update_id``) before returning it; updates not handled yet are replayed at start-up.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from telegram import Update
from telegram.ext import ExtBot

from bot.channels.telegram.dbthread import in_db
from bot.storage import telegram as store


class DurableBot(ExtBot):
    """An ``ExtBot`` whose ``get_updates`` stores the updates before handing them on."""

    def __init__(self, token: str, *, db: Engine, **kwargs: Any) -> None:
        super().__init__(token, **kwargs)
        self._kefu_db = db

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        updates = await super().get_updates(*args, **kwargs)
        if updates:
            rows = [inbox_row(update) for update in updates]
            await in_db(store.store_updates, self._kefu_db, rows)
        return updates


def inbox_row(update: Update) -> tuple[int, int | None, int | None, dict]:
    """The inbox row of an update: ``(update_id, chat_id, message_id, payload)``."""
    chat = update.effective_chat
    message = update.effective_message
    return (
        update.update_id,
        chat.id if chat else None,
        message.message_id if message else None,
        update.to_dict(),
    )
