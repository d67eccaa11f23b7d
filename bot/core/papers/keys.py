"""The model answers of a paper, in the answers file's shapes; numbers worked out from the data.

The customer-value and ABC keys are computed from the task's parameters, so a variant with other
numbers has its own right key; the other kinds' keys are written in the paper.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.papers.model import AbcData, Paper, Task, ValueModel
from bot.core.papers.numbers import show


@dataclass(frozen=True)
class ValueRow:
    """One row of the customer-value key: its formula's factors and its value."""

    id: str
    factors: tuple[float, ...]
    value: float
    formula: str


def value_rows(model: ValueModel) -> dict[str, ValueRow]:
    """Work out the three customer-value rows from the task's parameters."""
    basic = model.amount * model.per_year * model.years
    satisfied = model.tells_satisfied * model.convert_rate * basic
    lost = model.tells_unhappy * model.lost_rate * basic

    def pct(rate: float) -> str:
        return f"{show(rate * 100)}%"

    return {
        "basic": ValueRow(
            "basic",
            (model.amount, model.per_year, model.years),
            basic,
            f"{show(model.amount)} × {show(model.per_year)} × {show(model.years)}",
        ),
        "satisfied": ValueRow(
            "satisfied",
            (model.tells_satisfied, model.convert_rate, basic),
            satisfied,
            f"{show(model.tells_satisfied)} × {pct(model.convert_rate)} × {show(basic)}",
        ),
        "lost": ValueRow(
            "lost",
            (model.tells_unhappy, model.lost_rate, basic),
            lost,
            f"{show(model.tells_unhappy)} × {pct(model.lost_rate)} × {show(basic)}",
        ),
    }


def abc_class(cumulative: float, data: AbcData) -> str:
    """The class of a customer whose cumulative share of value (in %) is ``cumulative``."""
    if cumulative <= data.a + 1e-9:
        return "A"
    return "B" if cumulative <= data.b + 1e-9 else "C"


def abc_rows(data: AbcData) -> dict[str, dict[str, Any]]:
    """Sort customers by value, highest first, and give each its cumulative share and class."""
    total = sum(c.value for c in data.customers) or 1.0
    rows: dict[str, dict[str, Any]] = {}
    running = 0.0
    for rank, customer in enumerate(sorted(data.customers, key=lambda c: -c.value), start=1):
        running += customer.value
        cumulative = round(running / total * 100, 2)
        rows[customer.id] = {
            "rank": rank,
            "share": round(customer.value / total * 100, 2),
            "cumulative": cumulative,
            "class": abc_class(cumulative, data),
        }
    return rows


def task_key(task: Task) -> Any:
    """The model answer of one task, in its kind's answer shape (README: 答案的格式)."""
    if task.kind == "customer_value" and task.value is not None:
        return {
            row.id: {"formula": row.formula, "value": round(row.value, 2)}
            for row in value_rows(task.value).values()
        }
    if task.kind == "abc" and task.abc is not None:
        return {
            cid: {"cumulative": row["cumulative"], "class": row["class"]}
            for cid, row in abc_rows(task.abc).items()
        }
    if task.kind in ("objection_type", "complaint_type"):
        return task.answer_type
    return task.key


def paper_key(paper: Paper) -> dict[str, Any]:
    """The contract's ``kefu paper key`` object: the paper's model answers as an answers file."""
    return {"paper": paper.id, "answers": {t.id: task_key(t) for t in paper.tasks}}
