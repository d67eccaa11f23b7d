"""Check a candidate's answers to a paper: every automatic point with its evidence.

Pure: the paper, the answers (decoded JSON), the type and email lexicons and the chat scorer are
handed in. Numbers are compared to a tolerance, with half of a cell's points for a right formula
whose value is wrong and follow-through credit for a value worked right from an earlier wrong
one; types accept their synonyms; the 回访 email is read for its parts; the written dialogue is
scored by the same analyser as a live chat. Judged kinds get no points here (``None``) but carry
their character count and the key's points for the grader.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.core.detector import longest_first
from bot.core.papers.keys import abc_class, abc_rows, value_rows
from bot.core.papers.model import VALUE_ROWS, Paper, Task
from bot.core.papers.numbers import close, evaluate, parse_number, same_factors, show
from bot.core.papers.text import dialogue_messages, limit_note
from bot.core.scoring import ScoreSheet
from bot.core.transcript import Transcript

EMAIL_PARTS: dict[str, str] = {
    "subject": "邮件主题",
    "salutation": "称呼",
    "reference": "提及订单与问题",
    "satisfaction": "满意度询问",
    "care": "关怀或新品推荐",
    "signoff": "结束语与落款",
    "courtesy": "礼貌用语",
}


@dataclass(frozen=True)
class PaperLexicon:
    """The data the checks read: type names with their synonyms, the email parts' cue words."""

    types: Mapping[str, Mapping[str, tuple[str, ...]]]  # objection/complaint → type → synonyms
    email: Mapping[str, tuple[str, ...]]  # email part → cue words


@dataclass
class TaskResult:
    """One task's result: points (None: a grader's), max, and the evidence behind them."""

    id: str
    title: str
    kind: str
    row: str
    points: float | None
    max: float
    auto: bool
    evidence: list[dict[str, Any]] = field(default_factory=list)
    comment: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "row": self.row,
            "points": self.points,
            "max": self.max,
            "auto": self.auto,
            "evidence": self.evidence,
            "comment": self.comment,
        }


@dataclass
class PaperResult:
    """A scored answers file."""

    paper: Paper
    tasks: list[TaskResult]
    unknown: list[str] = field(default_factory=list)  # answered task ids the paper lacks

    @property
    def total_auto(self) -> float:
        return round(sum(t.points or 0 for t in self.tasks if t.auto), 2)

    @property
    def max_auto(self) -> float:
        return round(sum(t.max for t in self.tasks if t.auto), 2)

    def to_json(self, file: str | None = None) -> dict[str, Any]:
        """The contract's ``kefu paper score`` object (section 9)."""
        data: dict[str, Any] = {"file": file} if file is not None else {}
        data.update(
            paper=self.paper.id,
            tasks=[t.to_json() for t in self.tasks],
            total_auto=self.total_auto,
            max_auto=self.max_auto,
        )
        if self.unknown:
            data["unknown"] = self.unknown
        return data


DialogueScorer = Callable[[Transcript], ScoreSheet]


def check_paper(
    paper: Paper,
    answers: Mapping[str, Any],
    lexicon: PaperLexicon,
    score_dialogue: DialogueScorer,
) -> PaperResult:
    """Check every task of ``paper`` against ``answers`` (task id → value); never raises."""
    tasks = [check_task(t, answers.get(t.id), lexicon, score_dialogue) for t in paper.tasks]
    known = {t.id for t in paper.tasks}
    return PaperResult(paper, tasks, sorted(str(k) for k in answers if k not in known))


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Mapping):
        return all(_blank(v) for v in value.values())
    if isinstance(value, list):
        return all(_blank(v) for v in value)
    return False


def check_task(
    task: Task, value: Any, lexicon: PaperLexicon, score_dialogue: DialogueScorer
) -> TaskResult:
    """Check one task's answer; a missing or blank answer earns 0, a wrong shape says so."""
    result = TaskResult(task.id, task.title, task.kind, task.row, None, task.max, task.auto)
    if _blank(value):
        result.points, result.comment = 0.0, "未作答"
        return result
    checker = _CHECKERS.get(task.kind, _judged)
    try:
        checker(task, value, lexicon, score_dialogue, result)
    except _WrongShape as exc:
        result.points, result.comment = 0.0, f"答案格式不对：{exc}"
    if result.points is not None:
        result.points = round(min(max(result.points, 0.0), task.max), 2)
    return result


class _WrongShape(Exception):
    """The answer's value is not in the kind's shape (README: 答案的格式)."""


def _text(value: Any, what: str = "文字") -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _WrongShape(f"应为{what}，实际是 {type(value).__name__}")


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _WrongShape(f"应为{what}（JSON 对象），实际是 {type(value).__name__}")
    return value


def _judged(task: Task, value: Any, _lex, _score, result: TaskResult) -> None:
    text = _text(value)
    if task.limit is not None:
        ok, note = limit_note(text, task.limit.min, task.limit.max)
        result.evidence.append({"where": "字数", "ok": ok, "note": note})
    result.comment = "待评分员评分" + (
        "；参考要点：" + "、".join(task.points) if task.points else ""
    )


def _value(task: Task, value: Any, _lex, _score, result: TaskResult) -> None:
    assert task.value is not None  # checked when the paper is loaded
    table = _mapping(value, "三行表格")
    key = value_rows(task.value)
    tol = task.value.tolerance
    share = task.max / len(key)
    cells: dict[str, tuple[float | None, list[float] | None]] = {}
    points, notes = 0.0, []
    for row_id, row in key.items():
        cell = table.get(row_id)
        cell = _mapping(cell, f"“{VALUE_ROWS[row_id]}”一行") if cell is not None else {}
        formula = cell.get("formula")
        parsed = evaluate(formula) if isinstance(formula, str) else None
        got = parse_number(cell.get("value"))
        if got is None and isinstance(formula, str) and "=" in formula:
            got = parse_number(formula.rsplit("=", 1)[1])  # "50×52×10=26000" in one cell
        # Follow-through: a later row built on the candidate's own (wrong) basic value.
        own_basic = cells.get("basic", (None, None))[0]
        wants = [row.factors]
        if row_id != "basic" and own_basic is not None:
            wants.append((*row.factors[:-1], own_basic))
        formula_ok = parsed is not None and any(
            same_factors(parsed[1], list(w), tol) for w in wants
        )
        value_ok = close(got, row.value, tol) or (
            formula_ok and parsed is not None and close(got, parsed[0], tol) and row_id != "basic"
        )
        cells[row_id] = (got, parsed[1] if parsed else None)
        earned = share / 2 * formula_ok + share / 2 * value_ok
        points += earned
        title = VALUE_ROWS[row_id]
        result.evidence.append(
            {
                "where": f"{row_id}.formula",
                "ok": formula_ok,
                "got": formula if isinstance(formula, str) else None,
                "expected": row.formula,
                "note": f"{title}公式" + ("正确" if formula_ok else "不对"),
            }
        )
        result.evidence.append(
            {
                "where": f"{row_id}.value",
                "ok": value_ok,
                "got": got,
                "expected": round(row.value, 2),
                "note": f"{title}数值"
                + ("正确" if value_ok else f"应为 {show(row.value)}，答 {_shown(got)}"),
            }
        )
        if formula_ok and not value_ok:
            notes.append(f"{title}公式对、数值错（{_shown(got)}，应为 {show(row.value)}）")
        elif not formula_ok and not value_ok:
            notes.append(f"{title}公式与数值都不对")
        elif not formula_ok:
            notes.append(f"{title}缺少正确公式")
    result.points = points
    result.comment = "；".join(notes) or "三行公式与数值全部正确"


def _shown(got: float | None) -> str:
    return "空" if got is None else show(got)


def _abc(task: Task, value: Any, _lex, _score, result: TaskResult) -> None:
    assert task.abc is not None
    table = _mapping(value, "各客户的累计占比与类别")
    key = abc_rows(task.abc)
    share = task.max / len(key)
    points, wrong = 0.0, []
    for cid, row in key.items():
        cell = table.get(cid)
        cell = _mapping(cell, f"客户 {cid} 一行") if cell is not None else {}
        got = parse_number(cell.get("cumulative"))
        klass = str(cell.get("class") or "").strip().upper().removesuffix("类")
        cum_ok = close(got, row["cumulative"], 0) or (
            got is not None and abs(got - row["cumulative"]) <= task.abc.tolerance
        )
        # A class that follows from the candidate's own cumulative share is not a second mistake.
        class_ok = klass == row["class"] or (
            got is not None and not cum_ok and klass == abc_class(got, task.abc)
        )
        points += share / 2 * cum_ok + share / 2 * class_ok
        if not cum_ok:
            wrong.append(f"{cid} 累计占比 {_shown(got)}%（应为 {show(row['cumulative'])}%）")
        if not class_ok:
            wrong.append(f"{cid} 类别 {klass or '空'}（应为 {row['class']}）")
        result.evidence.append(
            {
                "where": cid,
                "ok": cum_ok and class_ok,
                "got": {"cumulative": got, "class": klass or None},
                "expected": {"cumulative": row["cumulative"], "class": row["class"]},
                "note": f"{cid}：" + ("正确" if cum_ok and class_ok else "有误"),
            }
        )
    result.points = points
    result.comment = "；".join(wrong) or f"{len(key)} 位客户的累计占比与类别全部正确"


_SKIP = re.compile(r"[\s\W_]+", re.UNICODE)


def match_types(answer: str, types: Mapping[str, tuple[str, ...]]) -> list[str]:
    """The types an answer names, by their names or synonyms; exact names win over mentions."""
    said = _SKIP.sub("", answer)
    exact = [t for t, syns in types.items() if said in {_SKIP.sub("", s) for s in (t, *syns)}]
    if exact:
        return exact
    found = []
    for name, syns in types.items():
        words = longest_first(_SKIP.sub("", s) for s in (name, *syns))
        if any(w and w in said for w in words):
            found.append(name)
    return found


def _type(task: Task, value: Any, lexicon: PaperLexicon, _score, result: TaskResult) -> None:
    if isinstance(value, Mapping):
        value = value.get("type")
    answer = _text(value, "类型名称")
    group = "objection" if task.kind == "objection_type" else "complaint"
    types = lexicon.types.get(group, {})
    named = match_types(answer, types)
    right = task.answer_type or ""
    ok = named == [right]
    result.points = task.max if ok else 0.0
    if ok:
        note = f"“{answer}”即{right}，正确"
    elif len(named) > 1:
        note = f"“{answer}”同时写了 {'、'.join(named)}，只能选一种（应为 {right}）"
    elif named:
        note = f"“{answer}”是{named[0]}，应为 {right}"
    else:
        note = f"“{answer}”不是已知的类型（应为 {right}）"
    result.evidence.append(
        {"where": "type", "ok": ok, "got": answer, "expected": right, "note": note}
    )
    result.comment = note


def _email(task: Task, value: Any, lexicon: PaperLexicon, _score, result: TaskResult) -> None:
    mail = _mapping(value, "邮件（subject、body）")
    subject = _text(mail.get("subject") or "", "主题文字").strip()
    body = _text(mail.get("body") or "", "正文文字").strip()
    data = task.email
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    head, tail = (lines[0] if lines else ""), "\n".join(lines[-3:])
    everything = f"{subject}\n{body}"

    def has(text: str, part: str) -> list[str]:
        return [w for w in lexicon.email.get(part, ()) if w in text]

    found: dict[str, list[str]] = {
        "subject": [subject] if len(subject) >= 2 else [],
        "salutation": has(head, "salutation"),
        "satisfaction": has(body, "satisfaction"),
        "signoff": has(tail, "signoff"),
        "courtesy": has(body, "courtesy"),
    }
    # The order by its number, or in words (您的订单, 您购买的…) when the number is left out.
    order_words = [
        *([data.order] if data and data.order else []),
        *lexicon.email.get("reference", ()),
    ]
    problem_words = list(data.problem) if data and data.problem else []
    order_hit = [w for w in order_words if w and w in everything]
    problem_hit = [w for w in problem_words if w in everything]
    found["reference"] = (
        order_hit + problem_hit if order_hit and (problem_hit or not problem_words) else []
    )
    products = [p for p in (data.products if data else []) if p in body]
    found["care"] = products + has(body, "care")
    missing = [EMAIL_PARTS[p] for p in EMAIL_PARTS if not found[p]]
    for part, title in EMAIL_PARTS.items():
        result.evidence.append(
            {
                "where": part,
                "ok": bool(found[part]),
                "words": found[part][:3],
                "note": f"{title}："
                + ("有（" + "、".join(found[part][:3]) + "）" if found[part] else "缺少"),
            }
        )
    result.points = task.max * (len(EMAIL_PARTS) - len(missing)) / len(EMAIL_PARTS)
    result.comment = f"缺少：{'、'.join(missing)}" if missing else "邮件各部分齐全"


def _dialogue(task: Task, value: Any, _lex, score_dialogue: DialogueScorer, result: TaskResult):
    assert task.dialogue is not None
    if isinstance(value, list):  # [{"role": "客服", "text": ...}, ...] as well as lines
        value = "\n".join(
            f"{_mapping(m, '一行对话').get('role', '')}：{_mapping(m, '一行对话').get('text', '')}"
            for m in value
        )
    messages = dialogue_messages(_text(value, "对话文字（每行以“客服：”或“顾客：”开头）"))
    if not any(m.role == "agent" for m in messages):
        result.points, result.comment = 0.0, "没有以“客服：”开头的行，无法评分"
        return
    sheet = score_dialogue(Transcript(kind=task.dialogue.chat_kind, messages=messages))
    share = min(1.0, sheet.total / task.dialogue.full_at)
    result.points = round(task.max * share * 2) / 2
    for row in sheet.items:
        result.evidence.append(
            {
                "where": row.id,
                "ok": row.points >= row.max,
                "index": row.evidence,
                "words": [messages[i].text[:30] for i in row.evidence[:3] if i < len(messages)],
                "note": f"{row.title} {row.points:g}/{row.max:g}：{row.comment}",
            }
        )
    result.comment = (
        f"按聊天评分表得 {sheet.total:g}/{sheet.max:g}（{task.dialogue.full_at:g} 分及以上得满分）"
    )


_CHECKERS: dict[str, Callable[..., None]] = {
    "customer_value": _value,
    "abc": _abc,
    "objection_type": _type,
    "complaint_type": _type,
    "email": _email,
    "dialogue": _dialogue,
}
