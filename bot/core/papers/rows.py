"""Carry a scored paper into its project form: each row gets the share its tasks earned.

A row whose tasks are all checked automatically is filled in proportion (tasks' points over
their maxima, times the row's maximum, to half points); a row with any task that needs
judgement is the grader's, who sees the automatic part beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.marking import AutoRow, half_up
from bot.core.papers.checks import PaperResult, TaskResult
from bot.core.rubric import RubricForm


@dataclass(frozen=True)
class PaperRow:
    """A form row and the paper's tasks that fill it."""

    id: str
    title: str
    max: float
    tasks: tuple[TaskResult, ...]

    @property
    def automatic(self) -> bool:
        return all(t.auto for t in self.tasks)

    @property
    def auto_points(self) -> float:
        return round(sum(t.points or 0 for t in self.tasks if t.auto), 2)


def paper_rows(form: RubricForm, result: PaperResult) -> list[PaperRow]:
    """The form's rows that the paper's tasks fill, in the form's order."""
    out = []
    for row in form.items:
        tasks = tuple(t for t in result.tasks if t.row == row.id)
        if tasks:
            out.append(PaperRow(row.id, row.title, row.max, tasks))
    return out


def paper_auto(form: RubricForm, result: PaperResult) -> dict[str, AutoRow]:
    """The automatic values of the rows whose tasks kefu checks by itself."""
    auto = {}
    for row in paper_rows(form, result):
        if not row.automatic:
            continue
        possible = sum(t.max for t in row.tasks)
        points = half_up(row.auto_points / possible * row.max) if possible else 0.0
        comment = "按试卷评分：" + "；".join(
            f"{t.id} {t.title} {t.points or 0:g}/{t.max:g}（{t.comment}）" for t in row.tasks
        )
        auto[row.id] = AutoRow(min(points, row.max), (), comment)
    return auto
