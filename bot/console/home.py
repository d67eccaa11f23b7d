"""Logging in and out, and the console's first page: the exams, with what each role may do."""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.console.auth import ALL_ROLES, log_in, log_out, viewer_of
from bot.console.passwords import verify_password
from bot.console.site import PREFIX, Console, Page
from bot.storage import web as web_store
from bot.storage.audit import password_hash_of
from bot.storage.exams import list_exams

WRONG = "用户名或密码不正确。"


def register(console: Console) -> None:
    db = console.app.db

    async def login_page(request: Request) -> Response:
        viewer = await run_in_threadpool(viewer_of, request, db)
        if viewer is not None:
            return RedirectResponse(_next(request.query_params.get("next")), status_code=303)
        html = console.render(
            "login.html.j2", request, None, next=request.query_params.get("next", "")
        )
        return HTMLResponse(html)

    async def login(request: Request) -> Response:
        form = await request.form()
        name, password = str(form.get("name", "")).strip(), str(form.get("password", ""))
        target = _next(str(form.get("next", "")))
        address = "console:" + (request.client.host if request.client else "?")

        def check() -> str | None:
            wait = web_store.login_wait(db, address)
            if wait > 0:
                return f"尝试次数太多，请 {int(wait) + 1} 秒后再试。"
            if not name or not verify_password(password_hash_of(db, name), password):
                web_store.record_login_failure(db, address)
                return WRONG
            web_store.clear_login_failures(db, address)
            return None

        refused = await run_in_threadpool(check)
        if refused is not None:
            html = console.render(
                "login.html.j2", request, None, next=target, notice=refused, name=name
            )
            return HTMLResponse(html, 400)
        log_in(request, name, await run_in_threadpool(password_hash_of, db, name) or "")
        return RedirectResponse(target, status_code=303)

    console.public("/login", login_page, ["GET"])
    console.public("/login", login, ["POST"])

    @console.page("/logout", roles=ALL_ROLES, methods=["POST"])
    def logout(page: Page) -> Response:
        log_out(page.request)
        return RedirectResponse(f"{PREFIX}/login?notice={quote('已退出。')}", status_code=303)

    @console.page("/", roles=ALL_ROLES)
    def home(page: Page) -> Response:
        viewer = page.viewer

        def links(exam) -> list[tuple[str, str]]:
            return [link for offer in console.exam_links for link in offer(viewer, exam)]

        actions = [action for offer in console.actions for action in offer(viewer)]
        return page.render(
            "home.html.j2", exams=list_exams(page.app.db), links=links, actions=actions
        )


def _next(target: str | None) -> str:
    """Where to go after logging in: a console page only (never another site)."""
    if target and target.startswith(PREFIX + "/") and not target.startswith("//"):
        return target
    return PREFIX + "/"
