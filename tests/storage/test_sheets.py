"""Result sheets and the audit log in the database (bot.storage.sheets, bot.storage.audit).

Every test runs on SQLite and on PostgreSQL (the ``backend`` fixture). Covers users (add, read,
refusals), storing a draw (sheets in roster order, access codes, the pinned scenario, no second
draw, no roster after it), marks and their audit entries (overrides, nothing for unchanged
marks, flagged rows refused to their markers as stored at the write), sign-offs, locking and unlocking, sign-offs withdrawn by a change, and the audit log
being append-only in the database itself: raw UPDATE, DELETE and (PostgreSQL) TRUNCATE fail.

The PostgreSQL database lives for the whole session and user names are global, so every test
makes its own names and only looks at the exam it created.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import DateTime, Engine, bindparam, text
from sqlalchemy.exc import DBAPIError

from bot.core.errors import KefuError, NotFound
from bot.core.marking import FIRST, SECOND, THIRD, AutoRow, Mark
from bot.core.scenario import Scenario
from bot.scripts.library import Library
from bot.services.paths import dialogues_dir
from bot.storage import open_database
from bot.storage.audit import SYSTEM, AuditEntry, User, add_user, entries, get_user, has_users
from bot.storage.exams import Candidate, create_exam, get_exam, import_roster
from bot.storage.sheets import (
    Placed,
    Sheet,
    find_sheet,
    pinned_scenario,
    set_auto,
    set_marks,
    sheet_by_code,
    sheets,
    sign_off,
    store_draw,
    unlock,
)
from bot.storage.telegram import CODE_ALPHABET, CODE_LENGTH

SEED = 20260610

# Deliberately not in sorted order: sheets follow the roster, not the exam numbers.
ROSTER = [
    Candidate("2026003", "王芳", "电商2301", "某职业学校", 2),
    Candidate("2026001", "李雷", "电商2302", "某职业学校", 3),
    Candidate("2026002", "韩梅梅", "电商2301", "某职业学校", 4),
]


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return Library.load([dialogues_dir()]).get("presale-dress-size")


def unique(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(4)}"


@dataclass(frozen=True)
class Drawn:
    """An exam with its roster drawn, and the users who act on it."""

    engine: Engine
    exam_id: int
    admin: str
    grader: str
    second: str
    chief: str

    def sheet(self, exam_number: str = "2026001") -> Sheet:
        # Always read the sheet again: the store functions act on the state they are given.
        return find_sheet(self.engine, self.exam_id, exam_number)

    def audit(self) -> list[AuditEntry]:
        return entries(self.engine, self.exam_id)


def new_exam(engine: Engine, admin: str) -> int:
    exam_id = create_exam(engine, unique("期末技能考核"), "2026-06-10", "both", admin)
    import_roster(engine, exam_id, ROSTER, admin, "roster.xlsx")
    return exam_id


def placements(scenario: Scenario) -> list[Placed]:
    return [
        Placed("customer_service", "presale", "form.cs_presale", scenario),
        Placed("visual_design", "web_page_editing", "form.vd_web_page"),
        Placed("customer_service", "presale", "form.cs_presale", scenario),
    ]


@pytest.fixture
def drawn(backend: Engine, scenario: Scenario) -> Iterator[Drawn]:
    names = {role: unique(role) for role in ("admin", "grader", "second", "chief")}
    add_user(backend, names["admin"], "admin", "setup")
    add_user(backend, names["grader"], "grader", names["admin"])
    add_user(backend, names["second"], "grader", names["admin"])
    add_user(backend, names["chief"], "chief_grader", names["admin"])
    exam_id = new_exam(backend, names["admin"])
    store_draw(backend, exam_id, SEED, names["admin"], placements(scenario))
    yield Drawn(backend, exam_id, **names)


def actions(drawn: Drawn, after: int = 0) -> list[str]:
    return [e.action for e in drawn.audit()[after:]]


# ------------------------------------------------------------------------ users


def test_a_new_database_has_no_users(engine: Engine):
    assert has_users(engine) is False


def test_an_added_user_reads_back_with_their_role_and_the_addition_is_audited(backend: Engine):
    admin, grader = unique("管理员"), unique("评分员")
    add_user(backend, admin, "admin", "setup")
    add_user(backend, f"  {grader} ", "grader", admin)  # the name is stripped
    assert get_user(backend, admin) == User(admin, "admin")
    assert get_user(backend, grader) == User(grader, "grader")
    assert has_users(backend) is True
    added = [e for e in entries(backend) if e.action == "user" and e.actor == admin]
    assert [e.after for e in added] == [f"{grader}（评分员）"]


def test_an_unknown_user_is_not_found_and_the_message_names_the_known_users(backend: Engine):
    known = unique("张三")
    add_user(backend, known, "grader", "setup")
    with pytest.raises(NotFound) as caught:
        get_user(backend, unique("李四"))
    assert known in str(caught.value)
    assert "kefu user add" in str(caught.value)


def test_an_unknown_user_on_an_empty_database_is_not_found_saying_there_are_none(engine: Engine):
    with pytest.raises(NotFound, match="已有：无"):
        get_user(engine, "张三")


def test_a_user_cannot_be_added_twice(backend: Engine):
    name = unique("张三")
    add_user(backend, name, "grader", "setup")
    with pytest.raises(KefuError, match="已经存在"):
        add_user(backend, name, "admin", "setup")
    assert get_user(backend, name).role == "grader"


@pytest.mark.parametrize("role", ["superuser", "Admin", ""])
def test_an_unknown_role_is_refused_and_no_user_is_added(backend: Engine, role: str):
    name = unique("张三")
    with pytest.raises(KefuError, match="未知的角色"):
        add_user(backend, name, role, "setup")
    with pytest.raises(NotFound):
        get_user(backend, name)


def test_a_blank_user_name_is_refused(backend: Engine):
    with pytest.raises(KefuError, match="不能为空"):
        add_user(backend, "   ", "grader", "setup")


# ------------------------------------------------------------------------ the draw


def test_a_draw_stores_one_sheet_per_candidate_in_roster_order(drawn: Drawn, scenario: Scenario):
    stored = sheets(drawn.engine, drawn.exam_id)
    assert [s.exam_number for s in stored] == [c.exam_number for c in ROSTER]
    assert [s.name for s in stored] == [c.name for c in ROSTER]
    assert [(s.module, s.project, s.form_id) for s in stored] == [
        ("customer_service", "presale", "form.cs_presale"),
        ("visual_design", "web_page_editing", "form.vd_web_page"),
        ("customer_service", "presale", "form.cs_presale"),
    ]
    assert all(not s.final and s.auto is None and s.markers == {} for s in stored)
    assert get_exam(drawn.engine, drawn.exam_id).seed == SEED
    assert actions(drawn) == ["exam", "roster", "draw"]


def test_customer_service_sheets_get_the_scenario_and_a_unique_access_code(
    drawn: Drawn, scenario: Scenario
):
    first, design, third = sheets(drawn.engine, drawn.exam_id)
    for sheet in (first, third):
        assert sheet.scenario_id == "presale-dress-size"
        assert sheet.scenario_hash == scenario.content_hash()
        assert sheet.code is not None and len(sheet.code) == CODE_LENGTH
        assert set(sheet.code) <= set(CODE_ALPHABET)
        assert sheet.code_used is False and sheet.conversation_id is None
    assert first.code != third.code
    assert (design.scenario_id, design.scenario_hash, design.code) == (None, None, None)


def test_a_sheet_can_be_found_by_its_access_code_in_any_case(drawn: Drawn):
    sheet = drawn.sheet("2026003")
    assert sheet.code is not None
    found = sheet_by_code(drawn.engine, f" {sheet.code.lower()} ")
    assert found is not None and found.id == sheet.id
    assert sheet_by_code(drawn.engine, "NOSUCHCD") is None


def test_the_draw_pins_the_scenario_version_it_gave(drawn: Drawn, scenario: Scenario):
    pinned = pinned_scenario(drawn.engine, drawn.sheet("2026003").scenario_hash or "")
    assert pinned == scenario
    assert pinned is not None and pinned.content_hash() == scenario.content_hash()
    assert pinned_scenario(drawn.engine, "0" * 16) is None


def test_a_second_draw_is_refused_and_changes_nothing(drawn: Drawn, scenario: Scenario):
    before = sheets(drawn.engine, drawn.exam_id)
    with pytest.raises(KefuError, match="不能重抽"):
        store_draw(drawn.engine, drawn.exam_id, SEED + 1, drawn.admin, placements(scenario))
    assert sheets(drawn.engine, drawn.exam_id) == before
    assert get_exam(drawn.engine, drawn.exam_id).seed == SEED


def test_a_roster_cannot_be_imported_after_the_draw(drawn: Drawn):
    late = [Candidate("2026009", "迟到", "电商2301", "某职业学校", 5)]
    with pytest.raises(KefuError, match="已经抽考"):
        import_roster(drawn.engine, drawn.exam_id, late, drawn.admin)
    assert get_exam(drawn.engine, drawn.exam_id).candidates == len(ROSTER)


def test_a_draw_of_another_size_than_the_roster_is_refused_and_stores_nothing(
    backend: Engine, scenario: Scenario
):
    exam_id = new_exam(backend, "setup")
    with pytest.raises(KefuError, match="名单有 3 人"):
        store_draw(backend, exam_id, SEED, "setup", placements(scenario)[:2])
    assert sheets(backend, exam_id) == []
    assert get_exam(backend, exam_id).drawn is False


def test_a_draw_of_an_empty_roster_is_refused(backend: Engine):
    exam_id = create_exam(backend, unique("空考试"), "2026-06-10", "both", "setup")
    with pytest.raises(KefuError, match="名单是空的"):
        store_draw(backend, exam_id, SEED, "setup", [])
    assert get_exam(backend, exam_id).drawn is False


def test_a_draw_for_an_unknown_exam_is_not_found(backend: Engine):
    with pytest.raises(NotFound, match="kefu exam list"):
        store_draw(backend, 2**30, SEED, "setup", [])


# ------------------------------------------------------------------------ marks and audit


def finals(total: float) -> dict[str, float]:
    """Final row values to sign, adding up to ``total``."""
    return {"cs_presale.p1": 7.0, "cs_presale.p2": total - 7.0}


def auto_rows(**points: float) -> dict[str, AutoRow]:
    return {f"cs_presale.{k}": AutoRow(v, (1, 3), "聊天评分") for k, v in points.items()}


def test_automatic_rows_are_stored_and_audited_one_entry_per_row(drawn: Drawn):
    set_auto(drawn.engine, drawn.sheet(), auto_rows(p3=6, p4=4.5), 10.5, SYSTEM, "对话结束")
    sheet = drawn.sheet()
    assert sheet.auto == auto_rows(p3=6, p4=4.5)
    assert sheet.auto_total == 10.5
    added = [e for e in drawn.audit() if e.action == "auto"]
    assert [(e.actor, e.row_id, e.before, e.after, e.reason) for e in added] == [
        (SYSTEM, "cs_presale.p3", None, "6", "对话结束"),
        (SYSTEM, "cs_presale.p4", None, "4.5", "对话结束"),
    ]
    assert {(e.sheet_id, e.exam_number) for e in added} == {(sheet.id, "2026001")}


def test_storing_the_same_automatic_points_again_writes_no_entry(drawn: Drawn):
    set_auto(drawn.engine, drawn.sheet(), auto_rows(p3=6, p4=4.5), 10.5, SYSTEM, "对话结束")
    logged = len(drawn.audit())
    set_auto(drawn.engine, drawn.sheet(), auto_rows(p3=6, p4=4.5), 10.5, SYSTEM, "重新评分")
    assert len(drawn.audit()) == logged
    set_auto(drawn.engine, drawn.sheet(), auto_rows(p3=7, p4=4.5), 11.5, SYSTEM, "重新评分")
    [changed] = drawn.audit()[logged:]
    assert (changed.action, changed.row_id, changed.before, changed.after) == (
        "auto",
        "cs_presale.p3",
        "6",
        "7",
    )


def test_an_automatic_row_that_disappears_is_audited(drawn: Drawn):
    set_auto(drawn.engine, drawn.sheet(), auto_rows(p3=6, p4=4), 10, SYSTEM, "对话结束")
    logged = len(drawn.audit())
    set_auto(drawn.engine, drawn.sheet(), auto_rows(p3=7), 7, SYSTEM, "重新评分")
    assert drawn.sheet().auto == auto_rows(p3=7)  # p4 is gone from the sheet …
    written = drawn.audit()[logged:]
    assert [(e.row_id, e.before, e.after) for e in written] == [  # … and from the log too
        ("cs_presale.p3", "6", "7"),
        ("cs_presale.p4", "4", None),
    ]


def test_marks_write_one_audit_entry_per_changed_row_and_overrides_say_so(drawn: Drawn):
    set_auto(drawn.engine, drawn.sheet(), auto_rows(p3=6, p4=4), 10, SYSTEM, "对话结束")
    logged = len(drawn.audit())
    changed = set_marks(
        drawn.engine,
        drawn.sheet(),
        FIRST,
        drawn.grader,
        {
            "cs_presale.p3": Mark(8, "话术完整，自动评分偏低"),
            "cs_presale.p4": Mark(4),  # the same as the automatic value
            "cs_presale.p1": Mark(7.5),  # a row with no automatic value
        },
    )
    assert changed == 3
    written = drawn.audit()[logged:]
    assert [(e.action, e.actor, e.row_id, e.before, e.after, e.reason) for e in written] == [
        ("marker", drawn.grader, None, None, "第 1 评", ""),
        ("override", drawn.grader, "cs_presale.p3@1", "6", "8", "话术完整，自动评分偏低"),
        ("mark", drawn.grader, "cs_presale.p4@1", "4", "4", ""),
        ("mark", drawn.grader, "cs_presale.p1@1", None, "7.5", ""),
    ]
    sheet = drawn.sheet()
    assert sheet.markers == {FIRST: drawn.grader}
    assert sheet.round_of(drawn.grader) == FIRST
    assert sheet.marks[FIRST]["cs_presale.p3"] == Mark(8, "话术完整，自动评分偏低")


def test_unchanged_marks_write_nothing(drawn: Drawn):
    given = {"cs_presale.p1": Mark(7.5), "cs_presale.p2": Mark(9)}
    set_marks(drawn.engine, drawn.sheet(), FIRST, drawn.grader, given)
    logged = len(drawn.audit())
    assert set_marks(drawn.engine, drawn.sheet(), FIRST, drawn.grader, given) == 0
    assert len(drawn.audit()) == logged


def test_a_changed_mark_is_audited_from_its_previous_value(drawn: Drawn):
    set_marks(drawn.engine, drawn.sheet(), FIRST, drawn.grader, {"cs_presale.p1": Mark(7.5)})
    logged = len(drawn.audit())
    given = {"cs_presale.p1": Mark(9), "cs_presale.p2": Mark(3)}
    assert set_marks(drawn.engine, drawn.sheet(), FIRST, drawn.grader, given) == 2
    written = drawn.audit()[logged:]
    assert [(e.action, e.row_id, e.before, e.after) for e in written] == [
        ("mark", "cs_presale.p1@1", "7.5", "9"),
        ("mark", "cs_presale.p2@1", None, "3"),
    ]
    assert drawn.sheet().marks[FIRST]["cs_presale.p1"] == Mark(9)


def test_each_round_keeps_its_own_marker_and_marks(drawn: Drawn):
    set_marks(drawn.engine, drawn.sheet(), FIRST, drawn.grader, {"cs_presale.p1": Mark(7)})
    set_marks(drawn.engine, drawn.sheet(), SECOND, drawn.second, {"cs_presale.p1": Mark(9)})
    sheet = drawn.sheet()
    assert sheet.markers == {FIRST: drawn.grader, SECOND: drawn.second}
    assert sheet.marks == {FIRST: {"cs_presale.p1": Mark(7)}, SECOND: {"cs_presale.p1": Mark(9)}}
    assert sheet.round_of(drawn.second) == SECOND
    assert sheet.round_of(drawn.chief) is None


def test_a_flagged_row_refuses_its_first_and_second_markers_and_logs_nothing(drawn: Drawn):
    # The first marker read the sheet before the second marking flagged p1 (8 vs 2 > 2): the
    # refusal is decided on what is stored when the change is written, not on a stale copy.
    seen_by_first = drawn.sheet()
    set_marks(drawn.engine, seen_by_first, FIRST, drawn.grader, {"cs_presale.p1": Mark(2)})
    given = {"cs_presale.p1": Mark(8), "cs_presale.p2": Mark(9)}
    set_marks(drawn.engine, drawn.sheet(), SECOND, drawn.second, given)
    before, logged = drawn.sheet(), len(drawn.audit())
    for round_, grader, sheet in [
        (FIRST, drawn.grader, seen_by_first),
        (FIRST, drawn.grader, drawn.sheet()),
        (SECOND, drawn.second, drawn.sheet()),
    ]:
        with pytest.raises(KefuError) as caught:
            set_marks(drawn.engine, sheet, round_, grader, {"cs_presale.p1": Mark(5)})
        assert "cs_presale.p1" in str(caught.value) and "第三评" in str(caught.value)
    assert drawn.sheet() == before
    assert len(drawn.audit()) == logged
    # The rows that are not flagged stay their markers' own, and the arbiter marks p1.
    p2 = {"cs_presale.p2": Mark(10)}
    assert set_marks(drawn.engine, drawn.sheet(), SECOND, drawn.second, p2) == 1
    p1 = {"cs_presale.p1": Mark(6)}
    assert set_marks(drawn.engine, drawn.sheet(), THIRD, drawn.chief, p1) == 1
    with pytest.raises(KefuError, match="第三评"):  # settled by the arbiter, still not theirs
        set_marks(drawn.engine, drawn.sheet(), FIRST, drawn.grader, p1)


# ------------------------------------------------------------------------ sign-off and locks


def test_one_signoff_locks_a_single_marked_sheet(drawn: Drawn):
    set_marks(drawn.engine, drawn.sheet(), FIRST, drawn.grader, {"cs_presale.p1": Mark(7)})
    assert sign_off(drawn.engine, drawn.sheet(), drawn.grader, 1, finals(87.5)) is True
    sheet = drawn.sheet()
    assert sheet.final is True
    assert sheet.locked == finals(87.5)  # the values as signed, kept with the sheet
    assert sheet.signoffs == [drawn.grader]
    signed, final = drawn.audit()[-2:]
    assert (signed.action, signed.actor, signed.after) == ("signoff", drawn.grader, "87.5")
    assert (final.action, final.after, final.reason) == (
        "finalise",
        "87.5",
        f"签字：{drawn.grader}",
    )


def test_a_double_marked_sheet_needs_two_different_people_to_sign(drawn: Drawn):
    assert sign_off(drawn.engine, drawn.sheet(), drawn.grader, 2, finals(80)) is False
    assert drawn.sheet().final is False
    assert drawn.sheet().signoffs == [drawn.grader]
    with pytest.raises(KefuError, match="签过字"):
        sign_off(drawn.engine, drawn.sheet(), drawn.grader, 2, finals(80))
    assert drawn.sheet().signoffs == [drawn.grader]
    assert sign_off(drawn.engine, drawn.sheet(), drawn.second, 2, finals(80)) is True
    sheet = drawn.sheet()
    assert sheet.final is True
    assert sheet.signoffs == [drawn.grader, drawn.second]
    assert drawn.audit()[-1].reason == f"签字：{drawn.grader}、{drawn.second}"


def test_two_graders_signing_at_the_same_time_lock_a_double_marked_sheet(drawn: Drawn):
    # Both read the sheet (no sign-offs yet), then both sign: two different people signed.
    seen_by_first, seen_by_second = drawn.sheet(), drawn.sheet()
    sign_off(drawn.engine, seen_by_first, drawn.grader, 2, finals(80))
    locked = sign_off(drawn.engine, seen_by_second, drawn.second, 2, finals(80))
    assert drawn.sheet().signoffs == [drawn.grader, drawn.second]
    assert locked is True
    assert drawn.sheet().final is True


def _change_marks(drawn: Drawn) -> None:
    set_marks(drawn.engine, drawn.sheet(), FIRST, drawn.grader, {"cs_presale.p1": Mark(1)})


def _change_auto(drawn: Drawn) -> None:
    set_auto(drawn.engine, drawn.sheet(), auto_rows(p3=1), 1, SYSTEM, "重新评分")


def _sign_again(drawn: Drawn) -> None:
    sign_off(drawn.engine, drawn.sheet(), drawn.chief, 1, finals(87.5))


@pytest.mark.parametrize("change", [_change_marks, _change_auto, _sign_again])
def test_a_finalised_sheet_refuses_every_change_and_logs_nothing(drawn: Drawn, change):
    set_auto(drawn.engine, drawn.sheet(), auto_rows(p3=6), 6, SYSTEM, "对话结束")
    set_marks(drawn.engine, drawn.sheet(), FIRST, drawn.grader, {"cs_presale.p1": Mark(7)})
    sign_off(drawn.engine, drawn.sheet(), drawn.grader, 1, finals(87.5))
    before, logged = drawn.sheet(), len(drawn.audit())
    with pytest.raises(KefuError, match="已定稿"):
        change(drawn)
    assert drawn.sheet() == before
    assert len(drawn.audit()) == logged


def test_unlocking_is_audited_voids_the_signoffs_and_allows_changes_again(drawn: Drawn):
    set_marks(drawn.engine, drawn.sheet(), FIRST, drawn.grader, {"cs_presale.p1": Mark(7)})
    sign_off(drawn.engine, drawn.sheet(), drawn.grader, 1, finals(87.5))
    unlock(drawn.engine, drawn.sheet(), drawn.chief, "复核发现第 1 行录入错误")
    sheet = drawn.sheet()
    assert (sheet.final, sheet.signoffs, sheet.locked) == (False, [], None)
    opened = drawn.audit()[-1]
    assert (opened.action, opened.actor, opened.before, opened.after, opened.reason) == (
        "unlock",
        drawn.chief,
        "已定稿",
        "评分中",
        "复核发现第 1 行录入错误",
    )
    assert set_marks(drawn.engine, sheet, FIRST, drawn.grader, {"cs_presale.p1": Mark(8)}) == 1
    assert sign_off(drawn.engine, drawn.sheet(), drawn.grader, 1, finals(88.5)) is True


def test_a_sheet_that_is_not_finalised_cannot_be_unlocked(drawn: Drawn):
    logged = len(drawn.audit())
    with pytest.raises(KefuError, match="没有定稿"):
        unlock(drawn.engine, drawn.sheet(), drawn.chief, "试试")
    assert len(drawn.audit()) == logged


def test_a_mark_changed_after_a_signoff_withdraws_it(drawn: Drawn):
    set_marks(drawn.engine, drawn.sheet(), FIRST, drawn.grader, {"cs_presale.p1": Mark(7)})
    sign_off(drawn.engine, drawn.sheet(), drawn.grader, 2, finals(87.5))
    set_marks(drawn.engine, drawn.sheet(), FIRST, drawn.grader, {"cs_presale.p1": Mark(8)})
    assert drawn.sheet().signoffs == []
    withdrawn = drawn.audit()[-1]
    assert (withdrawn.action, withdrawn.before) == ("signoff_withdrawn", drawn.grader)
    # Signed again, it counts from the start: one signature does not lock a double sheet.
    assert sign_off(drawn.engine, drawn.sheet(), drawn.grader, 2, finals(88.5)) is False


def test_an_unchanged_mark_after_a_signoff_keeps_it(drawn: Drawn):
    set_marks(drawn.engine, drawn.sheet(), FIRST, drawn.grader, {"cs_presale.p1": Mark(7)})
    sign_off(drawn.engine, drawn.sheet(), drawn.grader, 2, finals(87.5))
    set_marks(drawn.engine, drawn.sheet(), FIRST, drawn.grader, {"cs_presale.p1": Mark(7)})
    assert drawn.sheet().signoffs == [drawn.grader]
    assert "signoff_withdrawn" not in actions(drawn)


def test_a_changed_automatic_value_after_a_signoff_withdraws_it(drawn: Drawn):
    set_auto(drawn.engine, drawn.sheet(), auto_rows(p3=6), 6, SYSTEM, "对话结束")
    sign_off(drawn.engine, drawn.sheet(), drawn.grader, 2, finals(87.5))
    set_auto(drawn.engine, drawn.sheet(), auto_rows(p3=7), 7, drawn.chief, "重新评分")
    assert drawn.sheet().signoffs == []
    assert actions(drawn)[-2:] == ["auto", "signoff_withdrawn"]


# ------------------------------------------------------------------------ append-only audit log


def audit_rows(engine: Engine) -> list[tuple]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT * FROM audit_log ORDER BY id")))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET reason = 'x'",
        "UPDATE audit_log SET actor = 'someone else' WHERE action = 'draw'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE action = 'draw'",
    ],
)
def test_the_database_refuses_to_change_or_remove_audit_entries(drawn: Drawn, statement: str):
    before = audit_rows(drawn.engine)
    assert before  # the draw wrote entries: there is something to protect
    with pytest.raises(DBAPIError, match="append-only"), drawn.engine.begin() as connection:
        connection.execute(text(statement))
    assert audit_rows(drawn.engine) == before


def test_an_upsert_cannot_rewrite_an_audit_entry(drawn: Drawn):
    # ON CONFLICT … DO UPDATE is an UPDATE of the existing row on both databases.
    first = drawn.audit()[0]
    before = audit_rows(drawn.engine)
    statement = text(
        "INSERT INTO audit_log (id, at_utc, actor, action, reason) "
        "VALUES (:id, :at, 'evil', 'exam', '') ON CONFLICT (id) DO UPDATE SET reason = 'x'"
    ).bindparams(bindparam("at", type_=DateTime()))  # not sqlite3's own adapter, deprecated in 3.12
    with pytest.raises(DBAPIError, match="append-only"), drawn.engine.begin() as connection:
        connection.execute(statement, {"id": first.id, "at": first.at_utc})
    assert audit_rows(drawn.engine) == before


def test_insert_or_replace_cannot_rewrite_an_audit_entry_on_sqlite(engine: Engine):
    add_user(engine, "张三", "admin", "setup")
    [entry] = entries(engine)
    before = audit_rows(engine)
    statement = text(
        "INSERT OR REPLACE INTO audit_log (id, at_utc, actor, action, reason) "
        "VALUES (:id, :at, 'evil', 'user', 'rewritten')"
    ).bindparams(bindparam("at", type_=DateTime()))
    try:
        with engine.begin() as connection:
            connection.execute(statement, {"id": entry.id, "at": entry.at_utc})
    except DBAPIError:
        pass  # refused, as an append-only log should
    assert audit_rows(engine) == before


def test_postgresql_refuses_to_truncate_the_audit_log(postgres_url: str):
    engine = open_database(postgres_url)
    try:
        create_exam(engine, unique("清空测试"), "2026-06-10", "both", "setup")
        before = audit_rows(engine)
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text("TRUNCATE audit_log"))
        assert audit_rows(engine) == before
    finally:
        engine.dispose()


def test_a_refused_change_leaves_no_audit_entry_behind(drawn: Drawn):
    # A change and its entry commit together: the refused draw must not be in the log.
    logged = len(drawn.audit())
    with pytest.raises(KefuError):
        store_draw(drawn.engine, drawn.exam_id, SEED, drawn.admin, [])
    assert len(drawn.audit()) == logged
