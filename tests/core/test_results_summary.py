"""An exam's results (bot.core.results_summary): each candidate's grade and the published summary.

Covers ``ResultLine.grade`` at the band boundaries and ``summary``: one row per module in the
standard's order (even with no candidates), one per class (sorted), then the whole exam; counts
leave out candidates without a total, passes include excellent ones, rates are fractions and
an empty group has rates of 0.
"""

from __future__ import annotations

from itertools import count

import pytest

from bot.core.results_summary import ResultLine, SummaryRow, summary
from bot.core.rubric import MODULES

_numbers = count(1)


def line(
    total: float | None, module: str = "visual_design", class_name: str = "电商2301"
) -> ResultLine:
    return ResultLine(
        exam_number=f"2026{next(_numbers):04d}",
        name="考生",
        class_name=class_name,
        school="某职业学校",
        module=module,
        project="x",
        total=total,
    )


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        (100, "优秀"),
        (85, "优秀"),
        (84.5, "合格"),
        (60, "合格"),
        (59.5, "不合格"),
        (0, "不合格"),
        (None, ""),  # not graded yet
    ],
)
def test_a_candidates_grade_follows_their_total(total, grade):
    assert line(total).grade == grade


def test_the_summary_lists_modules_in_the_standards_order_then_classes_then_the_total():
    lines = [
        line(70, "new_media", "电商2302"),
        line(90, "customer_service", "电商2301"),
    ]
    rows = summary(lines)
    assert [(r.group, r.name) for r in rows] == [
        *(("模块", title) for title in MODULES.values()),
        ("班级", "电商2301"),
        ("班级", "电商2302"),
        ("合计", "全部考生"),
    ]


def test_a_module_without_candidates_still_has_its_row_with_zero_rates():
    rows = summary([line(90, "customer_service")])
    design = next(r for r in rows if r.name == MODULES["visual_design"])
    assert (design.count, design.passed, design.excellent) == (0, 0, 0)
    assert (design.pass_rate, design.excellence_rate) == (0.0, 0.0)


def test_counts_and_rates_per_module_class_and_exam():
    lines = [
        line(90, "customer_service", "电商2301"),  # excellent
        line(70, "customer_service", "电商2302"),  # pass
        line(50, "visual_design", "电商2301"),  # fail
        line(None, "visual_design", "电商2302"),  # not graded: not counted
        line(85, "new_media", "电商2301"),  # excellent, exactly at the line
        line(59.5, "new_media", "电商2302"),  # fail, just under the line
    ]
    rows = {(r.group, r.name): r for r in summary(lines)}

    def counts(group: str, name: str) -> tuple[int, int, int, float, float]:
        r = rows[(group, name)]
        return (r.count, r.passed, r.excellent, r.pass_rate, r.excellence_rate)

    assert counts("模块", MODULES["customer_service"]) == (2, 2, 1, 1.0, 0.5)
    assert counts("模块", MODULES["visual_design"]) == (1, 0, 0, 0.0, 0.0)
    assert counts("模块", MODULES["platform_operations"]) == (0, 0, 0, 0.0, 0.0)
    assert counts("模块", MODULES["search_promotion"]) == (0, 0, 0, 0.0, 0.0)
    assert counts("模块", MODULES["new_media"]) == (2, 1, 1, 0.5, 0.5)
    assert counts("班级", "电商2301") == (3, 2, 2, 2 / 3, 2 / 3)
    assert counts("班级", "电商2302") == (2, 1, 0, 0.5, 0.0)
    assert counts("合计", "全部考生") == (5, 3, 2, 0.6, 0.4)


def test_a_class_whose_candidates_are_all_ungraded_has_a_row_with_zero_rates():
    rows = summary([line(None, class_name="电商2303"), line(None, class_name="电商2303")])
    class_row = next(r for r in rows if r.group == "班级")
    assert class_row == SummaryRow("班级", "电商2303", 0, 0, 0)
    assert (class_row.pass_rate, class_row.excellence_rate) == (0.0, 0.0)


def test_an_exam_without_results_summarises_to_zeros_without_dividing_by_zero():
    rows = summary([])
    assert [r.group for r in rows] == ["模块"] * len(MODULES) + ["合计"]
    assert all((r.count, r.pass_rate, r.excellence_rate) == (0, 0.0, 0.0) for r in rows)


def test_the_summary_reads_any_iterable_once():
    # A generator can be walked only once; the summary needs it for every group.
    rows = summary(line(t, "customer_service") for t in (90, 40))
    total = rows[-1]
    assert (total.count, total.passed, total.excellent) == (2, 1, 1)
    assert rows[0].count == 2


def test_classes_are_sorted_whatever_order_the_lines_come_in():
    names = ["电商2303", "电商2301", "电商2302"]
    rows = summary([line(60, class_name=n) for n in names])
    assert [r.name for r in rows if r.group == "班级"] == sorted(names)
