"""Score sheets: a rubric form filled from a transcript's analysis, every point with evidence.

The sheet is what ``kefu score --json`` prints (contract section 3) and what the report shows.
Rows that do not apply to a conversation (no legal question arose) are scored at the share the
candidate earned on the other skill rows, and say so, so that no row gives points for nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.core.analysis import MessageFinding, TranscriptAnalysis
from bot.core.moves import moves_for
from bot.core.rubric import RubricForm
from bot.core.scorers import SCORERS

EXCELLENT, PASS = 85.0, 60.0


def band(total: float) -> str:
    """Return the contract's band for a total out of 100."""
    return "excellent" if total >= EXCELLENT else "pass" if total >= PASS else "fail"


@dataclass
class RowScore:
    """One filled row: points out of max, the evidence, a comment and model wording."""

    id: str
    title: str
    points: float
    max: float
    evidence: list[int]
    comment: str
    point: str = ""
    advice: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = {
            "id": self.id,
            "title": self.title,
            "points": self.points,
            "max": self.max,
            "evidence": self.evidence,
            "comment": self.comment,
        }
        if self.advice:
            data["advice"] = self.advice
        return data


@dataclass
class ScoreSheet:
    """A scored transcript."""

    form: RubricForm
    analysis: TranscriptAnalysis
    items: list[RowScore]

    @property
    def kind(self) -> str:
        return self.analysis.kind

    @property
    def messages(self) -> list[MessageFinding]:
        return self.analysis.messages

    @property
    def moves_covered(self) -> list[str]:
        found = {m for f in self.analysis.counted() for m in f.moves}
        return [m for m in moves_for(self.kind) if m in found]

    @property
    def resolved(self) -> bool:
        return self.analysis.resolution.resolved

    @property
    def total(self) -> float:
        return round(sum(r.points for r in self.items), 1)

    @property
    def max(self) -> float:
        return self.form.max

    @property
    def band(self) -> str:
        return band(self.total)

    def to_json(self, file: str | None = None) -> dict[str, Any]:
        """The contract's result object (section 3)."""
        data: dict[str, Any] = {} if file is None else {"file": file}
        data.update(
            kind=self.kind,
            messages=[m.to_json() for m in self.messages],
            moves_covered=self.moves_covered,
            resolved=self.resolved,
            items=[r.to_json() for r in self.items],
            total=self.total,
            max=self.max,
            band=self.band,
        )
        if self.analysis.transcript.id:
            data["id"] = self.analysis.transcript.id
        data["form"] = self.form.id
        return data


Advice = Callable[[str], list[str]]


def score(
    analysis: TranscriptAnalysis, form: RubricForm, advice: Advice | None = None
) -> ScoreSheet:
    """Fill a rubric form from an analysis; ``advice`` gives model wording for a missing move."""
    results = []
    for row in form.items:
        if row.scorer is None:
            results.append((row, None))
            continue
        scorer = SCORERS[row.scorer]
        results.append((row, scorer.function(analysis, {**scorer.defaults, **row.params})))
    skill = [(row, r) for row, r in results if r and r.share is not None and not row.conduct]
    earned = sum(r.share * row.max for row, r in skill)
    possible = sum(row.max for row, _ in skill)
    fallback = earned / possible if possible else 0.0
    items = []
    for row, r in results:
        if r is None:
            items.append(RowScore(row.id, row.title, 0.0, row.max, [], "待评分员评分", row.point))
            continue
        share = fallback if r.share is None else r.share
        points = round(share * row.max * 2) / 2  # half points, as graders give them
        tips: list[str] = []
        if advice and points < row.max:
            for move in r.missing:
                tips.extend(advice(move)[:1])
        items.append(
            RowScore(
                row.id,
                row.title,
                points,
                row.max,
                sorted(set(r.evidence)),
                r.comment,
                row.point,
                tips,
            )
        )
    return ScoreSheet(form, analysis, items)
