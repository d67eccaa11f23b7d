"""The web exam room: one ASGI application (Starlette) that uvicorn serves on the exam LAN.

Pages are rendered on the server (jinja2, autoescaped) and work without JavaScript: every
action is a plain form that reloads the page. With JavaScript, the workbench talks over one
WebSocket (``/seat/ws``), and falls back to ``POST /seat/say`` plus polling ``/seat/events``
where WebSocket is unavailable. Everything is served from this package: no CDN, no web font.

The seat's behaviour is ``SeatService`` (synchronous, run in worker threads); this module only
turns requests into its calls, keeps the exam code's hold alive while a page is open, and runs
the server-side clocks (nudges, the exam's end) once a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from bot.channels.web.hub import Hub
from bot.channels.web.pages import Pages
from bot.channels.web.paper_seat import PaperSeat
from bot.channels.web.seats import SeatRefused, SeatService, new_token
from bot.console.site import PREFIX as CONSOLE_PREFIX
from bot.console.site import build_console
from bot.core.errors import KefuError
from bot.services.app import App
from bot.storage.web import Seat

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
COOKIE = "kefu_seat"
COOKIE_AGE = 12 * 3600  # an exam day
# The page says it is still there this often; the hold expires after bot.storage.holds.EXPIRY.
HEARTBEAT_SECONDS = 20
# How often an open page looks at the database for what another server process changed (this
# process's own changes wake it at once).
POLL_SECONDS = 5.0
CLOCK_SECONDS = 1.0
BUSY = "服务器忙，消息稍后会自动重发，请不要重复发送。"

# Scripts and styles come only from this server; the report page has inline styles of its own.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'self'"
)
HEADERS = (
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    # Not "no-referrer": under it browsers send "Origin: null" even with a same-site form.
    ("referrer-policy", "same-origin"),
    ("x-frame-options", "DENY"),
    ("cache-control", "no-store"),
)


class SecurityHeaders:
    """Add the security headers to every HTTP response that does not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS:
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def same_origin(connection: HTTPConnection) -> bool:
    """True unless a browser says the request comes from another site (CSRF, WebSocket
    hijacking); clients that send no Origin (the load benchmark, curl) are let through."""
    origin = connection.headers.get("origin")
    if not origin:
        return True
    if origin == "null":
        # An opaque origin (a sandboxed frame, a privacy setting): trust the browser's own
        # Fetch Metadata when it says the request is from this site.
        return connection.headers.get("sec-fetch-site") == "same-origin"
    return urlsplit(origin).netloc == connection.headers.get("host", "")


def create_app(app: App) -> Starlette:
    """The web room's ASGI application over one kefu ``App``."""
    service = SeatService(app)
    hub = Hub()
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    pages = Pages(app, service, env)
    papers = PaperSeat(app)

    async def call(function: Callable[..., Any], *args: Any) -> Any:
        return await run_in_threadpool(function, *args)

    async def seat_of(connection: HTTPConnection) -> Seat | None:
        return await call(service.seat, connection.cookies.get(COOKIE))

    def to_seat(notice: str = "") -> RedirectResponse:
        target = "/seat" + (f"?notice={quote(notice)}" if notice else "")
        return RedirectResponse(target, status_code=303)

    def forbidden() -> Response:
        return HTMLResponse(pages.message("请求被拒绝", "这个请求不是从本考场页面发出的。"), 403)

    # ------------------------------------------------------------------ pages

    async def index(request: Request) -> Response:
        return HTMLResponse(await call(pages.index, request.query_params.get("notice", "")))

    async def health(_request: Request) -> Response:
        return Response("ok", media_type="text/plain")

    async def favicon(_request: Request) -> Response:
        return RedirectResponse("/static/favicon.svg", status_code=301)

    async def open_exam(request: Request) -> Response:
        if not same_origin(request):
            return forbidden()
        form = await request.form()
        address = request.client.host if request.client else "?"
        code, number = str(form.get("code", "")), str(form.get("exam_number", ""))
        return await open_seat(lambda token: service.open_exam(code, number, token, address))

    async def open_practice(request: Request) -> Response:
        if not same_origin(request):
            return forbidden()
        form = await request.form()
        scenario = str(form.get("scenario", ""))
        return await open_seat(lambda token: service.open_practice(scenario, token))

    async def open_seat(opening: Callable[[str], Seat]) -> Response:
        """Open a seat under a new token (never one the browser brought: no fixation) and give
        the browser its cookie; a refusal goes back to the first page with the reason."""
        token = new_token()
        try:
            await call(opening, token)
        except SeatRefused as refused:
            return HTMLResponse(await call(pages.index, str(refused)), 400)
        response = to_seat()
        response.set_cookie(COOKIE, token, max_age=COOKIE_AGE, httponly=True, samesite="strict")
        return response

    async def seat_page(request: Request) -> Response:
        seat = await seat_of(request)
        if seat is None:
            return RedirectResponse("/", status_code=303)
        try:
            await call(service.keep_hold, seat)
        except SeatRefused as refused:
            return HTMLResponse(pages.message("无法打开", str(refused)), 409)
        html = await call(pages.seat, seat, request.query_params.get("notice", ""))
        return HTMLResponse(html)

    async def start(request: Request) -> Response:
        seat = await seat_of(request)
        if seat is None or not same_origin(request):
            return forbidden()
        try:
            await call(service.keep_hold, seat)
            await call(service.start, seat)
        except SeatRefused as refused:
            return to_seat(str(refused))
        return to_seat()

    async def say(request: Request) -> Response:
        """A message by plain form (no JavaScript) or by fetch (no WebSocket)."""
        seat = await seat_of(request)
        if seat is None or not same_origin(request):
            return forbidden()
        as_json = request.headers.get("content-type", "").startswith("application/json")
        data: Any = await request.json() if as_json else await request.form()
        text = str(data.get("text", "")) if isinstance(data, dict) or not as_json else ""
        client_id = str(data.get("id") or uuid.uuid4())
        try:
            view = await call(service.say, seat, text, client_id)
        except SeatRefused as refused:
            if as_json:
                return JSONResponse({"error": str(refused), "id": client_id}, 400)
            return to_seat(str(refused))
        if seat.conversation_id:
            hub.notify(seat.conversation_id)
        return JSONResponse(view.to_json()) if as_json else to_seat()

    async def end(request: Request) -> Response:
        seat = await seat_of(request)
        if seat is None or not same_origin(request):
            return forbidden()
        try:
            await call(service.end, seat)
        except SeatRefused as refused:
            return to_seat(str(refused))
        if seat.conversation_id:
            hub.notify(seat.conversation_id)
        return to_seat()

    async def events(request: Request) -> Response:
        """What changed after message ``after``: the fallback for pages without WebSocket."""
        seat = await seat_of(request)
        if seat is None:
            return JSONResponse({"error": "座位已失效，请重新登录。"}, 401)
        try:
            after = int(request.query_params.get("after", "-1"))
            await call(service.keep_hold, seat)
        except ValueError:
            return JSONResponse({"error": "after 应为整数"}, 400)
        except SeatRefused as refused:
            return JSONResponse({"refused": str(refused)}, 409)
        return JSONResponse((await call(service.view, seat, after)).to_json())

    async def report(request: Request) -> Response:
        seat = await seat_of(request)
        if seat is None or seat.exam:
            return HTMLResponse(pages.message("没有报告", "考试模式不显示评分。"), 403)
        try:
            html = await call(pages.report, seat)
        except KefuError as error:
            return HTMLResponse(pages.message("没有报告", str(error)), 404)
        return HTMLResponse(html, headers={"content-security-policy": REPORT_CSP})

    # ------------------------------------------------------------------ the task paper

    async def paper_page(request: Request) -> Response:
        seat = await seat_of(request)
        if seat is None:
            return RedirectResponse("/", status_code=303)
        try:
            await call(service.keep_hold, seat)
            sitting = await call(papers.open, seat)
        except SeatRefused as refused:
            return HTMLResponse(pages.message("无法打开试卷", str(refused)), 409)
        notice = request.query_params.get("notice", "")
        return HTMLResponse(await call(pages.paper, seat, sitting, notice))

    def to_paper(notice: str = "") -> RedirectResponse:
        return RedirectResponse(
            "/seat/paper" + (f"?notice={quote(notice)}" if notice else ""), status_code=303
        )

    async def paper_answer(request: Request) -> Response:
        """One task's answer as typed (the page's autosave): JSON {"task", "value"}."""
        seat = await seat_of(request)
        if seat is None or not same_origin(request):
            return JSONResponse({"error": "请求被拒绝。"}, 403)
        try:
            data = await request.json()
        except ValueError:
            return JSONResponse({"error": "请求不是 JSON。"}, 400)
        if not isinstance(data, dict):
            return JSONResponse({"error": "请求应为 JSON 对象。"}, 400)
        try:
            sitting = await call(papers.save, seat, str(data.get("task", "")), data.get("value"))
        except SeatRefused as refused:
            return JSONResponse({"error": str(refused)}, 400)
        return JSONResponse({"saved": True, "remaining": sitting.remaining()})

    async def paper_save(request: Request) -> Response:
        """The whole paper by plain form (no JavaScript)."""
        seat = await seat_of(request)
        if seat is None or not same_origin(request):
            return forbidden()
        form = await request.form()
        fields = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
        try:
            await call(papers.save_form, seat, fields)
        except SeatRefused as refused:
            return to_paper(str(refused))
        return to_paper("答案已保存。")

    async def paper_submit(request: Request) -> Response:
        seat = await seat_of(request)
        if seat is None or not same_origin(request):
            return forbidden()
        form = await request.form()
        try:
            await call(papers.submit, seat, form.get("time_up") == "1")
        except SeatRefused as refused:
            return to_paper(str(refused))
        return to_paper()

    # ------------------------------------------------------------------ the live channel

    async def seat_socket(ws: WebSocket) -> None:
        seat = await seat_of(ws)
        if seat is None or not same_origin(ws):
            await ws.close(code=4403)
            return
        await ws.accept()
        try:
            await call(service.keep_hold, seat)
        except SeatRefused as refused:
            await ws.send_json({"type": "refused", "text": str(refused)})
            await ws.close(code=4409)
            return
        live = LiveSocket(ws, seat, service, hub, app.settings.typing_delay, call)
        try:
            await live.run()
        except WebSocketDisconnect:
            pass
        finally:
            with contextlib.suppress(Exception):
                await call(service.let_go, live.seat)

    # ------------------------------------------------------------------ clocks

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(watch_clocks(service, hub, call))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    console, console_rules = build_console(app)
    routes = [
        Route("/", index),
        Route("/health", health),
        Route("/favicon.ico", favicon),
        Route("/exam", open_exam, methods=["POST"]),
        Route("/practice", open_practice, methods=["POST"]),
        Route("/seat", seat_page),
        Route("/seat/start", start, methods=["POST"]),
        Route("/seat/say", say, methods=["POST"]),
        Route("/seat/end", end, methods=["POST"]),
        Route("/seat/events", events),
        Route("/seat/report", report),
        Route("/seat/paper", paper_page),
        Route("/seat/paper/answer", paper_answer, methods=["POST"]),
        Route("/seat/paper/save", paper_save, methods=["POST"]),
        Route("/seat/paper/submit", paper_submit, methods=["POST"]),
        WebSocketRoute("/seat/ws", seat_socket),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        Mount(CONSOLE_PREFIX, app=console),
    ]
    web = Starlette(routes=routes, lifespan=lifespan)
    web.add_middleware(SecurityHeaders)
    web.state.console_rules = console_rules  # every console route and its roles (tests)
    return web


def from_environment() -> Starlette:
    """The application of a uvicorn worker process (``kefu web --workers N``): settings from
    the environment and ``kefu.toml``, as the parent resolved them."""
    from bot.services.settings import Settings

    return create_app(App(Settings.resolve()))


async def watch_clocks(service: SeatService, hub: Hub, call: Callable[..., Any]) -> None:
    """Run until cancelled: nudge silent chats and end those whose time is up, every second."""
    while True:
        await asyncio.sleep(CLOCK_SECONDS)
        try:
            for conversation_id in await call(service.act_on_clocks):
                hub.notify(conversation_id)
        except asyncio.CancelledError:
            raise
        except Exception:  # a busy database: try again in a second
            log.exception("the web chats' clocks failed")


class LiveSocket:
    """One open workbench page: its messages in, the conversation's changes out."""

    def __init__(
        self,
        ws: WebSocket,
        seat: Seat,
        service: SeatService,
        hub: Hub,
        typing_delay: float,
        call: Callable[..., Any],
    ) -> None:
        self.ws, self.seat, self.service, self.hub = ws, seat, service, hub
        self.typing_delay, self.call = typing_delay, call
        self.last = -1
        self.busy = 0  # turns in flight: their replies are sent by the turn, not the watcher
        self.send_lock = asyncio.Lock()
        self.last_state: dict[str, Any] | None = None

    async def run(self) -> None:
        watcher = asyncio.create_task(self.watch())
        try:
            while True:
                data = await self.ws.receive_json()
                if not isinstance(data, dict):
                    continue
                kind = data.get("type")
                if kind == "hello":
                    self.last = _int(data.get("after"), -1)
                    view = await self.call(self.service.view, self.seat, self.last)
                    await self.push(view.messages, view.state.to_json())
                elif kind == "say":
                    await self.say(str(data.get("text", "")), str(data.get("id") or uuid.uuid4()))
                elif kind == "ping":
                    try:
                        await self.call(self.service.keep_hold, self.seat)
                    except SeatRefused as refused:
                        await self.send({"type": "refused", "text": str(refused)})
                        await self.ws.close(code=4409)
                        return
                    await self.send({"type": "pong"})
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    async def say(self, text: str, client_id: str) -> None:
        self.busy += 1
        try:
            await self.send({"type": "typing"})
            try:
                view = await self.call(self.service.say, self.seat, text, client_id)
            except SeatRefused as refused:
                await self.send({"type": "error", "id": client_id, "text": str(refused)})
                return
            except Exception:
                # A database that stays busy: the message may or may not be stored; the page
                # keeps it pending and sends it again (the same id: stored once either way).
                log.exception("a web turn failed")
                await self.send({"type": "retry", "id": client_id, "text": BUSY})
                return
            state = view.state.to_json()
            replies = [m for m in view.messages if m["role"] != "agent"]
            if self.typing_delay > 0 and replies:
                # The candidate's message now; the customer's reply after "typing" a moment.
                mine = [m for m in view.messages if m["role"] == "agent"]
                await self.push(mine, self.last_state or state, client_id)
                longest = max(len(m["text"]) for m in replies)
                await asyncio.sleep(min(self.typing_delay, 0.4 + 0.05 * longest))
            await self.push(view.messages, state, client_id)
        finally:
            self.busy -= 1
        if self.seat.conversation_id:
            self.hub.notify(self.seat.conversation_id)

    async def watch(self) -> None:
        """Send what changed without this page asking: nudges, the exam's end, another tab."""
        while True:
            conversation_id = self.seat.conversation_id
            if conversation_id is None:
                await asyncio.sleep(POLL_SECONDS)
                self.seat = await self.call(self.service.seat, self.seat.token) or self.seat
                continue
            await self.hub.wait(conversation_id, POLL_SECONDS)
            if self.busy:
                continue
            view = await self.call(self.service.view, self.seat, self.last)
            if view.messages or view.state.to_json() != self.last_state:
                await self.push(view.messages, view.state.to_json())

    async def push(
        self, messages: list[dict[str, Any]], state: dict[str, Any], client_id: str | None = None
    ) -> None:
        """Send the messages the page has not had yet, with the chat's state."""
        fresh = [m for m in messages if m["seq"] > self.last]
        self.last = max([self.last, *(m["seq"] for m in fresh)])
        self.last_state = state
        frame: dict[str, Any] = {"type": "update", "messages": fresh, "state": state}
        if client_id is not None:
            frame["id"] = client_id
        await self.send(frame)

    async def send(self, frame: dict[str, Any]) -> None:
        async with self.send_lock:
            await self.ws.send_json(frame)


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
