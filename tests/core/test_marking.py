"""The grading rules of a result sheet (bot.core.marking): rounds, double marking, arbitration.

Covers ``evaluate`` for single and double marking (the value of each round, the final value,
the flag on rows whose two marks differ by more than the threshold, the third marking), the
sheet's total, band and sign-offs needed, ``half_up``, ``check_points``,
``override_needs_reason``, the rounds a mark overrides, ``flagged_row_refusal`` (a flagged row is
the arbiter's) and ``visible_rounds`` (blind marking).
"""

from __future__ import annotations

import re

import pytest

from bot.core.errors import KefuError
from bot.core.marking import (
    FIRST,
    SECOND,
    THIRD,
    AutoRow,
    Mark,
    check_points,
    evaluate,
    flagged_row_refusal,
    half_up,
    override_needs_reason,
    reason_belongs_to_row,
    visible_rounds,
)
from bot.core.rubric import RubricForm, RubricRow

# A small form: the sum-to-100 rule is checked by form_problems, not by the model.
FORM = RubricForm(
    version=1,
    id="form.test",
    title="测试评分表",
    module="visual_design",
    project="x",
    items=[
        RubricRow(id="f.p1", title="图像格式", max=10),
        RubricRow(id="f.p2", title="页面布局", max=20),
        RubricRow(id="f.conduct", title="职业素养", max=5, conduct=True),
    ],
)
IDS = ["f.p1", "f.p2", "f.conduct"]
THRESHOLD = 2.0

# A form whose total can reach every band boundary (95 skills + 5 conduct).
FULL = RubricForm(
    version=1,
    id="form.full",
    title="满分 100 的评分表",
    module="visual_design",
    project="x",
    items=[
        RubricRow(id="full.skills", title="技能", max=95),
        RubricRow(id="full.conduct", title="职业素养", max=5, conduct=True),
    ],
)


def auto(**points: float) -> dict[str, AutoRow]:
    """Automatic rows by the last part of the row id (``p1`` for ``f.p1``)."""
    return {f"f.{k}": AutoRow(v) for k, v in points.items()}


def marks(**points: float) -> dict[str, Mark]:
    return {f"f.{k}": Mark(v) for k, v in points.items()}


def row(result, row_id: str):
    return next(r for r in result.rows if r.row.id == row_id)


# ------------------------------------------------------------------------ single marking


def test_a_single_marking_takes_the_graders_mark_over_the_automatic_value():
    result = evaluate(FORM, auto(p1=6, p2=15, conduct=4), {FIRST: marks(p1=8)}, THRESHOLD)
    p1 = row(result, "f.p1")
    assert p1.rounds == {FIRST: 8}
    assert p1.final == 8
    assert p1.auto == AutoRow(6)
    assert result.total == 8 + 15 + 4


def test_a_row_without_a_mark_takes_its_automatic_value_in_round_one():
    result = evaluate(FORM, auto(p1=6, p2=15, conduct=4), {FIRST: {}}, THRESHOLD)
    assert [r.rounds[FIRST] for r in result.rows] == [6, 15, 4]
    assert [r.final for r in result.rows] == [6, 15, 4]
    assert result.missing(FIRST) == []


def test_round_one_is_evaluated_even_before_anyone_takes_the_sheet():
    # The automatic values alone can complete a sheet whose rows all come from the chat.
    result = evaluate(FORM, auto(p1=6, p2=15, conduct=4), {}, THRESHOLD)
    assert all(set(r.rounds) == {FIRST} for r in result.rows)
    assert result.total == 25
    assert result.double is False


def test_rows_with_neither_mark_nor_automatic_value_are_missing_and_leave_no_total():
    result = evaluate(FORM, auto(p1=6), {FIRST: marks(conduct=5)}, THRESHOLD)
    assert row(result, "f.p2").rounds == {FIRST: None}
    assert row(result, "f.p2").final is None
    assert result.missing(FIRST) == ["f.p2"]
    assert result.total is None
    assert result.band is None


def test_missing_lists_the_rows_in_form_order():
    result = evaluate(FORM, {}, {FIRST: {}}, THRESHOLD)
    assert result.missing(FIRST) == IDS


def test_the_total_appears_once_every_row_has_a_value():
    result = evaluate(FORM, auto(p1=6), {FIRST: marks(p2=12.5, conduct=5)}, THRESHOLD)
    assert result.missing(FIRST) == []
    assert result.total == 23.5


def test_a_single_marking_flags_nothing_and_needs_one_signoff():
    # Marks far apart from the automatic value are overrides, not disagreements between graders.
    result = evaluate(FORM, auto(p1=0), {FIRST: marks(p1=10, p2=20, conduct=5)}, THRESHOLD)
    assert result.double is False
    assert result.flagged == []
    assert result.awaiting_third == []
    assert result.signoffs_needed == 1


@pytest.mark.parametrize(
    ("automatic", "mark", "overridden"),
    [
        (AutoRow(6), Mark(8, "材料更完整"), True),
        (AutoRow(6), Mark(6), False),
        (None, Mark(8), False),  # nothing automatic to override
    ],
)
def test_a_row_is_overridden_only_when_a_mark_differs_from_its_automatic_value(
    automatic, mark, overridden
):
    given = {} if automatic is None else {"f.p1": automatic}
    result = evaluate(FORM, given, {FIRST: {"f.p1": mark}}, THRESHOLD)
    assert row(result, "f.p1").overridden is overridden
    assert row(result, "f.p1").overrides == ({FIRST} if overridden else set())


def test_overrides_name_the_rounds_whose_mark_replaces_the_automatic_value():
    # A reason on any other mark is the mark's own explanation, not a reason for an override.
    rounds = {
        FIRST: {"f.p1": Mark(8, "材料更完整"), "f.p2": Mark(12, "考生缺考")},
        SECOND: {"f.p1": Mark(6)},
    }
    result = evaluate(FORM, auto(p1=6), rounds, THRESHOLD)
    assert row(result, "f.p1").overrides == {FIRST}
    assert row(result, "f.p2").overrides == set()  # no automatic value to replace
    assert row(result, "f.conduct").overrides == set()


# ------------------------------------------------------------------------ double marking


@pytest.mark.parametrize(
    ("first", "second", "final"),
    [
        (8, 8, 8),
        (7, 8, 7.5),
        (7, 7.5, 7.5),  # 7.25 rounds half up to 7.5
        (7.5, 8, 8),  # 7.75 rounds up to 8
        (6, 7.5, 7),  # 6.75 rounds up to 7
        (0, 0.5, 0.5),  # 0.25 rounds up to 0.5
        (9.5, 10, 10),
        (8, 6, 7),  # order does not matter
    ],
)
def test_a_double_marked_row_takes_the_mean_rounded_half_up_to_half_a_point(first, second, final):
    result = evaluate(FORM, {}, {FIRST: marks(p1=first), SECOND: marks(p1=second)}, THRESHOLD)
    p1 = row(result, "f.p1")
    assert p1.rounds == {FIRST: first, SECOND: second}
    assert p1.flagged is False
    assert p1.final == final


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        (2.0, 2.0),
        (2.2, 2.0),
        (2.25, 2.5),
        (2.5, 2.5),
        (2.74, 2.5),
        (2.75, 3.0),
        (0.25, 0.5),
        (0.0, 0.0),
        (99.75, 100.0),
    ],
)
def test_half_up_rounds_to_the_nearest_half_point_with_halves_going_up(value, rounded):
    assert half_up(value) == rounded


@pytest.mark.parametrize(
    ("first", "second", "flagged"),
    [
        (5, 7, False),  # exactly the threshold is agreement
        (7, 5, False),
        (5, 7.5, True),  # more than the threshold is a disagreement
        (7.5, 5, True),
        (0, 10, True),
        (5, 5, False),
    ],
)
def test_a_row_is_flagged_only_when_the_two_marks_differ_by_more_than_the_threshold(
    first, second, flagged
):
    result = evaluate(FORM, {}, {FIRST: marks(p1=first), SECOND: marks(p1=second)}, THRESHOLD)
    assert row(result, "f.p1").flagged is flagged
    assert result.flagged == (["f.p1"] if flagged else [])


def test_the_threshold_is_the_one_given():
    given = {FIRST: marks(p1=5), SECOND: marks(p1=6)}
    assert evaluate(FORM, {}, given, 0.5).flagged == ["f.p1"]
    assert evaluate(FORM, {}, given, 1.0).flagged == []


def test_a_flagged_row_awaits_the_third_marking_and_leaves_no_total():
    rounds = {
        FIRST: marks(p1=2, p2=10, conduct=5),
        SECOND: marks(p1=8, p2=11, conduct=5),
    }
    result = evaluate(FORM, {}, rounds, THRESHOLD)
    assert row(result, "f.p1").final is None
    assert result.awaiting_third == ["f.p1"]
    assert result.missing(THIRD) == ["f.p1"]  # only the flagged rows need the arbiter
    assert row(result, "f.p2").final == 10.5
    assert result.total is None


def test_a_flagged_row_takes_the_third_mark_not_the_mean():
    rounds = {
        FIRST: marks(p1=2, p2=10, conduct=5),
        SECOND: marks(p1=8, p2=11, conduct=5),
        THIRD: marks(p1=7),
    }
    result = evaluate(FORM, {}, rounds, THRESHOLD)
    assert row(result, "f.p1").rounds == {FIRST: 2, SECOND: 8, THIRD: 7}
    assert row(result, "f.p1").final == 7  # the mean would have been 5
    assert result.awaiting_third == []
    assert result.missing(THIRD) == []
    assert result.total == 7 + 10.5 + 5


def test_the_third_round_never_falls_back_to_the_automatic_value():
    # An automatic value is not an arbiter's decision, even on a row the chat filled.
    rounds = {FIRST: marks(p1=2), SECOND: marks(p1=8), THIRD: {}}
    result = evaluate(FORM, auto(p1=5, p2=10, conduct=5), rounds, THRESHOLD)
    p1 = row(result, "f.p1")
    assert p1.rounds[THIRD] is None
    assert p1.final is None
    assert result.awaiting_third == ["f.p1"]
    assert result.missing(THIRD) == ["f.p1"]
    assert result.total is None


def test_the_third_round_ignores_rows_that_are_not_flagged():
    rounds = {FIRST: marks(p1=6), SECOND: marks(p1=7), THIRD: marks(p1=0)}
    result = evaluate(FORM, auto(p2=10, conduct=5), rounds, THRESHOLD)
    assert row(result, "f.p1").final == 6.5
    assert result.missing(THIRD) == []


def test_in_double_marking_both_rounds_fall_back_to_the_automatic_value():
    rounds = {FIRST: marks(p1=8), SECOND: {}}
    result = evaluate(FORM, auto(p1=6, p2=15, conduct=4), rounds, THRESHOLD)
    assert row(result, "f.p1").rounds == {FIRST: 8, SECOND: 6}
    assert row(result, "f.p1").final == 7
    assert row(result, "f.p2").final == 15
    assert result.total == 7 + 15 + 4


def test_an_automatic_value_can_be_one_side_of_a_disagreement():
    rounds = {FIRST: {}, SECOND: marks(p1=9)}
    result = evaluate(FORM, auto(p1=2, p2=15, conduct=4), rounds, THRESHOLD)
    assert result.flagged == ["f.p1"]
    assert result.awaiting_third == ["f.p1"]


def test_a_row_missing_in_the_second_round_has_no_final_value():
    rounds = {FIRST: marks(p1=6, p2=10, conduct=5), SECOND: marks(p1=6, conduct=5)}
    result = evaluate(FORM, {}, rounds, THRESHOLD)
    assert result.missing(FIRST) == []
    assert result.missing(SECOND) == ["f.p2"]
    assert row(result, "f.p2").flagged is False  # nothing to compare yet
    assert row(result, "f.p2").final is None
    assert result.total is None


# ------------------------------------------------------------------------ a flagged row is the arbiter's


def refusal(round_, row_id, points, given_auto, rounds):
    return flagged_row_refusal(round_, row_id, points, given_auto, rounds, THRESHOLD)


FAR_APART = {FIRST: marks(p1=2, p2=10), SECOND: marks(p1=8, p2=11)}  # p1 flagged, p2 not


@pytest.mark.parametrize(
    ("round_", "points"),
    [(FIRST, 8), (FIRST, 6), (FIRST, 0), (SECOND, 2), (SECOND, 4), (SECOND, 10)],
)
def test_neither_marker_may_change_a_flagged_row_even_to_close_the_gap(round_, points):
    message = refusal(round_, "f.p1", points, {}, FAR_APART)
    assert message is not None
    assert "超过 2 分" in message and "主评分员或管理员" in message and "第三评" in message


@pytest.mark.parametrize("round_", [FIRST, SECOND])
def test_giving_a_flagged_row_its_own_value_again_changes_nothing_and_is_not_refused(round_):
    assert refusal(round_, "f.p1", FAR_APART[round_]["f.p1"].points, {}, FAR_APART) is None


def test_a_flagged_row_stays_the_arbiters_after_the_third_marking():
    rounds = {**FAR_APART, THIRD: marks(p1=7)}
    assert refusal(FIRST, "f.p1", 7, {}, rounds) is not None
    assert refusal(SECOND, "f.p1", 7, {}, rounds) is not None
    assert refusal(THIRD, "f.p1", 6.5, {}, rounds) is None  # the arbiter may correct their mark
    assert row(evaluate(FORM, {}, rounds, THRESHOLD), "f.p1").final == 7


@pytest.mark.parametrize("round_", [FIRST, SECOND])
def test_rows_that_are_not_flagged_stay_their_markers_own(round_):
    assert refusal(round_, "f.p2", 13, {}, FAR_APART) is None  # even if it opens a gap
    assert refusal(round_, "f.conduct", 5, {}, FAR_APART) is None  # not yet marked


def test_without_a_second_marking_nothing_is_flagged_and_nothing_refused():
    assert refusal(FIRST, "f.p1", 10, {}, {FIRST: marks(p1=0)}) is None


def test_an_automatic_value_that_is_one_side_of_a_flag_is_held_too():
    # The first marker left p1 at its automatic value 2; the second gave 9: flagged.
    rounds = {FIRST: {}, SECOND: marks(p1=9)}
    assert refusal(FIRST, "f.p1", 8, auto(p1=2), rounds) is not None
    assert refusal(FIRST, "f.p1", 2, auto(p1=2), rounds) is None  # the value it has


def test_the_refusal_uses_the_threshold_given():
    assert flagged_row_refusal(FIRST, "f.p1", 5, {}, FAR_APART, 10) is None  # 6 apart: agreed
    message = flagged_row_refusal(FIRST, "f.p1", 5, {}, FAR_APART, 1.5)
    assert message is not None and "超过 1.5 分" in message


def test_a_double_marked_sheet_needs_two_signoffs():
    rounds = {FIRST: marks(p1=6, p2=10, conduct=5), SECOND: marks(p1=6, p2=10, conduct=5)}
    result = evaluate(FORM, {}, rounds, THRESHOLD)
    assert result.double is True
    assert result.signoffs_needed == 2
    assert result.total == 21


# ------------------------------------------------------------------------ band


@pytest.mark.parametrize(
    ("skills", "expected"),
    [
        (95, "excellent"),
        (80, "excellent"),  # 85 with conduct
        (79.5, "pass"),  # 84.5
        (55, "pass"),  # 60
        (54.5, "fail"),  # 59.5
        (0, "fail"),
    ],
)
def test_the_band_follows_the_final_total(skills, expected):
    given = {"full.skills": AutoRow(skills), "full.conduct": AutoRow(5)}
    result = evaluate(FULL, given, {FIRST: {}}, THRESHOLD)
    assert result.total == skills + 5
    assert result.band == expected


def test_an_incomplete_sheet_has_no_band():
    result = evaluate(FULL, {"full.skills": AutoRow(95)}, {FIRST: {}}, THRESHOLD)
    assert result.band is None


# ------------------------------------------------------------------------ check_points


@pytest.mark.parametrize("points", [0, 0.5, 7, 7.5, 9.5, 10])
def test_whole_and_half_points_within_the_rows_maximum_are_accepted(points):
    check_points(FORM.items[0], points)


@pytest.mark.parametrize(
    ("points", "complaint"),
    [
        (-0.5, "超出范围"),
        (10.5, "超出范围"),
        (11, "超出范围"),
        (7.25, "整分或半分"),
        (3.3, "整分或半分"),
        (0.1, "整分或半分"),
    ],
)
def test_a_mark_outside_the_range_or_between_half_points_is_refused_naming_the_row(
    points, complaint
):
    with pytest.raises(KefuError) as caught:
        check_points(FORM.items[0], points)
    message = str(caught.value)
    assert "f.p1" in message
    assert complaint in message


def test_the_range_is_each_rows_own_maximum():
    check_points(FORM.items[1], 20)  # f.p2 has max 20
    with pytest.raises(KefuError, match=re.escape("f.conduct")):
        check_points(FORM.items[2], 5.5)


# ------------------------------------------------------------------------ overrides


@pytest.mark.parametrize(
    ("automatic", "points", "reason", "refused"),
    [
        (None, 8, "", False),  # no automatic value: a plain mark
        (AutoRow(6), 6, "", False),  # the same as the automatic value
        (AutoRow(6), 8, "", True),
        (AutoRow(6), 8, "   ", True),  # blank is no reason
        (AutoRow(6), 0, "", True),
        (AutoRow(6), 8, "材料更完整", False),
    ],
)
def test_changing_an_automatic_value_needs_a_reason(automatic, points, reason, refused):
    refusal = override_needs_reason(automatic, points, reason)
    if refused:
        assert refusal is not None
        assert f"{automatic.points:g}" in refusal and f"{points:g}" in refusal
    else:
        assert refusal is None


# ------------------------------------------------------------------------ blind marking


@pytest.mark.parametrize(
    ("role", "own_round", "started", "visible"),
    [
        ("grader", FIRST, {FIRST, SECOND}, {FIRST}),
        ("grader", SECOND, {FIRST, SECOND}, {SECOND}),  # blind: not the first marking
        ("grader", FIRST, {FIRST}, {FIRST}),
        ("grader", None, {FIRST, SECOND}, set()),  # not a marker of this sheet
        ("grader", None, set(), set()),
        ("grader", THIRD, {FIRST, SECOND, THIRD}, {FIRST, SECOND, THIRD}),  # the arbiter
        ("chief_grader", None, {FIRST, SECOND}, {FIRST, SECOND}),
        ("chief_grader", SECOND, {FIRST, SECOND}, {SECOND}),  # a senior marking is blind too
        ("admin", None, {FIRST}, {FIRST}),
        ("admin", None, set(), set()),
    ],
)
def test_a_grader_sees_only_their_own_round_and_seniors_see_every_round(
    role, own_round, started, visible
):
    assert visible_rounds(role, own_round, started) == visible


def test_once_a_sheet_is_final_every_round_may_be_seen():
    assert visible_rounds("grader", SECOND, {FIRST, SECOND}, final=True) == {FIRST, SECOND}


AUTO = AutoRow(12.5, (2, 4), "按聊天评分")


@pytest.mark.parametrize(
    ("auto", "points", "from_chat", "chat_took_place", "shown"),
    [
        (AUTO, 10.5, True, True, True),  # an override: its 改分原因
        (AUTO, 12.5, True, True, False),  # the automatic value kept: nothing to explain
        (None, 0, True, False, True),  # a chat row marked by hand, the candidate absent: 说明
        (None, 18, True, True, False),  # a chat row the finished chat does not fill: the grader's
        (None, 9, False, True, False),  # a written task's row
        (None, 9, False, False, False),
    ],
)
def test_a_reason_is_shown_beside_the_rows_it_is_about(
    auto, points, from_chat, chat_took_place, shown
):
    assert reason_belongs_to_row(auto, points, from_chat, chat_took_place) is shown
