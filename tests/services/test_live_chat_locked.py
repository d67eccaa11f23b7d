"""Issue 16, item 5: a locked database makes a live turn wait (within a limit), not fail.

A real second SQLite connection holds the write lock, as a backup or another program would.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from bot.services.app import App
from bot.services.live_chat import LiveChat
from bot.services.settings import Settings
from bot.storage import load_conversation, patience
from bot.storage.patience import DatabaseBusy, DatabaseGone

pytestmark = pytest.mark.slow


@pytest.fixture
def chat(tmp_path: Path):
    app = App(Settings.resolve({"db": f"sqlite:///{tmp_path / 'k.db'}"}, cwd=tmp_path))
    live, _ = LiveChat.start(app, app.library.get("presale-dress-size"), seed=1)
    yield live, tmp_path / "k.db"
    app.db.dispose()


def hold_write_lock(path: Path, seconds: float) -> threading.Thread:
    """Take the write lock now on another connection; let it go after ``seconds``."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")

    def release() -> None:
        time.sleep(seconds)
        other.execute("ROLLBACK")
        other.close()

    thread = threading.Thread(target=release)
    thread.start()
    return thread


def test_a_turn_waits_out_a_lock_longer_than_the_busy_timeout(chat):
    live, path = chat
    holder = hold_write_lock(path, 7.0)  # the probe's 8 s failed at the 5 s busy_timeout
    started = time.monotonic()
    turn = live.handle("亲，您好，在的～")
    waited = time.monotonic() - started
    holder.join()
    assert waited >= 6.5 and turn.replies
    stored = load_conversation(live.app.db, live.id)
    assert [m.text for m in stored.messages if m.role == "agent"] == ["亲，您好，在的～"]


def test_past_the_limit_the_candidate_is_told_plainly(chat, monkeypatch):
    live, path = chat
    monkeypatch.setattr(patience, "LOCK_WAIT_SECONDS", 1.0)
    holder = hold_write_lock(path, 9.0)
    with pytest.raises(DatabaseBusy) as caught:
        live.handle("您好")
    holder.join()
    assert str(caught.value) == (
        "数据库被其他程序占用，等了 1 秒仍无法保存：你刚才的消息没有保存。"
        "请稍后把这条消息再发一次；一直如此请告诉监考老师。"
    )
    assert live.handle("您好").replies  # sent again once the lock is gone, it is kept


def test_a_database_that_is_gone_is_said_at_once(chat):
    live, path = chat
    with sqlite3.connect(path) as other:
        other.execute("DROP TABLE messages")
    other.close()
    started = time.monotonic()
    with pytest.raises(DatabaseGone) as caught:
        live.handle("您好")
    assert time.monotonic() - started < 3
    assert str(caught.value).startswith("数据库无法写入（文件可能被移走或删除、磁盘已满")
