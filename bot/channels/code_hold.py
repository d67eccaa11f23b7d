"""Keep an exam code held by this terminal while its chat is open (a heartbeat thread)."""

from __future__ import annotations

import threading
from types import TracebackType

from sqlalchemy import Engine

from bot.storage import holds

# Renew well within the expiry, so that a slow database never lets the hold lapse.
INTERVAL = holds.EXPIRY.total_seconds() / 3


class CodeHold:
    """``with CodeHold(engine, code):`` holds the code, renews the hold, and lets it go."""

    def __init__(self, engine: Engine, code: str) -> None:
        self.engine, self.code = engine, code
        self.holder = holds.this_terminal()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="code-hold", daemon=True)

    def __enter__(self) -> CodeHold:
        holds.take(self.engine, self.code, self.holder)
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        holds.release(self.engine, self.code, self.holder)

    def _beat(self) -> None:
        while not self._stop.wait(INTERVAL):
            try:
                holds.renew(self.engine, self.code, self.holder)
            except Exception:  # a busy database: the next beat tries again
                continue
