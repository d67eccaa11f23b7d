"""Fuzzing transcripts: what ``kefu score``, ``report`` and ``transcripts import`` read.

Random JSON, transcripts with hostile fields (times, roles, texts) and byte-mutated sample
files go through ``read_transcript_file`` and the scorer; the report page is rendered too.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cli.transcripts import read_transcript_file
from bot.reports import render_report
from bot.services.app import App
from bot.services.settings import Settings
from tests.fuzz.fuzzing import FUZZ, HOSTILE_TIMES, case, json_values, mutated_bytes
from tests.fuzz.fuzzing import text_with_hostility as hostile_text

SAMPLE = sorted((Path(__file__).parents[2] / "transcripts").rglob("*.json"))[0]


@pytest.fixture(scope="module")
def app() -> Iterator[App]:
    with tempfile.TemporaryDirectory() as folder:
        made = App(Settings.resolve({"db": f"sqlite:///{folder}/k.db"}, cwd=Path(folder)))
        made.detector  # noqa: B018 - load jieba and the lexicons once, outside the timed cases
        yield made


def score_file(app: App, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.json"
        path.write_bytes(data)

        def work() -> None:
            transcript = read_transcript_file(path)
            sheet = app.score(transcript)
            json.dumps(sheet.to_json(str(path)), ensure_ascii=False).encode("utf-8")
            render_report(sheet, None, str(path)).encode("utf-8")

        case("transcript", work)


messages = st.lists(
    st.fixed_dictionaries(
        {
            "role": st.sampled_from(["agent", "customer", "boss", ""]),
            "text": hostile_text,
        },
        optional={"at": st.sampled_from(HOSTILE_TIMES), "x": json_values},
    ),
    max_size=12,
)
transcripts = st.fixed_dictionaries(
    {"kind": st.sampled_from(["presale", "objection", "complaint", "x"]), "messages": messages},
    optional={"id": hostile_text, "scenario": hostile_text, "outcome": hostile_text},
)


@FUZZ
@given(data=transcripts)
def test_hostile_transcripts(app, data):
    score_file(app, json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass"))


@FUZZ
@given(data=json_values)
def test_random_json(app, data):
    score_file(app, json.dumps(data).encode())


@FUZZ
@given(data=mutated_bytes(SAMPLE.read_bytes()))
def test_mutated_sample_files(app, data):
    score_file(app, data)
