"""Benchmark: how many 20-message transcripts the analyser scores per second, and start-up cost.

Not a test (pytest does not collect it). Run it from the checkout:

    .venv/bin/python tests/bench/bench_score.py [--rounds 5]

Start-up is measured in a fresh subprocess (importing kefu, loading jieba's dictionary from its
cache, the lexicons and the rubric forms); throughput is measured after it, on one core, over the
labelled development set cut or cycled to exactly 20 messages each. Each transcript text is
varied per round so that nothing is served from a cache.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bot.core.transcript import Message, Transcript, transcript_from_dict
from bot.services.app import App
from bot.services.settings import Settings

DEV = Path(__file__).parents[2] / "transcripts" / "dev"
STARTUP = "import time; t=time.perf_counter(); from bot.services.app import App; from bot.services.settings import Settings; a=App(Settings.resolve()); a.analyzer; a.rubrics; a.detector.analyze('您好'); print(time.perf_counter()-t)"


def twenty(t: Transcript, salt: int, customers_too: bool) -> Transcript:
    msgs = [t.messages[i % len(t.messages)] for i in range(20)]
    # A different number per round makes every agent line new, as every candidate's are; the
    # customer's lines are new too in the worst case, or repeat as a scripted customer's do.
    msgs = [
        Message(m.role, f"{m.text}{salt}" if customers_too or m.role == "agent" else m.text, m.at)
        for m in msgs
    ]
    return Transcript(kind=t.kind, messages=msgs, id=t.id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    starts = [
        float(
            subprocess.run(
                [sys.executable, "-c", STARTUP], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(3)
    ]
    print(
        f"start-up (import, jieba from cache, lexicons, rubrics): median {statistics.median(starts):.2f} s of 3"
    )
    app = App(Settings.resolve())
    app.score(
        transcript_from_dict(json.loads(next(DEV.glob("*.json")).read_text(encoding="utf-8")))
    )
    base = [
        transcript_from_dict(json.loads(p.read_text(encoding="utf-8")))
        for p in sorted(DEV.glob("*.json"))
    ]
    for label, customers_too in (("every text new", True), ("customer lines repeat", False)):
        rates = []
        for r in range(args.rounds):
            batch = [twenty(t, r + (1000 if customers_too else 0), customers_too) for t in base]
            t0 = time.perf_counter()
            for t in batch:
                app.score(t)
            rates.append(len(batch) / (time.perf_counter() - t0))
        median = statistics.median(rates)
        print(
            f"scoring 20-message transcripts, {label}: median {median:.0f}/s, best {max(rates):.0f}/s"
            f" over {args.rounds} rounds of {len(base)}; {median / 200:.2f}x the 200/s target"
        )


if __name__ == "__main__":
    main()
