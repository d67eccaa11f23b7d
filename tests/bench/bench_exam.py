"""Benchmark: an exam of N candidates, from the draw to the export, on SQLite.

Not a test (pytest does not collect it). Run it from the checkout:

    .venv/bin/python tests/bench/bench_exam.py [--candidates 200 500]

For each N: create the exam and import the roster, draw (sheets, pinned scripts, codes), play
every customer-service candidate's chat in process (the scenario's first test conversation),
bring the chat scores into the sheets, mark every sheet and finalise it, re-score as a dry run
and for real after nothing changed, and export. Prints seconds per step and per sheet, and the
ratio between the largest and the smallest N (about N_large / N_small when a step is linear).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bot.core.marking import half_up
from bot.scripts.yaml_source import read_yaml
from bot.services import exam_grading as grading
from bot.services.app import App
from bot.services.live_chat import LiveChat
from bot.services.paths import dialogues_dir
from bot.services.results_export import export
from bot.services.settings import Settings
from bot.storage import sheets as store
from bot.storage.audit import add_user
from bot.storage.exams import Candidate, create_exam, import_roster

ADMIN, GRADER = "admin", "grader"


def conversations() -> dict[str, tuple[int, list[str]]]:
    out = {}
    for path in dialogues_dir().rglob("*.test.yaml"):
        data = read_yaml(path).data
        case = data["conversations"][0]
        out[data["scenario"]] = (case.get("seed", 1), [t["agent"] for t in case["turns"]])
    return out


def run(n: int, folder: Path) -> dict[str, float]:
    settings = Settings.resolve({"db": f"sqlite:///{folder / f'exam{n}.db'}"})
    app = App(replace(settings, user=ADMIN))
    grader = App(replace(settings, user=GRADER))
    add_user(app.db, ADMIN, "admin", ADMIN)
    add_user(app.db, GRADER, "grader", ADMIN)
    times: dict[str, float] = {}

    def timed(name: str, step) -> None:
        start = time.perf_counter()
        step()
        times[name] = time.perf_counter() - start

    def roster() -> None:
        exam = create_exam(app.db, "bench", "2026-06-10", "both", ADMIN)
        people = [Candidate(f"{i:08d}", f"考生{i}", f"{i % 6}班", "学校", i) for i in range(n)]
        import_roster(app.db, exam, people, ADMIN, "bench")

    timed("roster", roster)
    timed("draw", lambda: grading.draw_exam(app, 1, 2026))
    cases = conversations()

    def chats() -> None:
        for sheet in store.sheets(app.db, 1):
            if sheet.code is None:
                continue
            scenario = app.scenario_version(sheet.scenario_id or "", sheet.scenario_hash)
            seed, lines = cases[sheet.scenario_id or ""]
            chat, _ = LiveChat.start(app, scenario, seed=seed, mode="exam")
            store.use_code(app.db, sheet.code, chat.id)
            for line in lines:
                if chat.finished:
                    break
                chat.handle(line)
            chat.abandon()

    timed("chats (in process)", chats)
    timed("chat scores into sheets", lambda: grading.collect_chats(app, 1))

    def mark() -> None:
        for sheet in store.sheets(grader.db, 1):
            form = grading.form_of(grader, sheet)
            auto = sheet.auto or {}
            values = {r.id: half_up(r.max * 0.8) for r in form.items if r.id not in auto}
            grading.grade(grader, 1, sheet.exam_number, values)
            grading.finalise(grader, 1, sheet.exam_number)

    timed("mark and finalise every sheet", mark)
    timed("rescore --dry-run", lambda: grading.rescore(app, 1, dry_run=True))
    timed("export (CSV, XLSX)", lambda: export(app, 1, folder / f"out{n}"))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, nargs="+", default=[100, 400])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = {n: run(n, Path(tmp)) for n in args.candidates}
    small, large = min(results), max(results)
    print(f"{'step':<32}" + "".join(f"{f'N={n} (s)':>14}" for n in results) + f"{'ratio':>8}")
    for step in results[small]:
        row = "".join(f"{results[n][step]:>14.2f}" for n in results)
        ratio = results[large][step] / results[small][step] if results[small][step] else 0
        print(f"{step:<32}{row}{ratio:>8.1f}")
    for n, times in results.items():
        print(
            f"N={n}: {sum(times.values()):.1f} s in all, {sum(times.values()) / n * 1000:.0f} ms per candidate"
        )


if __name__ == "__main__":
    main()
