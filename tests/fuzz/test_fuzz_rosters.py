"""Fuzzing rosters (CSV, XLSX, any bytes) and the results export's cells made from them.

What ``read_roster`` accepts is then written the way the export writes it and read back: no
cell may be a formula, in XLSX or CSV.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from bot.services.roster_files import COLUMNS, read_roster
from bot.services.spreadsheet_cells import FORMULA_START, append_row, csv_cell
from tests.fuzz.fuzzing import FUZZ, case, mutated_bytes
from tests.fuzz.fuzzing import text_with_hostility as hostile_text

rows = st.lists(st.lists(hostile_text, min_size=0, max_size=5), max_size=8)
line_ends = st.sampled_from(["\n", "\r\n", "\r"])
GOOD = "\n".join([",".join(COLUMNS), "20260001,张三,电商1班,长沙商贸职院"]).encode()


def export_back(candidates) -> None:
    """Write the accepted names as the export does; read back: nothing is a formula."""
    book = Workbook()
    sheet = book.active
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for c in candidates:
        values = [c.exam_number, c.name, c.class_name, c.school, 85.5]
        append_row(sheet, values)
        writer.writerow([csv_cell(v) for v in values])
    saved = io.BytesIO()
    book.save(saved)
    for row in load_workbook(io.BytesIO(saved.getvalue())).active.iter_rows():
        assert all(cell.data_type != "f" for cell in row)
    for row in csv.reader(io.StringIO(buffer.getvalue())):
        assert not any(cell.startswith(FORMULA_START) for cell in row)


def read(path: Path) -> None:
    def work() -> None:
        export_back(read_roster(path))

    case("roster", work)


@FUZZ
@given(cells=rows, end=line_ends, encoding=st.sampled_from(["utf-8", "gb18030", "utf-8-sig"]))
def test_hostile_csv_rosters(cells, end, encoding):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=end).writerows([list(COLUMNS), *cells])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.csv"
        path.write_bytes(buffer.getvalue().encode(encoding, "replace"))
        read(path)


@FUZZ
@given(data=mutated_bytes(GOOD))
def test_mutated_csv_bytes(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.csv"
        path.write_bytes(data)
        read(path)


@FUZZ
@given(cells=rows)
def test_hostile_xlsx_rosters(cells):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook()
    book.active.append(list(COLUMNS))
    for row in cells:  # openpyxl itself refuses control characters: those go in by CSV
        book.active.append([ILLEGAL_CHARACTERS_RE.sub("", v) for v in row])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.xlsx"
        book.save(path)
        read(path)


@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes_as_xlsx(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.xlsx"
        path.write_bytes(b"PK\x03\x04" + data)
        read(path)
