"""One thread for all of the Telegram channel's database and engine work.

SQLite lets one connection write at a time; writers from several threads wait in SQLite's busy
handler, which sleeps in growing steps (up to 100 ms each) and turned a few milliseconds of work
into seconds of latency under load. A single worker thread runs every database call in arrival
order instead: no lock waits, the event loop stays free for the network, and the shared state
machines are only ever touched by that thread.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kefu-db")


async def in_db(function: Callable[..., T], *args: Any) -> T:
    """Run ``function(*args)`` on the database thread and return its result."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor, functools.partial(function, *args))
