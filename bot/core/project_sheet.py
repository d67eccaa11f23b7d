"""Carry an automatic chat score into a project rubric form (售前/售后客户服务与管理).

A project form's rows that name chat rows in ``from_chat`` take the share the candidate earned
on those rows, in proportion to their own maximum; the other rows (written tasks) are left for
a grader. Where a row names several chat rows (after-sale ⑦ and ⑨ appear in both the objection
and the complaint form), the rows that were scored in this sheet are added up. When rubric v2
capped the chat's total (a missing required step, a fatal item), the carried rows shrink in the
same proportion, so that the cap reaches the project form too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.rubric import RubricForm
from bot.core.scoring import ScoreSheet


@dataclass(frozen=True)
class CarriedRow:
    """A project row filled from the chat: points out of max, with the chat's evidence."""

    id: str
    points: float | None  # None: a grader fills it
    max: float
    evidence: list[int] = field(default_factory=list)
    comment: str = ""


def carry_chat(form: RubricForm, sheet: ScoreSheet) -> list[CarriedRow]:
    """Fill the ``from_chat`` rows of a project form from a scored chat, in proportion."""
    scored = {row.id: row for row in sheet.items}
    # A cap lowers the carried rows in proportion, a floor raises them (rubric v2).
    factor, reasons = 1.0, []
    if sheet.rows_total > 0 and sheet.total != sheet.rows_total:
        factor = sheet.total / sheet.rows_total
        lowered = sheet.total < sheet.rows_total
        reasons = [c.reason for c in sheet.caps] if lowered else [sheet.floor.reason]
    cap_note = "；" + "；".join(reasons) if reasons else ""
    out = []
    for row in form.items:
        sources = [scored[ref] for ref in row.from_chat if ref in scored]
        if not sources:
            out.append(CarriedRow(row.id, None, row.max, comment="待评分员评分"))
            continue
        earned = sum(s.points for s in sources)
        possible = sum(s.max for s in sources)
        points = round(earned * factor / possible * row.max * 2) / 2 if possible else 0.0
        out.append(
            CarriedRow(
                row.id,
                points,
                row.max,
                sorted({i for s in sources for i in s.evidence}),
                "按聊天评分："
                + "；".join(f"{s.title} {s.points:g}/{s.max:g}" for s in sources)
                + cap_note,
            )
        )
    return out
