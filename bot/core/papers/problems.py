"""What can be wrong with a paper whose shape is valid: rows, keys, data, types, variants.

Returns ``(path, message)`` pairs; the loader turns each path into ``FILE:LINE``.
"""

from __future__ import annotations

import difflib
import string
from collections.abc import Mapping

from bot.core.papers.model import KIND_DATA, Paper, Task, ValueModel

Path = tuple[str | int, ...]
_TEXT_KEYS = ("summary", "plan", "handling", "legal", "analysis", "dialogue")


def _hint(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f"。是不是“{close[0]}”？" if close else ""


def paper_problems(
    paper: Paper,
    form_rows: list[str] | None,
    types: Mapping[str, Mapping[str, tuple[str, ...]]],
) -> list[tuple[Path, str]]:
    """Check a parsed paper against its project form's rows and the type lexicon."""
    problems: list[tuple[Path, str]] = []
    seen: set[str] = set()
    for i, task in enumerate(paper.tasks):
        at: Path = ("tasks", i)
        if task.id in seen:
            problems.append(((*at, "id"), f"题号“{task.id}”重复"))
        seen.add(task.id)
        if form_rows is None:
            problems.append((("form",), f"找不到评分表“{paper.form}”（rubric/forms/ 中的 id）"))
            form_rows = []  # said once
        elif form_rows and task.row not in form_rows:
            problems.append(
                (
                    (*at, "row"),
                    f"评分表 {paper.form} 没有行“{task.row}”（可用：{', '.join(form_rows)}）"
                    + _hint(task.row, form_rows),
                )
            )
        problems.extend(_task_problems(task, at, types))
    return problems


def _task_problems(task: Task, at: Path, types) -> list[tuple[Path, str]]:
    problems: list[tuple[Path, str]] = []
    section = KIND_DATA.get(task.kind)
    if section and getattr(task, section) is None:
        problems.append((at, f"{task.kind} 题需要“{section}:”一节（题目的数据）"))
    if task.kind in _TEXT_KEYS and not isinstance(task.key, str):
        problems.append(((*at, "key"), f"{task.kind} 题需要参考答案“key:”（一段文字）"))
    if task.kind == "email" and not (
        isinstance(task.key, dict) and {"subject", "body"} <= set(task.key)
    ):
        problems.append(((*at, "key"), "email 题的参考答案“key:”需要 subject 和 body 两项"))
    if task.kind in ("objection_type", "complaint_type"):
        group = "objection" if task.kind == "objection_type" else "complaint"
        known = list(types.get(group, {}))
        if not task.answer_type:
            problems.append((at, f"{task.kind} 题需要正确类型“answer_type:”"))
        elif task.answer_type not in known:
            problems.append(
                (
                    (*at, "answer_type"),
                    f"未知的类型“{task.answer_type}”（可用：{'、'.join(known)}）"
                    + _hint(task.answer_type, known),
                )
            )
    if task.limit is not None and task.limit.min > task.limit.max:
        problems.append(((*at, "limit"), "字数下限 min 大于上限 max"))
    if task.vary and task.kind != "customer_value":
        problems.append(((*at, "vary"), "vary 只用于 customer_value 题（ABC 表自动变化）"))
    for name, values in task.vary.items():
        if name not in ValueModel.model_fields or name == "tolerance":
            fields = [f for f in ValueModel.model_fields if f != "tolerance"]
            problems.append(
                ((*at, "vary", name), f"value 没有参数“{name}”（可用：{', '.join(fields)}）")
            )
        elif not values:
            problems.append(((*at, "vary", name), f"“{name}”至少要有一个取值"))
    if task.abc is not None:
        if task.abc.a >= task.abc.b:
            problems.append(((*at, "abc", "a"), "A 类分界 a 应小于 B 类分界 b"))
        ids = [c.id for c in task.abc.customers]
        for dup in sorted({x for x in ids if ids.count(x) > 1}):
            problems.append(((*at, "abc", "customers"), f"客户编号“{dup}”重复"))
        seen_values: dict[float, str] = {}
        for j, c in enumerate(task.abc.customers):
            if c.value in seen_values:
                problems.append(
                    (
                        (*at, "abc", "customers", j),
                        f"客户 {c.id} 与 {seen_values[c.value]} 消费金额相同，累计占比会取决于"
                        "两人的先后顺序。提示：让金额各不相同",
                    )
                )
            seen_values.setdefault(c.value, c.id)
    if task.value is not None:
        problems.extend(_prompt_problems(task, at))
    return problems


def _prompt_problems(task: Task, at: Path) -> list[tuple[Path, str]]:
    """The value task's prompt may name only its parameters, as {amount} or {convert_rate_pct}."""
    fields = {*ValueModel.model_fields, *(f"{f}_pct" for f in ValueModel.model_fields)}
    try:
        names = [
            name for _, name, _, _ in string.Formatter().parse(task.prompt) if name is not None
        ]
    except ValueError:
        return [
            (
                (*at, "prompt"),
                "题目中的花括号不成对（参数写作 {amount}，文字中的花括号写两遍 {{ }}）",
            )
        ]
    return [
        ((*at, "prompt"), f"题目中的“{{{name}}}”不是 value 的参数" + _hint(name, sorted(fields)))
        for name in names
        if name not in fields
    ]
