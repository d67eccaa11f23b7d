"""PTB handlers: turn each update into one ``ChatService`` call in a worker thread.

The service is synchronous (SQLAlchemy, the engine), so it runs on the database thread (``dbthread.in_db``); the
chat's lock (``ChatOrderProcessor``) is held meanwhile. Whatever it put in the outbox is then
handed to the sender.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.telegram import texts
from bot.channels.telegram.dbthread import in_db
from bot.channels.telegram.service import END_NO_DATA, END_YES_DATA, PRACTICE_DATA, ChatService
from bot.storage.telegram import Effects

log = logging.getLogger(__name__)

# What a message can carry besides text, in the order Telegram's docs list them.
ATTACHMENTS = (
    "sticker",
    "photo",
    "voice",
    "video_note",
    "video",
    "audio",
    "animation",
    "document",
    "venue",
    "location",
    "contact",
    "poll",
    "dice",
    "game",
    "story",
)


def register(application: Application, service: ChatService, notify: Callable[[int], None]) -> None:
    """Add kefu's handlers and error handler to ``application``."""

    async def run(call: Callable[..., Effects], *args: Any) -> None:
        effects = await in_db(call, *args)
        for chat_id in dict.fromkeys(out.chat_id for out in effects.outgoing):
            notify(chat_id)

    def ids(update: Update) -> tuple[int, int]:
        return update.effective_chat.id, update.update_id

    async def on_help(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await run(service.help, *ids(update))

    async def on_practice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if context.args:
            user = update.effective_user
            await run(
                service.start_practice, *ids(update), " ".join(context.args), user and user.id
            )
        else:
            await run(service.list_scenarios, *ids(update))

    async def on_exam(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        await run(service.start_exam, *ids(update), " ".join(context.args or []), user and user.id)

    async def on_end(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await run(service.ask_end, *ids(update))

    async def on_button(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        try:
            await query.answer()
        except TelegramError as exc:  # an old or repeated press: the action still counts
            log.info("answerCallbackQuery failed: %s", exc)
        data = query.data or ""
        if data.startswith(PRACTICE_DATA):
            user = update.effective_user
            await run(
                service.start_practice, *ids(update), data[len(PRACTICE_DATA) :], user and user.id
            )
        elif data == END_YES_DATA:
            await run(service.end, *ids(update))
        elif data == END_NO_DATA:
            await run(service.say, *ids(update), texts.END_KEPT)

    async def on_unknown_command(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await run(service.say, *ids(update), texts.UNKNOWN_COMMAND)

    async def on_text(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        at = message.date.astimezone() if message.date else None
        await run(service.text, *ids(update), message.text, at)

    async def on_edit(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.edited_message
        new_text = message.text or message.caption or ""
        await run(service.edit, *ids(update), message.message_id, new_text)

    async def on_not_text(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        kind, detail = describe(update.effective_message)
        await run(service.not_text, *ids(update), kind, detail)

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("handling an update failed", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await run(service.error, update.effective_chat.id)
            except Exception:
                log.exception("could not tell the candidate about the error")

    private = filters.ChatType.PRIVATE | filters.ChatType.GROUPS
    message = filters.UpdateType.MESSAGE & private
    application.add_handler(CommandHandler(["start", "help"], on_help, filters=message))
    application.add_handler(CommandHandler("practice", on_practice, filters=message))
    application.add_handler(CommandHandler("exam", on_exam, filters=message))
    application.add_handler(CommandHandler("end", on_end, filters=message))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, on_edit))
    application.add_handler(MessageHandler(message & filters.COMMAND, on_unknown_command))
    application.add_handler(MessageHandler(message & filters.TEXT, on_text))
    application.add_handler(MessageHandler(message, on_not_text))
    application.add_error_handler(on_error)


def describe(message: Message) -> tuple[str, dict]:
    """Name what a non-text message carries, with a small record of it to store."""
    for kind in ATTACHMENTS:
        value = getattr(message, kind, None)
        if value:
            detail: dict[str, Any] = {"caption": message.caption} if message.caption else {}
            item = value[-1] if isinstance(value, tuple) else value
            data = item.to_dict() if hasattr(item, "to_dict") else {}
            for key in (
                "file_id",
                "emoji",
                "file_name",
                "mime_type",
                "duration",
                "question",
                "latitude",
                "longitude",
                "phone_number",
            ):
                if key in data:
                    detail[key] = data[key]
            return kind, detail
    return "other", {"keys": sorted(k for k, v in message.to_dict().items() if v)}
