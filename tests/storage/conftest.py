"""Fixtures for the storage tests: a real SQLite file in ``tmp_path``, and PostgreSQL on request.

The ``backend`` tests also run on PostgreSQL: against ``KEFU_TEST_POSTGRES_URL`` when it is set
(e.g. ``postgresql+psycopg://kefu@127.0.0.1/kefu_test``), otherwise against a throwaway server
that the session starts on loopback from the machine's PostgreSQL binaries (``initdb``,
``pg_ctl``). Only where neither exists are they skipped, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.core.engine import Snapshot
from bot.storage import create_conversation, open_database


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'kefu.db'}"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = open_database(db_url)
    yield engine
    # Closing the pooled connections keeps sqlite3's ResourceWarning (an error here) away.
    engine.dispose()


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
