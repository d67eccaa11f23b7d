"""The console as one ASGI application, mounted by ``kefu web`` at /console.

Pages are plain synchronous functions ``handler(page) -> Response`` registered with the roles
that may open them (``Console.page``); they run in worker threads, get the logged-in user and
the submitted form, and call the same services as the CLI, acting as that user. Around them: a
signed session cookie (Starlette's ``SessionMiddleware``) and CSRF protection for every form
(``asgi-csrf``, double-submit cookie; the token is a hidden field of each form).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from asgi_csrf import asgi_csrf
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from bot.console import multipart_csrf
from bot.console.auth import PageRule, Viewer, viewer_of
from bot.core.errors import KefuError
from bot.services.app import App
from bot.storage import web as web_store

HERE = Path(__file__).parent
PREFIX = "/console"
SESSION_COOKIE = "kefu_console"
SESSION_AGE = 12 * 3600  # an exam day
# A page's form may be this large at most (a roster of a few thousand rows is far less).
MAX_UPLOAD = 5 * 1024 * 1024


@dataclass
class Page:
    """One request to a console page: who asks, what they sent, and how to answer."""

    console: Console
    request: Request
    viewer: Viewer
    form: FormData | None

    @property
    def app(self) -> App:
        """The application acting as the logged-in user (the services check their role)."""
        return self.console.app.acting_as(self.viewer.name)

    @property
    def query(self) -> Any:
        return self.request.query_params

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name) if self.form is not None else None
        return value.strip() if isinstance(value, str) else default

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        return HTMLResponse(
            self.console.render(template, self.request, self.viewer, **values), status
        )

    def redirect(self, path: str, notice: str = "") -> RedirectResponse:
        target = (
            PREFIX
            + path
            + (("&" if "?" in path else "?") + "notice=" + quote(notice) if notice else "")
        )
        return RedirectResponse(target, status_code=303)


Handler = Callable[[Page], Response]


class Console:
    """The console's routes, templates and the rule of which role may open what."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.rules: list[PageRule] = []
        self.routes: list[Route] = []
        # What each page group offers on the first page: links per exam, and actions, by role.
        self.exam_links: list[Callable[[Viewer, Any], list[tuple[str, str]]]] = []
        self.actions: list[Callable[[Viewer], list[tuple[str, str]]]] = []

    def render(self, template: str, request: Request, viewer: Viewer | None, **values: Any) -> str:
        token = request.scope.get("csrftoken")
        return self.env.get_template(template).render(
            viewer=viewer,
            csrftoken=token() if callable(token) else "",
            prefix=PREFIX,
            notice=values.pop("notice", None) or request.query_params.get("notice", ""),
            **values,
        )

    def page(
        self, path: str, *, roles: Iterable[str], methods: Iterable[str] = ("GET",)
    ) -> Callable[[Handler], Handler]:
        """Register a page that only the given roles may open (everyone else: login or 403)."""
        allowed, verbs = tuple(roles), tuple(methods)

        def register(handler: Handler) -> Handler:
            async def endpoint(request: Request) -> Response:
                viewer = await run_in_threadpool(viewer_of, request, self.app.db)
                if viewer is None:
                    if request.method == "GET":
                        back = quote(
                            request.url.path
                            + ("?" + request.url.query if request.url.query else "")
                        )
                        return RedirectResponse(f"{PREFIX}/login?next={back}", status_code=303)
                    return self.refusal(request, None, "请先登录。", 401)
                if viewer.role not in allowed:
                    return self.refusal(request, viewer, "你的角色不能打开这个页面。", 403)
                form = (
                    await request.form(max_part_size=MAX_UPLOAD)
                    if request.method == "POST"
                    else None
                )
                page = Page(self, request, viewer, form)
                try:
                    return await run_in_threadpool(handler, page)
                except KefuError as error:
                    return self.refusal(request, viewer, str(error), 400)
                finally:
                    if form is not None:
                        await form.close()

            self.rules.extend(PageRule(verb, PREFIX + path, allowed) for verb in verbs)
            self.routes.append(Route(path, endpoint, methods=list(verbs)))
            return handler

        return register

    def public(self, path: str, endpoint: Callable[..., Any], methods: Iterable[str]) -> None:
        """A route anyone may use (the login page)."""
        self.routes.append(Route(path, endpoint, methods=list(methods)))

    def refusal(self, request: Request, viewer: Viewer | None, text: str, status: int) -> Response:
        html = self.render("message.html.j2", request, viewer, title="无法完成", text=text)
        return HTMLResponse(html, status)

    def asgi(self) -> ASGIApp:
        """The console wrapped in its session and CSRF middleware."""
        multipart_csrf.install()  # uploads (the roster) are multipart forms
        site = Starlette(routes=self.routes)
        db = self.app.db
        with_session = SessionMiddleware(
            site,
            secret_key=web_store.secret(db, "console-session"),
            session_cookie=SESSION_COOKIE,
            max_age=SESSION_AGE,
            path=PREFIX,
            same_site="strict",
        )
        return asgi_csrf(
            with_session,
            signing_secret=web_store.secret(db, "console-csrf"),
            cookie_path=PREFIX,
            cookie_samesite="Strict",
            # A login form posted without any cookie is checked too (login CSRF).
            always_protect={f"{PREFIX}/login"},
        )


def build_console(app: App) -> tuple[ASGIApp, list[PageRule]]:
    """The console application and the rule of every page (for the route-by-role test)."""
    from bot.console import charts, exams, grading, home

    console = Console(app)
    for module in (home, exams, grading, charts):
        module.register(console)
    return console.asgi(), console.rules
