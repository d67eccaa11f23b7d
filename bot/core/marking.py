"""The grading rules of a result sheet: marking rounds, overrides, double marking, the final mark.

Pure: storage hands in what is stored (the project form, the automatic rows carried from the
chat, each marking round's marks) and gets back what follows from the rules, so the rules are
one piece of code that the CLI, the export and the tests all read the same way.

- Round 1 is the first grader's marking, round 2 a second grader's blind marking (double
  marking), round 3 a third grader's marking of the rows where the first two differ by more than
  the threshold. A row's value in a round is that grader's mark, or else the automatic value.
- The final value of a row: round 1 alone; with double marking, the mean of rounds 1 and 2
  (rounded half up to 0.5), except on flagged rows, where the third grader's mark decides.
- A flagged row is the arbiter's: from the moment it is flagged, neither the first nor the
  second marker may change their value of it (not even to close the gap), so the flag stays
  until, and after, the third marking. Rows that are not flagged stay their markers' own until
  the sheet is final: a change there is audited, voids the sign-offs, and if it opens a gap
  beyond the threshold the row is flagged like any other. A change can open a flag, never
  close one.
- A grader's mark that differs from an automatic value is an override (改分) and needs a
  reason. A reason given with any other mark is that mark's explanation (说明), not an override.
- Who sees what: a grader sees the automatic values and their own round only (blind marking);
  the third grader, chief graders and admins see every round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from math import floor

from bot.core.errors import KefuError
from bot.core.rubric import RubricForm, RubricRow
from bot.core.scoring import band

ROLES: dict[str, str] = {"grader": "评分员", "chief_grader": "主评分员", "admin": "管理员"}
# Roles that may arbitrate (third marking), unlock a finalised sheet and see every round.
SENIOR = ("chief_grader", "admin")  # a tuple: messages list them in this order

FIRST, SECOND, THIRD = 1, 2, 3
ROUND_TITLES = {FIRST: "第一评", SECOND: "第二评（盲评）", THIRD: "第三评（仲裁）"}

BAND_ZH = {"excellent": "优秀", "pass": "合格", "fail": "不合格"}

# Marks are whole or half points, as graders write them on paper.
STEP = 0.5


@dataclass(frozen=True)
class AutoRow:
    """A value the program filled (the chat score carried into the form), with its evidence."""

    points: float
    evidence: tuple[int, ...] = ()
    comment: str = ""


@dataclass(frozen=True)
class Mark:
    """A grader's value for one row in one round."""

    points: float
    reason: str = ""


@dataclass(frozen=True)
class RowResult:
    """One row of an evaluated sheet: the automatic value, each round's value and the final one."""

    row: RubricRow
    auto: AutoRow | None
    rounds: dict[int, float | None]
    marks: dict[int, Mark]
    final: float | None
    flagged: bool

    @property
    def overrides(self) -> set[int]:
        """The rounds whose mark replaces the automatic value (an override, 改分)."""
        if self.auto is None:
            return set()
        return {r for r, m in self.marks.items() if m.points != self.auto.points}

    @property
    def overridden(self) -> bool:
        return bool(self.overrides)


@dataclass(frozen=True)
class SheetResult:
    """A whole evaluated sheet."""

    rows: list[RowResult]
    double: bool
    threshold: float

    @property
    def flagged(self) -> list[str]:
        return [r.row.id for r in self.rows if r.flagged]

    @property
    def awaiting_third(self) -> list[str]:
        return [r.row.id for r in self.rows if r.flagged and r.final is None]

    def missing(self, round_: int) -> list[str]:
        """Rows still without a value in a round (round 3 needs only the flagged rows)."""
        rows = [r for r in self.rows if round_ != THIRD or r.flagged]
        return [r.row.id for r in rows if r.rounds.get(round_) is None]

    @property
    def total(self) -> float | None:
        """The final total, or ``None`` while any row has no final value."""
        if any(r.final is None for r in self.rows):
            return None
        return sum(r.final for r in self.rows if r.final is not None)

    @property
    def band(self) -> str | None:
        total = self.total
        return None if total is None else band(total)

    @property
    def signoffs_needed(self) -> int:
        """A double-marked sheet needs two people to finalise it: no grader does it alone."""
        return 2 if self.double else 1


def half_up(value: float) -> float:
    """Round to the nearest half point, halves up (2.25 → 2.5)."""
    return floor(value / STEP + 0.5) * STEP


def round_value(
    row_id: str, round_: int, auto: Mapping[str, AutoRow], rounds: Mapping[int, Mapping[str, Mark]]
) -> float | None:
    """A row's value in a round: the grader's mark, else (rounds 1 and 2) the automatic value."""
    mark = rounds.get(round_, {}).get(row_id)
    if mark is not None:
        return mark.points
    if round_ == THIRD:
        return None  # an arbiter decides; the automatic value is not a decision
    automatic = auto.get(row_id)
    return None if automatic is None else automatic.points


def is_flagged(
    row_id: str,
    auto: Mapping[str, AutoRow],
    rounds: Mapping[int, Mapping[str, Mark]],
    threshold: float,
) -> bool:
    """Whether a double-marked row's first and second values differ by more than the threshold."""
    if SECOND not in rounds:
        return False
    first = round_value(row_id, FIRST, auto, rounds)
    second = round_value(row_id, SECOND, auto, rounds)
    return first is not None and second is not None and abs(first - second) > threshold


def evaluate(
    form: RubricForm,
    auto: Mapping[str, AutoRow],
    rounds: Mapping[int, Mapping[str, Mark]],
    threshold: float,
) -> SheetResult:
    """Apply the rules to a sheet's stored values; ``rounds`` maps each started round to its marks."""
    double = SECOND in rounds
    rows = []
    for row in form.items:
        automatic = auto.get(row.id)
        marks = {r: m[row.id] for r, m in rounds.items() if row.id in m}
        values = {r: round_value(row.id, r, auto, rounds) for r in sorted({FIRST, *rounds})}
        first, second = values.get(FIRST), values.get(SECOND)
        flagged = is_flagged(row.id, auto, rounds, threshold)
        if not double:
            final = first
        elif flagged:
            final = values.get(THIRD)
        elif first is None or second is None:
            final = None
        else:
            final = half_up((first + second) / 2)
        rows.append(RowResult(row, automatic, values, marks, final, flagged))
    return SheetResult(rows, double, threshold)


def signed(result: SheetResult, finals: Mapping[str, float]) -> SheetResult:
    """The result with each row's final value as it was signed (a finalised sheet)."""
    rows = [replace(r, final=finals.get(r.row.id)) for r in result.rows]
    return replace(result, rows=rows)


def check_points(row: RubricRow, points: float) -> None:
    """Refuse a mark outside 0..max or not a multiple of half a point."""
    if not 0 <= points <= row.max:
        raise KefuError(
            f"{row.id}（{row.title}）的分数 {points:g} 超出范围：应在 0～{row.max:g} 之间"
        )
    if half_up(points) != points:
        raise KefuError(
            f"{row.id}（{row.title}）的分数 {points:g} 不对：只能是整分或半分（如 7 或 7.5）"
        )


def override_needs_reason(auto: AutoRow | None, points: float, reason: str) -> str | None:
    """Return the refusal when a mark changes an automatic value without a reason, else None."""
    if auto is not None and points != auto.points and not reason.strip():
        return f"自动评分是 {auto.points:g}，改为 {points:g} 需要说明原因（--reason “…”）"
    return None


def reason_belongs_to_row(
    auto: AutoRow | None, points: float, from_chat: bool, chat_took_place: bool
) -> bool:
    """Whether a mark's reason is shown beside its row on the sheet.

    It explains the rows it is about: a mark that changes an automatic value (the override's
    改分原因), and a chat row marked by hand because the chat never took place (the candidate
    was absent: a 说明). A chat row that a finished chat does not fill (an after-sale chat
    fills either the objection or the complaint rows) is the grader's own row: a reason given
    for another row in the same command is not about it. The audit log keeps the reason for all.
    """
    if auto is not None:
        return points != auto.points
    return from_chat and not chat_took_place


def flagged_row_refusal(
    round_: int,
    row_id: str,
    points: float,
    auto: Mapping[str, AutoRow],
    rounds: Mapping[int, Mapping[str, Mark]],
    threshold: float,
) -> str | None:
    """Return the refusal when a first or second marker would change a flagged row, else None.

    Only the third marking settles a flagged row. Its markers may not move their values, not
    even to close the gap (which would end the flag and skip the arbiter); giving the value it
    already has changes nothing and is not refused.
    """
    if round_ not in (FIRST, SECOND) or not is_flagged(row_id, auto, rounds, threshold):
        return None
    if points == round_value(row_id, round_, auto, rounds):
        return None
    return (
        f"第一评和第二评相差超过 {threshold:g} 分（⚑），只有主评分员或管理员的第三评（仲裁）"
        "能定这一行的分；第一评、第二评不能再改这一行"
    )


def visible_rounds(
    role: str, own_round: int | None, started: set[int], final: bool = False
) -> set[int]:
    """The rounds a user may see on a sheet: blind marking hides the other graders' rounds.

    A first or second marker sees only their own round, whatever their role, until the sheet
    is final; the arbiter and the seniors who do not mark it see every round.
    """
    if final or own_round == THIRD or (own_round is None and role in SENIOR):
        return set(started)
    return {own_round} if own_round is not None else set()
