"""Plain-text tables for the terminal and the printer, aligned for Chinese (wide) characters."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from bot.core.text_safety import printable


def width(text: str) -> int:
    """Columns a text takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns separated by two spaces; the last column is not padded."""
    # Cells come from rosters and chats: an ESC sequence in a name must not drive the terminal.
    lines = [list(header), *([printable(str(c)) for c in r] for r in rows)]
    widths = [max(width(r[i]) for r in lines) for i in range(len(header) - 1)]
    return "\n".join(
        "  ".join([*(pad(c, w) for c, w in zip(r, widths, strict=False)), r[-1]]).rstrip()
        for r in lines
    )
