"""Which terminal holds an exam code's chat: one at a time.

A terminal takes the hold when it opens the chat and renews it while the chat is open (a
heartbeat, ``bot.channels.code_hold``). Another terminal is refused while the hold is fresh;
a hold whose terminal is gone is void at once on the same computer (its process no longer
exists) and after ``EXPIRY`` elsewhere (no heartbeat).
"""

from __future__ import annotations

import os
import socket
import sys
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from bot.core.errors import KefuError
from bot.storage.audit import utc_now
from bot.storage.repository import writing
from bot.storage.telegram_models import ExamCodeRow

EXPIRY = timedelta(seconds=60)


def this_terminal() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _gone(holder: str) -> bool:
    """True when the holder is a process on this computer that no longer runs."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if sys.platform == "win32":
        # Not os.kill: on Windows it does not probe, it sends a console Ctrl-C for signal 0
        # (CTRL_C_EVENT) or terminates the process. Ask the kernel instead.
        return _windows_gone(int(pid))
    else:  # POSIX (tests/test_portability.py wants os.kill under the platform test)
        try:
            os.kill(int(pid), 0)  # signal 0: checks that the process exists, sends nothing
        except ProcessLookupError:
            return True
        except PermissionError:
            return False  # it exists, under another user
        return False


# Windows API values (winnt.h, winerror.h, winbase.h).
SYNCHRONIZE = 0x00100000
ERROR_INVALID_PARAMETER = 87  # OpenProcess: no process has this id
WAIT_OBJECT_0 = 0  # WaitForSingleObject: the process has ended


def _windows_gone(pid: int, kernel32: Any = None) -> bool:
    """Windows: True when no process ``pid`` runs (``kernel32`` is replaced in tests).

    A process that has exited but whose handle someone still holds is opened fine, so its
    handle is waited on (for no time) rather than trusted: signalled means it has ended. Any
    doubt (access denied, an unexpected error) says "not gone", and the hold then ends by the
    heartbeat's expiry, as on another computer.
    """
    if kernel32 is None:
        import ctypes
        from ctypes import wintypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
        kernel32.OpenProcess.restype = wintypes.HANDLE
        kernel32.WaitForSingleObject.argtypes = (wintypes.HANDLE, wintypes.DWORD)
        kernel32.WaitForSingleObject.restype = wintypes.DWORD
        kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
        last_error = ctypes.get_last_error
    else:
        last_error = kernel32.get_last_error
    handle = kernel32.OpenProcess(SYNCHRONIZE, False, pid)
    if not handle:
        return last_error() == ERROR_INVALID_PARAMETER
    try:
        return kernel32.WaitForSingleObject(handle, 0) == WAIT_OBJECT_0
    finally:
        kernel32.CloseHandle(handle)


def take(engine: Engine, code: str, holder: str) -> None:
    """Hold the code for this terminal, or refuse while another terminal holds it."""
    with writing(engine) as session:
        row = session.get(ExamCodeRow, code, with_for_update=True)
        if row is None:
            raise KefuError(f"考试码 {code} 不存在。")
        now = utc_now()
        fresh = row.held_at_utc is not None and now - row.held_at_utc < EXPIRY
        if row.holder and row.holder != holder and fresh and not _gone(row.holder):
            seconds = int((now - row.held_at_utc).total_seconds())
            raise KefuError(
                f"考试码 {code} 的对话正在另一个终端打开（{row.holder}，{seconds} 秒前还在活动）。"
                f"一个考试码只能在一个终端使用；如果那个终端已经关闭，请 {int(EXPIRY.total_seconds())} 秒后再试。"
            )
        row.holder, row.held_at_utc = holder, now


def renew(engine: Engine, code: str, holder: str) -> None:
    """Say again that this terminal holds the code (only if it still does)."""
    with writing(engine) as session:
        row = session.get(ExamCodeRow, code, with_for_update=True)
        if row is not None and row.holder == holder:
            row.held_at_utc = utc_now()


def release(engine: Engine, code: str, holder: str) -> None:
    with writing(engine) as session:
        row = session.get(ExamCodeRow, code, with_for_update=True)
        if row is not None and row.holder == holder:
            row.holder, row.held_at_utc = None, None
