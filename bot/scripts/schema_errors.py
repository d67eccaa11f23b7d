"""Turn pydantic's validation errors into Chinese problems with paths, for trainers.

Used by every YAML data file (scripts, lexicons, rubrics), so that a mistake reads the same
wherever it is made.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

Where = tuple[str | int, ...]

_TYPE_WORDS = {
    "string_type": "文字",
    "int_type": "整数",
    "int_parsing": "整数",
    "int_from_float": "整数",
    "float_type": "数字",
    "float_parsing": "数字",
    "bool_type": "true 或 false",
    "bool_parsing": "true 或 false",
    "list_type": "列表（每项一行，以“- ”开头）",
    "dict_type": "映射（“键: 值”，下一层缩进两格）",
    "model_type": "映射（“键: 值”，下一层缩进两格）",
    "model_attributes_type": "映射（“键: 值”，下一层缩进两格）",
}


def _unwrap(t: Any) -> Any:
    while True:
        origin = typing.get_origin(t)
        if origin is typing.Annotated:
            t = typing.get_args(t)[0]
        elif origin in (typing.Union, types.UnionType):
            inner = [a for a in typing.get_args(t) if a is not type(None)]
            t = inner[0] if len(inner) == 1 else t
            if len(inner) != 1:
                return t
        else:
            return t


def _fields_at(model: type[BaseModel], where: Where) -> list[str]:
    """Return the keys allowed in the mapping at ``where`` (for "did you mean")."""
    t: Any = model
    for part in where:
        t = _unwrap(t)
        if isinstance(t, type) and issubclass(t, BaseModel):
            by_key = {(f.alias or n): f for n, f in t.model_fields.items()}
            if part not in by_key:
                return []
            t = by_key[part].annotation
        elif typing.get_origin(t) is list:
            t = typing.get_args(t)[0]
        elif typing.get_origin(t) is dict:
            t = typing.get_args(t)[1]
        else:
            return []
    t = _unwrap(t)
    if isinstance(t, type) and issubclass(t, BaseModel):
        return [f.alias or n for n, f in t.model_fields.items()]
    return []


def _present_prefix(data: Any, loc: Where) -> Where:
    """Drop the parts of a loc that pydantic adds for union members (…, 'str', 'int')."""
    node, kept = data, []
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            node = node[part]
        else:
            break
        kept.append(part)
    return tuple(kept)


def _shown(where: Where) -> str:
    """How a message names the place: “phrase”, or “detect”第 1 项 for an item of a list."""
    if not where:
        return "（顶层）"
    if isinstance(where[-1], int) and len(where) > 1 and isinstance(where[-2], str):
        return f"“{where[-2]}”第 {where[-1] + 1} 项"
    return f"“{where[-1]}”"


def explain(model: type[BaseModel], data: Any, error: ValidationError) -> list[tuple[Where, str]]:
    """Return one (path, Chinese message) per distinct problem in ``error``."""
    out: dict[Where, str] = {}
    for e in error.errors(include_url=False):
        loc, kind, ctx = tuple(e["loc"]), e["type"], e.get("ctx") or {}
        name = str(loc[-1]) if loc else "（顶层）"
        if kind == "missing":
            where, msg = loc, f"缺少必填项“{name}”"
        elif kind == "extra_forbidden":
            known = _fields_at(model, loc[:-1])
            match = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
            where = loc
            msg = f"未知的字段“{name}”（可用：{', '.join(known)}）" + (
                f"。是不是想写“{match[0]}”？" if match else ""
            )
        else:
            where = _present_prefix(data, loc)
            field = _shown(where)
            if kind in _TYPE_WORDS:
                msg = f"{field}应为{_TYPE_WORDS[kind]}，实际写的是 {e['input']!r}"
            elif kind == "literal_error":
                msg = f"{field}的取值 {e['input']!r} 不被允许（应为 {ctx.get('expected')}）"
            elif kind == "too_short":
                msg = f"{field}不能为空（至少 {ctx.get('min_length', 1)} 项）"
            elif kind == "string_too_short":
                msg = f"{field}不能是空文字"
            elif kind == "string_pattern_mismatch":
                msg = f"{field}只能用小写英文字母、数字和连字符（如 presale-dress），实际是 {e['input']!r}"
            elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
                bound = next(iter(ctx.values()), "")
                word = {
                    "greater_than": ">",
                    "greater_than_equal": "≥",
                    "less_than": "<",
                    "less_than_equal": "≤",
                }[kind]
                msg = f"{field}应 {word} {bound}，实际是 {e['input']!r}"
            else:
                msg = f"{field}的值不对：{e['msg']}"
        out.setdefault(where, msg)
    return list(out.items())
