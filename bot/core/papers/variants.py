"""Per-candidate variants of a paper: other amounts and customers, so neighbours cannot copy.

A variant is fixed by a seed (an exam and a candidate): the same seed gives the same paper, on
any machine, in any run. Each task's ``vary`` lists the values a data parameter may take; the
ABC table's customers have their values scaled and their order shuffled. The keys of the
numeric tasks are worked out from the data, so every variant has its own right answers.
"""

from __future__ import annotations

import hashlib
import random

from bot.core.papers.model import Paper, Task

ABC_SCALE = (0.8, 1.25)  # each customer's value is scaled by a factor in this range


def variant_seed(*parts: str) -> str:
    """A seed from the exam and the candidate (any strings), short enough to show."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]


def make_variant(paper: Paper, seed: str | None) -> Paper:
    """Return the paper's variant for ``seed`` (``None`` or "": the paper as written)."""
    if not seed:
        return paper
    rng = random.Random(int(hashlib.sha256(f"{paper.id}:{seed}".encode()).hexdigest(), 16))
    return paper.model_copy(update={"tasks": [_vary(task, rng) for task in paper.tasks]})


def _vary(task: Task, rng: random.Random) -> Task:
    update = {}
    if task.value is not None and task.vary:
        picked = {name: rng.choice(values) for name, values in sorted(task.vary.items())}
        update["value"] = task.value.model_copy(update=picked)
    if task.abc is not None:
        customers, taken = [], set()
        for c in task.abc.customers:
            value = round(c.value * rng.uniform(*ABC_SCALE), -1)
            while value in taken:  # a tie would make the cumulative shares depend on the order
                value += 10
            taken.add(value)
            customers.append(c.model_copy(update={"value": value}))
        rng.shuffle(customers)
        update["abc"] = task.abc.model_copy(update={"customers": customers})
    return task.model_copy(update=update) if update else task


def fill_prompt(task: Task) -> str:
    """The task's prompt with its data filled in ({amount}, {years} …), for the candidate."""
    if task.value is None:
        return task.prompt
    values = {k: _plain(v) for k, v in task.value.model_dump().items()}
    values.update({f"{k}_pct": _plain(v * 100) for k, v in task.value.model_dump().items()})
    try:
        return task.prompt.format_map(values)
    except (KeyError, ValueError, IndexError):
        return task.prompt  # checked at load time; never fail a candidate's page over it


def _plain(value: float) -> str:
    return f"{value:g}"
