"""The application object: settings plus the database, scenario library and detector they name.

The CLI builds one ``App`` per run and tests build their own; everything heavy (jieba, the
database, the scripts) is loaded lazily and once.
"""

from __future__ import annotations

import copy
import dataclasses
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from bot.services.settings import Settings

# Each part is imported where it is first built: a command pays only for what it uses
# (`kefu transcripts list` needs no scripts, detector or pydantic models; `kefu score` no
# database). SQLAlchemy is imported by the commands that open the database.
if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bot.core.analysis import TranscriptAnalyzer
    from bot.core.detector import MoveDetector
    from bot.core.engine import CustomerEngine
    from bot.core.scenario import Scenario
    from bot.core.scoring import ScoreSheet
    from bot.core.substance import SubstanceCheck
    from bot.core.transcript import Transcript
    from bot.scripts.library import Library
    from bot.services.paper_files import Papers
    from bot.services.rubric_files import Rubrics
    from bot.storage.reader import Reader


@dataclass
class App:
    """What a command needs, built from the settings on first use."""

    settings: Settings
    _engines: dict[tuple[str, str], CustomerEngine] = field(default_factory=dict)
    _versions: dict[tuple[str, str | None], Scenario] = field(default_factory=dict)

    @cached_property
    def db(self) -> Engine:
        from bot.storage import open_database
        from bot.storage.audit_chain import check_on_open

        engine = open_database(self.settings.db, self.settings.sqlite_synchronous)
        # Loudly, on every command and server start: a tampered audit log must not go unseen.
        for problem in check_on_open(engine):
            print(f"⚠ 审计警告：{problem}", file=sys.stderr)
        return engine

    @contextmanager
    def reading(self) -> Iterator[Reader]:
        """A read-only view of the database for a command that only reads.

        On a current SQLite file whose audit log passes the opening check this is Python's own
        sqlite3, and SQLAlchemy is never imported (bot.storage.reader: that import alone costs
        more than the rest of `kefu transcripts list`). Anything else (PostgreSQL, a database
        to make, upgrade or repair) is opened as ``db`` opens it, warnings included.
        """
        from bot.storage.reader import open_sqlite_reader

        # An engine already open (a server, a test) is used as it is.
        lean = None if "db" in self.__dict__ else open_sqlite_reader(self.settings.db)
        if lean is not None:
            try:
                yield lean
            finally:
                lean.close()
            return
        from bot.storage.reader import AlchemyReader

        with self.db.connect() as connection:
            yield AlchemyReader(connection)

    @cached_property
    def library(self) -> Library:
        from bot.scripts.library import Library
        from bot.services.paths import dialogues_dir

        return Library.load([self.settings.dialogues or dialogues_dir()])

    @cached_property
    def detector(self) -> MoveDetector:
        from bot.nlp.lexicon_loader import default_detector

        return default_detector(self.settings.lexicon)

    @cached_property
    def analyzer(self) -> TranscriptAnalyzer:
        from bot.core.analysis import TranscriptAnalyzer
        from bot.nlp.lexicon_loader import customer_detector

        return TranscriptAnalyzer(self.detector, customer_detector(self.settings.lexicon))

    @cached_property
    def rubrics(self) -> Rubrics:
        from bot.services.rubric_files import Rubrics

        return Rubrics.load()

    @cached_property
    def substance(self) -> list[SubstanceCheck]:
        """Rubric v2's substance checks (``rubric/lexicon/substance.yaml``)."""
        from bot.services.substance_files import load_substance

        return load_substance()

    @cached_property
    def papers(self) -> Papers:
        """The task papers (rubric/papers/), checked against the project forms' rows."""
        from bot.services.paper_files import Papers  # loaded only by what uses papers

        forms = {fid: [row.id for row in form.items] for fid, form in self.rubrics.forms.items()}
        return Papers.load(forms=forms)

    def warm_up(self) -> None:
        """Load the scripts, jieba and every cue pattern now, for a server that starts: the
        first candidates' turns then wait for nothing (a one-off command loads what it uses)."""
        from bot.core.cues import compile_cues

        _ = self.library
        from bot.nlp.segmenter import warm_up_all

        for detector in (self.detector, self.analyzer.customer):
            compile_cues(detector)
        warm_up_all()  # the segmenter's whole dictionary, not a part at a time as texts need it

    def acting_as(self, name: str) -> App:
        """The same application acting as user ``name`` (a console login), sharing everything
        already loaded: the database, the scripts, the detector."""
        twin = copy.copy(self)
        twin.settings = dataclasses.replace(self.settings, user=name)
        return twin

    def score(self, transcript: Transcript) -> ScoreSheet:
        """Analyse and score a transcript with the chat form of its kind."""
        from bot.core.scoring import score

        # The library (every script parsed) is read only for a transcript that names its script.
        scenario = self.library.scenarios.get(transcript.scenario) if transcript.scenario else None

        def advice(move: str) -> list[str]:
            tips = []
            if scenario is not None:
                for state in scenario.states.values():
                    if any(move in rule.when for rule in state.on):
                        tips.extend(state.tip)
            return tips or self.rubrics.advice.get(move, [])

        form = self.rubrics.chat_form(transcript.kind)
        return score(self.analyzer.analyze(transcript), form, advice, self.substance)

    def scenario_version(self, scenario_id: str, digest: str | None = None) -> Scenario | None:
        """The scenario as pinned under ``digest`` (an exam draw), else the library's; None if neither."""
        # A version never changes, and channels ask on every message: look each one up once.
        key = (scenario_id, digest)
        if key not in self._versions:
            found = self._find_version(scenario_id, digest)
            if found is None:
                return None  # not cached: a draw in another process may pin it later
            self._versions[key] = found
        return self._versions[key]

    def _find_version(self, scenario_id: str, digest: str | None) -> Scenario | None:
        if digest is not None:
            current = self.library.scenarios.get(scenario_id)
            if current is not None and current.content_hash() == digest:
                return current
            from bot.storage.sheets import pinned_scenario

            pinned = pinned_scenario(self.db, digest)
            if pinned is not None:
                return pinned
        return self.library.scenarios.get(scenario_id)

    def engine_for(self, scenario: Scenario) -> CustomerEngine:
        """Return the one shared state machine of a scenario version."""
        key = (scenario.id, scenario.content_hash())
        if key not in self._engines:
            from bot.core.engine import CustomerEngine

            self._engines[key] = CustomerEngine(scenario, self.detector)
        return self._engines[key]
