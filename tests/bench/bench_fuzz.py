"""The fuzzing suite's long run: many more cases than the normal suite, and its figures.

    .venv/bin/python tests/bench/bench_fuzz.py [EXAMPLES_PER_TARGET]   (default 500)

Runs ``tests/fuzz`` with ``KEFU_FUZZ_EXAMPLES`` raised (still derandomized: the same cases each
run) and prints the cases run, how many were refused as bad input, the crashes (failed
targets: must be 0), and the slowest case (must be under 10 s).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).parents[2]


def main() -> int:
    examples = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "fuzz.json"
        env = {**os.environ, "KEFU_FUZZ_EXAMPLES": str(examples), "KEFU_FUZZ_REPORT": str(report)}
        started = time.monotonic()
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "tests/fuzz", "-q", "-p", "no:cacheprovider"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        wall = time.monotonic() - started
        figures = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    failed = [line for line in run.stdout.splitlines() if line.startswith("FAILED")]
    print(f"examples per target: {examples}; wall time {wall:.0f} s; pytest: {summary}")
    print(f"cases: {figures.get('cases', 0)} (refused as bad input: {figures.get('refused', 0)})")
    for target, count in sorted(figures.get("by_target", {}).items()):
        print(f"  {target}: {count}")
    print(f"crashes (failed targets): {len(failed)}")
    for line in failed:
        print(f"  {line}")
    slowest = figures.get("slowest", {})
    print(f"slowest case: {slowest.get('seconds')} s ({slowest.get('target')})")
    return 0 if run.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
