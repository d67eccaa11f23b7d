"""Running an exam's grading: who acts, the draw, chat scores into sheets, marks, finalising.

The adapter between the CLI and the pieces that know the rules (``bot.core.marking``,
``bot.core.draw``, ``bot.core.project_sheet``) and the tables (``bot.storage.sheets``,
``bot.storage.audit``). Every permission is checked here, against the acting user.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.core.draw import draw as draw_modules
from bot.core.draw import place
from bot.core.errors import KefuError, NotFound
from bot.core.marking import (
    FIRST,
    ROLES,
    SECOND,
    SENIOR,
    THIRD,
    AutoRow,
    Mark,
    SheetResult,
    check_points,
    evaluate,
    flagged_row_refusal,
    override_needs_reason,
    reason_belongs_to_row,
    signed,
)
from bot.core.project_sheet import carry_chat
from bot.core.rubric import RubricForm, RubricRow
from bot.services.app import App
from bot.storage import get_transcript
from bot.storage import sheets as store
from bot.storage.audit import SYSTEM, User, get_user, has_users
from bot.storage.db import display_url
from bot.storage.exams import get_exam

# Which chat kinds a customer-service project's scenarios come from.
PROJECT_KINDS = {"presale": ("presale",), "aftersale": ("objection", "complaint")}


def acting_user(app: App, *roles: str) -> User:
    """The user named by ``--as`` / ``KEFU_USER``, refused unless it has one of ``roles``."""
    name = app.settings.user.strip()
    if not name:
        hint = (
            "先添加第一位管理员：kefu user add 姓名 --role admin"
            if not has_users(app.db)
            else "用 kefu --as 姓名 …，或设置环境变量 KEFU_USER"
        )
        raise KefuError(f"这个操作需要说明你是谁。提示：{hint}。")
    try:
        user = get_user(app.db, name)
    except NotFound:
        if has_users(app.db):
            raise
        raise NotFound(
            f"数据库 {display_url(app.settings.db)} 里还没有任何用户，也就没有“{name}”。"
            "提示：如果用户是在别处添加的，检查当前文件夹、--db 或 KEFU_DB 是否指向同一个数据库；"
            "否则先添加第一位管理员：kefu user add 姓名 --role admin。"
        ) from None
    if roles and user.role not in roles:
        wanted = "、".join(ROLES[r] for r in roles)
        raise KefuError(f"“{user.name}”是{ROLES[user.role]}，这个操作需要{wanted}。")
    return user


def project_forms(app: App) -> dict[tuple[str, str], RubricForm]:
    """The project forms by (module, project)."""
    return {(f.module, f.project): f for f in app.rubrics.forms.values() if not f.kinds}


def draw_exam(app: App, exam_id: int, seed: int) -> None:
    """Draw an exam's roster into modules and projects; give customer service a scenario and code."""
    actor = acting_user(app, "admin")
    exam = get_exam(app.db, exam_id)
    if exam.candidates == 0:
        raise KefuError(f"考试 {exam_id} 的名单是空的。提示：先用 kefu exam roster 导入名单。")
    forms = project_forms(app)
    projects: dict[str, list[str]] = {}
    for module, project in forms:
        projects.setdefault(module, []).append(project)
    scenarios = {
        project: [s.id for kind in kinds for s in app.library.by_kind(kind)]
        for project, kinds in PROJECT_KINDS.items()
    }
    modules = draw_modules(exam.candidates, seed).assignments
    placed = place(modules, seed, projects, scenarios, exam.service)
    store.store_draw(
        app.db,
        exam_id,
        seed,
        actor.name,
        [
            store.Placed(
                p.module,
                p.project,
                forms[(p.module, p.project)].id,
                None if p.scenario is None else app.library.get(p.scenario),
            )
            for p in placed
        ],
    )


def form_of(app: App, sheet: store.Sheet) -> RubricForm:
    form = app.rubrics.forms.get(sheet.form_id)
    if form is None:
        raise KefuError(f"评分表 {sheet.form_id} 不存在或有错误。提示：kefu rubric check。")
    return form


def evaluate_sheet(
    app: App, sheet: store.Sheet, auto: dict[str, AutoRow] | None = None
) -> SheetResult:
    """The sheet under the rules; a finalised sheet keeps the values it was signed with."""
    rounds = {r: sheet.marks.get(r, {}) for r in sheet.markers}
    automatic = (sheet.auto or {}) if auto is None else auto
    result = evaluate(form_of(app, sheet), automatic, rounds, sheet.threshold)
    if sheet.final and sheet.locked is not None:
        return signed(result, sheet.locked)
    return result


# ------------------------------------------------------------------------ chat scores


def chat_auto(app: App, sheet: store.Sheet) -> tuple[dict[str, AutoRow], float | None] | None:
    """Score a sheet's chat and its submitted task paper and carry them into the project form;
    None while there is neither. A row both fill takes the live chat's value."""
    from bot.services.paper_grading import paper_sheet_auto  # papers load only when used

    paper = paper_sheet_auto(app, sheet)
    if sheet.conversation_id is None or sheet.chat_outcome is None:
        return (paper, None) if paper else None  # no chat yet, or it is still running
    scored = app.score(get_transcript(app.db, sheet.conversation_id))
    carried = carry_chat(form_of(app, sheet), scored)
    auto = {
        row.id: AutoRow(row.points, tuple(row.evidence), row.comment)
        for row in carried
        if row.points is not None
    }
    return {**paper, **auto}, scored.total


def collect_chat(app: App, sheet: store.Sheet) -> store.Sheet:
    """Bring a finished chat's score, and a submitted paper's, into the sheet once; return it."""
    from bot.services.paper_grading import paper_collected, paper_waiting

    chat_waiting = sheet.chat_outcome is not None and sheet.auto_total is None
    if sheet.final or not (chat_waiting or paper_waiting(app, sheet)):
        return sheet
    result = chat_auto(app, sheet)
    if result is None:
        return sheet
    store.set_auto(app.db, sheet, *result, SYSTEM, "对话结束或试卷提交，自动评分")
    paper_collected(app, sheet)
    return store.find_sheet(app.db, sheet.exam_id, sheet.exam_number)


def collect_chats(app: App, exam_id: int) -> int:
    """Bring the scores of an exam's finished chats into sheets that have none; return how many."""
    count = 0
    for sheet in store.sheets(app.db, exam_id, with_chat_only=True):
        if collect_chat(app, sheet) is not sheet:
            count += 1
    return count


def load_sheet(app: App, exam_id: int, exam_number: str) -> store.Sheet:
    """A candidate's sheet, with their chat's score brought in if it just finished."""
    return collect_chat(app, store.find_sheet(app.db, exam_id, exam_number))


@dataclass(frozen=True)
class Rescore:
    """What a re-score does (or would do) to one sheet."""

    sheet: store.Sheet
    rows: list[tuple[str, float | None, float | None]]  # row id, automatic before, after
    total_before: float | None
    total_after: float | None
    # Each changed row's final value before and after: unchanged where graders' marks decide.
    finals: dict[str, tuple[float | None, float | None]]
    skipped: str = ""  # why nothing is written (finalised)

    @property
    def kept(self) -> list[str]:
        """Rows whose automatic value changes but whose final value does not (a grader's mark)."""
        return [rid for rid, (before, after) in self.finals.items() if before == after]


def rescore(app: App, exam_id: int, dry_run: bool) -> list[Rescore]:
    """Score every chat again with today's analyser, lexicons and rubrics; write unless dry."""
    # Seniors only, even for a dry run: the totals it prints include every grader's marks.
    actor = acting_user(app, *SENIOR).name
    changes = []
    for sheet in store.sheets(app.db, exam_id):
        result = chat_auto(app, sheet)
        if result is None:
            continue
        auto, total = result
        old = sheet.auto or {}
        rows = [
            (rid, old[rid].points if rid in old else None, new.points)
            for rid, new in auto.items()
            if rid not in old or old[rid].points != new.points
        ] + [(rid, value.points, None) for rid, value in old.items() if rid not in auto]
        if not rows:
            continue
        before = evaluate_sheet(app, sheet)
        after = evaluate_sheet(app, replace(sheet, final=False), auto)
        finals_before = {r.row.id: r.final for r in before.rows}
        finals_after = {r.row.id: r.final for r in after.rows}
        finals = {rid: (finals_before.get(rid), finals_after.get(rid)) for rid, _, _ in rows}
        skipped = "已定稿，未改动（先解锁）" if sheet.final else ""
        changes.append(Rescore(sheet, rows, before.total, after.total, finals, skipped))
        if not dry_run and not sheet.final:
            store.set_auto(app.db, sheet, auto, total, actor, "重新评分")
    return changes


# ------------------------------------------------------------------------ marking


def find_row(form: RubricForm, name: str) -> RubricRow | None:
    """A form's row by its id, or by the id's last part (``p3`` for ``cs_presale.p3``)."""
    for row in form.items:
        if name in (row.id, row.id.rsplit(".", 1)[-1]):
            return row
    return None


def marking_round(user: User, sheet: store.Sheet, result: SheetResult, second: bool) -> int:
    """The round the user marks in on this sheet, or a refusal saying why not."""
    own = sheet.round_of(user.name)
    if own is not None:
        return own
    if FIRST not in sheet.markers:
        if second:
            raise KefuError("这张评分表还没有第一评，不能作为第二评。去掉 --second 即为第一评。")
        return FIRST
    if SECOND not in sheet.markers:
        if not second:
            raise KefuError(
                "这张评分表已由另一位评分员评分（第一评）。如要双评，请加 --second 作为第二评"
                "（盲评：你看不到第一评的分数）。"
            )
        return SECOND
    if THIRD not in sheet.markers and result.awaiting_third:
        if user.role not in SENIOR:
            raise KefuError("两位评分员分差超过阈值，需由主评分员或管理员仲裁（第三评）。")
        return THIRD
    raise KefuError("这张评分表已有两位评分员，且不需要仲裁。")


def grade(
    app: App,
    exam_id: int,
    exam_number: str,
    values: dict[str, float],
    reason: str = "",
    second: bool = False,
) -> tuple[int, int]:
    """Set the acting grader's marks on a sheet; return (round, rows changed)."""
    user = acting_user(app, *ROLES)
    sheet = load_sheet(app, exam_id, exam_number)
    if sheet.final:
        raise store.finalised(sheet)
    form = form_of(app, sheet)
    result = evaluate_sheet(app, sheet)
    round_ = marking_round(user, sheet, result, second)
    rows = {row.id: row for row in form.items}
    auto = sheet.auto or {}
    stored = {r: sheet.marks.get(r, {}) for r in sheet.markers}
    marks = {}
    problems = []
    unknown = [r for r in values if find_row(form, r) is None]
    if unknown:
        raise KefuError(
            f"评分表 {form.id} 没有这些行：{'、'.join(unknown)}"
            f"（可用：{', '.join(rows)}；可省略前缀，如 p1）。没有保存任何分数。"
        )
    for row_id, points in values.items():
        row = find_row(form, row_id)
        assert row is not None
        if round_ == THIRD and row.id not in result.flagged:
            problems.append(f"{row.id} 两评分差未超过阈值，不需要仲裁")
            continue
        # A flagged row waits for (or has) the arbiter's mark: its markers may not change it.
        held = flagged_row_refusal(round_, row.id, points, auto, stored, sheet.threshold)
        if held:
            problems.append(f"{row.id}（{row.title}）：{held}")
            continue
        try:
            check_points(row, points)
        except KefuError as exc:
            problems.append(str(exc))
            continue
        refusal = override_needs_reason(auto.get(row.id), points, reason)
        refusal = refusal or chat_pending(app, sheet, row, reason)
        if refusal:
            problems.append(f"{row.id}（{row.title}）：{refusal}")
            continue
        explains = reason_belongs_to_row(
            auto.get(row.id), points, bool(row.from_chat), sheet.conversation_id is not None
        )
        marks[row.id] = Mark(points, reason.strip() if explains else "")
    if problems:
        raise KefuError("\n".join(problems) + "\n没有保存任何分数。")
    return round_, store.set_marks(app.db, sheet, round_, user.name, marks, reason.strip())


def chat_pending(app: App, sheet: store.Sheet, row: RubricRow, reason: str) -> str | None:
    """Refuse a mark on a chat row before the chat's own score is there.

    While the chat runs, the row waits for it. A chat that never took place (the candidate
    was absent) may be marked by hand, with a reason.
    """
    if not row.from_chat or sheet.code is None or (sheet.auto and row.id in sheet.auto):
        return None
    if sheet.conversation_id is not None:
        if sheet.chat_outcome is None:
            return f"考生的沟通模拟还在进行（对话 {sheet.conversation_id}），这一行等对话结束后自动评分"
        return None  # finished, and this row is one the chat does not show: the grader's
    if not reason.strip():
        return (
            "考生还没有进行沟通模拟，这一行应由聊天自动评分；如考生缺考，请用 --reason 说明后再评"
        )
    return None


def finalise(app: App, exam_id: int, exam_number: str) -> tuple[bool, SheetResult]:
    """Sign the sheet off as the acting user; return (locked now, result)."""
    user = acting_user(app, *ROLES)
    sheet = load_sheet(app, exam_id, exam_number)
    result = evaluate_sheet(app, sheet)
    if not sheet.final:
        missing = [
            f"第 {r} 评缺：{', '.join(result.missing(r))}"
            for r in sorted({FIRST, *sheet.markers})
            if result.missing(r)
        ]
        if result.awaiting_third and THIRD not in sheet.markers:
            missing.append(f"两评分差超过阈值，待仲裁：{', '.join(result.awaiting_third)}")
        if missing:
            raise KefuError(f"准考证号 {exam_number} 的评分表还不能定稿：" + "；".join(missing))
    # A double-marked sheet needs two signatures, so no grader finalises their own alone.
    finals = {r.row.id: r.final for r in result.rows if r.final is not None}
    locked = store.sign_off(app.db, sheet, user.name, result.signoffs_needed, finals)
    return locked, result


def unlock(app: App, exam_id: int, exam_number: str, reason: str) -> None:
    user = acting_user(app, *SENIOR)
    if not reason.strip():
        raise KefuError("解锁需要说明原因：--reason “…”。")
    store.unlock(app.db, store.find_sheet(app.db, exam_id, exam_number), user.name, reason.strip())
