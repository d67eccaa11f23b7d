"""Fixtures for the console: the whole web app served by a real uvicorn on loopback (in a thread
of the test process), a real SQLite file, one user of each role with a password, and an exam
drawn from a roster; an httpx client plays the browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.channels.web.server import create_app
from bot.console.passwords import hash_password
from bot.services.app import App
from bot.services.exam_grading import draw_exam
from bot.services.settings import Settings
from bot.storage.audit import add_user, set_password_hash
from bot.storage.exams import Candidate, create_exam, import_roster
from tests.asgi_server import served

PASSWORD = "correct-horse-1"
USERS = {"王主任": "admin", "赵组长": "chief_grader", "李老师": "grader", "张老师": "grader"}
ROSTER = [
    Candidate(f"2026{i:04d}", name, klass, "城市职业学院")
    for i, (name, klass) in enumerate(
        [
            ("陈一", "电商1班"),
            ("林二", "电商1班"),
            ("黄三", "电商2班"),
            ("周四", "电商2班"),
            ("吴五", "电商1班"),
            ("郑六", "电商2班"),
            ("孙七", "电商1班"),
            ("钱八", "电商2班"),
        ],
        start=1,
    )
]


@pytest.fixture
def web_app(tmp_path: Path) -> Iterator[App]:
    app = App(Settings.resolve({"db": f"sqlite:///{tmp_path / 'kefu.db'}"}))
    for name, role in USERS.items():
        add_user(app.db, name, role, "王主任")
        set_password_hash(app.db, name, hash_password(PASSWORD), name)
    exam_id = create_exam(app.db, "2026 电商技能考核", "2026-06-10", "both", "王主任")
    import_roster(app.db, exam_id, ROSTER, "王主任", "roster.csv")
    draw_exam(app.acting_as("王主任"), exam_id, 20260610)
    yield app
    app.db.dispose()  # Python 3.13 warns about SQLite connections left to the collector


@pytest.fixture
def client(web_app: App) -> Iterator[httpx.Client]:
    asgi = create_app(web_app)
    with served(asgi) as base, httpx.Client(base_url=base, timeout=30) as http:
        http.rules = asgi.state.console_rules  # every console route and its roles
        yield http


@pytest.fixture
def users() -> dict[str, str]:
    """The console's users, name → role; every password is ``password``."""
    return dict(USERS)


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture(name="csrf_of")
def csrf_of_fixture():
    return csrf_of


@pytest.fixture(name="log_in")
def log_in_fixture():
    return log_in


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrftoken" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def log_in(client: httpx.Client, name: str, password: str = PASSWORD):
    page = client.get("/console/login")
    return client.post(
        "/console/login",
        data={"csrftoken": csrf_of(page.text), "name": name, "password": password, "next": ""},
        follow_redirects=False,
    )
