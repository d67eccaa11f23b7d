"""Read an exam roster from CSV or XLSX: 准考证号, 姓名, 班级, 学校, one candidate a row.

Every problem of every bad row is reported with its row number (the spreadsheet's own
numbering, header = 1), one line each, and nothing is imported until the file is right: a
half-imported roster is worse than none, and fixing one problem should not reveal the next.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from pathlib import Path

from bot.core.errors import KefuError
from bot.core.text_safety import printable, text_problem
from bot.input_files import InputFileError, read_bytes_bounded
from bot.storage.exams import Candidate

COLUMNS = ("准考证号", "姓名", "班级", "学校")
# A roster of a few thousand candidates is well under 1 MB; a cell this long is no name.
MAX_ROSTER_BYTES = 20 * 1024 * 1024
MAX_CELL_CHARS = 200


def _rows(path: Path) -> list[list[str]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        _bytes(path)  # a regular file of a sane size, before openpyxl opens it
        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not XLSX
            raise KefuError(f"{path}: 不是有效的 XLSX 文件（{exc}）") from None
        try:
            sheet = book.worksheets[0]
            return [
                ["" if v is None else str(v).strip() for v in row]
                for row in sheet.iter_rows(values_only=True)
            ]
        finally:
            book.close()
    raw = _bytes(path)
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK by default
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise KefuError(f"{path}: 文件既不是 UTF-8 也不是 GBK 编码")
    # newline=None reads CR-only line ends (old Mac Excel) as line ends, not as a bad cell.
    reader = csv.reader(io.StringIO(text, newline=None))
    try:
        return [[cell.strip() for cell in row] for row in reader]
    except csv.Error as exc:
        raise KefuError(f"{path}:{reader.line_num}: 不是有效的 CSV（{exc}）") from None


def _bytes(path: Path) -> bytes:
    try:
        return read_bytes_bounded(path, MAX_ROSTER_BYTES)
    except InputFileError as exc:
        raise KefuError(f"{path}: {exc}") from None


def read_roster(path: Path, on_roster: Collection[str] = ()) -> list[Candidate]:
    """Return the candidates of a roster file; raise ``KefuError`` listing every problem.

    ``on_roster`` are the 准考证号 already on the exam's roster: a row repeating one is a
    problem of the file too (the import checks again when it writes).
    """
    if not path.exists():
        raise KefuError(f"{path}: 文件不存在")
    rows = _rows(path)
    if not rows:
        raise KefuError(f"{path}: 文件是空的（第一行应为表头：{'、'.join(COLUMNS)}）")
    header = rows[0]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise KefuError(
            f"{path}:1: 表头缺少 {'、'.join(missing)}（应包含：{'、'.join(COLUMNS)}；实际：{printable('、'.join(header))}）"
        )
    at = {c: header.index(c) for c in COLUMNS}
    problems: list[str] = []
    out: list[Candidate] = []
    seen: dict[str, int] = {}  # 准考证号 → the row it first appears on
    bad = 0
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue  # blank lines at the end of a sheet
        cells = {c: row[i] if i < len(row) else "" for c, i in at.items()}
        found = []  # every problem of this row, not only the first
        empty = [c for c in COLUMNS if not cells[c]]
        if empty:
            found.append(f"缺少 {'、'.join(empty)}")
        for column, value in cells.items():
            problem = text_problem(value, one_line=True)
            if problem:
                found.append(f"{column} {problem}")
            elif len(value) > MAX_CELL_CHARS:
                found.append(f"{column} 长 {len(value)} 字，超过上限 {MAX_CELL_CHARS} 字")
        exam_number = cells["准考证号"]
        if exam_number in seen:
            found.append(f"准考证号 {exam_number} 与第 {seen[exam_number]} 行重复")
        elif exam_number:
            seen[exam_number] = number  # a bad row still holds its number
        if exam_number and exam_number in on_roster:
            found.append(f"准考证号 {exam_number} 已在本场考试的名单中")
        if found:
            bad += 1
            # printable: the message quotes cells, and a grader's terminal must not obey them
            problems += [f"{path}:{number}: {printable(problem)}" for problem in found]
            continue
        out.append(Candidate(exam_number, cells["姓名"], cells["班级"], cells["学校"], number))
    if problems:
        count = f"{bad} 行有问题" + (f"（共 {len(problems)} 处）" if len(problems) > bad else "")
        raise KefuError(
            "\n".join(problems) + f"\n{path}: 有 {count}，没有导入任何考生。改好后重新导入。"
        )
    return out
