"""Fuzzing answers files: what ``kefu paper score`` reads.

Each bundled paper's own key is the seed: its answers are kept, replaced by hostile values of
every shape, or dropped; random JSON and byte-mutated keys go through the same reader and
checker the command uses. An answers file is either scored as far as it goes or refused with
``FILE: problem``; nothing else may happen.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.papers.keys import paper_key
from bot.services.app import App
from bot.services.paper_files import read_answers_file, score_answers
from bot.services.settings import Settings
from tests.fuzz.fuzzing import FUZZ, case, json_values, mutated_bytes
from tests.fuzz.fuzzing import text_with_hostility as hostile_text


@pytest.fixture(scope="module")
def app() -> Iterator[App]:
    with tempfile.TemporaryDirectory() as folder:
        made = App(Settings.resolve({"db": f"sqlite:///{folder}/k.db"}, cwd=Path(folder)))
        made.detector  # noqa: B018 - load jieba and the lexicons once, outside the timed cases
        yield made


def _keys() -> dict[str, dict]:
    with tempfile.TemporaryDirectory() as folder:
        app = App(Settings.resolve({"db": f"sqlite:///{folder}/k.db"}, cwd=Path(folder)))
        return {pid: paper_key(app.papers.get(pid)) for pid in sorted(app.papers.papers)}


KEYS = _keys()
PAPER_IDS = sorted(KEYS)


def score_bytes(app: App, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "answers.json"
        path.write_bytes(data)

        def work() -> None:
            answers = read_answers_file(path)
            result = score_answers(app.papers, answers, app.score)  # unknown id: NotFound
            json.dumps(result.to_json(str(path)), ensure_ascii=False).encode("utf-8")

        case("answers", work)


# A value for a task: the key's own (possibly a table or an email), or anything hostile.
hostile_value = st.one_of(json_values, hostile_text)


@st.composite
def mangled_keys(draw) -> dict:
    paper_id = draw(st.sampled_from(PAPER_IDS))
    answers = dict(KEYS[paper_id])
    for task in list(answers):
        how = draw(st.sampled_from(["keep", "replace", "drop"]))
        if how == "replace":
            answers[task] = draw(hostile_value)
        elif how == "drop":
            del answers[task]
    if draw(st.booleans()):
        answers[draw(hostile_text)] = draw(hostile_value)
    data = {"paper": paper_id, "answers": answers}
    if draw(st.booleans()):
        data["variant"] = draw(st.one_of(hostile_text, json_values))
    return data


@FUZZ
@given(data=mangled_keys())
def test_mangled_keys(app, data):
    score_bytes(app, json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass"))


@FUZZ
@given(data=json_values)
def test_random_json(app, data):
    score_bytes(app, json.dumps(data).encode())


@FUZZ
@given(
    data=mutated_bytes(
        json.dumps(
            {"paper": PAPER_IDS[0], "answers": KEYS[PAPER_IDS[0]]}, ensure_ascii=False
        ).encode("utf-8")
    )
)
def test_mutated_key_files(app, data):
    score_bytes(app, data)
