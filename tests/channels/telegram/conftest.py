"""Fixtures for the Telegram channel tests: the real ``kefu telegram`` on a temporary database.

pytest runs with ``--import-mode=importlib``, so the helpers in ``harness.py`` are loaded here by
file path and registered as the module ``telegram_harness`` for the test modules to import.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_bot_api import FakeBotApi


def _load_harness():
    name = "telegram_harness"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("harness.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


KefuBot = _load_harness().KefuBot


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'kefu.db'}"


@pytest.fixture
def kefu_bot(telegram_env: dict[str, str], db_url: str, tmp_path: Path) -> Iterator[KefuBot]:
    bot = KefuBot(telegram_env, db_url, tmp_path / "bot.log")
    try:
        yield bot
    finally:
        if bot.proc is not None:
            bot.stop()


@pytest.fixture
def fake_api(fake_bot_api: FakeBotApi) -> FakeBotApi:
    return fake_bot_api
