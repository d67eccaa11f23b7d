"""Rubric v2 data read with FILE:LINE problems: substance checks, required steps and fatal caps."""

import pytest

from bot.core.errors import ScriptError
from bot.services.paths import rubric_dir
from bot.services.rubric_files import load_form
from bot.services.substance_files import load_substance


def test_the_bundled_checks_load():
    checks = load_substance()
    assert {c.id for c in checks} >= {"defect_return_shipping", "upset_needs_empathy"}
    assert all(c.agent or c.missing for c in checks)


def test_a_bad_check_is_named_with_its_line(tmp_path):
    path = tmp_path / "substance.yaml"
    path.write_text(
        "version: 1\nchecks:\n  - id: x\n    title: t\n    kinds: [complaint]\n"
        "    rows: [a.b]\n    cost: 0.2\n    missing: smile\n    agent: [运费您出]\n",
        encoding="utf-8",
    )
    with pytest.raises(ScriptError) as info:
        load_substance(path)
    assert any(p.startswith(f"{path}:3: ") and "二选一" in p for p in info.value.problems)
    assert any(
        p.startswith(f"{path}:8: ") and "未知的动作“smile”" in p for p in info.value.problems
    )


def test_required_steps_and_caps_are_checked(tmp_path):
    text = (rubric_dir() / "chat" / "presale.yaml").read_text(encoding="utf-8")
    path = tmp_path / "presale.yaml"
    path.write_text(
        text.replace("steps: [greet, inquire,", "steps: [greet, apologize,").replace(
            "  cap: 50", "  cap: 150"
        ),
        encoding="utf-8",
    )
    with pytest.raises(ScriptError) as info:
        load_form(path)
    assert any("未知的动作“apologize”" in p for p in info.value.problems)
    assert any("封顶分应在 0 到 100 之间" in p for p in info.value.problems)
