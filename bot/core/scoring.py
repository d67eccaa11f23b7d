"""Score sheets: a rubric form filled from a transcript's analysis, every point with evidence.

The sheet is what ``kefu score --json`` prints (contract section 3) and what the report shows.
Rows that do not apply to a conversation (no legal question arose) are scored at the share the
candidate earned on the other skill rows, and say so, so that no row gives points for nothing;
in an unfinished chat such rows score nothing, since the chat never reached them.

Rubric v2 adds, from the form's data: substance checks that take a share off the rows they
name; required steps, whose absence caps the total (below 优秀, or below the pass mark when
many are missing); fatal items (致命项), platform red lines that cap the total below the
pass mark; and slow replies, which past a number cap it below 优秀. Each cap is listed in the
sheet with its reason and evidence. A floor works the other way: a chat that settled the
customer's matter, with no cap below the pass mark, is at least 合格 (the form's ``floor``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.core.analysis import MessageFinding, TranscriptAnalysis
from bot.core.moves import MOVE_TITLES, moves_for
from bot.core.rubric import RubricForm
from bot.core.scorers import SCORERS
from bot.core.substance import SubstanceCheck, breaches

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


@dataclass(frozen=True)
class Cap:
    """A ceiling on the total (rubric v2): why, how high, and the messages behind it."""

    # "required" (steps missing), "fatal" (a red line), "slow" (replies kept the customer
    # waiting) or "substance" (a wrong answer)
    kind: str
    max: float
    reason: str
    evidence: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "max": self.max,
            "reason": self.reason,
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True)
class Floor:
    """A floor under the total (rubric v2): how high, why, and the messages behind it."""

    min: float
    reason: str
    evidence: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"min": self.min, "reason": self.reason, "evidence": list(self.evidence)}


@dataclass
class ScoreSheet:
    """A scored transcript."""

    form: RubricForm
    analysis: TranscriptAnalysis
    items: list[RowScore]
    caps: list[Cap] = field(default_factory=list)
    floor: Floor | None = None

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
    def rows_total(self) -> float:
        """The rows' points added up, before any cap."""
        return round(sum(r.points for r in self.items), 1)

    @property
    def capped_total(self) -> float:
        """The rows' points under the caps, before any floor.

        A cap at or above the pass mark is a ceiling (not 优秀: 84). A cap below it scales the
        rows into the fail range, ``cap × rows / max`` in half points: graders fail a red-line
        chat handled well at 45-57 and one handled badly at 10-25, so failing chats keep the
        order of their rows instead of all sharing the cap (on the training sets the rank
        correlation with graders rose on 10 of 11 sets; no band changed).
        """
        limits = [self.rows_total]
        for cap in self.caps:
            if cap.max < PASS:
                limits.append(round(cap.max * self.rows_total / self.form.max * 2) / 2)
            else:
                limits.append(cap.max)
        return min(limits)

    @property
    def total(self) -> float:
        capped = self.capped_total
        return max(capped, self.floor.min) if self.floor else capped

    @property
    def unfinished(self) -> bool:
        return self.analysis.transcript.outcome == "unfinished"

    @property
    def max(self) -> float:
        return self.form.max

    @property
    def band(self) -> str:
        return band(self.total)

    def adjustments(self) -> list[str]:
        """Why the total is not the rows' sum, one line each: the caps, then the floor."""
        lines = [f"封顶 {c.max:g}：{c.reason}" for c in self.caps]
        if self.floor:
            lines.append(f"保底 {self.floor.min:g}：{self.floor.reason}")
        return lines

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
        # Rubric v2 keys (added, never changing the contract's own).
        data["caps"] = [c.to_json() for c in self.caps]
        data["floor"] = self.floor.to_json() if self.floor else None
        data["rows_total"] = self.rows_total
        data["unfinished"] = self.unfinished
        return data


Advice = Callable[[str], list[str]]


def _n(i: int) -> str:
    return f"第{i + 1}条"


def required_cap(analysis: TranscriptAnalysis, form: RubricForm) -> Cap | None:
    """The cap for required steps the chat does not show, or None when it shows them all."""
    req = form.required
    if req is None:
        return None
    bargained = (
        bool(analysis.customer_has("bargain")) or analysis.first_index("negotiate") is not None
    )
    # Accepted outright (not grudgingly): the customer's own yes is the agreement that a
    # waived step (confirm) would have asked for.
    accepted = analysis.resolution.resolved and not analysis.resolution.partial
    missing = []
    for step in req.steps:
        moves = step if isinstance(step, list) else [step]
        if not bargained and all(m in req.if_bargained for m in moves):
            continue
        if accepted and all(m in req.waived_if_accepted for m in moves):
            continue
        if all(analysis.first_index(m) is None for m in moves):
            missing.append("/".join(MOVE_TITLES[m] for m in moves))
    if not missing:
        return None
    if len(missing) >= req.many:
        return Cap(
            "required",
            req.cap_many,
            f"缺少{len(missing)}个必备步骤（{'、'.join(missing)}），不能及格"
            f"（总分按各项得分比例降到最高 {req.cap_many:g}）",
        )
    return Cap("required", req.cap_some, f"缺少必备步骤（{'、'.join(missing)}），不能评为优秀")


def fatal_cap(analysis: TranscriptAnalysis, form: RubricForm) -> Cap | None:
    """The cap for a fatal item (致命项), with every message that commits one."""
    if form.fatal is None:
        return None
    fatal = set(form.fatal.violations)
    found = [
        (m.index, h.words)
        for m in analysis.messages
        for h in (*m.violations, *m.red_lines)
        if h.label in fatal
    ]
    if not found:
        return None
    words = "、".join(f"{_n(i)}“{w}”" for i, w in found)
    return Cap(
        "fatal",
        form.fatal.cap,
        f"致命项：{words}，总分按各项得分比例降到不及格（最高 {form.fatal.cap:g}）",
        tuple(i for i, _ in found),
    )


def slow_cap(analysis: TranscriptAnalysis, form: RubricForm) -> Cap | None:
    """The cap for a customer kept waiting: ``slow.many`` replies or more slower than
    ``slow.seconds``."""
    if form.slow is None:
        return None
    slow = [(i, s) for i, s in analysis.reply_times if s > form.slow.seconds]
    if len(slow) < form.slow.many:
        return None
    which = "、".join(f"{_n(i)}（{s:g}秒）" for i, s in slow)
    return Cap(
        "slow",
        form.slow.cap,
        f"回复慢 {len(slow)} 次（超过{form.slow.seconds:g}秒）：{which}，不能评为优秀",
        tuple(i for i, _ in slow),
    )


def pass_floor(sheet: ScoreSheet) -> Floor | None:
    """The floor for a chat that settled the customer's matter: resolved (grudgingly too: the
    customer took the remedy), finished, no cap below the pass mark, no platform red line and
    no wrong answer (a substance check's cap), no reply that kept the customer waiting
    ``floor.longest_wait`` seconds or more, and ``floor.min_points`` earned under the caps.

    Graders lift a settled chat whose small deductions added up; they do not lift one that
    broke a platform rule (an absolute claim: 百分百正品), told the customer something wrong
    (运费您出 for a defect) or left them waiting twenty minutes, even when it ended well.
    """
    rule = sheet.form.floor
    resolution = sheet.analysis.resolution
    if (
        rule is None
        or sheet.unfinished
        or not resolution.resolved
        or any(c.max < PASS or c.kind == "substance" for c in sheet.caps)
        or any(m.red_lines for m in sheet.analysis.messages)
        or _kept_waiting(sheet.analysis, rule.longest_wait)
        or not rule.min_points <= sheet.capped_total < rule.to
    ):
        return None
    return Floor(
        rule.to,
        f"顾客的问题已解决（{resolution.reason}），没有红线、实质错误，也没有缺太多步骤：至少合格",
        resolution.evidence,
    )


def _kept_waiting(analysis: TranscriptAnalysis, longest: float | None) -> bool:
    """Whether one reply came ``longest`` seconds or more after the customer's message."""
    return longest is not None and any(s >= longest for _, s in analysis.reply_times)


def score(
    analysis: TranscriptAnalysis,
    form: RubricForm,
    advice: Advice | None = None,
    checks: Sequence[SubstanceCheck] = (),
) -> ScoreSheet:
    """Fill a rubric form from an analysis; ``advice`` gives model wording for a missing move,
    ``checks`` are the substance checks to apply (rubric v2)."""
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
    unfinished = analysis.transcript.outcome == "unfinished"
    broken = breaches(checks, analysis) if form.kinds else []
    items = []
    for row, r in results:
        if r is None:
            items.append(RowScore(row.id, row.title, 0.0, row.max, [], "待评分员评分", row.point))
            continue
        if r.share is None and unfinished:
            # The chat stopped before this row could be shown: it earns nothing, and says so.
            r.share = 0.0
            r.notes.append("对话提前结束，本项未能体现，不按其他项的得分率补分")
        share = fallback if r.share is None else r.share
        for b in broken:
            if row.id in b.check.rows:
                share = max(0.0, share - b.check.cost)
                r.notes.append("实质问题：" + b.note)
                r.evidence.extend(b.evidence)
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
    caps = [
        c
        for c in (
            required_cap(analysis, form),
            fatal_cap(analysis, form),
            slow_cap(analysis, form),
        )
        if c
    ]
    caps += [
        Cap("substance", b.check.cap, b.note, b.evidence) for b in broken if b.check.cap is not None
    ]
    sheet = ScoreSheet(form, analysis, items, caps)
    sheet.floor = pass_floor(sheet)
    return sheet
