"""Building and running the Telegram bot: polling or webhook, the durable inbox, sender, deadlines.

``build`` wires the parts into a PTB ``Application``; ``run`` starts it and blocks until a
signal. At start-up it replays updates that were stored but not handled, sends replies that
were decided but not sent, registers the commands with ``setMyCommands`` and starts the
deadline task. Long polling is the default; with ``webhook_url`` set, ``run_webhook`` serves
kefu's own webhook server (``webhook.py``) instead of PTB's ``Updater``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from telegram import BotCommand, Update
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

from bot.channels.telegram import texts
from bot.channels.telegram.bot import DurableBot
from bot.channels.telegram.dbthread import in_db
from bot.channels.telegram.deadlines import watch_deadlines
from bot.channels.telegram.handlers import register
from bot.channels.telegram.processor import ChatOrderProcessor
from bot.channels.telegram.sender import Sender
from bot.channels.telegram.service import ChatService
from bot.channels.telegram.webhook import WebhookServer
from bot.services.app import App
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
    # Load the scripts, jieba and the cue patterns now, not in the first candidate's turn.
    await in_db(app.warm_up)
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


def run(app: App, token: str, base_url: str | None = None, secret: str = "") -> None:
    """Run the bot until SIGINT or SIGTERM: with long polling, or webhook mode when
    ``settings.webhook_url`` is set (``secret`` is then the webhook's secret token)."""
    application = build(app, token, base_url)
    if app.settings.webhook_url:
        asyncio.run(run_webhook(application, secret))
        return
    application.run_polling(
        poll_interval=0.0,
        timeout=app.settings.poll_timeout,
        bootstrap_retries=-1,  # the Bot API may be unreachable for a while at boot: keep trying
        allowed_updates=Update.ALL_TYPES,
        drop_pending_updates=False,
    )


async def run_webhook(application: Application, secret: str) -> None:
    """Serve the webhook until SIGINT or SIGTERM (``Application`` without the ``Updater``)."""
    channel: TelegramChannel = application.bot_data["kefu"]
    settings = channel.app.settings
    stop = asyncio.Event()
    server = WebhookServer(
        application,
        channel.app.db,
        url=settings.webhook_url,
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        secret=secret,
    )
    with _stop_on_signals(stop):
        if not await _until(stop, application.initialize):
            return
        try:
            await _started(application)  # replays the unhandled inbox, as in polling mode
            await application.start()
            await server.start()  # listening before Telegram is told where to deliver
            if await _until(stop, lambda: _set_webhook(application, settings.webhook_url, secret)):
                await stop.wait()
            log.info("stopping")
        finally:
            await server.stop()
            if application.running:
                await application.stop()
            await _stopping(application)
            await application.shutdown()


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """Set ``stop`` on SIGINT or SIGTERM while inside; the previous handling comes back after.

    The event loop's own handlers where it has them (POSIX). Windows' event loops have none
    (``add_signal_handler`` raises NotImplementedError): there a plain ``signal.signal``
    handler, which runs in the main thread, hands the stop to the loop (Ctrl-C).
    """
    loop = asyncio.get_running_loop()
    by_loop: list[int] = []
    previous: dict[int, Any] = {}
    for sig in STOP_SIGNALS:
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:
            previous[sig] = signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))
        else:
            by_loop.append(sig)
    try:
        yield
    finally:
        for sig in by_loop:  # only signals the loop took: it has handlers, so no Windows here
            loop.remove_signal_handler(sig)
        for sig, handler in previous.items():
            if handler is not None:  # None: not set from Python, nothing to put back
                signal.signal(sig, handler)


async def _set_webhook(application: Application, url: str, secret: str) -> None:
    try:
        await application.bot.set_webhook(
            url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
        )
    except (BadRequest, InvalidToken) as exc:  # a bad URL or token: retrying won't help
        raise SystemExit(f"setWebhook 失败：{exc}") from None
    log.info("webhook set to %s", url)


async def _until(stop: asyncio.Event, call: Callable[[], Awaitable[object]]) -> bool:
    """Call ``call()`` until it gets through (the Bot API may be unreachable at boot);
    False when a signal came first."""
    delay = 1.0
    while not stop.is_set():
        try:
            await call()
            return True
        except BadRequest:
            raise
        except NetworkError as exc:
            log.warning("Bot API unreachable (%s): retrying in %.0f s", exc, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, 30.0)
    return False
