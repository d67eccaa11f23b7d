"""Fuzzing the web room's forms: the exam login, the practice form and a seat's messages.

The real ASGI app (Starlette, a real SQLite file) answers every hostile form with a page or a
refusal (4xx), never a server error (5xx).
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.web.server import create_app
from bot.services.app import App
from bot.services.settings import Settings
from tests.asgi_server import served
from tests.fuzz.fuzzing import FUZZ, case
from tests.fuzz.fuzzing import text_with_hostility as hostile_text

# Forms carry no lone surrogates (a browser cannot encode them); all else is fair.
form_text = hostile_text.map(lambda t: t.encode("utf-8", "replace").decode("utf-8"))


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """``kefu web``'s app served by uvicorn on loopback, over a fresh SQLite file."""
    with tempfile.TemporaryDirectory() as folder:
        app = App(Settings.resolve({"db": f"sqlite:///{folder}/k.db"}, cwd=Path(folder)))
        with served(create_app(app)) as base, httpx.Client(base_url=base, timeout=30) as http:
            yield http
        app.db.dispose()


def post(client: httpx.Client, path: str, **kwargs) -> None:
    def work() -> None:
        answer = client.post(path, follow_redirects=False, **kwargs)
        assert answer.status_code < 500, (path, answer.status_code, answer.text[:300])

    case("web form", work)


@FUZZ
@given(code=form_text, number=form_text)
def test_the_exam_login_form(client, code, number):
    post(client, "/exam", data={"code": code, "exam_number": number})


@FUZZ
@given(scenario=form_text)
def test_the_practice_form(client, scenario):
    post(client, "/practice", data={"scenario": scenario})


@pytest.fixture(scope="module")
def seat(client) -> httpx.Client:
    opened = client.post("/practice", data={"scenario": "presale-dress-size"})
    assert opened.status_code < 400, opened.text[:300]
    client.post("/seat/start")
    hello = client.post("/seat/say", json={"id": str(uuid.uuid4()), "text": "您好"})
    assert hello.status_code == 200, hello.text[:300]  # the seat takes messages: not all refused
    return client


@FUZZ
@given(text=form_text, as_json=st.booleans())
def test_a_seats_messages(seat, text, as_json):
    body = {"id": str(uuid.uuid4()), "text": text}
    post(seat, "/seat/say", **({"json": body} if as_json else {"data": body}))
