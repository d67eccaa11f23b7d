"""Wait out a busy database instead of ending a live chat, within a stated limit.

Another program holding SQLite's write lock (a backup, a grader's long export, twenty chats on
a loaded machine) makes a write fail with "database is locked" once the connection's
busy_timeout (5 s) has passed. A chat turn is one short transaction, so it is simply tried
again, with growing pauses, for up to ``LOCK_WAIT_SECONDS`` in all; only then does the
candidate get a plain message. A database that is gone (its file or folder removed, the
disk full, the server down) is not waited for: the candidate is told at once, in Chinese,
that the line was not saved.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import OperationalError

from bot.core.errors import KefuError

T = TypeVar("T")

# How long a turn waits for a locked database in all (on top of one busy_timeout).
LOCK_WAIT_SECONDS = 30.0
# PostgreSQL: lock_not_available, serialization_failure, deadlock_detected.
_PG_RETRY = {"55P03", "40001", "40P01"}
_LOCKED = ("database is locked", "database is busy", "database table is locked")


class DatabaseBusy(KefuError):
    """The database stayed locked by another program for longer than the limit."""


class DatabaseGone(KefuError):
    """The database cannot be written at all (file gone, disk full, server down)."""


def _locked(exc: OperationalError) -> bool:
    original = exc.orig
    if getattr(original, "sqlstate", None) in _PG_RETRY:
        return True
    return any(words in str(original).lower() for words in _LOCKED)


def patiently(
    work: Callable[[], T],
    *,
    limit: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``work`` (one whole transaction); while the database is locked, run it again.

    Raise ``DatabaseBusy`` after ``limit`` seconds (default ``LOCK_WAIT_SECONDS``) and
    ``DatabaseGone`` at once when the database cannot be written at all.
    """
    limit = LOCK_WAIT_SECONDS if limit is None else limit
    deadline = clock() + limit
    pause = 0.05
    while True:
        try:
            return work()
        except OperationalError as exc:
            if not _locked(exc):
                raise DatabaseGone(
                    "数据库无法写入（文件可能被移走或删除、磁盘已满，或数据库服务器停了）："
                    "你刚才的消息没有保存。请不要关闭窗口，告诉监考老师；"
                    f"数据库恢复后把这条消息再发一次。（{_first_line(exc)}）"
                ) from None
            left = deadline - clock()
            if left <= 0:
                raise DatabaseBusy(
                    f"数据库被其他程序占用，等了 {limit:g} 秒仍无法保存：你刚才的消息没有保存。"
                    "请稍后把这条消息再发一次；一直如此请告诉监考老师。"
                ) from None
            sleep(min(pause, left))
            pause = min(pause * 2, 1.0)


def _first_line(exc: OperationalError) -> str:
    lines = str(exc.orig).strip().splitlines()
    return lines[0] if lines else type(exc.orig).__name__
