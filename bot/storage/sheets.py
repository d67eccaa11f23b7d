"""Result sheets in the database: the stored draw, automatic rows, marks, sign-offs, locks.

Every function that changes a sheet writes its audit entries in the same transaction and
refuses to touch a finalised sheet; the rules themselves (what a mark may be, what a round
is, when a sheet is complete) are in ``bot.core.marking`` and applied by ``bot.services.exam_grading``.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Engine, delete, select
from sqlalchemy.orm import Session

from bot.core.errors import KefuError, NotFound
from bot.core.marking import AutoRow, Mark, flagged_row_refusal
from bot.core.scenario import Scenario
from bot.storage.audit import record, utc_now
from bot.storage.exam_models import CandidateRow, ExamRow, ScenarioVersionRow
from bot.storage.exams import get_exam
from bot.storage.grading_models import MarkerRow, MarkRow, SheetRow, SignoffRow
from bot.storage.models import ConversationRow
from bot.storage.repository import writing
from bot.storage.telegram import CODE_ALPHABET, CODE_LENGTH
from bot.storage.telegram_models import ExamCodeRow


@dataclass(frozen=True)
class Placed:
    """One line of a draw to store: a candidate (by roster order) and what they take."""

    module: str
    project: str
    form_id: str
    scenario: Scenario | None = None


@dataclass(frozen=True)
class Sheet:
    """A result sheet as stored, with its candidate; ``rounds`` maps round → (grader, marks)."""

    id: int
    exam_id: int
    exam_number: str
    name: str
    class_name: str
    school: str
    module: str
    project: str
    form_id: str
    scenario_id: str | None
    scenario_hash: str | None
    code: str | None
    code_used: bool
    conversation_id: str | None
    # How the chat ended (an end state or "unfinished"); None while it runs or has not begun.
    chat_outcome: str | None
    auto: dict[str, AutoRow] | None
    auto_total: float | None
    final: bool
    threshold: float = 2.0
    locked: dict[str, float] | None = None
    markers: dict[int, str] = field(default_factory=dict)
    marks: dict[int, dict[str, Mark]] = field(default_factory=dict)
    signoffs: list[str] = field(default_factory=list)

    def round_of(self, user: str) -> int | None:
        return next((r for r, g in self.markers.items() if g == user), None)


def store_draw(engine: Engine, exam_id: int, seed: int, actor: str, placed: list[Placed]) -> None:
    """Store a draw for an exam's roster (in roster order): sheets, pinned scripts, access codes."""
    with writing(engine) as session:
        exam = session.get(ExamRow, exam_id, with_for_update=True)
        if exam is None:
            get_exam(engine, exam_id)  # raises NotFound with the hint
            return
        if exam.seed is not None:
            raise KefuError(
                f"考试 {exam_id} 已经抽考（种子 {exam.seed}），不能重抽。"
                f"提示：kefu exam show {exam_id} 查看抽考结果。"
            )
        candidates = _candidates(session, exam_id)
        if len(candidates) != len(placed):
            raise KefuError(f"抽考结果有 {len(placed)} 人，名单有 {len(candidates)} 人。")
        if not candidates:
            raise KefuError(f"考试 {exam_id} 的名单是空的。提示：先用 kefu exam roster 导入名单。")
        taken = set(session.scalars(select(ExamCodeRow.code)).all())
        at = utc_now()
        for candidate, line in zip(candidates, placed, strict=True):
            sheet = SheetRow(
                exam_id=exam_id,
                candidate_id=candidate.id,
                module=line.module,
                project=line.project,
                form_id=line.form_id,
            )
            if line.scenario is not None:
                sheet.scenario_id = line.scenario.id
                sheet.scenario_hash = _pin(session, line.scenario)
                sheet.code = _new_code(taken)
                session.add(
                    ExamCodeRow(
                        code=sheet.code,
                        scenario_id=line.scenario.id,
                        scenario_hash=sheet.scenario_hash,
                        created_at_utc=at,
                    )
                )
            session.add(sheet)
        exam.seed = seed
        exam.drawn_at_utc = at
        record(session, actor, "draw", exam_id=exam_id, after=f"种子 {seed}，{len(placed)} 人")


def _candidates(session: Session, exam_id: int) -> list[CandidateRow]:
    return list(
        session.scalars(
            select(CandidateRow).where(CandidateRow.exam_id == exam_id).order_by(CandidateRow.id)
        )
    )


def _pin(session: Session, scenario: Scenario) -> str:
    digest = scenario.content_hash()
    if session.get(ScenarioVersionRow, digest) is None:
        session.add(
            ScenarioVersionRow(
                hash=digest,
                scenario_id=scenario.id,
                content=scenario.model_dump_json(by_alias=True),
                pinned_at_utc=utc_now(),
            )
        )
        session.flush()
    return digest


def _new_code(taken: set[str]) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            taken.add(code)
            return code


def pinned_scenario(engine: Engine, digest: str) -> Scenario | None:
    """The scenario version pinned under ``digest``, or None."""
    with Session(engine) as session:
        row = session.get(ScenarioVersionRow, digest)
        return None if row is None else Scenario.model_validate_json(row.content)


def sheets(engine: Engine, exam_id: int, with_chat_only: bool = False) -> list[Sheet]:
    """Every sheet of an exam in roster order; or only the open ones whose chat has begun."""
    get_exam(engine, exam_id)
    where = exam_sheets(exam_id)
    if with_chat_only:
        where += [ExamCodeRow.conversation_id.is_not(None), SheetRow.final.is_(False)]
    with Session(engine) as session:
        return load_sheets(session, *where)


def exam_sheets(exam_id: int) -> list[ColumnElement[bool]]:
    """The condition for an exam's sheets in ``load_sheets`` (for bot.storage).

    The exam is named twice: by the sheet and by its candidate, whose (exam_id, exam_number)
    index then finds the exam's sheets without reading every exam's (there is no index on
    sheets.exam_id), in exam-number order.
    """
    return [SheetRow.exam_id == exam_id, CandidateRow.exam_id == exam_id]


def sheets_by_id(engine: Engine, ids: Sequence[int]) -> list[Sheet]:
    """The sheets with these ids, in the order given (ids that do not exist are left out)."""
    if not ids:
        return []
    with Session(engine) as session:
        found = {s.id: s for s in load_sheets(session, SheetRow.id.in_(list(ids)))}
    return [found[i] for i in ids if i in found]


def find_sheet(engine: Engine, exam_id: int, exam_number: str) -> Sheet:
    """A candidate's sheet by 准考证号, or ``NotFound`` with a hint."""
    exam = get_exam(engine, exam_id)
    with Session(engine) as session:
        found = load_sheets(
            session, SheetRow.exam_id == exam_id, CandidateRow.exam_number == exam_number.strip()
        )
    if not found:
        hint = "先抽考：kefu exam draw --exam" if not exam.drawn else "kefu exam sheets 查看全部"
        raise NotFound(f"考试 {exam_id} 没有准考证号为 {exam_number} 的评分表。提示：{hint}。")
    return found[0]


def sheet_by_code(engine: Engine, code: str) -> Sheet | None:
    with Session(engine) as session:
        found = load_sheets(session, SheetRow.code == code.strip().upper())
    return found[0] if found else None


def load_sheets(session: Session, *where: ColumnElement[bool]) -> list[Sheet]:
    """The sheets matching ``where``, in roster order, each whole, in four queries however many.

    ``where`` may name the columns of sheets, candidates and exam_codes (for bot.storage only):
    one query reads the sheets with their candidate, exam, code and chat outcome; one each the
    markers, the marks and the sign-offs of all of them.
    """
    query = (
        select(
            SheetRow.id,
            SheetRow.exam_id,
            SheetRow.module,
            SheetRow.project,
            SheetRow.form_id,
            SheetRow.scenario_id,
            SheetRow.scenario_hash,
            SheetRow.code,
            SheetRow.auto,
            SheetRow.auto_total,
            SheetRow.final,
            SheetRow.locked,
            CandidateRow.exam_number,
            CandidateRow.name,
            CandidateRow.class_name,
            CandidateRow.school,
            ExamRow.threshold,
            ExamCodeRow.conversation_id,
            ConversationRow.outcome,
        )
        .join(CandidateRow, CandidateRow.id == SheetRow.candidate_id)
        .join(ExamRow, ExamRow.id == SheetRow.exam_id)
        .outerjoin(ExamCodeRow, ExamCodeRow.code == SheetRow.code)
        .outerjoin(ConversationRow, ConversationRow.id == ExamCodeRow.conversation_id)
        .where(*where)
        .order_by(SheetRow.candidate_id)
    )
    # Core, not the ORM: these are plain rows, and thousands of them (4,000 sheets, 40,000 marks).
    connection = session.connection()
    rows = connection.execute(query).all()
    if not rows:
        return []
    # The same sheets again, as a subquery for the rows that belong to them.
    ids = (
        select(SheetRow.id)
        .join(CandidateRow, CandidateRow.id == SheetRow.candidate_id)
        .outerjoin(ExamCodeRow, ExamCodeRow.code == SheetRow.code)
        .where(*where)
    )
    markers: dict[int, dict[int, str]] = {}
    for sheet_id, round_, grader in connection.execute(
        select(MarkerRow.sheet_id, MarkerRow.round, MarkerRow.grader)
        .where(MarkerRow.sheet_id.in_(ids))
        .order_by(MarkerRow.id)
    ):
        markers.setdefault(sheet_id, {})[round_] = grader
    marks: dict[int, dict[int, dict[str, Mark]]] = {
        sheet_id: {r: {} for r in rounds} for sheet_id, rounds in markers.items()
    }
    for sheet_id, round_, row_id, points, reason in connection.execute(
        select(MarkRow.sheet_id, MarkRow.round, MarkRow.row_id, MarkRow.points, MarkRow.reason)
        .where(MarkRow.sheet_id.in_(ids))
        .order_by(MarkRow.id)
    ).all():  # one fetchall: iterating fetches row by row, twice as slow here
        marks.setdefault(sheet_id, {}).setdefault(round_, {})[row_id] = Mark(points, reason)
    signoffs: dict[int, list[str]] = {}
    for sheet_id, grader in connection.execute(
        select(SignoffRow.sheet_id, SignoffRow.grader)
        .where(SignoffRow.sheet_id.in_(ids))
        .order_by(SignoffRow.id)
    ):
        signoffs.setdefault(sheet_id, []).append(grader)
    # Unpacked as tuples: a row's attributes by name cost more than the rest of this loop.
    return [
        Sheet(
            id=sheet_id,
            exam_id=exam_id,
            exam_number=exam_number,
            name=name,
            class_name=class_name,
            school=school,
            module=module,
            project=project,
            form_id=form_id,
            scenario_id=scenario_id,
            scenario_hash=scenario_hash,
            code=code,
            code_used=conversation_id is not None,
            conversation_id=conversation_id,
            chat_outcome=outcome,
            auto=None if auto is None else _auto_rows(auto),
            auto_total=auto_total,
            final=final,
            threshold=threshold,
            locked=locked if final else None,
            markers=markers.get(sheet_id, {}),
            marks=marks.get(sheet_id, {}),
            signoffs=signoffs.get(sheet_id, []),
        )
        for (
            sheet_id,
            exam_id,
            module,
            project,
            form_id,
            scenario_id,
            scenario_hash,
            code,
            auto,
            auto_total,
            final,
            locked,
            exam_number,
            name,
            class_name,
            school,
            threshold,
            conversation_id,
            outcome,
        ) in rows
    ]


def _auto_rows(stored: dict) -> dict[str, AutoRow]:
    return {k: AutoRow(v[0], tuple(v[1]), v[2]) for k, v in stored.items()}


def use_code(engine: Engine, code: str, conversation_id: str) -> None:
    """Mark a draw's access code used by a conversation started in the terminal."""
    with writing(engine) as session:
        row = session.get(ExamCodeRow, code, with_for_update=True)
        if row is None or row.conversation_id is not None:
            raise KefuError(f"考试码 {code} 无效或已使用。")
        row.used_at_utc = utc_now()
        row.conversation_id = conversation_id


# ------------------------------------------------------------------------ changes to a sheet


def _open_sheet(session: Session, sheet: Sheet) -> SheetRow:
    """The sheet's row, locked; refuse if it is finalised (checked inside the transaction)."""
    row = session.get(SheetRow, sheet.id, with_for_update=True)
    if row is None:
        raise NotFound(f"评分表 {sheet.id} 不存在。")
    if row.final:
        raise finalised(sheet)
    return row


def finalised(sheet: Sheet) -> KefuError:
    """The refusal to change a finalised sheet, with the way to unlock it."""
    return KefuError(
        f"准考证号 {sheet.exam_number} 的评分表已定稿，不能修改。"
        f"提示：主评分员可用 kefu exam unlock {sheet.exam_id} {sheet.exam_number} "
        "--reason “…” 解锁（记入审计日志）。"
    )


def _signers(session: Session, sheet_id: int) -> list[str]:
    """The sheet's sign-offs as they are now, read inside the caller's (locking) transaction."""
    return list(
        session.scalars(
            select(SignoffRow.grader).where(SignoffRow.sheet_id == sheet_id).order_by(SignoffRow.id)
        )
    )


def _withdraw_signoffs(session: Session, sheet: Sheet, actor: str) -> None:
    signers = _signers(session, sheet.id)
    if signers:
        session.execute(delete(SignoffRow).where(SignoffRow.sheet_id == sheet.id))
        record(
            session,
            actor,
            "signoff_withdrawn",
            **_where(sheet),
            before="、".join(signers),
            reason="分数有改动，签字作废",
        )


def _where(sheet: Sheet) -> dict:
    return {"exam_id": sheet.exam_id, "sheet_id": sheet.id, "exam_number": sheet.exam_number}


def set_marks(
    engine: Engine,
    sheet: Sheet,
    round_: int,
    grader: str,
    marks: dict[str, Mark],
    note: str = "",
) -> int:
    """Store a grader's marks for a round (taking the round if new); return how many changed.

    ``note`` is the grader's reason for this change, kept in the audit log for every row.
    """
    changed = 0
    with writing(engine) as session:
        row = _open_sheet(session, sheet)
        # Read again inside the locked transaction, not from the caller's copy of the sheet.
        rounds = _stored_rounds(session, sheet.id)
        holder = session.scalar(
            select(MarkerRow.grader).where(
                MarkerRow.sheet_id == sheet.id, MarkerRow.round == round_
            )
        )
        if holder is None:
            session.add(MarkerRow(sheet_id=sheet.id, round=round_, grader=grader))
            record(session, grader, "marker", **_where(sheet), after=f"第 {round_} 评")
        elif holder != grader:
            raise KefuError(f"第 {round_} 评已由另一位评分员领取。请刷新后再评。")
        current = {
            m.row_id: m
            for m in session.scalars(
                select(MarkRow).where(MarkRow.sheet_id == sheet.id, MarkRow.round == round_)
            )
        }
        auto = _auto_rows(row.auto) if row.auto is not None else {}
        # A row flagged since the caller read the sheet is the arbiter's all the same.
        held = []
        for row_id, mark in marks.items():
            refusal = flagged_row_refusal(
                round_, row_id, mark.points, auto, rounds, sheet.threshold
            )
            if refusal:
                held.append(f"{row_id}：{refusal}")
        if held:
            raise KefuError("\n".join(held) + "\n没有保存任何分数。")
        for row_id, mark in marks.items():
            stored = current.get(row_id)
            if stored is not None and Mark(stored.points, stored.reason) == mark:
                continue
            if stored is not None:
                before = stored.points
            else:
                before = auto[row_id].points if row_id in auto else None
            if stored is None:
                session.add(
                    MarkRow(
                        sheet_id=sheet.id,
                        round=round_,
                        row_id=row_id,
                        points=mark.points,
                        reason=mark.reason,
                    )
                )
            else:
                stored.points, stored.reason = mark.points, mark.reason
            action = "override" if row_id in auto and mark.points != auto[row_id].points else "mark"
            record(
                session,
                grader,
                action,
                **_where(sheet),
                row_id=f"{row_id}@{round_}",
                before=before,
                after=mark.points,
                reason=mark.reason or note,
            )
            changed += 1
        if changed:
            _withdraw_signoffs(session, sheet, grader)
    return changed


def _stored_rounds(session: Session, sheet_id: int) -> dict[int, dict[str, Mark]]:
    """Each round taken on the sheet, with its marks, as stored now."""
    taken = session.scalars(select(MarkerRow.round).where(MarkerRow.sheet_id == sheet_id))
    rounds: dict[int, dict[str, Mark]] = {r: {} for r in taken}
    for m in session.scalars(select(MarkRow).where(MarkRow.sheet_id == sheet_id)):
        rounds.setdefault(m.round, {})[m.row_id] = Mark(m.points, m.reason)
    return rounds


def set_auto(
    engine: Engine, sheet: Sheet, auto: dict[str, AutoRow], total: float, actor: str, reason: str
) -> None:
    """Store the automatic rows of a sheet, one audit entry per row that changed or went away."""
    with writing(engine) as session:
        row = _open_sheet(session, sheet)
        old = _auto_rows(row.auto) if row.auto is not None else {}
        changed = False
        for row_id in [*auto, *(k for k in old if k not in auto)]:
            before, after = old.get(row_id), auto.get(row_id)
            if before is not None and after is not None and before.points == after.points:
                continue
            changed = True
            record(
                session,
                actor,
                "auto",
                **_where(sheet),
                row_id=row_id,
                before=None if before is None else before.points,
                after=None if after is None else after.points,
                reason=reason,
            )
        row.auto = {k: [v.points, list(v.evidence), v.comment] for k, v in auto.items()}
        row.auto_total = total
        if old and changed:
            _withdraw_signoffs(session, sheet, actor)


def sign_off(
    engine: Engine, sheet: Sheet, user: str, needed: int, finals: dict[str, float]
) -> bool:
    """Record a user's sign-off; lock the sheet (and its row values) when enough people signed.

    Return True if the sheet is locked now.
    """
    total = sum(finals.values())
    with writing(engine) as session:
        row = _open_sheet(session, sheet)
        # Counted inside the locked transaction: two graders signing at once both count.
        signers = _signers(session, sheet.id)
        if user in signers:
            raise KefuError(
                f"你已经为准考证号 {sheet.exam_number} 的评分表签过字，还需另一位评分员签字。"
            )
        session.add(SignoffRow(sheet_id=sheet.id, grader=user, at_utc=utc_now()))
        record(session, user, "signoff", **_where(sheet), after=total)
        if len(signers) + 1 >= needed:
            row.final = True
            row.locked = dict(finals)
            record(
                session,
                user,
                "finalise",
                **_where(sheet),
                after=total,
                reason=f"签字：{'、'.join([*signers, user])}",
                locks=row.locked,
            )
            return True
    return False


def unlock(engine: Engine, sheet: Sheet, user: str, reason: str) -> None:
    """Unlock a finalised sheet; its sign-offs are void and must be given again."""
    with writing(engine) as session:
        row = session.get(SheetRow, sheet.id, with_for_update=True)
        if row is None or not row.final:
            raise KefuError(f"准考证号 {sheet.exam_number} 的评分表没有定稿，不需要解锁。")
        row.final = False
        row.locked = None
        session.execute(delete(SignoffRow).where(SignoffRow.sheet_id == sheet.id))
        record(
            session, user, "unlock", **_where(sheet), before="已定稿", after="评分中", reason=reason
        )
