"""Rubric forms: the rows of Table 1 that a score sheet fills, with their maxima and scorers.

A form is data (``rubric/**/*.yaml``); each row names a scorer from ``bot.core.scorers`` and
gives it parameters, so trainers can change weights without touching code. Every form sums to
100: 95 for skills and 5 for professional conduct, as the standard says.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FORM_MAX = 100
CONDUCT_MAX = 5


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RubricRow(_Strict):
    """One evaluation point (评价要点) of a form."""

    id: str = Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
    point: str = ""
    title: str
    standard: str = ""
    max: float = Field(gt=0)
    conduct: bool = False
    scorer: str | None = None
    params: dict[str, Any] = {}


class RubricForm(_Strict):
    """A rubric form: for a chat kind, or for a whole project of the exam."""

    version: Literal[1]
    id: str = Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
    title: str
    module: str
    project: str
    kinds: list[Literal["presale", "objection", "complaint"]] = []
    max: float = FORM_MAX
    items: list[RubricRow] = Field(min_length=1)


Path = tuple[str | int, ...]


def form_problems(form: RubricForm, scorers: dict[str, Any]) -> list[tuple[Path, str]]:
    """Return what is wrong with a structurally valid form: sums, ids, scorer names."""
    problems: list[tuple[Path, str]] = []
    total = round(sum(r.max for r in form.items), 2)
    if total != form.max:
        problems.append((("items",), f"各行满分之和是 {total:g}，应等于表的满分 {form.max:g}"))
    conduct = round(sum(r.max for r in form.items if r.conduct), 2)
    if conduct != CONDUCT_MAX:
        problems.append(
            (("items",), f"职业素养行（conduct: true）之和是 {conduct:g}，应为 {CONDUCT_MAX}")
        )
    seen: set[str] = set()
    for i, row in enumerate(form.items):
        if row.id in seen:
            problems.append((("items", i, "id"), f"行 id “{row.id}”重复"))
        seen.add(row.id)
        if row.scorer is not None and row.scorer not in scorers:
            problems.append(
                (
                    ("items", i, "scorer"),
                    f"未知的评分方法“{row.scorer}”（可用：{', '.join(scorers)}）",
                )
            )
        elif row.scorer is not None:
            unknown = set(row.params) - set(scorers[row.scorer].defaults)
            if unknown:
                problems.append(
                    (
                        ("items", i, "params"),
                        f"评分方法“{row.scorer}”没有参数 {', '.join(sorted(unknown))}"
                        f"（可用：{', '.join(scorers[row.scorer].defaults)}）",
                    )
                )
    return problems
