"""Fixtures of the browser tests of ``kefu web``: one server and one browser per test module.

``web_settings`` (module scope, override it in a module): extra environment for that module's
server, e.g. ``{"KEFU_MAX_MESSAGE_CHARS": "50"}``; every server runs with
``KEFU_WEB_TYPING_DELAY=0`` unless the module says otherwise.
``web_server``: a started ``kefu web`` (webroom.WebServer) on a free port over its own SQLite
file, stopped after the module. ``browser``: Debian's headless Chromium driven by Playwright,
skipped where /usr/bin/chromium or playwright is missing. ``context``/``page``: a fresh browser
context (its own cookies: a separate "computer") per test, and a page in it that accepts every
dialog and records it in ``dialogs`` (type, message).

The helpers live in webroom.py, loaded here by file path and registered as the module
``webroom`` (tests/ is not a package), as tests/conftest.py does for ``fake_bot_api``.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest


def _load_webroom() -> ModuleType:
    name = "webroom"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).parent / "webroom.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before exec: dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


webroom = _load_webroom()


@pytest.fixture(scope="module")
def web_settings() -> dict[str, str]:
    return {}


@pytest.fixture(scope="module")
def web_server(tmp_path_factory, web_settings) -> Iterator[webroom.WebServer]:
    server = webroom.WebServer(tmp_path_factory.mktemp("kefu-web"), dict(web_settings))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with webroom.launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def context(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.set_default_timeout(webroom.TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def dialogs() -> list[tuple[str, str]]:
    """Every dialog the test's pages opened: (type, message)."""
    return []


@pytest.fixture
def page(context, dialogs) -> object:
    page = context.new_page()

    def on_dialog(dialog) -> None:
        dialogs.append((dialog.type, dialog.message))
        dialog.accept()

    page.on("dialog", on_dialog)
    return page
