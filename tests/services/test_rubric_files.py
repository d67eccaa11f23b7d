"""Rubric files: loaded with line numbers, sums and scorer names checked."""

from pathlib import Path

import pytest

from bot.core.errors import ScriptError
from bot.services.paths import rubric_dir
from bot.services.rubric_files import load_form

PRESALE = rubric_dir() / "chat" / "presale.yaml"


def broken(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "form.yaml"
    path.write_text(PRESALE.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    return path


def test_sum_must_be_100(tmp_path):
    path = broken(tmp_path, "max: 45", "max: 40")
    with pytest.raises(ScriptError) as info:
        load_form(path)
    assert info.value.problems == [f"{path}:12: 各行满分之和是 95，应等于表的满分 100"]


def test_unknown_scorer_and_param_are_reported_with_lines(tmp_path):
    path = broken(tmp_path, "scorer: platform_rules", "scorer: platform_rule\n    params: {x: 1}")
    with pytest.raises(ScriptError) as info:
        load_form(path)
    [message] = info.value.problems
    assert message.startswith(f"{path}:24: 未知的评分方法“platform_rule”")


def test_bad_param_name(tmp_path):
    path = broken(tmp_path, "scorer: conduct", "scorer: conduct\n    params: {polite_share: 0.5}")
    with pytest.raises(ScriptError) as info:
        load_form(path)
    assert "评分方法“conduct”没有参数 polite_share" in info.value.problems[0]
