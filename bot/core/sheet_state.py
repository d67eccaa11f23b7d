"""Where a result sheet stands (待评分 … 已定稿) and whether its totals may be shown.

Pure, like ``bot.core.marking``, whose evaluated ``SheetResult`` it reads: ``kefu exam sheets``,
``kefu exam sheet`` and the results table (``bot.storage.results_table``) all call these, so a
sheet has one state wherever it is shown.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Protocol

from bot.core.marking import FIRST, THIRD, SheetResult

UNMARKED, MARKING, ARBITRATION, ARBITRATING, SIGNING, FINAL = (
    "unmarked",
    "marking",
    "arbitration",
    "arbitrating",
    "signing",
    "final",
)
# In the order a sheet goes through them (sorting by state sorts in this order).
STATES: dict[str, str] = {
    UNMARKED: "待评分",
    MARKING: "评分中",
    ARBITRATION: "待仲裁",
    ARBITRATING: "仲裁中",
    SIGNING: "待签字",
    FINAL: "已定稿",
}


class SheetFacts(Protocol):
    """What the state of a sheet depends on besides its evaluation (``bot.storage.sheets.Sheet``)."""

    @property
    def final(self) -> bool: ...

    @property
    def markers(self) -> Mapping[int, str]: ...

    @property
    def auto(self) -> Mapping[str, object] | None: ...

    @property
    def signoffs(self) -> Sequence[str]: ...


def sheet_state(sheet: SheetFacts, result: SheetResult | None) -> str:
    """The sheet's state, one of ``STATES``; ``result`` may be None for a finalised sheet."""
    if sheet.final:
        return FINAL
    assert result is not None, "an open sheet's state needs its evaluation"
    if result.awaiting_third:
        return ARBITRATION if THIRD not in sheet.markers else ARBITRATING
    if any(result.missing(r) for r in {FIRST, *sheet.markers}):
        return MARKING if sheet.markers or sheet.auto else UNMARKED
    return SIGNING


def state_label(sheet: SheetFacts, result: SheetResult) -> str:
    """The state in a few words, with the sign-offs while it waits for them: 待签字（1/2）."""
    state = sheet_state(sheet, result)
    if state == SIGNING:
        return f"{STATES[SIGNING]}（{len(sheet.signoffs)}/{result.signoffs_needed}）"
    return STATES[state]


def sees_all(sheet: SheetFacts, seen: Collection[int]) -> bool:
    """Whether the final values and total may be shown: they are made of every round."""
    return sheet.final or set(seen) == set(sheet.markers)
