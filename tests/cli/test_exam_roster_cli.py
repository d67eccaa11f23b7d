"""Exams and rosters from the command line: bad rows reported by number, nothing half-imported."""

import csv
from pathlib import Path

from openpyxl import Workbook

HEADER = ["准考证号", "姓名", "班级", "学校"]


def roster_rows(n: int = 37) -> list[list[str]]:
    return [
        [f"2026{i:04d}", f"考生{i}", f"电商{1 + i % 3}班", "长沙商贸职院"] for i in range(1, n + 1)
    ]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows([HEADER, *rows])
    return path


def test_bad_rows_are_reported_and_nothing_is_imported_until_fixed(admin, tmp_path):
    assert (
        admin("exam", "create", "--name", "2026 电商技能考核", "--date", "2026-06-10").returncode
        == 0
    )
    rows = roster_rows()
    bad = [
        *rows[:10],
        ["20260099", "", "电商1班", "长沙商贸职院"],
        *rows[10:20],
        [rows[3][0], "重复", "电商2班", "x"],
        *rows[20:],
    ]
    path = write_csv(tmp_path / "roster.csv", bad)
    result = admin("exam", "roster", "1", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{path}:12: 缺少 姓名" in result.stderr
    assert f"{path}:23: 准考证号 20260004 与第 5 行重复" in result.stderr
    assert "没有导入任何考生" in result.stderr
    assert "0 人" in admin("exam", "list").stdout
    fixed = write_csv(tmp_path / "fixed.csv", rows)
    assert admin("exam", "roster", "1", str(fixed)).stdout.strip() == "已导入 37 名考生到考试 1"
    assert "37 人" in admin("exam", "list").stdout
    again = admin("exam", "roster", "1", str(fixed))
    assert again.returncode == 2 and "已在本场考试的名单中" in again.stderr


def test_every_problem_of_every_row_is_reported(admin, tmp_path):
    """Issue 11: the check stopped at a row's first problem, so fixing one showed the next."""
    admin("exam", "create", "--name", "A", "--date", "2026-06-10")
    first = write_csv(tmp_path / "first.csv", roster_rows(2))
    assert admin("exam", "roster", "1", str(first)).returncode == 0
    rows = roster_rows(6)
    bad = [
        *rows[2:4],  # rows 2, 3
        ["20260003", "", "电商1班", ""],  # 4: two cells missing and a repeated number
        ["", "无号", "", "长沙商贸职院"],  # 5: no number (nothing to repeat) and no class
        ["20260001", "", "电商1班", "长沙商贸职院"],  # 6: already on the roster, no name
        ["20260003", "再重复", "电商1班", "长沙商贸职院"],  # 7: a third 20260003
        rows[5],  # 8
    ]
    path = write_csv(tmp_path / "roster.csv", bad)
    result = admin("exam", "roster", "1", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{path}:4: 缺少 姓名、学校",
        f"{path}:4: 准考证号 20260003 与第 2 行重复",
        f"{path}:5: 缺少 准考证号、班级",
        f"{path}:6: 缺少 姓名",
        f"{path}:6: 准考证号 20260001 已在本场考试的名单中",
        f"{path}:7: 准考证号 20260003 与第 2 行重复",
        f"{path}: 有 4 行有问题（共 6 处），没有导入任何考生。改好后重新导入。",
    ]
    assert "2 人" in admin("exam", "list").stdout


def test_xlsx_and_gbk_csv_rosters(admin, tmp_path):
    admin("exam", "create", "--name", "A", "--date", "2026-06-10")
    admin("exam", "create", "--name", "B", "--date", "2026-06-11")
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in roster_rows(5):
        sheet.append(row)
    book.save(tmp_path / "roster.xlsx")
    assert admin("exam", "roster", "1", str(tmp_path / "roster.xlsx")).returncode == 0
    gbk = write_csv(tmp_path / "gbk.csv", roster_rows(4), encoding="gb18030")
    assert admin("exam", "roster", "2", str(gbk)).returncode == 0
    listing = admin("exam", "list").stdout
    assert "5 人  未抽考  A" in listing and "4 人  未抽考  B" in listing


def test_wrong_header_and_unknown_exam(admin, tmp_path):
    admin("exam", "create", "--name", "A", "--date", "2026-06-10")
    path = tmp_path / "r.csv"
    path.write_text("学号,姓名\n1,张三\n", encoding="utf-8")
    result = admin("exam", "roster", "1", str(path))
    assert result.returncode == 2 and f"{path}:1: 表头缺少 准考证号、班级、学校" in result.stderr
    assert (
        admin("exam", "roster", "9", str(write_csv(tmp_path / "ok.csv", roster_rows(2)))).returncode
        == 2
    )
    assert admin("exam", "create", "--name", "A", "--date", "6/10").returncode == 2
    compact = admin("exam", "create", "--name", "A", "--date", "20260610")  # same on every Python
    assert compact.returncode == 2 and "YYYY-MM-DD" in compact.stderr


def test_only_an_admin_may_create_exams_and_import_rosters(run, admin, tmp_path):
    anonymous = run("exam", "create", "--name", "A", "--date", "2026-06-10")
    assert anonymous.returncode == 2 and "需要说明你是谁" in anonymous.stderr
    assert admin("user", "add", "李老师", "--role", "grader").returncode == 0
    grader = run("exam", "create", "--name", "A", "--date", "2026-06-10", user="李老师")
    assert grader.returncode == 2 and "需要管理员" in grader.stderr
    stranger = run("exam", "create", "--name", "A", "--date", "2026-06-10", user="路人")
    assert stranger.returncode == 2 and "没有名为“路人”的用户" in stranger.stderr
    assert admin("exam", "create", "--name", "A", "--date", "2026-06-10").returncode == 0
    path = write_csv(tmp_path / "r.csv", roster_rows(3))
    refused = run("exam", "roster", "1", str(path), user="李老师")
    assert refused.returncode == 2 and "0 人" in admin("exam", "list").stdout


def test_an_empty_roster_and_a_number_already_on_the_roster_name_file_and_row(admin, tmp_path):
    admin("exam", "create", "--name", "A", "--date", "2026-06-10")
    empty = write_csv(tmp_path / "empty.csv", [])
    result = admin("exam", "roster", "1", str(empty))
    assert result.returncode == 2 and f"{empty}: 名单里没有考生" in result.stderr
    first = write_csv(tmp_path / "first.csv", roster_rows(2))
    assert admin("exam", "roster", "1", str(first)).returncode == 0
    again = write_csv(tmp_path / "again.csv", roster_rows(3))
    result = admin("exam", "roster", "1", str(again))
    assert f"{again}:2: 准考证号 20260001 已在本场考试的名单中" in result.stderr
    assert "2 人" in admin("exam", "list").stdout
