"""Read an exam roster from CSV or XLSX: 准考证号, 姓名, 班级, 学校, one candidate a row.

Every bad row is reported with its row number (the spreadsheet's own numbering, header = 1), and
nothing is imported until the file is right: a half-imported roster is worse than none.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bot.core.errors import KefuError
from bot.storage.exams import Candidate

COLUMNS = ("准考证号", "姓名", "班级", "学校")


def _rows(path: Path) -> list[list[str]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

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
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KefuError(f"{path}: 无法读取：{exc.strerror}") from None
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK by default
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise KefuError(f"{path}: 文件既不是 UTF-8 也不是 GBK 编码")
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]


def read_roster(path: Path) -> list[Candidate]:
    """Return the candidates of a roster file; raise ``KefuError`` listing every bad row."""
    if not path.exists():
        raise KefuError(f"{path}: 文件不存在")
    rows = _rows(path)
    if not rows:
        raise KefuError(f"{path}: 文件是空的（第一行应为表头：{'、'.join(COLUMNS)}）")
    header = rows[0]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise KefuError(
            f"{path}:1: 表头缺少 {'、'.join(missing)}（应包含：{'、'.join(COLUMNS)}；实际：{'、'.join(header)}）"
        )
    at = {c: header.index(c) for c in COLUMNS}
    problems, out, seen = [], [], {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue  # blank lines at the end of a sheet
        cells = {c: row[i] if i < len(row) else "" for c, i in at.items()}
        empty = [c for c in COLUMNS if not cells[c]]
        if empty:
            problems.append(f"{path}:{number}: 缺少 {'、'.join(empty)}")
            continue
        if cells["准考证号"] in seen:
            problems.append(
                f"{path}:{number}: 准考证号 {cells['准考证号']} 与第 {seen[cells['准考证号']]} 行重复"
            )
            continue
        seen[cells["准考证号"]] = number
        out.append(
            Candidate(cells["准考证号"], cells["姓名"], cells["班级"], cells["学校"], number)
        )
    if problems:
        raise KefuError(
            "\n".join(problems)
            + f"\n{path}: 有 {len(problems)} 行有问题，没有导入任何考生。改好后重新导入。"
        )
    return out
