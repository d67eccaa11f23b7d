"""Fixtures shared by every test folder.

``fake_bot_api``: a started ``FakeBotApi`` (tests/telegram_api/fake_bot_api.py), a Telegram Bot
API server on loopback for running the real ``kefu telegram`` against; stopped after the test.
``postgres_url``: a PostgreSQL server for the session: ``KEFU_TEST_POSTGRES_URL`` when it is
set, else a throwaway server on loopback from the machine's binaries (``initdb``, ``pg_ctl``);
skipped, with the reason, where neither exists.
``rude_app``: an ``App`` whose detector has, beside its cues, a learned 禁用语 model that finds
``眼神`` and ``好使`` (一分钱一分货，你眼神不好使吗), whatever the shipped model holds.
``telegram_env``: the environment for such a subprocess (this process's, plus
``TELEGRAM_BOT_TOKEN`` and ``TELEGRAM_API_BASE_URL`` pointing at the server, and loopback kept
away from any HTTP proxy).

pytest runs with ``--import-mode=importlib`` and tests/ is not a package, so the server module
is loaded here once by file path and registered as the top-level module ``fake_bot_api``: test
modules may ``from fake_bot_api import FakeBotApi`` (for the class, ``Call``, ``Latency``).
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest


def _load_fake_bot_api() -> ModuleType:
    name = "fake_bot_api"
    if name in sys.modules:
        return sys.modules[name]
    path = Path(__file__).parent / "telegram_api" / "fake_bot_api.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before exec: dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


FakeBotApi = _load_fake_bot_api().FakeBotApi


@pytest.fixture
def fake_bot_api() -> Iterator[FakeBotApi]:
    api = FakeBotApi()
    api.start()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture
def telegram_env(fake_bot_api: FakeBotApi) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    env.update(fake_bot_api.env)
    no_proxy = ",".join(part for part in (env.get("NO_PROXY", ""), "127.0.0.1,localhost") if part)
    env["NO_PROXY"] = env["no_proxy"] = no_proxy
    return env


CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@pytest.fixture
def chromium(tmp_path):
    """Run Debian's headless Chromium on a page; skip where it is not installed."""
    import shutil
    import subprocess

    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("Chromium is not installed (tests/run.sh installs it as root)")

    def run(url: str, *extra: str) -> subprocess.CompletedProcess:
        profile = tmp_path / "chromium-profile"
        return subprocess.run(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url],
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


# ---------------------------------------------------------------- PostgreSQL

POSTGRES_ENV = "KEFU_TEST_POSTGRES_URL"


def _postgres_bin() -> Path | None:
    found = shutil.which("initdb")
    candidates = [found] if found else sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL: the configured one, or a throwaway server on loopback."""
    if os.environ.get(POSTGRES_ENV):
        yield os.environ[POSTGRES_ENV]
        return
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip(f"PostgreSQL not tested: no initdb on this machine and {POSTGRES_ENV} unset")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("PostgreSQL not tested: psycopg is not installed (pip install -e '.[test]')")
    # initdb refuses to run as root: run the server as the postgres system user then.
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    folder = Path(tempfile.mkdtemp(prefix="kefu-pg-"))
    if as_root:
        shutil.chown(folder, "postgres")
    port = _free_port()
    data = folder / "data"

    def pg(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=120)

    init = pg(
        str(bin_dir / "initdb"),
        "-D",
        str(data),
        "-U",
        "kefu",
        "--auth=trust",
        "-E",
        "UTF8",
        "--no-sync",
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -F"
    start = init.returncode == 0 and pg(
        str(bin_dir / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(folder / "log"),
        "-w",
        "start",
    )
    if not start or start.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(
            f"could not start a throwaway PostgreSQL: {init.stderr}{start and start.stderr}"
        )
    try:
        yield f"postgresql+psycopg://kefu@127.0.0.1:{port}/postgres"
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            pg(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def rude_app():
    from bot.core.learned import LearnedModel
    from bot.nlp.lexicon_loader import default_detector
    from bot.services.app import App
    from bot.services.settings import Settings

    rude = {"bias": -2.0, "threshold": 0.8, "weights": {"眼神": 2.5, "好使": 1.5}}
    twin = default_detector().cues_only()  # a twin: the shared detector stays as it is
    twin.learned = LearnedModel.from_json(
        {"format": 1, "ngram_sizes": [2], "context_sizes": [], "moves": {}, "violation": rude}
    )
    app = App(Settings.resolve())
    app.detector = twin
    return app
