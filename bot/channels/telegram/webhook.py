"""Webhook mode: a small aiohttp server that stores each update before answering Telegram.

PTB's own webhook server puts the update on the queue and answers 200 at once, so an update
can be confirmed to Telegram and then lost in a crash: the same trap as polling. Here a POST
is answered 200 only after its update is committed to the durable inbox (the same
``store.store_updates`` that ``DurableBot.get_updates`` uses); then it goes on the application's
update queue. A missing or wrong ``X-Telegram-Bot-Api-Secret-Token`` is refused with 403 and
a body that is not an update with 400, in both cases storing nothing. Should the database
fail, the answer is 500 and Telegram delivers the update again later.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy import Engine
from telegram import Update
from telegram.ext import Application

from bot.channels.telegram.bot import inbox_row
from bot.channels.telegram.dbthread import in_db
from bot.storage import telegram as store

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are small; a body larger than this is not one.
MAX_BODY = 1024 * 1024


class WebhookServer:
    """Receives Telegram's POSTs at the path of the public webhook URL."""

    def __init__(
        self,
        application: Application,
        db: Engine,
        *,
        url: str,
        listen: str,
        port: int,
        secret: str,
    ) -> None:
        self.application = application
        self.db = db
        self.path = urlsplit(url).path or "/"
        self.listen = listen
        self.port = port
        self._secret = secret.encode()
        web_app = web.Application(client_max_size=MAX_BODY)
        web_app.router.add_post(self.path, self._receive)
        self._runner = web.AppRunner(web_app, access_log=None, handle_signals=False)

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.listen, self.port)
        await site.start()
        log.info("webhook server listening on http://%s:%d%s", self.listen, self.port, self.path)

    async def stop(self) -> None:
        """Stop accepting, let the requests in progress finish, close the server."""
        await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("webhook request from %s with a wrong secret token", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            data: Any = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return web.Response(status=400, text="not JSON")
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            return web.Response(status=400, text="not an update")
        bot = self.application.bot
        try:
            update = Update.de_json(data, bot)
        except Exception:  # a malformed field PTB cannot read: not an update we could handle
            log.warning("webhook body is not a readable update", exc_info=True)
            return web.Response(status=400, text="not an update")
        try:
            await in_db(store.store_updates, self.db, [inbox_row(update)])
        except Exception:
            log.exception("storing update %s failed", update.update_id)
            return web.Response(status=500, text="not stored")
        await self.application.update_queue.put(update)
        return web.Response(text="ok")
