"""The graders' text views: a sheet, the list of sheets, the audit log, as a person reads them."""

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
