"""Fuzzing dialogue scripts (and with them every YAML file kefu reads): the loader never crashes.

A bundled script is mutated line by line (lines dropped, doubled, values replaced by the
probe's hostile YAML) and byte by byte; each result goes through ``load_scenario``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.scripts.loader import load_scenario
from bot.services.paths import dialogues_dir
from tests.fuzz.fuzzing import FUZZ, HOSTILE_YAML, case, mutated_bytes

SCRIPT = (dialogues_dir() / "presale" / "dress-size.yaml").read_text(encoding="utf-8")
LINES = SCRIPT.splitlines()


def load(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.yaml"
        path.write_bytes(data)
        case("script", lambda: load_scenario(path))


@st.composite
def mutated_lines(draw) -> str:
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["drop", "double", "value", "indent"]))
        if how == "drop":
            del lines[at]
        elif how == "double":
            lines.insert(at, lines[at])
        elif how == "value":
            key = lines[at].split(":", 1)[0] if ":" in lines[at] else lines[at]
            lines[at] = f"{key}: {draw(st.sampled_from(HOSTILE_YAML))}"
        else:
            lines[at] = " " * draw(st.integers(0, 9)) + lines[at].lstrip()
    return "\n".join(lines) + "\n"


@FUZZ
@given(text=mutated_lines())
def test_mutated_script_lines(text):
    load(text.encode("utf-8"))


@FUZZ
@given(data=mutated_bytes(SCRIPT.encode("utf-8")))
def test_mutated_script_bytes(data):
    load(data)


@FUZZ
@given(text=st.text(max_size=300))
def test_random_text_as_a_script(text):
    load(text.encode("utf-8", "surrogatepass"))
