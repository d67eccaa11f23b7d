"""The graders' results table: one page of an exam's sheets, filtered and sorted, and the count.

``results_page`` answers in a fixed number of queries, whatever the page size and the exam size:

- Filtering by module, class or sign-off (``unsigned``) and sorting by exam number, name, class
  or roster order is done by the database: a count, the page's sheet ids (``OFFSET``/``LIMIT``),
  then the page's sheets whole (``sheets.load_sheets``: four queries). The grading rules run
  for the rows of the page only: about 0.05 s a page at 400 or 4,000 candidates.
- Filtering by band, state or flagged rows, or sorting by total or state, needs the rules'
  result for every sheet that passes the database's filters: those sheets are read whole (the
  same four queries) and each open one is evaluated in process (0.1-0.2 ms a sheet), then
  they are filtered, sorted and cut, and the page's rows evaluated again in full. A finalised
  sheet needs no evaluation to be sorted: its state is 已定稿 and its total the sum of the
  values it was signed with (``locked``, the total ``sign_off`` recorded) — unless the
  flagged filter asks and it was double-marked, as flags come from the marks; and only
  double-marked sheets are read for ``flagged=True``. At 4,000 candidates this path takes
  about 0.4 s, growing with the number of sheets: there is no stored total of an open sheet
  to sort by (that would be a new column, kept by every write to a sheet).

The rules are not repeated here: the caller hands in ``evaluate`` (a web page or the CLI pass
``lambda s: exam_grading.evaluate_sheet(app, s)``), and the state, the band and what a user may
see come from ``bot.core.sheet_state``, ``bot.core.marking`` and ``bot.core.scoring``, as in
``kefu exam sheets``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Engine, String, exists, func, select
from sqlalchemy.orm import Session

from bot.core.errors import KefuError
from bot.core.marking import BAND_ZH, SECOND, SheetResult, visible_rounds
from bot.core.scoring import band as score_band
from bot.core.sheet_state import STATES, sees_all, sheet_state, state_label
from bot.storage.audit import User
from bot.storage.exam_models import CandidateRow
from bot.storage.exams import get_exam
from bot.storage.grading_models import MarkerRow, SheetRow
from bot.storage.sheets import Sheet, exam_sheets, load_sheets

# Sort keys a page may ask for; the first four are the database's, the last two the rules'.
SORTS = ("exam_number", "name", "class", "roster", "total", "state")
PAGE_SIZE = 50

Evaluate = Callable[[Sheet], SheetResult]


@dataclass(frozen=True)
class ResultRow:
    """One line of the results table."""

    sheet_id: int
    exam_number: str
    name: str
    class_name: str
    school: str
    module: str
    project: str
    # The final total and its band (excellent / pass / fail): None until every row has a final
    # value, and for a viewer who may not see every round yet (blind double marking).
    total: float | None
    band: str | None
    state: str  # a key of bot.core.sheet_state.STATES
    state_label: str  # as kefu exam sheets prints it: 待签字（1/2）
    flagged: bool  # double marks too far apart on some row (False where total is hidden)
    signed: int  # sign-offs given
    signoffs_needed: int
    markers: int  # graders who took a round
    mine: int | None = None  # the viewer's own round on this sheet


@dataclass(frozen=True)
class ResultsPage:
    rows: list[ResultRow]
    count: int  # rows matching the filters, on every page
    offset: int
    limit: int


def results_page(
    engine: Engine,
    exam_id: int,
    evaluate: Evaluate,
    *,
    module: str | None = None,
    class_name: str | None = None,
    band: str | None = None,
    state: str | None = None,
    flagged: bool | None = None,
    unsigned: bool | None = None,
    sort: str = "exam_number",
    descending: bool = False,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    viewer: User | None = None,
) -> ResultsPage:
    """One page of an exam's results table and the number of rows matching the filters.

    ``unsigned``: True for the sheets not yet finalised (short of their sign-offs), False for
    the finalised ones. ``band``, ``state`` and ``flagged`` filter on what the viewer sees.
    Ties (and the rows without a total, always last) are in exam-number order. ``viewer``:
    the user looking, whose blind marking hides totals they may not see; None shows all.
    """
    if sort not in SORTS:
        raise KefuError(f"不能按“{sort}”排序（可用：{', '.join(SORTS)}）")
    if band is not None and band not in BAND_ZH:
        raise KefuError(f"没有等级“{band}”（可用：{', '.join(BAND_ZH)}）")
    if state is not None and state not in STATES:
        raise KefuError(f"没有状态“{state}”（可用：{', '.join(STATES)}）")
    if offset < 0 or limit < 0:
        raise KefuError("offset 和 limit 不能是负数")
    get_exam(engine, exam_id)  # NotFound, with the hint
    where = exam_sheets(exam_id)
    if module is not None:
        where.append(SheetRow.module == module)
    if class_name is not None:
        where.append(CandidateRow.class_name == class_name)
    if unsigned is not None:
        where.append(SheetRow.final.is_(not unsigned))
    if flagged:
        # Only a double-marked sheet can have a flagged row (bot.core.marking): the others
        # need not be read, let alone evaluated.
        where.append(exists().where(MarkerRow.sheet_id == SheetRow.id, MarkerRow.round == SECOND))
    with Session(engine) as session:
        if band is None and state is None and flagged is None and sort not in ("total", "state"):
            return _page_by_database(
                session, where, evaluate, sort, descending, offset, limit, viewer
            )
        every = load_sheets(session, *where)
    facts = [_facts(s, evaluate, viewer, need_flagged=flagged is not None) for s in every]
    facts = [
        f
        for f in facts
        if (band is None or f.band == band)
        and (state is None or f.state == state)
        and (flagged is None or f.flagged == flagged)
    ]
    page = _sorted(facts, sort, descending)[offset : offset + limit]
    rows = [_row(f.sheet, evaluate(f.sheet), viewer) for f in page]
    return ResultsPage(rows, len(facts), offset, limit)


@dataclass(frozen=True)
class _Facts:
    """What a sheet is sorted and filtered by."""

    sheet: Sheet
    total: float | None
    band: str | None
    state: str
    flagged: bool


def _facts(sheet: Sheet, evaluate: Evaluate, viewer: User | None, need_flagged: bool) -> _Facts:
    single = SECOND not in sheet.markers  # then no row is flagged (bot.core.marking)
    if sheet.final and sheet.locked is not None and (single or not need_flagged):
        # Finalised: the state and the total as signed (the sum sign_off recorded) are known
        # without evaluating the sheet, which is most of the cost of a page (0.1-0.2 ms a sheet).
        total = sum(sheet.locked.values())
        return _Facts(sheet, total, score_band(total), sheet_state(sheet, None), False)
    row = _row(sheet, evaluate(sheet), viewer)
    return _Facts(sheet, row.total, row.band, row.state, row.flagged)


def _page_by_database(
    session: Session,
    where: list[ColumnElement[bool]],
    evaluate: Evaluate,
    sort: str,
    descending: bool,
    offset: int,
    limit: int,
    viewer: User | None,
) -> ResultsPage:
    def joined(*columns):
        return (
            select(*columns)
            .select_from(SheetRow)
            .join(CandidateRow, CandidateRow.id == SheetRow.candidate_id)
            .where(*where)
        )

    count = session.scalar(joined(func.count())) or 0
    key = {
        "exam_number": CandidateRow.exam_number,
        "name": CandidateRow.name,
        "class": CandidateRow.class_name,
        "roster": SheetRow.id,  # the draw makes the sheets in roster order
    }[sort]
    first = _bytewise(session, key)
    order = [
        first.desc() if descending else first.asc(),
        _bytewise(session, CandidateRow.exam_number).asc(),
        SheetRow.id.asc(),
    ]
    ids = list(session.scalars(joined(SheetRow.id).order_by(*order).offset(offset).limit(limit)))
    found = {s.id: s for s in load_sheets(session, SheetRow.id.in_(ids))} if ids else {}
    rows = [_row(found[i], evaluate(found[i]), viewer) for i in ids if i in found]
    return ResultsPage(rows, count, offset, limit)


def _bytewise(session: Session, column: ColumnElement) -> ColumnElement:
    """Text compared as its code points, as Python sorts it (SQLite's BINARY; "C" on PostgreSQL)."""
    if isinstance(column.type, String) and session.get_bind().dialect.name == "postgresql":
        return column.collate("C")
    return column


def _row(sheet: Sheet, result: SheetResult, viewer: User | None) -> ResultRow:
    mine = None if viewer is None else sheet.round_of(viewer.name)
    shown = True
    if viewer is not None:
        seen = visible_rounds(viewer.role, mine, set(sheet.markers), sheet.final)
        shown = sees_all(sheet, seen)
    state = sheet_state(sheet, result)
    return ResultRow(
        sheet_id=sheet.id,
        exam_number=sheet.exam_number,
        name=sheet.name,
        class_name=sheet.class_name,
        school=sheet.school,
        module=sheet.module,
        project=sheet.project,
        total=result.total if shown else None,
        band=result.band if shown else None,
        state=state,
        state_label=state_label(sheet, result),
        flagged=bool(result.flagged) if shown else False,
        signed=len(sheet.signoffs),
        signoffs_needed=result.signoffs_needed,
        markers=len(sheet.markers),
        mine=mine,
    )


_ORDER = {state: i for i, state in enumerate(STATES)}


def _sorted(facts: list[_Facts], sort: str, descending: bool) -> list[_Facts]:
    """Sorted as the database path sorts: the key, then exam number and sheet id ascending."""
    facts = sorted(facts, key=lambda f: (f.sheet.exam_number, f.sheet.id))
    if sort == "total":
        known = [f for f in facts if f.total is not None]
        unknown = [f for f in facts if f.total is None]
        return sorted(known, key=lambda f: f.total or 0.0, reverse=descending) + unknown
    key: Callable[[_Facts], str | int] = {
        "exam_number": lambda f: f.sheet.exam_number,
        "name": lambda f: f.sheet.name,
        "class": lambda f: f.sheet.class_name,
        "roster": lambda f: f.sheet.id,
        "state": lambda f: _ORDER[f.state],
    }[sort]
    return sorted(facts, key=key, reverse=descending)
