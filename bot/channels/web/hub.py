"""Wake the open pages of a conversation when it changes in this server process.

A page waits on its conversation with a timeout, so that changes made by another server process
(several workers on PostgreSQL) are picked up by polling the database; changes made here wake
it at once.
"""

from __future__ import annotations

import asyncio
import contextlib


class Hub:
    """Per-conversation wake-ups for the coroutines of one event loop."""

    def __init__(self) -> None:
        self._waiting: dict[str, set[asyncio.Event]] = {}

    def notify(self, conversation_id: str) -> None:
        for event in self._waiting.get(conversation_id, ()):
            event.set()

    async def wait(self, conversation_id: str, timeout: float) -> bool:
        """Wait until the conversation changes or ``timeout`` passes; True when it changed."""
        event = asyncio.Event()
        waiting = self._waiting.setdefault(conversation_id, set())
        waiting.add(event)
        try:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(event.wait(), timeout)
            return event.is_set()
        finally:
            waiting.discard(event)
            if not waiting:
                self._waiting.pop(conversation_id, None)
