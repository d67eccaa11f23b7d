"""Building and running the Telegram bot: long polling, the durable inbox, sender, deadlines.

``build`` wires the parts into a PTB ``Application``; ``run`` starts it and blocks until a
signal. At start-up it replays updates that were stored but not handled, sends replies that
were decided but not sent, registers the commands with ``setMyCommands`` and starts the
deadline task.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

from bot.app import App
from bot.channels.telegram import texts
from bot.channels.telegram.bot import DurableBot
from bot.channels.telegram.dbthread import in_db
from bot.channels.telegram.deadlines import watch_deadlines
from bot.channels.telegram.handlers import register
from bot.channels.telegram.processor import ChatOrderProcessor
from bot.channels.telegram.sender import Sender
from bot.channels.telegram.service import ChatService
from bot.storage import telegram as store

log = logging.getLogger(__name__)

TELEGRAM_API = "https://api.telegram.org/bot"
# Seconds for an ordinary Bot API call (sendMessage …) before it counts as a network error.
CALL_TIMEOUT = 10.0


@dataclass
class TelegramChannel:
    """The running channel's parts, kept on the application as ``bot_data['kefu']``."""

    app: App
    service: ChatService
    processor: ChatOrderProcessor
    sender: Sender
    tasks: list[asyncio.Task] = field(default_factory=list)


def build(app: App, token: str, base_url: str | None = None) -> Application:
    """Return the PTB application of kefu's Telegram channel."""
    settings = app.settings
    request = HTTPXRequest(
        connection_pool_size=512,
        read_timeout=CALL_TIMEOUT,
        write_timeout=CALL_TIMEOUT,
        connect_timeout=CALL_TIMEOUT,
        pool_timeout=CALL_TIMEOUT,
    )
    # Bot.get_updates adds the long-poll timeout to this read timeout.
    updates_request = HTTPXRequest(connection_pool_size=2, read_timeout=5.0)
    bot = DurableBot(
        token,
        db=app.db,
        base_url=base_url or TELEGRAM_API,
        request=request,
        get_updates_request=updates_request,
    )
    processor = ChatOrderProcessor(app.db)
    sender = Sender(
        bot,
        app.db,
        chat_interval=settings.chat_interval,
        rate=settings.global_rate,
        typing=settings.typing,
    )
    channel = TelegramChannel(app, ChatService(app), processor, sender)
    application = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(processor)
        .post_init(_started)
        .post_stop(_stopping)
        .build()
    )
    application.bot_data["kefu"] = channel
    register(application, channel.service, sender.notify)
    return application


async def _started(application: Application) -> None:
    channel: TelegramChannel = application.bot_data["kefu"]
    app = channel.app
    # Load the scripts and jieba now, not in the first candidate's turn.
    await in_db(lambda: (app.library, app.detector.analyze("您好")))
    try:
        await application.bot.set_my_commands(
            [BotCommand(name, description) for name, description in texts.COMMANDS]
        )
    except TelegramError as exc:
        log.warning("setMyCommands failed: %s", exc)
    pending = await in_db(store.unhandled_updates, app.db)
    for payload in pending:
        await application.update_queue.put(Update.de_json(payload, application.bot))
    if pending:
        log.info("replaying %d stored update(s)", len(pending))
    await channel.sender.resend_pending()
    channel.tasks.append(
        asyncio.create_task(
            watch_deadlines(channel.service, channel.processor, channel.sender.notify),
            name="deadlines",
        )
    )
    log.info("kefu telegram is running")


async def _stopping(application: Application) -> None:
    channel: TelegramChannel = application.bot_data["kefu"]
    for task in channel.tasks:
        task.cancel()
    await asyncio.gather(*channel.tasks, return_exceptions=True)
    await channel.sender.stop()
    s = channel.sender.stats
    log.info(
        "kefu-telegram-stats sent=%d paced_seconds=%.3f retry_after_waits=%d "
        "retry_after_seconds=%.1f network_retries=%d failed=%d",
        s.sent,
        s.paced_seconds,
        s.retry_after_waits,
        s.retry_after_seconds,
        s.network_retries,
        s.failed,
    )


def run(app: App, token: str, base_url: str | None = None) -> None:
    """Run the bot with long polling until SIGINT or SIGTERM."""
    application = build(app, token, base_url)
    application.run_polling(
        poll_interval=0.0,
        timeout=app.settings.poll_timeout,
        bootstrap_retries=-1,  # the Bot API may be unreachable for a while at boot: keep trying
        allowed_updates=Update.ALL_TYPES,
        drop_pending_updates=False,
    )
