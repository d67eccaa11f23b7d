"""The task paper of an exam seat: open it, save each answer as typed, submit it.

Plain synchronous code over ``bot.storage.papers`` (the ASGI layer runs it in worker threads).
An answer is checked for its task and shape and, where the task has a character limit, refused
when it is over the limit (the page's counter refuses it first; this is for pages without
JavaScript and for anything that bypasses the page). Field names of the no-JavaScript form are
paths: ``t4.basic.formula`` is the formula of the value table's first row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.channels.web.seats import SeatRefused
from bot.core.papers import Paper, Task
from bot.core.papers.text import count_chars
from bot.services.app import App
from bot.services.paper_grading import new_sitting, sitting_paper
from bot.storage import papers as store
from bot.storage.sheets import sheet_by_code
from bot.storage.web import Seat

# A page whose clock ran out is believed when the server's deadline is this close (seconds).
TIME_UP_SLACK = 60.0
# One answer is at most this many characters (a written dialogue is the longest).
ANSWER_MAX_CHARS = 20_000


class PaperSeat:
    """What an exam seat does with its paper; one per server process."""

    def __init__(self, app: App) -> None:
        self.app = app

    def open(self, seat: Seat) -> store.Sitting:
        """The seat's sitting, started on the first opening (its clock starts then)."""
        if not seat.exam or seat.code is None:
            raise SeatRefused("练习模式没有试卷；考试时用考试码进入后即可答题。")
        sheet = sheet_by_code(self.app.db, seat.code)
        if sheet is None:
            raise SeatRefused("这个考试码没有对应的考生，无法打开试卷。请联系监考老师。")
        return store.open_sitting(self.app.db, seat.code, lambda: new_sitting(self.app, sheet))

    def sitting(self, seat: Seat) -> store.Sitting:
        found = store.get_sitting(self.app.db, seat.code) if seat.code else None
        if found is None:
            raise SeatRefused("还没有打开试卷。")
        return found

    def save(self, seat: Seat, task_id: str, value: Any) -> store.Sitting:
        """Store one task's answer; refuse an unknown task, a wrong shape, an over-long text."""
        sitting = self.sitting(seat)
        task = sitting_paper(sitting).task(task_id)
        if task is None:
            raise SeatRefused(f"试卷中没有第 {task_id} 题。")
        check_answer(task, value)
        try:
            store.save_answer(self.app.db, sitting.code, task.id, value)
        except store.PaperClosed as closed:
            raise SeatRefused(str(closed)) from None
        return self.sitting(seat)

    def save_form(self, seat: Seat, fields: Iterable[tuple[str, str]]) -> store.Sitting:
        """Store every answer of the no-JavaScript form (each task whose fields it holds)."""
        sitting = self.sitting(seat)
        for task_id, value in answers_from_fields(sitting_paper(sitting), fields).items():
            self.save(seat, task_id, value)
        return self.sitting(seat)

    def submit(self, seat: Seat, time_up: bool = False) -> store.Sitting:
        """Submit the paper; ``time_up``: the page's clock ran out (believed within a minute of
        the server's deadline, so a page cannot close a paper early in time's name)."""
        try:
            sitting = self.sitting(seat)
            by = "time" if time_up and sitting.remaining() <= TIME_UP_SLACK else "candidate"
            return store.submit_sitting(self.app.db, sitting.code, by)
        except store.PaperClosed as closed:
            raise SeatRefused(str(closed)) from None


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)
    elif value is not None:
        raise SeatRefused("答案只能是文字或数字。")


def check_answer(task: Task, value: Any) -> None:
    """Refuse an answer that is not text in the task's shape, or is over its limits."""
    texts = list(_strings(value))
    if sum(len(t) for t in texts) > ANSWER_MAX_CHARS:
        raise SeatRefused(f"答案太长（超过 {ANSWER_MAX_CHARS} 个字符）。")
    shaped = task.kind in ("customer_value", "abc", "email")
    if shaped != isinstance(value, dict):
        raise SeatRefused(f"第 {task.id} 题的答案格式不对。")
    if task.limit is not None and isinstance(value, str):
        n = count_chars(value)
        if n > task.limit.max:
            raise SeatRefused(
                f"第 {task.id} 题“{task.title}”限 {task.limit.max} 字，现在 {n} 字，未保存。"
                "请删减后再保存。"
            )


def answers_from_fields(paper: Paper, fields: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Turn form fields named by path (``t1``, ``t4.basic.value``) into answers by task."""
    known = {t.id for t in paper.tasks}
    answers: dict[str, Any] = {}
    for name, text in fields:
        task_id, *path = name.split(".")
        if task_id not in known:
            continue
        if not path:
            answers[task_id] = text
            continue
        node = answers.setdefault(task_id, {})
        if not isinstance(node, dict):
            continue
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = text
    return answers
