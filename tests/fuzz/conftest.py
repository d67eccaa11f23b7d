"""Write the fuzzing figures at the end of the session when ``KEFU_FUZZ_REPORT`` names a file."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fuzz.fuzzing import CASES


@pytest.fixture(scope="session", autouse=True)
def fuzz_report() -> Iterator[None]:
    yield
    target = os.environ.get("KEFU_FUZZ_REPORT")
    if not target or not CASES:
        return
    slowest = max(CASES, key=lambda c: c[1])
    by_target: dict[str, int] = {}
    for name, _, _ in CASES:
        by_target[name] = by_target.get(name, 0) + 1
    Path(target).write_text(
        json.dumps(
            {
                "cases": len(CASES),
                "refused": sum(1 for c in CASES if c[2] == "refused"),
                "by_target": by_target,
                "slowest": {"target": slowest[0], "seconds": round(slowest[1], 3)},
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
