"""The task papers in an exam's export: each candidate's paper and every task's score.

``考试N_试卷.csv`` and the worksheet 试卷 of the XLSX: 准考证号, 姓名, 项目, 试卷, 状态, then one
column per task id (its automatic points; 人工 for a task a grader judges, in the project row
the paper names), and the automatic total. The form's rows (①…⑩ in 成绩) already hold the
tasks' points once the paper is submitted; this file shows them task by task.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.services.app import App
from bot.services.paper_grading import score_sitting, sitting_state
from bot.services.results_export import PROJECT_ZH, write_csv
from bot.storage import papers as paper_store
from bot.storage import sheets as store

JUDGED = "人工"


def _task_order(task_id: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", task_id))


def paper_table(app: App, exam_id: int) -> tuple[list[str], list[list]]:
    """The header and one line per candidate who opened a paper, in roster order."""
    all_sheets = store.sheets(app.db, exam_id)
    sittings = paper_store.sittings(app.db, [s.code for s in all_sheets if s.code])
    lines, task_ids = [], set()
    scored = []
    for sheet in all_sheets:
        sitting = sittings.get(sheet.code or "")
        if sitting is None:
            continue
        result = score_sitting(app, sitting)
        task_ids.update(t.id for t in result.tasks)
        scored.append((sheet, sitting, result))
    columns = sorted(task_ids, key=_task_order)
    header = ["准考证号", "姓名", "项目", "试卷", "状态", *columns, "自动评分合计", "自动评分满分"]
    for sheet, sitting, result in scored:
        points = {t.id: (t.points if t.auto else JUDGED) for t in result.tasks}
        state = sitting_state(sitting)
        lines.append(
            [
                sheet.exam_number,
                sheet.name,
                PROJECT_ZH.get(sheet.project, sheet.project),
                result.paper.title,
                state,
                *(points.get(c) for c in columns),
                result.total_auto,
                result.max_auto,
            ]
        )
    return header, lines


def export_papers(app: App, exam_id: int, stem: str, out: Path, workbook: Path) -> list[Path]:
    """Write ``STEM_试卷.csv`` and add the worksheet 试卷 to ``workbook``; [] without papers."""
    header, lines = paper_table(app, exam_id)
    if not lines:
        return []
    from openpyxl import load_workbook
    from openpyxl.styles import Font

    path = out / f"{stem}_试卷.csv"
    write_csv(path, header, lines)
    book = load_workbook(workbook)
    sheet = book.create_sheet("试卷")
    sheet.append(header)
    for line in lines:
        sheet.append(line)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    book.save(workbook)
    return [path]
