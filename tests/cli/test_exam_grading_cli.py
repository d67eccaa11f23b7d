"""Grading from the command line: the text views, the exam's threshold, chat rows, messages."""

import json

import pytest

from tests.cli.test_exam_roster_cli import roster_rows, write_csv

pytestmark = pytest.mark.slow

A, B, CHIEF = "李老师", "张老师", "赵组长"


@pytest.fixture
def drawn(run, admin, tmp_path):
    """An exam of 4 (none in customer service with this seed) and the first candidate's form."""
    for name, role in [(A, "grader"), (B, "grader"), (CHIEF, "chief_grader")]:
        admin("user", "add", name, "--role", role)
    admin("exam", "create", "--name", "期末考核", "--date", "2026-06-10")
    admin("exam", "roster", "1", str(write_csv(tmp_path / "r.csv", roster_rows(4))))
    table = json.loads(admin("exam", "draw", "--exam", "1", "--seed", "5", "--json").stdout)
    first = next(c for c in table["candidates"] if c["module"] != "customer_service")
    return first["exam_number"], json.loads(
        run("exam", "sheet", "1", first["exam_number"], "--json", user=A).stdout
    )


def test_a_sheet_list_and_audit_log_read_as_tables(run, drawn):
    number, sheet = drawn
    view = run("exam", "sheet", "1", number, user=A).stdout
    assert f"准考证号 {number}" in view and "状态：待评分  评分员：无" in view
    assert all(row["id"] in view for row in sheet["rows"]) and "合计" in view
    values = [f"{r['id']}={r['max'] / 2:g}" for r in sheet["rows"]]
    assert run("exam", "grade", "1", number, *values, user=A).returncode == 0
    total = sum(r["max"] / 2 for r in sheet["rows"])
    view = run("exam", "sheet", "1", number, user=A).stdout
    assert "第一评" in view and f"总分 {total:g}，等级：不合格" in view
    listing = run("exam", "sheets", "1", user=A).stdout
    assert "待签字（0/1）（你是第 1 评）" in listing
    assert "待评分" in run("exam", "sheets", "1", user=B).stdout

    blind = run("exam", "grade", "1", number, "--second", values[0], user=B)
    assert blind.returncode == 0, blind.stderr
    view = run("exam", "sheet", "1", number, user=B).stdout
    assert "另有 1 位评分员（盲评，不显示）" in view and "第一评" not in view

    refused = run("exam", "audit", "1", user=A)
    assert refused.returncode == 2 and "主评分员" in refused.stderr
    log = run("exam", "audit", "1", user=CHIEF).stdout
    assert log.splitlines()[0].split() == [
        "#",
        "时间（UTC）",
        "谁",
        "操作",
        "准考证号",
        "行",
        "改前",
        "改后",
        "原因",
    ]
    marked = [line.split() for line in log.splitlines() if number in line]
    assert sum(1 for cells in marked if cells[3:5] == [A, "评分"]) == len(values)
    assert sum(1 for cells in marked if cells[3:5] == [B, "评分"]) == 1


def test_a_flagged_row_is_settled_only_by_the_third_marking(run, admin, drawn):
    """Issue 11: the first marker closed the gap on a flagged row and skipped arbitration."""
    number, sheet = drawn
    first = {r["id"]: r["max"] / 2 for r in sheet["rows"]}
    far = max(sheet["rows"], key=lambda r: r["max"])["id"]
    near = next(r for r in first if r != far)
    second = dict(first, **{far: first[far] + 3})  # threshold 2: flagged

    def grade(user, values, *extra):
        return run(
            "exam",
            "grade",
            "1",
            number,
            *extra,
            *(f"{k}={v:g}" for k, v in values.items()),
            user=user,
        )

    assert grade(A, first).returncode == 0
    assert grade(B, second, "--second").returncode == 0
    held = (
        f"{far}（{next(r['title'] for r in sheet['rows'] if r['id'] == far)}）："
        "第一评和第二评相差超过 2 分（⚑），只有主评分员或管理员的第三评（仲裁）能定这一行的分；"
        "第一评、第二评不能再改这一行"
    )
    closed = grade(A, {far: second[far], near: first[near] + 0.5})
    assert closed.returncode == 2 and held in closed.stderr, closed.stderr
    assert "没有保存任何分数" in closed.stderr
    assert grade(B, {far: first[far]}).returncode == 2  # nor from the other side
    seen = json.loads(admin("exam", "sheet", "1", number, "--json").stdout)
    assert seen["status"] == "待仲裁" and seen["flagged"] == [far]
    assert seen["markers"] == {"1": A, "2": B}
    assert next(r for r in seen["rows"] if r["id"] == far)["rounds"] == {
        "1": first[far],
        "2": second[far],
    }
    early = run("exam", "finalise", "1", number, user=A)
    assert early.returncode == 2 and f"待仲裁：{far}" in early.stderr

    # A row that is not flagged is still its marker's own (every change audited).
    assert grade(A, {near: first[near] + 0.5}).returncode == 0
    assert grade(CHIEF, {far: first[far] + 1}).returncode == 0  # the third marking settles it
    again = grade(A, {far: second[far]})
    assert again.returncode == 2 and held in again.stderr  # settled, still not the first marker's
    assert grade(A, {far: first[far]}).returncode == 0  # its own value again changes nothing
    assert run("exam", "finalise", "1", number, user=A).returncode == 0
    signed = run("exam", "finalise", "1", number, user=B)
    assert signed.returncode == 0, signed.stderr
    final = json.loads(admin("exam", "sheet", "1", number, "--json").stdout)
    assert final["final"] is True
    assert next(r for r in final["rows"] if r["id"] == far)["final"] == first[far] + 1


def test_the_double_marking_threshold_is_the_exams_own(run, admin, tmp_path):
    """Set when the exam is created: changing the setting later changes no result."""
    for name, role in [(A, "grader"), (B, "grader")]:
        admin("user", "add", name, "--role", role)
    created = admin(
        "exam", "create", "--name", "A", "--date", "2026-06-10",
        extra_env={"KEFU_DOUBLE_MARK_THRESHOLD": "5"},
    )  # fmt: skip
    assert "双评分差阈值 5 分" in created.stdout
    assert "双评阈值 5" in admin("exam", "list").stdout
    admin("exam", "roster", "1", str(write_csv(tmp_path / "r.csv", roster_rows(4))))
    table = json.loads(admin("exam", "draw", "--exam", "1", "--seed", "5", "--json").stdout)
    number = next(c for c in table["candidates"] if c["module"] != "customer_service")[
        "exam_number"
    ]
    rows = json.loads(run("exam", "sheet", "1", number, "--json", user=A).stdout)["rows"]
    first = {r["id"]: r["max"] for r in rows}
    second = dict(first, **{rows[0]["id"]: rows[0]["max"] - 4})  # 4 apart: under 5
    assert (
        run(
            "exam", "grade", "1", number, *(f"{k}={v:g}" for k, v in first.items()), user=A
        ).returncode
        == 0
    )
    marked = run(
        "exam", "grade", "1", number, "--second", *(f"{k}={v:g}" for k, v in second.items()), user=B
    )
    assert marked.returncode == 0, marked.stderr
    strict = {"KEFU_DOUBLE_MARK_THRESHOLD": "1"}
    sheet = json.loads(admin("exam", "sheet", "1", number, "--json", extra_env=strict).stdout)
    assert sheet["flagged"] == [] and sheet["total"] == 100 - 2  # the mean of the far row


def test_a_chat_row_waits_for_the_chat_and_an_absent_candidate_needs_a_reason(
    run, admin, start_chat, tmp_path
):
    admin("user", "add", A, "--role", "grader")
    admin("exam", "create", "--name", "A", "--date", "2026-06-10", "--service", "presale")
    admin("exam", "roster", "1", str(write_csv(tmp_path / "r.csv", roster_rows(6))))
    table = json.loads(admin("exam", "draw", "--exam", "1", "--seed", "3", "--json").stdout)
    absent, chatting = (c for c in table["candidates"] if c["code"])

    refused = run("exam", "grade", "1", absent["exam_number"], "p3=0", user=A)
    assert refused.returncode == 2 and "如考生缺考，请用 --reason 说明" in refused.stderr
    done = run("exam", "grade", "1", absent["exam_number"], "p3=0", "--reason", "考生缺考", user=A)
    assert done.returncode == 0, done.stderr
    sheet = json.loads(run("exam", "sheet", "1", absent["exam_number"], "--json", user=A).stdout)
    row = next(r for r in sheet["rows"] if r["id"] == "cs_presale.p3")
    assert row["rounds"]["1"] == 0 and row["reasons"] == {"1": "考生缺考"}
    # Issue 11: no automatic value, so the reason explains the mark and overrides nothing.
    assert row["auto"] is None and row["overrides"] == []
    view = run("exam", "sheet", "1", absent["exam_number"], user=A).stdout
    assert "说明（cs_presale.p3，第 1 评）：考生缺考" in view and "改分原因" not in view

    with start_chat(chatting["code"]) as chat:
        assert chat.stdin and chat.stdout
        assert chat.stdout.readline().startswith("客户：")  # the chat is running
        waiting = run("exam", "grade", "1", chatting["exam_number"], "p3=20", user=A)
        assert waiting.returncode == 2 and "沟通模拟还在进行" in waiting.stderr
        chat.communicate("您好，欢迎光临\n", timeout=60)  # end of input only pauses it
    assert chat.returncode == 0
    paused = run("exam", "grade", "1", chatting["exam_number"], "p3=20", user=A)
    assert paused.returncode == 2 and "沟通模拟还在进行" in paused.stderr
    late = run("chat", "--code", chatting["code"], extra_env={"KEFU_EXAM_MINUTES": "0.001"})
    assert late.returncode == 0 and "考试时间到" in late.stderr, late.stderr  # now it ends
    written = run("exam", "grade", "1", chatting["exam_number"], "p1=5", user=A)
    assert written.returncode == 0, written.stderr
    sheet = json.loads(run("exam", "sheet", "1", chatting["exam_number"], "--json", user=A).stdout)
    assert sheet["chat_outcome"] == "unfinished" and sheet["chat_total"] is not None

    # A mark that replaces an automatic value is an override: its reason is the 改分原因.
    scored = next(r for r in sheet["rows"] if r["auto"] is not None)
    lowered = scored["auto"] - 1 if scored["auto"] >= 1 else scored["auto"] + 1
    why = "考生答非所问，自动分偏高"
    changed = run(
        "exam", "grade", "1", chatting["exam_number"], f"{scored['id']}={lowered:g}",
        "--reason", why, user=A,
    )  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    sheet = json.loads(run("exam", "sheet", "1", chatting["exam_number"], "--json", user=A).stdout)
    row = next(r for r in sheet["rows"] if r["id"] == scored["id"])
    assert row["reasons"] == {"1": why} and row["overrides"] == ["1"]
    view = run("exam", "sheet", "1", chatting["exam_number"], user=A).stdout
    assert f"改分原因（{scored['id']}，第 1 评）：{why}" in view and "说明（" not in view
    log = json.loads(admin("exam", "audit", "1", "--json").stdout)
    marks = {(e["exam_number"], e["row"]): e for e in log if e["action"] in ("mark", "override")}
    missed = marks[(absent["exam_number"], "cs_presale.p3@1")]
    assert (missed["action"], missed["before"], missed["after"], missed["reason"]) == (
        "mark", None, "0", "考生缺考",
    )  # fmt: skip
    replaced = marks[(chatting["exam_number"], f"{scored['id']}@1")]
    assert (replaced["action"], replaced["before"], replaced["after"], replaced["reason"]) == (
        "override", f"{scored['auto']:g}", f"{lowered:g}", why,
    )  # fmt: skip
    table = admin("exam", "audit", "1").stdout
    assert any("评分" in line and "考生缺考" in line for line in table.splitlines())
    assert not any("改自动分" in line and "考生缺考" in line for line in table.splitlines())


def test_without_users_the_message_names_the_database(run, tmp_path):
    result = run("exam", "sheets", "1", user="王主任")
    assert result.returncode == 2
    assert f"数据库 sqlite:///{tmp_path / 'kefu.db'} 里还没有任何用户" in result.stderr
