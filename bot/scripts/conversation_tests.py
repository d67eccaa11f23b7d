"""Test conversations for dialogue scripts: agent lines and the customer's expected reactions.

Beside ``dress-size.yaml`` lives ``dress-size.test.yaml``; each conversation in it is replayed
through the real engine and every difference is reported as ``FILE:LINE: …``, like a test runner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.core.engine import CustomerEngine
from bot.core.errors import ScriptError
from bot.core.moves import MOVE_TITLES
from bot.core.outcomes import OUTCOMES
from bot.scripts.schema_errors import explain
from bot.scripts.yaml_source import YamlDocument, read_yaml

TEST_SUFFIX = ".test.yaml"
UNFINISHED = "unfinished"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseTurn(_Strict):
    agent: str = Field(min_length=1)
    expect: str | None = None


class Case(_Strict):
    name: str
    seed: int = 1
    turns: list[CaseTurn] = Field(min_length=1)
    outcome: Literal["ordered", "resolved", "left", "escalated", "unfinished"]


class CaseFile(_Strict):
    version: Literal[1]
    scenario: str
    conversations: list[Case] = Field(min_length=1)


@dataclass
class CaseReport:
    """The result of one test file: how many conversations passed, and each failure."""

    path: Path
    passed: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)


def tests_path_for(script: Path) -> Path:
    """Return the test file that belongs beside a script."""
    return script.with_name(script.name.rsplit(".", 1)[0] + TEST_SUFFIX)


def load_cases(path: Path) -> tuple[YamlDocument, CaseFile]:
    """Read and validate a test file; raise ``ScriptError`` listing its problems."""
    doc = read_yaml(path)
    try:
        return doc, CaseFile.model_validate(doc.data)
    except ValidationError as exc:
        raise ScriptError(
            [doc.problem(w, m) for w, m in explain(CaseFile, doc.data, exc)]
        ) from None


def run_cases(path: Path, engine: CustomerEngine) -> CaseReport:
    """Replay every conversation of a test file through the engine of its scenario."""
    doc, tests = load_cases(path)
    report = CaseReport(path)
    states = engine.scenario.states
    if tests.scenario != engine.scenario.id:
        report.failures.append(
            doc.problem(
                ("scenario",),
                f"测试文件写的剧本是“{tests.scenario}”，但旁边的剧本 id 是“{engine.scenario.id}”",
            )
        )
        return report
    for ci, case in enumerate(tests.conversations):
        where = ("conversations", ci)
        failures = []
        convo, _ = engine.start(case.seed)
        for ti, step in enumerate(case.turns):
            at = (*where, "turns", ti)
            if (
                step.expect is not None
                and step.expect not in states
                and step.expect not in OUTCOMES
            ):
                failures.append(doc.problem((*at, "expect"), f"“{step.expect}”不是剧本里的状态"))
            if convo.finished:
                failures.append(
                    doc.problem(
                        at,
                        f"对话“{case.name}”：顾客已经以 {convo.outcome} 结束，这句客服台词没有机会说",
                    )
                )
                break
            turn = convo.handle(step.agent)
            if step.expect is not None and step.expect not in (turn.state, turn.outcome):
                moves = "、".join(MOVE_TITLES[m] for m in turn.analysis.move_names) or "无"
                found = "、".join(turn.analysis.concessions)
                offers = f"；识别到的优惠：{found}" if found else ""
                failures.append(
                    doc.problem(
                        (*at, "expect"),
                        f"对话“{case.name}”第 {ti + 1} 句后：期望状态 {step.expect}，实际 {turn.state}"
                        f"（识别到的动作：{moves}{offers}；顾客说：{' / '.join(turn.replies)}）",
                    )
                )
        outcome = convo.outcome or UNFINISHED
        engine.release(convo)
        if outcome != case.outcome:
            failures.append(
                doc.problem(
                    (*where, "outcome"),
                    f"对话“{case.name}”：期望结局 {case.outcome}，实际 {outcome}",
                )
            )
        if failures:
            report.failures.extend(failures)
            report.failed += 1
        else:
            report.passed += 1
    return report
