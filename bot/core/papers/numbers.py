"""Read a candidate's formula (50 × 52 × 10, 5×20%×26000) and compare numbers to a tolerance.

Formulas are parsed with Python's own expression parser after the exam's symbols are turned
into operators (× ÷ %, thousands separators, units such as 元 and 人); only numbers and the four
operations are evaluated, never names or calls.
"""

from __future__ import annotations

import ast
import operator
import re
from collections import Counter

_SYMBOLS = str.maketrans(
    {
        "×": "*",
        "x": "*",
        "X": "*",
        "＊": "*",
        "·": "*",
        "•": "*",
        "÷": "/",
        "／": "/",
        "＋": "+",
        "－": "-",
        "（": "(",
        "）": ")",
        "＝": "=",
        "％": "%",
        "．": ".",
    }
)
_THOUSANDS = re.compile(r"(?<=\d)[,，](?=\d{3}(?!\d))")
_UNITS = re.compile(r"[\u4e00-\u9fff\s]+")
_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def parse_number(value: object) -> float | None:
    """Return the number a cell holds (26000, "26,000", "26000元", "20%"), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        return None
    result = evaluate(value)
    return result[0] if result else None


def evaluate(formula: object) -> tuple[float, list[float]] | None:
    """Return a formula's value and the numbers it multiplies, or None when it is not one.

    The part after the last ``=`` is dropped when the part before it is a formula (a candidate
    often writes ``50×52×10=26000``); a ``%`` makes its number a fraction (20% is 0.2).
    """
    if not isinstance(formula, str):
        return None
    text = _UNITS.sub("", _THOUSANDS.sub("", formula.translate(_SYMBOLS)))
    text = re.sub(r"(\d+(?:\.\d+)?)%", r"(\1/100)", text)
    parts = [p for p in text.split("=") if p]
    for part in parts:
        try:
            tree = ast.parse(part, mode="eval")
        except (SyntaxError, ValueError):
            continue
        numbers: list[float] = []
        value = _eval(tree.body, numbers)
        if value is not None:
            return value, numbers
    return None


def _eval(node: ast.AST, numbers: list[float]) -> float | None:
    # Percent signs became (n/100): read them back as one number, the fraction.
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Div)
        and isinstance(node.left, ast.Constant)
        and isinstance(node.right, ast.Constant)
        and node.right.value == 100
        and isinstance(node.left.value, int | float)
    ):
        numbers.append(node.left.value / 100)
        return node.left.value / 100
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        if isinstance(node.value, bool):
            return None
        numbers.append(float(node.value))
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _eval(node.operand, numbers)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        left, right = _eval(node.left, numbers), _eval(node.right, numbers)
        if left is None or right is None:
            return None
        try:
            return _OPS[type(node.op)](left, right)
        except ZeroDivisionError:
            return None
    return None


def close(got: float | None, want: float, tolerance: float) -> bool:
    """Whether ``got`` equals ``want`` within a relative tolerance (at least 0.01 absolute)."""
    return got is not None and abs(got - want) <= max(abs(want) * tolerance, 0.01)


def same_factors(got: list[float], want: list[float], tolerance: float) -> bool:
    """Whether two lists of factors hold the same numbers, in any order."""
    if len(got) != len(want):
        return False
    left = Counter(round(x, 6) for x in got)
    remaining = list(want)
    for x in left.elements():
        match = next((w for w in remaining if close(x, w, tolerance)), None)
        if match is None:
            return False
        remaining.remove(match)
    return True


def show(value: float) -> str:
    """Write a number as the task does: 26,000 / 0.5 / 20%-free."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")
