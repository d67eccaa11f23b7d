"""Export an exam's results: CSV and XLSX in the office's layout, with the province's summary.

Files (``OUT`` is the folder given to ``kefu exam export``):

- ``考试N_成绩.csv``: 准考证号, 姓名, 班级, 学校, 模块, 项目, ①…⑩ (each evaluation point's
  points), 总分, 等级, 评分员: one line per candidate, in roster order;
- ``考试N_汇总.csv``: pass and excellence counts and rates per module, per class, in total;
- ``考试N_成绩.xlsx``: the same two tables as the worksheets 成绩 and 汇总.

CSV files are UTF-8 with a byte-order mark, which is how Excel (as offices use it) recognises
UTF-8 and shows the Chinese headers instead of mojibake.
"""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

from bot.core.draw import NAMES_ZH
from bot.core.errors import KefuError
from bot.core.results_summary import POINTS, ResultLine, SummaryRow, summary
from bot.services.app import App
from bot.services.exam_grading import collect_chats, evaluate_sheet
from bot.services.spreadsheet_cells import append_row, csv_cell
from bot.storage import sheets as store
from bot.storage.exams import get_exam

PROJECT_ZH = {
    "presale": "售前客户服务与管理",
    "aftersale": "售后客户服务与管理",
    "web_page_editing": "网站页面的编辑美化",
    "shop_design": "网店美工设计",
    "b2c_c2c_operations": "B2C/C2C 平台运营",
    "search_engine_promotion": "搜索引擎推广",
    "mobile_new_media": "移动新媒体推广",
}

RESULT_HEADER = [
    "准考证号",
    "姓名",
    "班级",
    "学校",
    "模块",
    "项目",
    *POINTS,
    "总分",
    "等级",
    "评分员",
]
SUMMARY_HEADER = ["分组", "名称", "人数", "合格人数", "合格率", "优秀人数", "优秀率"]


def result_lines(app: App, exam_id: int, draft: bool = False) -> list[ResultLine]:
    """Every candidate's result; unless ``draft``, refuse while any sheet is not finalised."""
    collect_chats(app, exam_id)
    all_sheets = store.sheets(app.db, exam_id)
    if not all_sheets:
        raise KefuError(f"考试 {exam_id} 还没有抽考，没有评分表。")
    open_ = [s.exam_number for s in all_sheets if not s.final]
    if open_ and not draft:
        shown = "、".join(open_[:10]) + ("…" if len(open_) > 10 else "")
        raise KefuError(
            f"考试 {exam_id} 还有 {len(open_)} 张评分表没有定稿：{shown}。"
            "提示：全部定稿后再导出；要先看草稿，加 --draft。"
        )
    lines = []
    for sheet in all_sheets:
        result = evaluate_sheet(app, sheet)
        points = {
            row.row.point: row.final
            for row in result.rows
            if row.final is not None and row.row.point
        }
        lines.append(
            ResultLine(
                sheet.exam_number,
                sheet.name,
                sheet.class_name,
                sheet.school,
                sheet.module,
                sheet.project,
                points,
                result.total,
                tuple(sheet.markers[r] for r in sorted(sheet.markers)),
            )
        )
    return lines


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def result_row(line: ResultLine) -> list:
    return [
        line.exam_number,
        line.name,
        line.class_name,
        line.school,
        NAMES_ZH.get(line.module, line.module),
        PROJECT_ZH.get(line.project, line.project),
        *(_number(line.points.get(p)) for p in POINTS),
        _number(line.total),
        line.grade,
        "、".join(line.graders),
    ]


def summary_row(row: SummaryRow, as_text: bool = False) -> list:
    """A summary row; rates as fractions (formatted as % in the workbook) or as "81.8%" text."""
    rates = [row.pass_rate, row.excellence_rate]
    if as_text:
        rates = [f"{r * 100:.1f}%" for r in rates]
    return [row.group, row.name, row.count, row.passed, rates[0], row.excellent, rates[1]]


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows([csv_cell(v) for v in row] for row in rows)


def write_xlsx(path: Path, lines: list[ResultLine], rows: list[SummaryRow], title: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    results = book.active
    results.title = "成绩"
    results.append(RESULT_HEADER)
    for line in lines:
        append_row(results, result_row(line))
    totals = book.create_sheet("汇总")
    totals.append(SUMMARY_HEADER)
    for row in rows:
        append_row(totals, summary_row(row))
    for cells in totals.iter_rows(min_row=2):
        for cell in (cells[4], cells[6]):
            cell.number_format = "0.0%"
    for sheet in (results, totals):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        fit_columns(sheet)
    book.properties.title = title
    book.save(path)


def text_width(text: str) -> int:
    """How many character widths a text takes in a spreadsheet: CJK (and ①…⑩) count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


def shown(cell) -> str:
    """A cell's value as the workbook shows it (rates as 81.8%)."""
    if cell.value is None:
        return ""
    if isinstance(cell.value, float) and cell.number_format.endswith("%"):
        return f"{cell.value * 100:.1f}%"
    return str(cell.value)


def fit_columns(sheet, least: int = 6, most: int = 50) -> None:
    """Set each column's width to its widest cell, with a little room, within least..most."""
    for column in sheet.iter_cols():
        widest = max(text_width(shown(cell)) for cell in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(widest + 2, least), most)


def export(app: App, exam_id: int, out: Path, draft: bool = False) -> list[Path]:
    """Write the three files into ``out``; return their paths."""
    exam = get_exam(app.db, exam_id)
    lines = result_lines(app, exam_id, draft)
    rows = summary(lines)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise KefuError(f"{out}: 无法创建文件夹：{exc.strerror}") from None
    stem = f"考试{exam_id}" + ("_草稿" if draft else "")
    paths = [out / f"{stem}_成绩.csv", out / f"{stem}_汇总.csv", out / f"{stem}_成绩.xlsx"]
    write_csv(paths[0], RESULT_HEADER, [result_row(line) for line in lines])
    write_csv(paths[1], SUMMARY_HEADER, [summary_row(row, as_text=True) for row in rows])
    write_xlsx(paths[2], lines, rows, f"{exam.name}（{exam.date}）成绩")
    from bot.services.paper_export import export_papers  # the task papers, task by task

    return paths + export_papers(app, exam_id, stem, out, paths[2])
