"""Scoring time of the worst transcripts the limits let through (issue 16, item 3).

    .venv/bin/python tests/bench/bench_hostile_scoring.py

The repeated-paste check compares the agent's messages pairwise; its slowest input is text of
a few characters repeated in different orders. Each case sits exactly at the transcript limits
(bot.core.transcript); the figure is the scoring time alone (jieba and the scripts loaded first).
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path

from bot.core.transcript import (
    MAX_AGENT_CHARS,
    MAX_MESSAGE_CHARS,
    MAX_MESSAGES,
    transcript_from_dict,
)
from bot.services.app import App
from bot.services.settings import Settings


def worst(agent_messages: int, rng: random.Random) -> dict:
    length = min(MAX_MESSAGE_CHARS, MAX_AGENT_CHARS // agent_messages)
    messages = []
    for _ in range(agent_messages):
        messages.append({"role": "customer", "text": "在吗"})
        messages.append({"role": "agent", "text": "".join(rng.choices("亲在的好", k=length))})
    return {"kind": "presale", "messages": messages}


def main() -> None:
    rng = random.Random(16)
    with tempfile.TemporaryDirectory() as folder:
        app = App(Settings.resolve({"db": f"sqlite:///{folder}/k.db"}, cwd=Path(folder)))
        app.score(transcript_from_dict(worst(2, rng)))  # warm up: jieba, lexicons, scripts
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        for count in (2, 3, 5, 10, 20, 40, MAX_MESSAGES // 2):
            data = worst(count, rng)
            started = time.perf_counter()
            app.score(transcript_from_dict(data))
            seconds = time.perf_counter() - started
            length = len(data["messages"][1]["text"])
            print(f"{count:>4} agent messages of {length:>4} characters: {seconds:6.2f} s")
        app.db.dispose()


if __name__ == "__main__":
    main()
