"""Fixtures for the fake Bot API server's own tests.

The shared ``fake_bot_api`` and ``telegram_env`` fixtures live in tests/conftest.py, which also
makes ``fake_bot_api`` importable as a module. Here: a plain HTTP client for the server, and an
environment where python-telegram-bot runs in this process without tripping
``filterwarnings = error``.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fake_bot_api import FakeBotApi


@pytest.fixture(autouse=True)
def _ptb_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns (PTBDeprecationWarning) whenever it reads a time period as an int, even
    # inside RetryAfter's constructor; opting in to timedelta values keeps that silent.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    # httpx honours proxy variables, loopback included.
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def http(fake_bot_api: FakeBotApi) -> Iterator[httpx.Client]:
    """An httpx client whose base URL is the bot's API root (``.../bot<TOKEN>/``)."""
    with httpx.Client(
        base_url=fake_bot_api.base_url + fake_bot_api.token + "/", trust_env=False, timeout=10
    ) as client:
        yield client
