"""The graders' pages: an exam's results table, a sheet to mark, the arbitration queue, exports.

Every page acts as the logged-in user through the services ``kefu exam sheets/sheet/grade/
finalise/unlock/audit/export`` call (``bot.services.exam_grading``, ``bot.services.results_export``),
and what a user may see follows ``bot.core.marking.visible_rounds`` and
``bot.core.sheet_state.sees_all``: other graders' rounds, finals and totals stay hidden while
marking is blind. Nothing here decides a grading rule; a refusal shows the service's message.

Paths (under /console):

- ``/exams/{id}/results``: one row per sheet; filters and sort as query parameters, 50 a page;
- ``/exams/{id}/sheets/{exam_number}``: the sheet with its chat (customer service), the marking
  form (keyboard: Tab in row order, Enter or Alt+S saves, Alt+F signs off), sign-off, unlock,
  and the sheet's audit trail (seniors, as ``kefu exam audit``);
- ``/exams/{id}/arbitration``: the sheets waiting for a third marking (seniors);
- ``/exams/{id}/export.xlsx`` and ``export.csv`` (``?part=summary`` for the summary, ``?draft=1``
  while sheets are open): the files ``kefu exam export`` writes (seniors).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from starlette.responses import Response

from bot.console.auth import ALL_ROLES, SENIORS, Viewer
from bot.console.paper_sheet import paper_values
from bot.console.site import Console, Page
from bot.core.draw import NAMES_ZH
from bot.core.errors import KefuError
from bot.core.learned import why
from bot.core.marking import BAND_ZH, ROLES, ROUND_TITLES, SENIOR, THIRD, visible_rounds
from bot.core.moves import KIND_TITLES, MOVE_TITLES
from bot.core.outcomes import outcome_title
from bot.core.sheet_state import ARBITRATING, ARBITRATION, sees_all, state_label
from bot.services import exam_grading as grading
from bot.services.results_export import PROJECT_ZH, export
from bot.storage import get_transcript
from bot.storage import results_table as table_store
from bot.storage import sheets as store
from bot.storage.audit import ACTIONS, User, entries
from bot.storage.exams import get_exam, roster

PAGE_SIZE = table_store.PAGE_SIZE  # one page size for the query and the page
# A reply slower than this many seconds is shown as slow (as in the score report).
SLOW_REPLY = 180

# ------------------------------------------------------------------------ the results table


SORTS: dict[str, str] = {
    "exam_number": "准考证号",
    "name": "姓名",
    "class": "班级",
    "module": "模块",
    "project": "项目",
    "state": "状态",
    "total": "总分",
    "band": "等级",
    "flagged": "仲裁",
    "signed": "签字",
}


@dataclass(frozen=True)
class ResultsQuery:
    """What the results table shows: filters, sort and page, read from the query string."""

    module: str = ""
    class_name: str = ""
    band: str = ""  # a key of BAND_ZH (on the totals the viewer may see)
    flagged: str = ""  # "1": only sheets with rows apart by more than the threshold, "0": none
    unsigned: bool = False  # only sheets not yet finalised
    sort: str = "exam_number"
    descending: bool = False
    page: int = 1

    @classmethod
    def of(cls, params: Mapping[str, str]) -> ResultsQuery:
        sort = params.get("sort", "")
        try:
            number = max(1, int(params.get("page", "1")))
        except ValueError:
            number = 1
        return cls(
            module=params.get("module", "") if params.get("module") in NAMES_ZH else "",
            class_name=params.get("class", "").strip(),
            band=params.get("band", "") if params.get("band") in BAND_ZH else "",
            flagged=params.get("flagged", "") if params.get("flagged") in ("0", "1") else "",
            unsigned=params.get("unsigned") == "1",
            sort=sort if sort in SORTS else "exam_number",
            descending=params.get("order") == "desc",
            page=number,
        )

    def params(self, **changes: Any) -> str:
        """This query as a query string, with some values changed (for links)."""
        q = replace(self, **changes)
        values = {
            "module": q.module,
            "class": q.class_name,
            "band": q.band,
            "flagged": q.flagged,
            "unsigned": "1" if q.unsigned else "",
            "sort": "" if q.sort == "exam_number" else q.sort,
            "order": "desc" if q.descending else "",
            "page": "" if q.page == 1 else str(q.page),
        }
        return urlencode({k: v for k, v in values.items() if v})

    def sorted_by(self, column: str) -> str:
        """The query string that sorts by ``column`` (the other way round if it already does)."""
        flip = column == self.sort and not self.descending
        return self.params(sort=column, descending=flip, page=1)


@dataclass(frozen=True)
class ResultsPage:
    rows: list[table_store.ResultRow]
    count: int  # sheets matching the filters
    sheets: int  # sheets of the exam
    classes: list[str]
    page: int
    pages: int


def _extra_key(column: str) -> Callable[[table_store.ResultRow], Any]:
    """How the console sorts the columns the storage query does not (None: last)."""
    return {
        "module": lambda r: list(NAMES_ZH).index(r.module) if r.module in NAMES_ZH else None,
        "project": lambda r: PROJECT_ZH.get(r.project, r.project),
        "band": lambda r: None if r.band is None else list(BAND_ZH).index(r.band),
        "flagged": lambda r: r.flagged,
        "signed": lambda r: (r.signed, r.signoffs_needed),
    }[column]


def results_table(app, exam_id: int, query: ResultsQuery) -> ResultsPage:
    """The results table of an exam as the logged-in user may see it: the one place it is read.

    The finished chats' scores are brought in first (as ``kefu exam sheets`` does); then
    ``bot.storage.results_table`` filters, sorts and pages with the grading rules applied by
    ``exam_grading.evaluate_sheet`` and the blind-marking rule of the viewer. Columns that query
    does not sort by (module, project, band, arbitration, sign-offs) are sorted here.
    """
    user = grading.acting_user(app, *ROLES)
    grading.collect_chats(app, exam_id)
    exam = get_exam(app.db, exam_id)
    filters: dict[str, Any] = {
        "module": query.module or None,
        "class_name": query.class_name or None,
        "band": query.band or None,
        "flagged": {"1": True, "0": False}.get(query.flagged),
        "unsigned": True if query.unsigned else None,
        "viewer": user,
    }

    def evaluate(sheet: store.Sheet):
        return grading.evaluate_sheet(app, sheet)

    def read(page: int) -> tuple[list[table_store.ResultRow], int]:
        if query.sort in table_store.SORTS:
            found = table_store.results_page(
                app.db,
                exam_id,
                evaluate,
                **filters,
                sort=query.sort,
                descending=query.descending,
                offset=(page - 1) * PAGE_SIZE,
                limit=PAGE_SIZE,
            )
            return found.rows, found.count
        every = table_store.results_page(
            app.db, exam_id, evaluate, **filters, limit=max(exam.candidates, 1)
        )
        key = _extra_key(query.sort)
        known = [r for r in every.rows if key(r) is not None]
        known.sort(key=key, reverse=query.descending)  # stable: exam-number order within ties
        ordered = known + [r for r in every.rows if key(r) is None]
        start = (page - 1) * PAGE_SIZE
        return ordered[start : start + PAGE_SIZE], every.count

    rows, count = read(query.page)
    pages = max(1, -(-count // PAGE_SIZE))
    if query.page > pages:  # past the end (the filters changed): show the last page
        rows, count = read(pages)
    return ResultsPage(
        rows=rows,
        count=count,
        sheets=exam.candidates,
        classes=sorted({c.class_name for c in roster(app.db, exam_id)}),
        page=min(query.page, pages),
        pages=pages,
    )


def arbitration_queue(app, exam_id: int) -> list[table_store.ResultRow]:
    """The sheets waiting for a third marking (待仲裁, 仲裁中), in exam-number order."""
    user = grading.acting_user(app, *SENIOR)
    grading.collect_chats(app, exam_id)
    size = max(get_exam(app.db, exam_id).candidates, 1)
    rows = []
    for state in (ARBITRATION, ARBITRATING):
        rows += table_store.results_page(
            app.db,
            exam_id,
            lambda sheet: grading.evaluate_sheet(app, sheet),
            state=state,
            limit=size,
            viewer=user,
        ).rows
    return sorted(rows, key=lambda r: r.exam_number)


# ------------------------------------------------------------------------ one sheet


@dataclass(frozen=True)
class RowView:
    """A rubric row on the sheet page, as the viewer may see it."""

    id: str
    point: str
    title: str
    max: float
    auto: Any  # bot.core.marking.AutoRow or None
    rounds: list[tuple[int, float | None]]  # the rounds the viewer may see
    final: float | None
    flagged: bool
    reasons: list[tuple[int, str, str]]  # round, 改分原因 (an override's) or 说明, the reason
    value: str  # what the viewer's input shows
    editable: bool
    empty: bool  # no value yet in the viewer's round (autofocus goes to the first)


@dataclass(frozen=True)
class Plan:
    """The round the viewer would mark in, as the service decides (or why they cannot)."""

    round: int | None
    offer_second: bool
    refusal: str


def marking_plan(user: User, sheet: store.Sheet, result) -> Plan:
    """Ask the service which round the user marks in (and whether as a second grader)."""
    if sheet.final:
        return Plan(None, False, "")
    try:
        return Plan(grading.marking_round(user, sheet, result, False), False, "")
    except KefuError as first_refusal:
        try:
            return Plan(grading.marking_round(user, sheet, result, True), True, "")
        except KefuError:
            return Plan(None, False, str(first_refusal))


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def sheet_values(
    app,
    exam_id: int,
    exam_number: str,
    entered: Mapping[str, str] | None = None,
    error: str = "",
    reason: str = "",
    second: bool = False,
) -> dict[str, Any]:
    """Everything the sheet page shows to the logged-in user (as ``kefu exam sheet``)."""
    user = grading.acting_user(app, *ROLES)
    exam = get_exam(app.db, exam_id)
    sheet = grading.load_sheet(app, exam_id, exam_number)
    result = grading.evaluate_sheet(app, sheet)
    own = sheet.round_of(user.name)
    seen = visible_rounds(user.role, own, set(sheet.markers), sheet.final)
    complete = sees_all(sheet, seen)
    plan = marking_plan(user, sheet, result)
    mine = sheet.marks.get(own, {}) if own is not None else {}
    rows = []
    for row in result.rows:
        rid = row.row.id
        editable = plan.round is not None and (plan.round != THIRD or row.flagged)
        if plan.round == THIRD:
            current = row.rounds.get(THIRD)
        elif own is not None:
            current = row.rounds.get(own)
        else:
            current = None if row.auto is None else row.auto.points
        stored = mine.get(rid)
        value = (
            entered.get(rid, "") if entered is not None else _num(stored.points if stored else None)
        )
        rows.append(
            RowView(
                id=rid,
                point=row.row.point,
                title=row.row.title,
                max=row.row.max,
                auto=row.auto,
                rounds=[(r, row.rounds.get(r)) for r in sorted(seen)],
                final=row.final if complete else None,
                flagged=row.flagged and complete,
                reasons=[
                    (r, "改分原因" if r in row.overrides else "说明", m.reason)
                    for r, m in sorted(row.marks.items())
                    if r in seen and m.reason
                ],
                value=value,
                editable=editable,
                empty=current is None and not value,
            )
        )
    focus = next((r.id for r in rows if r.editable and r.empty), None)
    shown = sorted(r for r in sheet.markers if r in seen)
    hidden = len(sheet.markers) - len(shown)
    try:
        grading.acting_user(app, *SENIOR)  # the audit log is for seniors (kefu exam audit)
        audit = [e for e in entries(app.db, exam_id) if e.sheet_id == sheet.id]
        audit_refusal = ""
    except KefuError as refusal:
        audit, audit_refusal = None, str(refusal)
    numbers = [c.exam_number for c in roster(app.db, exam_id)]
    at = numbers.index(sheet.exam_number) if sheet.exam_number in numbers else -1
    return {
        "exam": exam,
        "sheet": sheet,
        "result": result,
        "rows": rows,
        "focus": focus,
        "plan": plan,
        "own": own,
        "seen": sorted(seen),
        "complete": complete,
        "markers": [(ROUND_TITLES[r], sheet.markers[r]) for r in shown],
        "hidden_markers": hidden,
        "state": state_label(sheet, result),
        "total": result.total if complete else None,
        "band": BAND_ZH.get(result.band or "", "") if complete else "",
        "awaiting_third": bool(result.awaiting_third),
        "module": NAMES_ZH.get(sheet.module, sheet.module),
        "project": PROJECT_ZH.get(sheet.project, sheet.project),
        "chat": chat_values(app, sheet),
        "paper": paper_values(app, sheet),
        "audit": audit,
        "audit_refusal": audit_refusal,
        "actions": ACTIONS,
        "round_titles": ROUND_TITLES,
        "error": error,
        "reason": reason,
        "second": second,
        "senior": user.role in SENIOR,
        "previous": numbers[at - 1] if at > 0 else None,
        "next": numbers[at + 1] if 0 <= at < len(numbers) - 1 else None,
    }


def chat_values(app, sheet: store.Sheet) -> dict[str, Any] | None:
    """The candidate's chat with what the analyser read in each agent message, or None."""
    if sheet.conversation_id is None:
        return None
    scored = app.score(get_transcript(app.db, sheet.conversation_id))
    findings = {m.index: m for m in scored.messages}
    scenario = app.scenario_version(sheet.scenario_id or "", sheet.scenario_hash)
    messages = []
    for i, message in enumerate(scored.analysis.transcript.messages):
        finding = findings.get(i)
        messages.append(
            {
                "index": i,
                "role": message.role,
                "text": message.text,
                "at": message.at.strftime("%H:%M:%S") if message.at else "",
                "moves": [MOVE_TITLES.get(m, m) for m in finding.moves] if finding else [],
                "violations": [h.words + why(h) for h in finding.violations] if finding else [],
                "red_lines": [h.words for h in finding.red_lines] if finding else [],
                "repeat_of": finding.repeat_of if finding else None,
                "off_topic": bool(finding and finding.off_topic),
                "reply_seconds": finding.reply_seconds if finding else None,
            }
        )
    return {
        "id": sheet.conversation_id,
        "running": sheet.chat_outcome is None,
        "outcome": outcome_title(sheet.chat_outcome),
        "kind": KIND_TITLES.get(scored.kind, scored.kind),
        "customer": scenario.customer.name if scenario else "顾客",
        "scenario": scenario.title if scenario else sheet.scenario_id,
        "total": sheet.auto_total,
        "messages": messages,
        "slow": SLOW_REPLY,
    }


def entered_marks(page: Page, form_rows) -> dict[str, str]:
    """The marks typed into the form, by row id (empty fields left out)."""
    out = {}
    for row in form_rows:
        value = page.field(f"mark:{row.id}")
        if value:
            out[row.id] = value
    return out


def changed_marks(
    entered: Mapping[str, str], sheet: store.Sheet, user: User, titles: Mapping[str, str]
) -> dict[str, float]:
    """The typed marks that differ from the user's round as stored (those are sent)."""
    own = sheet.round_of(user.name)
    stored = sheet.marks.get(own, {}) if own is not None else {}
    values, problems = {}, []
    for rid, text in entered.items():
        try:
            points = float(text.replace("，", ".").replace(",", "."))
        except ValueError:
            problems.append(f"{rid}（{titles[rid]}）的分数“{text}”不是数字")
            continue
        if rid in stored and stored[rid].points == points:
            continue
        values[rid] = points
    if problems:
        raise KefuError("\n".join(problems) + "\n没有保存任何分数。")
    return values


# ------------------------------------------------------------------------ the pages


def _sheet_path(exam_id: int, exam_number: str) -> str:
    return f"/exams/{exam_id}/sheets/{quote(exam_number)}"


def links(viewer: Viewer, exam) -> list[tuple[str, str]]:
    """Per-exam links on the first page: results for everyone, arbitration and export for seniors."""
    if not exam.drawn:
        return []
    out = [("成绩", f"/exams/{exam.id}/results")]
    if viewer.role in SENIORS:
        out += [
            ("仲裁", f"/exams/{exam.id}/arbitration"),
            ("导出", f"/exams/{exam.id}/export.xlsx"),
        ]
    return out


def register(console: Console) -> None:
    console.exam_links.append(links)

    def params(page: Page) -> tuple[int, str]:
        path = page.request.path_params
        return int(path["exam_id"]), str(path.get("exam_number", ""))

    @console.page("/exams/{exam_id:int}/results", roles=ALL_ROLES)
    def results(page: Page) -> Response:
        exam_id, _ = params(page)
        app = page.app
        query = ResultsQuery.of(page.query)
        table = results_table(app, exam_id, query)
        return page.render(
            "grading_results.html.j2",
            exam=get_exam(app.db, exam_id),
            table=table,
            query=query,
            sorts=SORTS,
            modules=NAMES_ZH,
            projects=PROJECT_ZH,
            bands=BAND_ZH,
            waiting=(ARBITRATION, ARBITRATING),
            senior=page.viewer.role in SENIORS,
        )

    @console.page("/exams/{exam_id:int}/arbitration", roles=SENIORS)
    def arbitration(page: Page) -> Response:
        exam_id, _ = params(page)
        app = page.app
        return page.render(
            "grading_arbitration.html.j2",
            exam=get_exam(app.db, exam_id),
            rows=arbitration_queue(app, exam_id),
            projects=PROJECT_ZH,
        )

    def show_sheet(page: Page, status: int = 200, **values: Any) -> Response:
        exam_id, number = params(page)
        data = sheet_values(page.app, exam_id, number, **values)
        return page.render("grading_sheet.html.j2", status=status, **data)

    @console.page("/exams/{exam_id:int}/sheets/{exam_number}", roles=ALL_ROLES)
    def sheet_page(page: Page) -> Response:
        return show_sheet(page)

    @console.page(
        "/exams/{exam_id:int}/sheets/{exam_number}/grade", roles=ALL_ROLES, methods=["POST"]
    )
    def grade(page: Page) -> Response:
        exam_id, number = params(page)
        app = page.app
        user = grading.acting_user(app, *ROLES)
        sheet = grading.load_sheet(app, exam_id, number)
        form = grading.form_of(app, sheet)
        entered = entered_marks(page, form.items)
        reason, second = page.field("reason"), page.field("second") == "1"
        try:
            values = changed_marks(entered, sheet, user, {r.id: r.title for r in form.items})
            if not values:
                raise KefuError("没有新填或改动的分数，没有保存。")
            round_, changed = grading.grade(app, exam_id, number, values, reason, second)
        except KefuError as error:
            return show_sheet(
                page, 400, entered=entered, error=str(error), reason=reason, second=second
            )
        return page.redirect(
            _sheet_path(exam_id, number),
            f"已保存 {changed} 行（{ROUND_TITLES[round_]}，准考证号 {number}）。",
        )

    @console.page(
        "/exams/{exam_id:int}/sheets/{exam_number}/finalise", roles=ALL_ROLES, methods=["POST"]
    )
    def finalise(page: Page) -> Response:
        exam_id, number = params(page)
        try:
            locked, result = grading.finalise(page.app, exam_id, number)
        except KefuError as error:
            return show_sheet(page, 400, error=str(error))
        if locked:
            band = BAND_ZH[result.band or "fail"]
            notice = f"准考证号 {number} 已定稿：总分 {result.total:g}，等级 {band}。"
        else:
            notice = f"已签字；双评的评分表还需另一位评分员签字才能定稿（准考证号 {number}）。"
        return page.redirect(_sheet_path(exam_id, number), notice)

    @console.page(
        "/exams/{exam_id:int}/sheets/{exam_number}/unlock", roles=SENIORS, methods=["POST"]
    )
    def unlock(page: Page) -> Response:
        exam_id, number = params(page)
        try:
            grading.unlock(page.app, exam_id, number, page.field("reason"))
        except KefuError as error:
            return show_sheet(page, 400, error=str(error))
        return page.redirect(_sheet_path(exam_id, number), f"准考证号 {number} 的评分表已解锁。")

    def download(part: str) -> Callable[[Page], Response]:
        def handler(page: Page) -> Response:
            exam_id, _ = params(page)
            app = page.app
            grading.acting_user(app, *SENIOR)
            draft = page.query.get("draft") == "1"
            which = "summary" if part == "csv" and page.query.get("part") == "summary" else part
            with tempfile.TemporaryDirectory() as folder:
                try:
                    paths = export(app, exam_id, Path(folder), draft)
                except KefuError as error:
                    return page.render(
                        "grading_export_refused.html.j2",
                        status=400,
                        exam_id=exam_id,
                        text=str(error),
                        again=f"/exams/{exam_id}/export.{part}?"
                        + urlencode(
                            {"draft": "1", **({"part": "summary"} if which == "summary" else {})}
                        ),
                    )
                path = {"csv": paths[0], "summary": paths[1], "xlsx": paths[2]}[which]
                data = path.read_bytes()
            media = (
                "text/csv; charset=utf-8"
                if part == "csv"
                else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
            plain = f"exam{exam_id}-{which}{'-draft' if draft else ''}{path.suffix}"
            disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(path.name)}"
            return Response(data, media_type=media, headers={"Content-Disposition": disposition})

        return handler

    console.page("/exams/{exam_id:int}/export.xlsx", roles=SENIORS)(download("xlsx"))
    console.page("/exams/{exam_id:int}/export.csv", roles=SENIORS)(download("csv"))
