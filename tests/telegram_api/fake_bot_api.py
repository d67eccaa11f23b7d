"""A small Telegram Bot API server on loopback, for testing the real ``kefu telegram`` process.

``FakeBotApi`` speaks the HTTP side of the Bot API (https://core.telegram.org/bots/api) well
enough for python-telegram-bot's ``Application.run_polling``: requests arrive as
``POST /bot<TOKEN>/<method>`` with JSON, form-encoded or multipart bodies, and every answer is
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": N, "description": ...}`` with
the HTTP status equal to ``error_code``, as Telegram does.

The server runs an aiohttp application on ``127.0.0.1`` (a free port) in a background thread
with its own event loop, so a synchronous test, and a bot in a subprocess, can both use it::

    api = FakeBotApi()
    api.start()
    env = {"TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE_URL": api.base_url}
    ...  # start `kefu telegram` with env
    uid = api.push_text(1001, "/practice presale-01")
    texts = api.wait_for(1, chat_id=1001, after=uid)
    api.stop()

Everything the test thread calls (``push_*``, ``sent``, ``texts``, ``wait_for``, the fault
injection) is thread-safe. Times are ``time.monotonic()`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from aiohttp import web

__all__ = ["DEFAULT_TOKEN", "Call", "FakeBotApi", "Latency"]

DEFAULT_TOKEN = "7000000001:AAFakeTokenForLoopbackTests_0123456789x"

# Telegram's default when allowed_updates is empty or was never given.
_NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

# Form-encoded values are all strings; PTB JSON-encodes everything that is not a string
# (numbers, booleans, lists, objects). Telegram converts by the parameter's declared type.
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "media",
        "results",
        "options",
        "menu_button",
        "reaction",
    }
)
_INT_PARAMS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "user_id",
        "cache_time",
        "message_thread_id",
        "reply_to_message_id",
        "from_chat_id",
        "max_connections",
    }
)
_FLOAT_PARAMS = frozenset({"timeout", "latitude", "longitude"})
_BOOL_PARAMS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "allow_paid_broadcast",
    }
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)")
_BOT_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class _Dropped(Exception):
    """The connection is to be closed without an answer."""


def _bad_request(detail: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {detail}")


_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected failure",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(frozen=True)
class Call:
    """One request the bot made: what it asked and what it got."""

    method: str
    params: dict[str, Any]
    time: float  # time.monotonic() when the request arrived
    outcome: str = "ok"  # "ok" | "error" | "dropped" | "unknown"
    error_code: int | None = None
    result: Any = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def chat_id(self) -> int | str | None:
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        return self.params.get("text")

    def __str__(self) -> str:
        extra = f" chat={self.chat_id}" if self.chat_id is not None else ""
        if self.text is not None:
            extra += f" text={self.text!r}"
        status = self.outcome if self.error_code is None else f"{self.outcome} {self.error_code}"
        return f"{self.method}[{status}]{extra}"


@dataclass(frozen=True)
class Latency:
    """A pushed text update and the bot's first sendMessage to the same chat after it."""

    update_id: int
    chat_id: int
    text: str
    pushed_at: float
    served_at: float | None  # when a getUpdates answer first carried it
    replied_at: float | None  # when the first sendMessage to the chat after that arrived
    reply: str | None

    @property
    def latency(self) -> float | None:
        """Seconds from "update served" to "reply arrived", or None without both."""
        if self.served_at is None or self.replied_at is None:
            return None
        return self.replied_at - self.served_at


@dataclass
class _Pushed:
    update: dict[str, Any]
    kind: str
    chat_id: int | None
    pushed_at: float
    queued: bool  # False when allowed_updates filtered it out
    served_at: float | None = None


@dataclass
class _Fault:
    kind: str  # "fail" | "drop"
    times: int
    error: _ApiError | None = None


@dataclass
class _Poll:
    future: asyncio.Future[None]
    superseded: bool = False


@dataclass
class _State:
    queue: list[dict[str, Any]] = field(default_factory=list)
    pushed: dict[int, _Pushed] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    next_message_id: dict[int, int] = field(default_factory=dict)
    chats: dict[int, dict[str, Any]] = field(default_factory=dict)
    callback_queries: dict[str, bool] = field(default_factory=dict)  # id -> answered
    commands: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    faults: dict[str, list[_Fault]] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    allowed_updates: frozenset[str] | None = None
    webhook_url: str = ""
    confirmed_offset: int = 0
    waiting_polls: int = 0
    polls_started: int = 0


class FakeBotApi:
    """A Telegram Bot API server on ``127.0.0.1`` for tests; see the module docstring."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "kefu_test_bot",
        bot_first_name: str = "客服陪练",
        first_update_id: int = 700_000_001,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self._next_update_id = first_update_id
        self._callback_ids = itertools.count(4_000_000_000_001)
        self._file_numbers = itertools.count(1001)
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._state = _State()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._started = threading.Event()
        self._start_error: BaseException | None = None
        self._polls: list[_Poll] = []  # touched only on the server's loop
        self._stopping = False
        self.port: int | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """What the bot takes as its API base, e.g. ``http://127.0.0.1:PORT/bot``."""
        if self.port is None:
            raise RuntimeError("FakeBotApi is not started")
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def env(self) -> dict[str, str]:
        """The environment for ``kefu telegram`` to use this server."""
        return {"TELEGRAM_BOT_TOKEN": self.token, "TELEGRAM_API_BASE_URL": self.base_url}

    def start(self, timeout: float = 10) -> FakeBotApi:
        """Serve in a background thread. After ``stop()`` it may start again: same port, and
        the queue, records and faults are kept (a Bot API server that went away and came back)."""
        if self._thread is not None:
            raise RuntimeError("FakeBotApi already started")
        self._started.clear()
        self._start_error = None
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="FakeBotApi", daemon=True)
        self._thread.start()
        if not self._started.wait(timeout):
            raise RuntimeError("FakeBotApi did not start in time")
        if self._start_error is not None:
            self._thread.join()
            self._thread = None
            raise RuntimeError("FakeBotApi failed to start") from self._start_error
        return self

    def stop(self, timeout: float = 10) -> None:
        thread, loop, stop_event = self._thread, self._loop, self._stop_event
        if thread is None:
            return
        if loop is not None and stop_event is not None:
            with contextlib.suppress(RuntimeError):  # loop already closed
                loop.call_soon_threadsafe(self._begin_stop)
        thread.join(timeout)
        if thread.is_alive():
            raise RuntimeError("FakeBotApi thread did not stop")
        self._thread = None

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to start()
            self._start_error = exc
            self._started.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop_event = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{prefix}/{method}", self._handle)
        # handler_cancellation: a long poll whose client went away is cancelled at once.
        runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", self.port or 0)
            await site.start()
            self.port = runner.addresses[0][1]
            self._started.set()
            await self._stop_event.wait()
        finally:
            await runner.cleanup()

    def _begin_stop(self) -> None:
        self._stopping = True
        self._wake_polls()
        assert self._stop_event is not None
        self._stop_event.set()

    # ------------------------------------------------------------------ pushing updates

    def push_raw(self, update: dict[str, Any]) -> int:
        """Queue an Update as given; an ``update_id`` is added when it has none."""
        update = dict(update)
        kinds = [key for key in update if key != "update_id"]
        kind = kinds[0] if kinds else "unknown"
        body = update.get(kind) if isinstance(update.get(kind), dict) else {}
        chat = body.get("chat") or (body.get("message") or {}).get("chat") or {}
        chat_id = chat.get("id")
        with self._lock:
            # Numbered under the lock, so the queue never gets an id below one already served.
            if "update_id" not in update:
                update = {"update_id": self._next_update_id, **update}
            self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
            allowed = self._state.allowed_updates
            queued = kind not in _NOT_BY_DEFAULT if allowed is None else kind in allowed
            self._state.pushed[update["update_id"]] = _Pushed(
                update=update,
                kind=kind,
                chat_id=chat_id,
                pushed_at=time.monotonic(),
                queued=queued,
            )
            if queued:
                self._state.queue.append(update)
                self._state.queue.sort(key=lambda u: u["update_id"])
            self._changed.notify_all()
        self._wake_polls_threadsafe()
        return update["update_id"]

    def push_message(
        self, chat_id: int, *, user_id: int | None = None, first_name: str = "考生", **content: Any
    ) -> int:
        """Queue a ``message`` update whose content (text, photo, ...) is given as keywords."""
        message = self._incoming_message(chat_id, user_id, first_name, content)
        return self.push_raw({"message": message})

    def push_text(
        self, chat_id: int, text: str, user_id: int | None = None, first_name: str = "考生"
    ) -> int:
        """A text message from the candidate; a leading ``/command`` gets a bot_command entity
        (only when it is a valid Telegram command: Latin letters, digits and ``_``)."""
        content: dict[str, Any] = {"text": text}
        match = _COMMAND_RE.match(text)
        if match:
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(match.group())}
            ]
        return self.push_message(chat_id, user_id=user_id, first_name=first_name, **content)

    def push_command(self, chat_id: int, command: str, args: str = "", **kwargs: Any) -> int:
        """``/command args`` (the slash is optional in ``command``)."""
        text = "/" + command.lstrip("/")
        if args:
            text += " " + args
        return self.push_text(chat_id, text, **kwargs)

    def push_callback(
        self,
        chat_id: int,
        data: str,
        message_id: int,
        user_id: int | None = None,
        first_name: str = "考生",
    ) -> int:
        """A press on an inline button of message ``message_id``; the callback query's id is
        ``callback_query_id(update_id)``. An unknown message arrives as an inaccessible one
        (``date`` 0), as Telegram does for old messages."""
        with self._lock:
            stored = self._state.messages.get((chat_id, message_id))
            message = (
                dict(stored)
                if stored is not None
                else {"message_id": message_id, "date": 0, "chat": self._chat(chat_id, first_name)}
            )
            query_id = str(next(self._callback_ids))
            self._state.callback_queries[query_id] = False
        query = {
            "id": query_id,
            "from": self._user(user_id if user_id is not None else chat_id, first_name),
            "message": message,
            "chat_instance": f"-{abs(chat_id) * 7 + 3}",
            "data": data,
        }
        return self.push_raw({"callback_query": query})

    def callback_query_id(self, update_id: int) -> str:
        return self.pushed(update_id)["callback_query"]["id"]

    def push_edit(self, chat_id: int, message_id: int, new_text: str) -> int:
        """The candidate edits an earlier message of theirs (an ``edited_message`` update)."""
        with self._lock:
            stored = self._state.messages.get((chat_id, message_id))
            if stored is None:
                message = {
                    "message_id": message_id,
                    "from": self._user(chat_id, "考生"),
                    "chat": self._chat(chat_id, "考生"),
                    "date": int(time.time()) - 1,
                }
            else:
                message = {k: v for k, v in stored.items() if k not in ("text", "entities")}
            message["text"] = new_text
            match = _COMMAND_RE.match(new_text)
            if match:
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": _utf16_len(match.group())}
                ]
            message["edit_date"] = int(time.time())
            self._state.messages[(chat_id, message_id)] = message
        return self.push_raw({"edited_message": message})

    def push_sticker(self, chat_id: int, emoji: str = "😀", **kwargs: Any) -> int:
        n = next(self._file_numbers)
        sticker = {
            "file_id": f"CAACAgIAAxkBAAI{n}",
            "file_unique_id": f"AgAD{n}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "KefuTestStickers",
            "file_size": 23456,
        }
        return self.push_message(chat_id, sticker=sticker, **kwargs)

    def push_photo(self, chat_id: int, caption: str | None = None, **kwargs: Any) -> int:
        n = next(self._file_numbers)
        photo = [
            {
                "file_id": f"AgACAgUAAxkBAAI{n}{size}",
                "file_unique_id": f"AQAD{n}{size}",
                "width": size,
                "height": size * 3 // 4,
                "file_size": size * 60,
            }
            for size in (90, 320, 800)
        ]
        content: dict[str, Any] = {"photo": photo}
        if caption is not None:
            content["caption"] = caption
        return self.push_message(chat_id, **content, **kwargs)

    def push_voice(self, chat_id: int, duration: int = 3, **kwargs: Any) -> int:
        n = next(self._file_numbers)
        voice = {
            "file_id": f"AwACAgUAAxkBAAI{n}",
            "file_unique_id": f"AgAD{n}",
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 4000 * duration,
        }
        return self.push_message(chat_id, voice=voice, **kwargs)

    def push_document(
        self,
        chat_id: int,
        file_name: str = "订单截图.pdf",
        caption: str | None = None,
        mime_type: str = "application/pdf",
        **kwargs: Any,
    ) -> int:
        n = next(self._file_numbers)
        document = {
            "file_id": f"BQACAgUAAxkBAAI{n}",
            "file_unique_id": f"AgAD{n}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": 34567,
        }
        content: dict[str, Any] = {"document": document}
        if caption is not None:
            content["caption"] = caption
        return self.push_message(chat_id, **content, **kwargs)

    def push_location(
        self, chat_id: int, latitude: float = 31.2304, longitude: float = 121.4737, **kwargs: Any
    ) -> int:
        location = {"latitude": latitude, "longitude": longitude}
        return self.push_message(chat_id, location=location, **kwargs)

    def push_contact(
        self,
        chat_id: int,
        phone_number: str = "+8613800138000",
        first_name: str = "张三",
        **kwargs: Any,
    ) -> int:
        contact = {"phone_number": phone_number, "first_name": first_name}
        return self.push_message(chat_id, contact=contact, **kwargs)

    def push_poll(
        self,
        chat_id: int,
        question: str = "哪个颜色好看？",
        options: Iterable[str] = ("红色", "蓝色"),
        **kwargs: Any,
    ) -> int:
        poll = {
            "id": str(5_000_000_000_000 + next(self._file_numbers)),
            "question": question,
            "options": [
                {"persistent_id": str(number), "text": option, "voter_count": 0}
                for number, option in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": False,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,  # required since Bot API 9.6
            "members_only": False,  # required since Bot API 10.0
        }
        return self.push_message(chat_id, poll=poll, **kwargs)

    def _user(self, user_id: int, first_name: str) -> dict[str, Any]:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": "zh-hans",
        }

    def _chat(self, chat_id: int, first_name: str) -> dict[str, Any]:
        if chat_id > 0:
            return {"id": chat_id, "first_name": first_name, "type": "private"}
        return {"id": chat_id, "title": "考试群", "type": "supergroup"}

    def _incoming_message(
        self, chat_id: int, user_id: int | None, first_name: str, content: dict[str, Any]
    ) -> dict[str, Any]:
        with self._lock:
            message_id = self._new_message_id(chat_id)
            chat = self._chat(chat_id, first_name)
            self._state.chats[chat_id] = chat
            message = {
                "message_id": message_id,
                "from": self._user(user_id if user_id is not None else chat_id, first_name),
                "chat": chat,
                "date": int(time.time()),
                **content,
            }
            self._state.messages[(chat_id, message_id)] = message
            return message

    def _new_message_id(self, chat_id: int) -> int:
        # Private chats number messages in both directions with one counter.
        number = self._state.next_message_id.get(chat_id, 1)
        self._state.next_message_id[chat_id] = number + 1
        return number

    # ------------------------------------------------------------------ observing

    def calls(self, method: str | None = None) -> list[Call]:
        """Every recorded request (getUpdates included), or those of one method."""
        with self._lock:
            calls = list(self._state.calls)
        if method is None:
            return calls
        return [call for call in calls if call.method.lower() == method.lower()]

    def sent(self, chat_id: int | str | None = None) -> list[Call]:
        """The bot's calls other than getUpdates (failed and dropped ones too, see
        ``Call.outcome``), those naming ``chat_id`` when it is given."""
        calls = [call for call in self.calls() if call.method != "getUpdates"]
        if chat_id is None:
            return calls
        return [call for call in calls if _same_chat(call.chat_id, chat_id)]

    def messages_sent(
        self, chat_id: int | str | None = None, after: int | None = None
    ) -> list[Call]:
        """Successful sendMessage calls (to ``chat_id``; pushed after update ``after``)."""
        since = self._pushed_at(after) if after is not None else None
        return [
            call
            for call in self.sent(chat_id)
            if call.method == "sendMessage" and call.ok and (since is None or call.time >= since)
        ]

    def texts(self, chat_id: int | str | None = None, after: int | None = None) -> list[str]:
        """Texts the bot delivered (successful sendMessage) to ``chat_id``, in order."""
        return [call.params.get("text", "") for call in self.messages_sent(chat_id, after)]

    def unknown_calls(self) -> list[Call]:
        return [call for call in self.calls() if call.outcome == "unknown"]

    def pushed(self, update_id: int) -> dict[str, Any]:
        with self._lock:
            return self._state.pushed[update_id].update

    def served_at(self, update_id: int) -> float | None:
        with self._lock:
            return self._state.pushed[update_id].served_at

    def pending_updates(self) -> list[dict[str, Any]]:
        """Queued updates the bot has not confirmed yet (served or not)."""
        with self._lock:
            return list(self._state.queue)

    @property
    def confirmed_offset(self) -> int:
        """The highest offset the bot has confirmed: every update below it is gone."""
        with self._lock:
            return self._state.confirmed_offset

    @property
    def waiting_polls(self) -> int:
        """How many getUpdates long polls are waiting for an update right now."""
        with self._lock:
            return self._state.waiting_polls

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict]:
        with self._lock:
            return list(self._state.commands.get(_commands_key(scope, language_code), []))

    def wait_for(
        self,
        predicate_or_count: int | Callable[[list[str]], bool],
        chat_id: int | str | None = None,
        timeout: float = 10,
        after: int | None = None,
    ) -> list[str]:
        """Block until the texts delivered to ``chat_id`` (any chat when None; only those after
        update ``after`` was pushed when given) number at least N, or satisfy the predicate.
        Returns those texts; raises AssertionError, saying what arrived, on timeout."""
        if isinstance(predicate_or_count, int):
            count = predicate_or_count

            def predicate(texts: list[str]) -> bool:
                return len(texts) >= count

            wanted = f"{count} message(s)"
        else:
            predicate = predicate_or_count
            wanted = getattr(predicate, "__name__", "predicate")

        def check() -> list[str] | None:
            texts = self.texts(chat_id, after)
            return texts if predicate(texts) else None

        result = self._wait(check, timeout)
        if result is None:
            where = "any chat" if chat_id is None else f"chat {chat_id}"
            raise AssertionError(
                f"timed out after {timeout}s waiting for {wanted} to {where}; "
                f"got {self.texts(chat_id, after)!r}\n{self.describe()}"
            )
        return result

    def wait_until(self, condition: Callable[[], Any], timeout: float = 10, what: str = "") -> Any:
        """Block until ``condition()`` is truthy (re-checked on every request); return it."""
        result = self._wait(lambda: condition() or None, timeout)
        if result is None:
            raise AssertionError(
                f"timed out after {timeout}s waiting for {what or condition!r}\n{self.describe()}"
            )
        return result

    def wait_for_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 10,
    ) -> Call:
        """Block until a call of ``method`` (matching ``predicate``) was made; return it."""

        def find() -> Call | None:
            for call in self.calls(method):
                if predicate is None or predicate(call):
                    return call
            return None

        return self.wait_until(find, timeout, what=f"a {method} call")

    @property
    def polls_started(self) -> int:
        """How many getUpdates requests have arrived (answered or still long-polling)."""
        with self._lock:
            return self._state.polls_started

    def wait_until_polling(self, timeout: float = 15) -> None:
        """Block until the bot's first getUpdates request has arrived: it is up and polling
        (the request may still be long-polling; ``calls`` records it once answered)."""
        self.wait_until(lambda: self.polls_started, timeout, what="the bot to poll")

    def wait_until_confirmed(self, update_id: int, timeout: float = 10) -> None:
        """Block until the bot has confirmed ``update_id`` (asked for a higher offset)."""
        self.wait_until(
            lambda: self.confirmed_offset > update_id, timeout, what=f"update {update_id} confirmed"
        )

    def _wait(self, check: Callable[[], Any], timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = check()
                if result is not None:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._changed.wait(remaining)

    def latencies(self) -> list[Latency]:
        """For each pushed text message, the first successful sendMessage to its chat that
        arrived after the update was served (``Latency.latency`` = replied_at - served_at)."""
        with self._lock:
            pushed = sorted(self._state.pushed.items())
            replies = [
                call for call in self._state.calls if call.method == "sendMessage" and call.ok
            ]
        out = []
        for update_id, record in pushed:
            message = record.update.get("message")
            if record.kind != "message" or "text" not in message:
                continue
            reply = None
            if record.served_at is not None:
                reply = next(
                    (
                        call
                        for call in replies
                        if _same_chat(call.chat_id, record.chat_id)
                        and call.time >= record.served_at
                    ),
                    None,
                )
            out.append(
                Latency(
                    update_id=update_id,
                    chat_id=record.chat_id,
                    text=message["text"],
                    pushed_at=record.pushed_at,
                    served_at=record.served_at,
                    replied_at=reply.time if reply else None,
                    reply=reply.text if reply else None,
                )
            )
        return out

    def describe(self, last: int = 30) -> str:
        """A short account of the server's state, for assertion messages."""
        with self._lock:
            calls = [c for c in self._state.calls if c.method != "getUpdates"][-last:]
            polls = sum(1 for c in self._state.calls if c.method == "getUpdates")
            pending = [u["update_id"] for u in self._state.queue]
            confirmed = self._state.confirmed_offset
        lines = [f"FakeBotApi: {polls} getUpdates, confirmed offset {confirmed}, pending {pending}"]
        lines += [f"  {call}" for call in calls]
        return "\n".join(lines)

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        times: int = 1,
        error_code: int = 429,
        retry_after: int = 1,
        description: str | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` get a Telegram error (429 carries
        ``parameters.retry_after``)."""
        parameters = None
        if error_code == 429:
            parameters = {"retry_after": retry_after}
            description = description or f"Too Many Requests: retry after {retry_after}"
        description = description or _DEFAULT_DESCRIPTIONS.get(error_code, "Injected failure")
        error = _ApiError(error_code, description, parameters)
        self._add_fault(method, _Fault("fail", times, error))

    def drop_next(self, method: str, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` have their connection closed unanswered."""
        self._add_fault(method, _Fault("drop", times))

    def delay(self, method: str, seconds: float) -> None:
        """Answer every call of ``method`` ``seconds`` late (0 removes the delay)."""
        with self._lock:
            if seconds > 0:
                self._state.delays[method.lower()] = seconds
            else:
                self._state.delays.pop(method.lower(), None)

    def clear_faults(self) -> None:
        with self._lock:
            self._state.faults.clear()
            self._state.delays.clear()

    def _add_fault(self, method: str, fault: _Fault) -> None:
        if fault.times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._state.faults.setdefault(method.lower(), []).append(fault)

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            faults = self._state.faults.get(method.lower())
            if not faults:
                return None
            fault = faults[0]
            fault.times -= 1
            if fault.times == 0:
                faults.pop(0)
            return fault

    # ------------------------------------------------------------------ HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        arrived = time.monotonic()
        prefix = request.match_info["prefix"]
        method_name = request.match_info["method"]
        if prefix != f"bot{self.token}":
            return _error_response(_ApiError(401, "Unauthorized"))
        try:
            params = await _read_params(request)
        except ValueError as exc:
            return _error_response(_bad_request(str(exc)))

        handler = self._methods.get(method_name.lower())
        if handler is None:
            error = _ApiError(404, "Not Found: method not found")
            self._record(Call(method_name, params, arrived, "unknown", 404))
            return _error_response(error)
        method = handler.__name__.removeprefix("_api_")

        delay = self._state.delays.get(method.lower(), 0.0)
        if delay:
            await asyncio.sleep(delay)

        fault = self._take_fault(method)
        if fault is not None and fault.kind == "drop":
            self._record(Call(method, params, arrived, "dropped"))
            if request.transport is not None:
                request.transport.close()
            # Writing to the closed transport fails quietly; the client sees the connection end.
            return web.Response()
        if fault is not None:
            assert fault.error is not None
            self._record(Call(method, params, arrived, "error", fault.error.code))
            return _error_response(fault.error)

        try:
            if method == "getUpdates":
                result = await self._api_getUpdates(params, arrived)
            else:
                with self._lock:
                    result = handler(self, params)
        except _ApiError as error:
            self._record(Call(method, params, arrived, "error", error.code))
            return _error_response(error)
        if method != "getUpdates":
            self._record(Call(method, params, arrived, "ok", None, result))
        return _json_response({"ok": True, "result": result})

    def _record(self, call: Call) -> None:
        with self._lock:
            self._state.calls.append(call)
            self._changed.notify_all()

    # -- getUpdates and long polling (runs on the server loop)

    def _wake_polls_threadsafe(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._wake_polls)

    def _wake_polls(self) -> None:
        for poll in self._polls:
            if not poll.future.done():
                poll.future.set_result(None)

    async def _api_getUpdates(self, params: dict[str, Any], arrived: float) -> list[dict]:
        offset = _as_int(params.get("offset"), "offset", 0)
        limit = min(max(_as_int(params.get("limit"), "limit", 100), 1), 100)
        timeout = max(_as_float(params.get("timeout"), "timeout", 0.0), 0.0)
        with self._lock:
            self._state.polls_started += 1
            self._changed.notify_all()
            if self._state.webhook_url:
                raise _ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            if "allowed_updates" in params:
                allowed = params["allowed_updates"]
                if not isinstance(allowed, list):
                    raise _bad_request("can't parse allowed updates")
                self._state.allowed_updates = frozenset(allowed) if allowed else None
            self._confirm(offset)
        # Telegram answers an older long poll with 409 when a newer one arrives.
        for poll in self._polls:
            poll.superseded = True
        self._wake_polls()

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        me = _Poll(loop.create_future())
        self._polls.append(me)
        try:
            while True:
                with self._lock:
                    batch = [dict(update) for update in self._state.queue[:limit]]
                if batch or self._stopping or loop.time() >= deadline:
                    break
                me.future = loop.create_future()
                self._count_waiting(+1)
                try:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(me.future, deadline - loop.time())
                finally:
                    self._count_waiting(-1)
                if me.superseded:
                    raise _ApiError(409, _DEFAULT_DESCRIPTIONS[409])
        finally:
            self._polls.remove(me)
        now = time.monotonic()
        with self._lock:
            for update in batch:
                record = self._state.pushed.get(update["update_id"])
                if record is not None and record.served_at is None:
                    record.served_at = now
            self._state.calls.append(
                Call("getUpdates", params, arrived, "ok", None, [u["update_id"] for u in batch])
            )
            self._changed.notify_all()
        return batch

    def _count_waiting(self, change: int) -> None:
        with self._lock:
            self._state.waiting_polls += change
            self._changed.notify_all()

    def _confirm(self, offset: int) -> None:
        queue = self._state.queue
        if offset > 0:
            self._state.queue = [u for u in queue if u["update_id"] >= offset]
            self._state.confirmed_offset = max(self._state.confirmed_offset, offset)
        elif offset < 0:
            # -N: the last N updates stay, everything before them is forgotten.
            kept = queue[offset:]
            if len(kept) < len(queue):
                self._state.confirmed_offset = max(
                    self._state.confirmed_offset, kept[0]["update_id"] if kept else 0
                )
            self._state.queue = kept

    # -- the other methods (run on the server loop, under the lock)

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _api_logOut(self, params: dict[str, Any]) -> bool:
        return True

    def _api_close(self, params: dict[str, Any]) -> bool:
        return True

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self._state.webhook_url = ""
        if params.get("drop_pending_updates"):
            if self._state.queue:
                self._state.confirmed_offset = max(
                    self._state.confirmed_offset, self._state.queue[-1]["update_id"] + 1
                )
            self._state.queue = []
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url", "")
        if not isinstance(url, str) or not url.startswith("https://"):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self._state.webhook_url = url
        return True

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._state.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._state.queue),
        }
        if self._state.allowed_updates is not None:
            info["allowed_updates"] = sorted(self._state.allowed_updates)
        return info

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict):
                raise _bad_request("can't parse BotCommand")
            name = command.get("command")
            if not isinstance(name, str) or not _BOT_COMMAND_NAME_RE.fullmatch(name):
                raise _bad_request("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = _commands_key(params.get("scope"), params.get("language_code", ""))
        self._state.commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _api_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        key = _commands_key(params.get("scope"), params.get("language_code", ""))
        return list(self._state.commands.get(key, []))

    def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        self._state.commands.pop(
            _commands_key(params.get("scope"), params.get("language_code", "")), None
        )
        return True

    def _api_setMyDescription(self, params: dict[str, Any]) -> bool:
        return True

    def _api_setMyShortDescription(self, params: dict[str, Any]) -> bool:
        return True

    def _api_setChatMenuButton(self, params: dict[str, Any]) -> bool:
        return True

    def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        _chat_id(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = _chat_id(params)
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad_request("message text is empty")
        if _utf16_len(text) > 4096:
            raise _bad_request("message is too long")
        markup = _check_markup(params.get("reply_markup"))
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat_id),
            "from": {
                "id": self.bot_id,
                "is_bot": True,
                "first_name": self.bot_first_name,
                "username": self.bot_username,
            },
            "chat": self._state.chats.get(chat_id) or self._chat(chat_id, "考生"),
            "date": int(time.time()),
            "text": text,
        }
        # Without parse_mode Telegram keeps the given entities; with it, it would compute them.
        if isinstance(params.get("entities"), list):
            message["entities"] = params["entities"]
        if isinstance(params.get("link_preview_options"), dict):
            message["link_preview_options"] = params["link_preview_options"]
        reply_to = _reply_to_message_id(params)
        if reply_to is not None:
            original = self._state.messages.get((chat_id, reply_to))
            if original is not None:
                message["reply_to_message"] = {
                    k: v for k, v in original.items() if k != "reply_to_message"
                }
            elif not (params.get("reply_parameters") or {}).get("allow_sending_without_reply"):
                raise _bad_request("message to be replied not found")
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup  # Telegram echoes inline keyboards only
        self._state.messages[(chat_id, message["message_id"])] = message
        return message

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad_request("message text is empty")
        if _utf16_len(text) > 4096:
            raise _bad_request("MESSAGE_TOO_LONG")
        markup = _check_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        message = self._own_message(params, "message to edit not found")
        changes: dict[str, Any] = {"text": text}
        changes["reply_markup"] = markup if markup and "inline_keyboard" in markup else None
        return self._edit(params, message, changes)

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        markup = _check_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        message = self._own_message(params, "message to edit not found")
        changes = {"reply_markup": markup if markup and "inline_keyboard" in markup else None}
        return self._edit(params, message, changes)

    def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        chat_id = _chat_id(params)
        message_id = _as_int(params.get("message_id"), "message_id", None)
        if self._state.messages.pop((chat_id, message_id), None) is None:
            raise _bad_request("message to delete not found")
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if self._state.callback_queries.get(query_id) is not False:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        self._state.callback_queries[query_id] = True
        return True

    def _own_message(self, params: dict[str, Any], missing: str) -> dict[str, Any]:
        chat_id = _chat_id(params)
        message_id = _as_int(params.get("message_id"), "message_id", None)
        message = self._state.messages.get((chat_id, message_id))
        if message is None:
            raise _bad_request(missing)
        if not message["from"].get("is_bot"):
            raise _bad_request("message can't be edited")
        return message

    def _edit(
        self, params: dict[str, Any], message: dict[str, Any], changes: dict[str, Any]
    ) -> dict[str, Any]:
        if all(message.get(key) == value for key, value in changes.items()):
            raise _bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        edited = dict(message)
        for key, value in changes.items():
            if value is None:
                edited.pop(key, None)
            else:
                edited[key] = value
        if "text" in changes:
            edited.pop("entities", None)
            if isinstance(params.get("entities"), list):
                edited["entities"] = params["entities"]
        edited["edit_date"] = int(time.time())
        self._state.messages[(edited["chat"]["id"], edited["message_id"])] = edited
        return edited

    def _pushed_at(self, update_id: int) -> float:
        with self._lock:
            return self._state.pushed[update_id].pushed_at

    # method name, lower case -> handler; filled in below the class
    _methods: ClassVar[dict[str, Callable[..., Any]]]


FakeBotApi._methods = {
    name.removeprefix("_api_").lower(): getattr(FakeBotApi, name)
    for name in dir(FakeBotApi)
    if name.startswith("_api_")
}


# ---------------------------------------------------------------------- helpers


def _same_chat(a: int | str | None, b: int | str | None) -> bool:
    return a is not None and b is not None and str(a) == str(b)


def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
    scope_type = scope.get("type", "default") if isinstance(scope, dict) else "default"
    extra = json.dumps(
        {k: v for k, v in scope.items() if k != "type"} if isinstance(scope, dict) else {},
        sort_keys=True,
    )
    return (f"{scope_type}:{extra}", str(language_code or ""))


def _as_int(value: Any, name: str, default: Any) -> Any:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise _bad_request(f"invalid {name} specified")
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        raise _bad_request(f"invalid {name} specified") from None


def _as_float(value: Any, name: str, default: float) -> float:
    if value is None or value == "":
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _bad_request(f"invalid {name} specified") from None


def _chat_id(params: dict[str, Any]) -> int:
    chat_id = params.get("chat_id")
    if chat_id is None or chat_id == "":
        raise _bad_request("chat_id is empty")
    if isinstance(chat_id, str) and not re.fullmatch(r"-?\d+", chat_id):
        raise _bad_request("chat not found")
    return int(chat_id)


def _reply_to_message_id(params: dict[str, Any]) -> int | None:
    reply = params.get("reply_parameters")
    if isinstance(reply, dict) and reply.get("message_id") is not None:
        return _as_int(reply["message_id"], "reply_parameters", None)
    if params.get("reply_to_message_id") is not None:
        return _as_int(params["reply_to_message_id"], "reply_to_message_id", None)
    return None


def _check_markup(markup: Any) -> dict[str, Any] | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        if not any(k in markup for k in ("keyboard", "remove_keyboard", "force_reply")):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        return markup
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise _bad_request("can't parse inline keyboard button: Text must be non-empty")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise _bad_request("BUTTON_DATA_INVALID")
    return markup


def _coerce(name: str, value: str) -> Any:
    if name in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if name in _INT_PARAMS and re.fullmatch(r"-?\d+", value):
        return int(value)
    if name in _FLOAT_PARAMS:
        try:
            return float(value) if "." in value else int(value)
        except ValueError:
            return value
    if name in _BOOL_PARAMS and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    return value


async def _read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = {k: _coerce(k, v) for k, v in request.query.items()}
    if not request.can_read_body:
        return params
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise ValueError("can't parse JSON body") from None
        if not isinstance(body, dict):
            raise ValueError("JSON body must be an object")
        params.update(body)
        return params
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, str):
                params[key] = _coerce(key, value)
            else:  # an uploaded file
                content = value.file.read()
                params[key] = {
                    "filename": value.filename,
                    "content_type": value.content_type,
                    "size": len(content),
                }
        return params
    await request.read()
    return params


def _json_response(payload: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(payload, ensure_ascii=False).encode(),
        content_type="application/json",
    )


def _error_response(error: _ApiError) -> web.Response:
    return _json_response(error.payload(), status=error.code)
