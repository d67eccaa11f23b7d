"""Read the substance checks of rubric v2 (``rubric/lexicon/substance.yaml``), with FILE:LINE
problems for a trainer's mistakes."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.core.errors import ScriptError
from bot.core.moves import ALL_MOVES
from bot.core.substance import SubstanceCheck
from bot.scripts.schema_errors import explain
from bot.scripts.yaml_source import read_yaml
from bot.services.paths import rubric_dir


class _Check(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    rule: str = ""
    kinds: list[Literal["presale", "objection", "complaint"]] = Field(min_length=1)
    rows: list[str] = Field(min_length=1)
    cost: float = Field(gt=0, le=1)
    customer: list[str] = []
    signals: list[str] = []
    agent: list[str] = []
    unless: list[str] = []
    missing: str | None = None
    cap: float | None = Field(default=None, ge=0, le=100)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Literal[1]
    negators: list[str] = []
    checks: list[_Check]


def load_substance(path: Path | None = None) -> list[SubstanceCheck]:
    """Read the checks; raise ``ScriptError`` listing every problem."""
    path = path or rubric_dir() / "lexicon" / "substance.yaml"
    if not path.exists():
        return []
    doc = read_yaml(path)
    try:
        data = _File.model_validate(doc.data)
    except ValidationError as exc:
        raise ScriptError([doc.problem(w, m) for w, m in explain(_File, doc.data, exc)]) from None
    problems = []
    for i, c in enumerate(data.checks):
        if bool(c.agent) == (c.missing is not None):
            problems.append(
                doc.problem(
                    ("checks", i),
                    "每条检查要写 agent（错误说法）或 missing（必须做到的动作），二选一",
                )
            )
        if c.missing is not None and c.missing not in ALL_MOVES:
            problems.append(
                doc.problem(
                    ("checks", i, "missing"),
                    f"未知的动作“{c.missing}”（可用：{', '.join(ALL_MOVES)}）",
                )
            )
    if problems:
        raise ScriptError(problems)
    return [
        SubstanceCheck(
            c.id,
            c.title,
            tuple(c.kinds),
            tuple(c.rows),
            c.cost,
            tuple(c.customer),
            tuple(c.signals),
            tuple(c.agent),
            tuple(c.unless),
            c.missing,
            c.cap,
            tuple(data.negators),
        )
        for c in data.checks
    ]
