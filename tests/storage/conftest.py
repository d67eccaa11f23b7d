"""Fixtures for the storage tests: a real SQLite file in ``tmp_path``, and PostgreSQL on request.

The ``backend`` tests also run on PostgreSQL: against ``KEFU_TEST_POSTGRES_URL`` when it is set
(e.g. ``postgresql+psycopg://kefu@127.0.0.1/kefu_test``), otherwise against a throwaway server
that the session starts on loopback from the machine's PostgreSQL binaries (``initdb``,
``pg_ctl``). Only where neither exists are they skipped, with the reason.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.core.engine import Snapshot
from bot.storage import create_conversation, open_database

POSTGRES_ENV = "KEFU_TEST_POSTGRES_URL"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'kefu.db'}"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = open_database(db_url)
    yield engine
    # Closing the pooled connections keeps sqlite3's ResourceWarning (an error here) away.
    engine.dispose()


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


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, db_url: str) -> Iterator[Engine]:
    """The same tests on SQLite and on PostgreSQL."""
    url = db_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    engine = open_database(url)
    yield engine
    engine.dispose()


@pytest.fixture
def snapshot() -> Snapshot:
    return Snapshot(state="greeting", mood=3, misses=0, turn=0, seed=12345)


@pytest.fixture
def live_id(engine: Engine, snapshot: Snapshot) -> str:
    """A live presale conversation, just started, with no messages yet."""
    return create_conversation(
        engine,
        scenario_id="presale-dress",
        scenario_hash="sha256:abc",
        kind="presale",
        title="连衣裙",
        snapshot=snapshot,
        started_at=datetime.fromisoformat("2026-06-10T09:00:00+08:00"),
    )
