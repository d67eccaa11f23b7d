"""The SQLite durability setting: FULL by default, NORMAL on request, anything else refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.errors import KefuError
from bot.services.app import App
from bot.services.settings import Settings
from bot.storage import open_database


def pragma(engine) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql("PRAGMA synchronous").scalar()


def test_full_is_the_default_and_normal_is_a_setting(tmp_path: Path, monkeypatch):
    default = App(Settings.resolve({"db": f"sqlite:///{tmp_path / 'a.db'}"}, cwd=tmp_path)).db
    assert pragma(default) == 2  # FULL
    default.dispose()
    monkeypatch.setenv("KEFU_SQLITE_SYNCHRONOUS", "normal")
    app = App(Settings.resolve({"db": f"sqlite:///{tmp_path / 'b.db'}"}, cwd=tmp_path))
    assert pragma(app.db) == 1  # NORMAL
    app.db.dispose()


def test_another_value_is_refused_with_what_is_allowed(tmp_path: Path):
    with pytest.raises(KefuError) as caught:
        open_database(f"sqlite:///{tmp_path / 'c.db'}", "OFF")
    assert str(caught.value) == (
        "设置项 sqlite_synchronous（KEFU_SQLITE_SYNCHRONOUS）的值“OFF”无效，应为 FULL 或 NORMAL。"
    )


def test_a_relaxed_write_skips_the_wait_and_the_next_write_waits_again(tmp_path: Path):
    from sqlalchemy import text

    from bot.storage.repository import writing

    engine = open_database(f"sqlite:///{tmp_path / 'd.db'}")
    try:
        seen = []
        for relaxed in (True, False, True, True, False):
            with writing(engine, relaxed=relaxed) as session:
                seen.append(session.execute(text("PRAGMA synchronous")).scalar())
        assert seen == [1, 2, 1, 1, 2]  # NORMAL for the relaxed ones, FULL for the others
    finally:
        engine.dispose()
