"""Load a dialogue script: YAML with line numbers → a validated ``Scenario``.

All problems of a file are collected (structure and cross-references alike) and raised together
as one ``ScriptError``, each line ``FILE:LINE: what is wrong (expected …)``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from bot.core.errors import ScriptError
from bot.core.scenario import Scenario, semantic_problems
from bot.scripts.schema_errors import explain
from bot.scripts.yaml_source import YamlDocument, read_yaml


def load_scenario(path: Path) -> Scenario:
    """Read and validate one script file; raise ``ScriptError`` listing every problem."""
    doc = read_yaml(path)
    if not isinstance(doc.data, dict):
        raise ScriptError([f"{path}:1: 剧本应是“键: 值”的映射，以 version: 1 开头"])
    return validate(doc)


def validate(doc: YamlDocument) -> Scenario:
    """Validate a parsed script document."""
    problems: list[tuple[int, str]] = []
    scenario = None
    try:
        scenario = Scenario.model_validate(doc.data)
    except ValidationError as exc:
        problems += [(doc.line(w), m) for w, m in explain(Scenario, doc.data, exc)]
    problems += [(doc.line(w), m) for w, m in semantic_problems(doc.data)]
    if problems:
        seen = dict.fromkeys(f"{doc.path}:{line}: {msg}" for line, msg in sorted(problems))
        raise ScriptError(list(seen))
    assert scenario is not None
    return scenario
