"""Benchmark: time to handle one agent message, engine alone and engine plus SQLite storage.

Not a test (pytest does not collect it). Run it from the checkout:

    .venv/bin/python tests/bench/bench_turns.py [--conversations 200]

It replays the good-agent conversations of the bundled presale test files, prints the median
and p99 per message for the engine alone and for a whole stored turn (agent message committed,
engine, replies and state committed), their ratio, and the memory each live conversation costs
when attached to the shared machine versus a machine of its own.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from bot.core.engine import CustomerEngine
from bot.scripts.conversation_tests import load_cases, tests_path_for
from bot.services.app import App
from bot.services.live_chat import LiveChat
from bot.services.settings import Settings


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def good_paths(app: App) -> list[tuple[str, list[str]]]:
    paths = []
    for sid, path in app.library.files.items():
        _, cases = load_cases(tests_path_for(path))
        paths += [
            (sid, [t.agent for t in c.turns]) for c in cases.conversations if c.outcome == "ordered"
        ]
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = App(Settings.resolve({"db": f"sqlite:///{Path(folder) / 'bench.db'}"}))
        start = time.perf_counter()
        app.detector.analyze("您好")  # jieba and the lexicon load here, once
        print(f"start-up (jieba + lexicon): {time.perf_counter() - start:.2f} s")
        paths = good_paths(app)
        engine_times, stored_times = [], []
        for i in range(args.conversations):
            sid, lines = paths[i % len(paths)]
            scenario = app.library.get(sid)
            engine = app.engine_for(scenario)
            convo, _ = engine.start(i)
            for line in lines:
                t0 = time.perf_counter()
                convo.handle(line)
                engine_times.append(time.perf_counter() - t0)
            engine.release(convo)
            chat, _ = LiveChat.start(app, scenario, seed=i)
            for line in lines:
                t0 = time.perf_counter()
                chat.handle(line)
                stored_times.append(time.perf_counter() - t0)
        for name, values in (("engine only", engine_times), ("engine + SQLite", stored_times)):
            print(
                f"{name:<16} n={len(values):5d}  median {statistics.median(values) * 1000:6.2f} ms"
                f"  p99 {percentile(values, 0.99) * 1000:6.2f} ms"
            )
        print(
            f"storage share of a turn (median ratio): {statistics.median(stored_times) / statistics.median(engine_times):.1f}x the engine alone"
        )
        scenario = app.library.get(paths[0][0])
        shared = app.engine_for(scenario)
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        convos = [shared.start(i)[0] for i in range(500)]
        per_shared = (tracemalloc.get_traced_memory()[0] - base) / 500
        machines = [CustomerEngine(scenario, app.detector) for _ in range(50)]
        per_machine = (tracemalloc.get_traced_memory()[0] - base - per_shared * 500) / 50
        tracemalloc.stop()
        print(
            f"memory per live conversation: shared machine {per_shared / 1024:.1f} KiB, own machine {per_machine / 1024:.1f} KiB ({per_machine / per_shared:.0f}x)"
        )
        del convos, machines


if __name__ == "__main__":
    main()
