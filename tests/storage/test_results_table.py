"""The graders' results table (bot.storage.results_table) and reading sheets in bulk.

Every test runs on SQLite and on PostgreSQL (the ``backend`` fixture), on one exam of eight
candidates whose sheets are in every state: not marked, being marked (by hand; a chat's score
only), waiting for arbitration, waiting for sign-offs (single, double, arbitrated), finalised.
Covers the rows' fields against the grading rules, each filter, each sort both ways, paging
with the count, blind marking (a grader does not see totals made of another's round), and the
number of queries: the same for a page of 1 and of 8, on both of the page's paths, and for
reading all of an exam's sheets.

The PostgreSQL database lives for the whole session, so every test makes its own exam and
user names.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, event

from bot.core.marking import FIRST, SECOND, THIRD, AutoRow, Mark
from bot.core.sheet_state import state_label
from bot.scripts.library import Library
from bot.services import exam_grading as grading
from bot.services.app import App
from bot.services.paths import dialogues_dir
from bot.services.settings import Settings
from bot.storage.audit import User, add_user
from bot.storage.exams import Candidate, create_exam, import_roster
from bot.storage.results_table import ResultRow, results_page
from bot.storage.sheets import (
    Placed,
    find_sheet,
    set_auto,
    set_marks,
    sheets,
    sheets_by_id,
    sign_off,
    store_draw,
)

# 准考证号, 姓名, 班级 in roster order (not in exam-number order), and what each sheet gets.
ROSTER = [
    ("2026005", "赵六", "电商2301"),  # A: not marked
    ("2026002", "钱二", "电商2302"),  # B: marked once, 90, waiting for its sign-off
    ("2026008", "孙三", "电商2301"),  # C: marked once, 60, finalised
    ("2026001", "李四", "电商2302"),  # D: double-marked, a row too far apart: arbitration
    ("2026007", "周五", "电商2301"),  # E: one row marked
    ("2026003", "吴七", "电商2302"),  # F: customer service, the chat's rows only
    ("2026006", "郑八", "电商2301"),  # G: double-marked, 54.5, waiting for two sign-offs
    ("2026004", "王九", "电商2302"),  # H: double-marked, flagged, arbitrated: 88
]
WEB_PAGE = {
    "web_page.p1": 10.0,
    "web_page.p2": 10.0,
    "web_page.p3": 15.0,
    "web_page.p4": 12.0,
    "web_page.p5": 8.0,
    "web_page.p6": 15.0,
    "web_page.p7": 10.0,
    "web_page.p8": 15.0,
    "web_page.p9": 5.0,
}


def marks(**changes: float) -> dict[str, Mark]:
    """Every web-page row at full marks, except ``p3=5`` and the like."""
    values = {**WEB_PAGE, **{f"web_page.{k}": v for k, v in changes.items()}}
    return {k: Mark(v) for k, v in values.items()}


def unique(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(4)}"


@dataclass(frozen=True)
class Exam:
    engine: Engine
    id: int
    app: App
    grader: str
    second: str
    chief: str

    def evaluate(self, sheet):
        return grading.evaluate_sheet(self.app, sheet)

    def page(self, **query) -> tuple[list[str], int]:
        """The exam numbers of one page, and the count."""
        found = results_page(self.engine, self.id, self.evaluate, **query)
        return [r.exam_number for r in found.rows], found.count

    def rows(self, **query) -> dict[str, ResultRow]:
        found = results_page(self.engine, self.id, self.evaluate, limit=100, **query)
        return {r.exam_number: r for r in found.rows}


@pytest.fixture
def exam(backend: Engine, tmp_path: Path) -> Iterator[Exam]:
    admin, grader, second, chief = (unique(p) for p in ("admin", "grader", "second", "chief"))
    add_user(backend, admin, "admin", "setup")
    add_user(backend, grader, "grader", admin)
    add_user(backend, second, "grader", admin)
    add_user(backend, chief, "chief_grader", admin)
    exam_id = create_exam(backend, unique("期末"), "2026-06-10", "both", admin)
    roster = [Candidate(n, name, c, "某职业学校", i + 2) for i, (n, name, c) in enumerate(ROSTER)]
    import_roster(backend, exam_id, roster, admin, "roster.xlsx")
    scenario = Library.load([dialogues_dir()]).get("presale-dress-size")
    placed = [
        Placed("customer_service", "presale", "form.cs_presale", scenario)
        if n == "2026003"
        else Placed("visual_design", "web_page_editing", "form.vd_web_page")
        for n, _, _ in ROSTER
    ]
    store_draw(backend, exam_id, 7, admin, placed)
    app = App(Settings.resolve({}, cwd=tmp_path))
    made = Exam(backend, exam_id, app, grader, second, chief)

    def sheet(number: str):
        return find_sheet(backend, exam_id, number)

    set_marks(backend, sheet("2026002"), FIRST, grader, marks(p3=5))
    set_marks(backend, sheet("2026008"), FIRST, grader, marks(p3=0, p6=0, p8=5))
    c = sheet("2026008")
    finals = {r.row.id: r.final for r in made.evaluate(c).rows if r.final is not None}
    assert sign_off(backend, c, grader, 1, finals) is True
    set_marks(backend, sheet("2026001"), FIRST, grader, marks())
    set_marks(backend, sheet("2026001"), SECOND, second, marks(p3=10))
    set_marks(backend, sheet("2026007"), FIRST, grader, {"web_page.p1": Mark(10.0)})
    chat = {
        "cs_presale.p3": AutoRow(20.0, (1, 3)),
        "cs_presale.p4": AutoRow(8.0),
        "cs_presale.p5": AutoRow(15.0),
        "cs_presale.p8": AutoRow(5.0),
    }
    set_auto(backend, sheet("2026003"), chat, 80.0, "kefu", "对话结束，自动评分")
    set_marks(backend, sheet("2026006"), FIRST, grader, marks(p3=0, p6=0, p8=0, p1=10))
    set_marks(backend, sheet("2026006"), SECOND, second, marks(p3=0, p6=0, p8=0, p1=9))
    set_marks(backend, sheet("2026004"), FIRST, grader, marks(p8=5))
    set_marks(backend, sheet("2026004"), SECOND, second, marks(p8=10))
    set_marks(backend, sheet("2026004"), THIRD, chief, {"web_page.p8": Mark(3.0)})
    yield made


# ------------------------------------------------------------------------ the rows


def test_each_row_carries_what_the_rules_say(exam: Exam):
    rows = exam.rows()
    assert list(rows) == sorted(n for n, _, _ in ROSTER)  # by exam number unless told
    states = {n: (r.state, r.total, r.band, r.flagged) for n, r in rows.items()}
    assert states == {
        "2026001": ("arbitration", None, None, True),
        "2026002": ("signing", 90.0, "excellent", False),
        "2026003": ("marking", None, None, False),
        "2026004": ("signing", 88.0, "excellent", True),
        "2026005": ("unmarked", None, None, False),
        "2026006": ("signing", 54.5, "fail", False),
        "2026007": ("marking", None, None, False),
        "2026008": ("final", 60.0, "pass", False),
    }
    c, g, h = rows["2026008"], rows["2026006"], rows["2026004"]
    assert (c.name, c.class_name, c.school) == ("孙三", "电商2301", "某职业学校")
    assert (c.module, c.project) == ("visual_design", "web_page_editing")
    assert (c.signed, c.signoffs_needed, c.markers, c.state_label) == (1, 1, 1, "已定稿")
    assert (g.signed, g.signoffs_needed, g.state_label) == (0, 2, "待签字（0/2）")
    assert (h.markers, rows["2026003"].module) == (3, "customer_service")
    assert rows["2026005"].state_label == "待评分" and rows["2026001"].state_label == "待仲裁"


def test_the_state_is_the_one_kefu_exam_sheets_prints(exam: Exam):
    from bot.cli.grading import status

    rows = exam.rows()
    for sheet in sheets(exam.engine, exam.id):
        assert rows[sheet.exam_number].state_label == status(sheet, exam.evaluate(sheet))
        assert state_label(sheet, exam.evaluate(sheet)) == rows[sheet.exam_number].state_label


# ------------------------------------------------------------------------ filters


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"module": "customer_service"}, ["2026003"]),
        ({"module": "visual_design", "class_name": "电商2302"}, ["2026001", "2026002", "2026004"]),
        ({"class_name": "电商2301"}, ["2026005", "2026006", "2026007", "2026008"]),
        ({"band": "excellent"}, ["2026002", "2026004"]),
        ({"band": "fail"}, ["2026006"]),
        ({"flagged": True}, ["2026001", "2026004"]),
        ({"flagged": False, "class_name": "电商2302"}, ["2026002", "2026003"]),
        ({"unsigned": False}, ["2026008"]),
        ({"unsigned": True, "class_name": "电商2301"}, ["2026005", "2026006", "2026007"]),
        ({"state": "signing"}, ["2026002", "2026004", "2026006"]),
        ({"state": "marking", "module": "visual_design"}, ["2026007"]),
        ({"class_name": "没有这个班"}, []),
    ],
)
def test_filters(exam: Exam, query: dict, expected: list[str]):
    assert exam.page(**query) == (expected, len(expected))


def test_unknown_sort_band_or_state_is_refused(exam: Exam):
    from bot.core.errors import KefuError

    for query in ({"sort": "age"}, {"band": "good"}, {"state": "done"}, {"offset": -1}):
        with pytest.raises(KefuError):
            exam.page(**query)


# ------------------------------------------------------------------------ sorting


def test_sort_by_total_puts_the_rows_without_one_last(exam: Exam):
    unknown = ["2026001", "2026003", "2026005", "2026007"]  # in exam-number order
    high = ["2026002", "2026004", "2026008", "2026006"]
    assert exam.page(sort="total", descending=True)[0] == high + unknown
    assert exam.page(sort="total")[0] == high[::-1] + unknown


def test_sort_by_state_follows_the_sheet_through_its_states(exam: Exam):
    order = ["2026005", "2026003", "2026007", "2026001", "2026002", "2026004", "2026006", "2026008"]
    assert exam.page(sort="state")[0] == order
    # Descending: the states reversed, rows of one state still in exam-number order.
    assert exam.page(sort="state", descending=True)[0] == [
        "2026008",
        "2026002",
        "2026004",
        "2026006",
        "2026001",
        "2026003",
        "2026007",
        "2026005",
    ]


def test_sort_by_name_class_roster_and_exam_number(exam: Exam):
    by_name = [n for n, _, _ in sorted(ROSTER, key=lambda r: r[1])]
    assert exam.page(sort="name")[0] == by_name
    assert exam.page(sort="name", descending=True)[0] == by_name[::-1]
    by_class = sorted(ROSTER, key=lambda r: (r[2], r[0]))
    assert exam.page(sort="class")[0] == [n for n, _, _ in by_class]
    # Descending by class: the classes reversed, each class still in exam-number order.
    by_class_desc = sorted(ROSTER, key=lambda r: (-int(r[2][-1]), r[0]))
    assert exam.page(sort="class", descending=True)[0] == [n for n, _, _ in by_class_desc]
    assert exam.page(sort="roster")[0] == [n for n, _, _ in ROSTER]
    assert exam.page(descending=True)[0] == sorted((n for n, _, _ in ROSTER), reverse=True)


def test_the_database_and_the_rules_sort_alike(exam: Exam):
    # A filter on the rules' result sends the same sort through the other path.
    for sort in ("exam_number", "name", "class", "roster"):
        for descending in (False, True):
            everyone = exam.page(sort=sort, descending=descending)[0]
            with_state = exam.page(sort=sort, descending=descending, flagged=False)[0]
            assert with_state == [n for n in everyone if n not in ("2026001", "2026004")]


# ------------------------------------------------------------------------ paging


@pytest.mark.parametrize("query", [{}, {"sort": "name"}, {"sort": "total"}, {"flagged": False}])
def test_pages_cut_the_whole_list_and_keep_the_count(exam: Exam, query: dict):
    whole, count = exam.page(limit=100, **query)
    pages = [exam.page(offset=o, limit=3, **query) for o in range(0, count + 3, 3)]
    assert [n for page, _ in pages for n in page] == whole
    assert {c for _, c in pages} == {count}
    assert pages[-1][0] == []  # past the end: an empty page, the count still there
    assert exam.page(limit=0, **query) == ([], count)


# ------------------------------------------------------------------------ blind marking


def test_a_grader_does_not_see_totals_made_of_another_graders_round(exam: Exam):
    grader = exam.rows(viewer=User(exam.grader, "grader"))
    # Alone on B, finalised C: seen. Double-marked D, G, H: hidden, and not flagged to them.
    assert (grader["2026002"].total, grader["2026008"].total) == (90.0, 60.0)
    assert [grader[n].total for n in ("2026001", "2026006", "2026004")] == [None] * 3
    assert [grader[n].flagged for n in ("2026001", "2026004")] == [False, False]
    assert grader["2026004"].mine == FIRST and grader["2026005"].mine is None
    assert exam.page(viewer=User(exam.grader, "grader"), flagged=True) == ([], 0)
    assert exam.page(viewer=User(exam.grader, "grader"), band="excellent") == (["2026002"], 1)
    chief = exam.rows(viewer=User(exam.chief, "chief_grader"))
    assert chief["2026006"].total == 54.5 and chief["2026004"].flagged
    assert chief["2026004"].mine == THIRD
    assert exam.rows()["2026006"].total == 54.5


# ------------------------------------------------------------------------ queries


class Statements:
    """Counts the queries (SELECT) an engine runs while it is in a ``with``; not BEGIN and such."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.count = engine, 0

    def _count(self, _connection, _cursor, statement: str, *_args) -> None:
        self.count += statement.lstrip().upper().startswith("SELECT")

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


@pytest.mark.parametrize("query", [{}, {"sort": "name"}, {"sort": "total"}, {"band": "pass"}])
def test_a_page_takes_the_same_queries_however_long(exam: Exam, query: dict):
    exam.page(**query)  # the first use of a connection may run set-up statements
    counts = []
    for limit in (1, 8):
        with Statements(exam.engine) as statements:
            exam.page(limit=limit, **query)
        counts.append(statements.count)
    assert counts[0] == counts[1] <= 8


def test_an_exams_sheets_are_read_in_a_fixed_number_of_queries(exam: Exam):
    sheets(exam.engine, exam.id)
    with Statements(exam.engine) as statements:
        every = sheets(exam.engine, exam.id)
    assert len(every) == 8 and statements.count <= 6
    one = find_sheet(exam.engine, exam.id, "2026004")
    assert one == next(s for s in every if s.exam_number == "2026004")
    assert one.markers == {FIRST: exam.grader, SECOND: exam.second, THIRD: exam.chief}
    assert one.marks[THIRD] == {"web_page.p8": Mark(3.0)}
    assert [s.exam_number for s in every] == [n for n, _, _ in ROSTER]  # roster order
    ids = [every[3].id, every[0].id, 10**9]
    assert [s.exam_number for s in sheets_by_id(exam.engine, ids)] == ["2026001", "2026005"]
    c = find_sheet(exam.engine, exam.id, "2026008")
    assert c.final and c.signoffs == [exam.grader] and c.locked is not None
    f = find_sheet(exam.engine, exam.id, "2026003")
    assert f.code is not None and f.auto is not None and f.auto_total == 80.0
    assert f.auto["cs_presale.p3"] == AutoRow(20.0, (1, 3))
