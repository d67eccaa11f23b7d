"""The task paper on the grader's sheet: each task's automatic result with its evidence, and
for the tasks that need judgement the candidate's answer with the key's points beside it."""

from __future__ import annotations

import json
from typing import Any

from bot.core.papers.keys import task_key
from bot.core.papers.model import KIND_TITLES, VALUE_ROWS
from bot.services.paper_grading import score_sitting, sitting_paper, sitting_state
from bot.storage import papers as paper_store
from bot.storage.sheets import Sheet


def _shown(value: Any) -> str:
    """An answer or model answer as a grader reads it: text as written, tables line by line."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and {"subject", "body"} >= set(value):
        return f"主题：{value.get('subject', '')}\n{value.get('body', '')}"
    if isinstance(value, dict) and set(value) & set(VALUE_ROWS):
        return "\n".join(
            f"{title}：{_cell(value.get(rid), 'formula')} = {_cell(value.get(rid), 'value')}"
            for rid, title in VALUE_ROWS.items()
        )
    if isinstance(value, dict) and all(isinstance(v, dict) for v in value.values()):
        return "\n".join(
            f"{cid}：累计 {_cell(v, 'cumulative')}%，{_cell(v, 'class')} 类"
            for cid, v in value.items()
        )
    return json.dumps(value, ensure_ascii=False)


def _cell(row: Any, key: str) -> str:
    value = row.get(key) if isinstance(row, dict) else None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "—" if value in (None, "") else str(value)


def paper_values(app, sheet: Sheet) -> dict[str, Any] | None:
    """The sheet's paper as the grader sees it, or None when the candidate never opened one."""
    if sheet.code is None:
        return None
    sitting = paper_store.get_sitting(app.db, sheet.code)
    if sitting is None:
        return None
    paper = sitting_paper(sitting)
    result = score_sitting(app, sitting)
    tasks = []
    rows: dict[str, list[str]] = {}
    for task, scored in zip(paper.tasks, result.tasks, strict=True):
        rows.setdefault(task.row, []).append(task.id)
        tasks.append(
            {
                "id": task.id,
                "title": task.title,
                "kind": KIND_TITLES[task.kind],
                "row": task.row,
                "max": task.max,
                "auto": task.auto,
                "points": scored.points,
                # The key's points are shown in a column of their own, not again in the comment.
                "comment": scored.comment
                if task.auto or scored.points is not None
                else "待评分员评分",
                # Automatic tasks: what was wrong; judged ones: the character count, good or not.
                "evidence": [
                    {"note": e["note"], "ok": bool(e.get("ok", True))}
                    for e in scored.evidence
                    if not (task.auto and e.get("ok", True))
                ],
                "answer": _shown(sitting.answers.get(task.id)),
                "key": _shown(task_key(task)) if not task.auto else "",
                "key_points": task.points,
            }
        )
    return {
        "id": paper.id,
        "title": paper.title,
        "variant": sitting.variant,
        "state": sitting_state(sitting),
        "submitted": sitting.submitted,
        "total_auto": result.total_auto,
        "max_auto": result.max_auto,
        "tasks": tasks,
        "rows": rows,
        "judged_rows": {
            row: _row_note(row, tasks) for row in sorted({t["row"] for t in tasks if not t["auto"]})
        },
    }


def _row_note(row: str, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """A row the grader marks: the tasks to judge, and the automatic part already checked."""
    mine = [t for t in tasks if t["row"] == row]
    auto = [t for t in mine if t["auto"]]
    return {
        "judged": [t["id"] for t in mine if not t["auto"]],
        "auto": "；".join(f"{t['id']} {t['points'] or 0:g}/{t['max']:g}" for t in auto),
    }
