"""Text from users made safe to show and to store: control characters and broken Unicode.

A roster name or a chat line can carry an ESC sequence (which repaints a grader's terminal), a
NUL (which spreadsheets refuse) or a lone UTF-16 surrogate (which no UTF-8 file or database can
hold). Importers use ``text_problem`` to refuse such text with a reason; writers that must show
text already stored use ``printable``.
"""

from __future__ import annotations

import re

# C0 controls except tab and line ends, DEL and the C1 controls (ESC [ … and CSI live here).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Tab and line ends are harmless in a chat line but not in a one-line field such as a name.
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def text_problem(text: str, one_line: bool = False) -> str | None:
    """Why ``text`` cannot be accepted (in Chinese), or None when it is fine."""
    if _SURROGATE.search(text):
        return "含有无效的 Unicode 字符（孤立的代理项），无法保存为 UTF-8"
    found = (_LINE_CONTROL if one_line else _CONTROL).search(text)
    if found:
        return f"含有控制字符 U+{ord(found.group()):04X}（第 {found.start() + 1} 个字符）"
    return None


def printable(text: str, one_line: bool = True) -> str:
    """``text`` with controls shown as ``\\x1b``-style escapes and bad surrogates as U+FFFD."""
    text = _SURROGATE.sub("\ufffd", text)
    return (_LINE_CONTROL if one_line else _CONTROL).sub(lambda m: f"\\x{ord(m.group()):02x}", text)
