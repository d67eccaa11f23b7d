"""An exam's results as the school's office reads them: one line per candidate, and the summary.

The summary is what the province publishes: for each module and each class, how many
candidates were graded, how many passed (合格, 60 and above, excellent included) and how many
were excellent (优秀, 85 and above), with the rates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.core.marking import BAND_ZH
from bot.core.rubric import MODULES
from bot.core.scoring import EXCELLENT, PASS

# The standard numbers the evaluation points of every project ①, ②, …; no project has more than 10.
POINTS = tuple("①②③④⑤⑥⑦⑧⑨⑩")


@dataclass(frozen=True)
class ResultLine:
    """One candidate's result."""

    exam_number: str
    name: str
    class_name: str
    school: str
    module: str
    project: str
    points: dict[str, float] = field(default_factory=dict)  # by point number (①…)
    total: float | None = None
    graders: tuple[str, ...] = ()

    @property
    def grade(self) -> str:
        """优秀 / 合格 / 不合格, or empty while the sheet has no total."""
        if self.total is None:
            return ""
        key = "excellent" if self.total >= EXCELLENT else "pass" if self.total >= PASS else "fail"
        return BAND_ZH[key]


@dataclass(frozen=True)
class SummaryRow:
    """Pass and excellence counts and rates of one group (a module, a class, everyone)."""

    group: str  # 模块 / 班级 / 合计
    name: str
    count: int
    passed: int
    excellent: int

    @property
    def pass_rate(self) -> float:
        return self.passed / self.count if self.count else 0.0

    @property
    def excellence_rate(self) -> float:
        return self.excellent / self.count if self.count else 0.0


def _row(group: str, name: str, lines: list[ResultLine]) -> SummaryRow:
    totals = [line.total for line in lines if line.total is not None]
    return SummaryRow(
        group,
        name,
        len(totals),
        sum(1 for t in totals if t >= PASS),
        sum(1 for t in totals if t >= EXCELLENT),
    )


def summary(lines: Iterable[ResultLine]) -> list[SummaryRow]:
    """Rows per module (in the standard's order), per class (sorted), and the whole exam."""
    lines = list(lines)
    rows = [
        _row("模块", title, [line for line in lines if line.module == module])
        for module, title in MODULES.items()
    ]
    classes = sorted({line.class_name for line in lines})
    rows += [_row("班级", c, [line for line in lines if line.class_name == c]) for c in classes]
    rows.append(_row("合计", "全部考生", lines))
    return rows
