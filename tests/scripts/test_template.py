"""``kefu dialogues new``: each kind's template passes its check and its own test conversations,
proactive and terse paths included."""

import pytest

from bot.core.engine import CustomerEngine
from bot.nlp.lexicon_loader import default_detector
from bot.scripts.conversation_tests import load_cases, run_cases
from bot.scripts.loader import load_scenario
from bot.scripts.template import write_template


@pytest.mark.parametrize("kind", ["presale", "objection", "complaint"])
def test_a_new_script_passes_its_own_conversations(kind, tmp_path):
    path, tests = write_template(kind, f"{kind}-new-shop", tmp_path)
    scenario = load_scenario(path)
    report = run_cases(tests, CustomerEngine(scenario, default_detector()))
    assert report.failures == [] and report.passed >= 5
    names = [c.name for c in load_cases(tests)[1].conversations]
    assert any(n.startswith("主动：") for n in names) and any(n.startswith("简短：") for n in names)
