"""A generic agent against every bundled scenario: the same competent lines end well in at least
20 of the 24, the same rude lines in none (issue 13: a customer who follows a real agent's lead).

The lines are in tests/data/generic_agents.yaml: one set for presale scenarios, one for
after-sale (objection and complaint) ones, written without looking at any one script.
"""

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from bot.core.engine import CustomerEngine
from bot.core.outcomes import GOOD_OUTCOMES
from bot.nlp.lexicon_loader import default_detector
from bot.scripts.library import Library
from bot.services.paths import dialogues_dir

AGENTS = Path(__file__).parents[1] / "data" / "generic_agents.yaml"


@pytest.fixture(scope="module")
def outcomes() -> dict[str, dict[str, str]]:
    """Agent → scenario id → the outcome its lines reached (unfinished if none)."""
    agents = YAML(typ="safe").load(AGENTS.read_text(encoding="utf-8"))
    library = Library.load([dialogues_dir()])
    assert not library.problems
    detector = default_detector()
    found: dict[str, dict[str, str]] = {}
    for agent, lines in agents.items():
        found[agent] = {}
        for sid, scenario in sorted(library.scenarios.items()):
            engine = CustomerEngine(scenario, detector)
            convo, _ = engine.start(1)
            for line in lines["presale" if scenario.kind == "presale" else "aftersale"]:
                if convo.finished:
                    break
                convo.handle(line)
            found[agent][sid] = convo.outcome or "unfinished"
            engine.release(convo)
    return found


def test_a_generic_competent_agent_ends_well_in_at_least_20_of_24(outcomes):
    good = sorted(sid for sid, outcome in outcomes["competent"].items() if outcome in GOOD_OUTCOMES)
    bad = {sid: o for sid, o in outcomes["competent"].items() if o not in GOOD_OUTCOMES}
    assert len(outcomes["competent"]) == 24
    assert len(good) >= 20, f"ends well in {len(good)} of 24; not in: {bad}"


def test_a_generic_rude_agent_ends_well_in_none(outcomes):
    good = {sid: o for sid, o in outcomes["rude"].items() if o in GOOD_OUTCOMES}
    assert good == {}
