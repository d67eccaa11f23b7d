"""Rubric forms: the rows of Table 1 that a score sheet fills, with their maxima and scorers.

A form is data (``rubric/**/*.yaml``); each row names a scorer from ``bot.core.scorers`` and
gives it parameters, so trainers can change weights without touching code. Every form sums to
100: 95 for skills and 5 for professional conduct, as the standard says.

Chat forms (``rubric/chat/``, non-empty ``kinds``) are filled by the analyser. Project forms
(``rubric/forms/``, one per project of Table 1) are filled by a grader; a project row may name
chat rows in ``from_chat``, whose earned share of their maxima fills it in proportion.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.core.moves import moves_for

FORM_MAX = 100
CONDUCT_MAX = 5

# The five modules of the exam (表1), by the id used in every form's ``module``.
MODULES: dict[str, str] = {
    "customer_service": "网络客户服务与管理",
    "visual_design": "网站（店）美工",
    "platform_operations": "电商平台运营",
    "search_promotion": "企业网络推广",
    "new_media": "移动新媒体推广",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RubricRow(_Strict):
    """One evaluation point (评价要点) of a form."""

    id: str = Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
    point: str = ""
    title: str
    standard: str = ""
    max: float = Field(gt=0)
    conduct: bool = False
    scorer: str | None = None
    params: dict[str, Any] = {}
    # Chat row ids whose earned share (points / max, summed over those scored) fills this row
    # in proportion; only in project forms, for the points a chat conversation shows.
    from_chat: list[str] = []


class Required(_Strict):
    """Rubric v2: the steps a chat must show, and how far a chat that skips them can reach.

    A step is a move or a list of alternative moves. ``if_bargained`` steps are required only
    when the customer bargained. ``waived_if_accepted`` steps are not required when the customer
    accepted without a grumble: their own 好/我拍 stands in for the agent's 您看可以吗. Missing any
    step caps the total at ``cap_some`` (below 优秀); missing ``many`` or more caps it at
    ``cap_many`` (below the pass mark).
    """

    steps: list[str | list[str]] = Field(min_length=1)
    if_bargained: list[str] = []
    waived_if_accepted: list[str] = []
    cap_some: float = 84
    many: int = Field(default=3, ge=1)
    cap_many: float = 59


class Fatal(_Strict):
    """Rubric v2: 致命项, the violations (by their ``phrase`` in ``violations.yaml``) that cap
    the total below the pass mark whatever else the chat did well."""

    violations: list[str] = Field(min_length=1)
    cap: float = 50


class Slow(_Strict):
    """Rubric v2: replies slower than ``seconds`` (the exam's minute, not the platform's three)
    ``many`` times or more cap the total at ``cap`` (below 优秀): a candidate who keeps the
    customer waiting is not excellent however well the rest reads. Each slow reply also costs
    a share of the rows that weigh timeliness (their ``slow_reply_cost``)."""

    seconds: float = Field(default=60, gt=0)
    many: int = Field(default=2, ge=1)
    cap: float = 84


class PassFloor(_Strict):
    """Rubric v2: a chat that settled the customer's matter (resolved, grudgingly too) with no
    cap below the pass mark, no platform red line and no wrong answer is at least ``to`` (合格),
    once it earned ``min_points``: graders pass such a chat however many points its flaws cost
    row by row (``bot.core.scoring.pass_floor`` applies it). A chat in which one reply kept
    the customer waiting ``longest_wait`` seconds or more is not lifted (None: no such limit)."""

    min_points: float = Field(default=40, ge=0)
    to: float = 60
    longest_wait: float | None = Field(default=None, gt=0)


class RubricForm(_Strict):
    """A rubric form: for a chat kind, or for a whole project of the exam."""

    version: Literal[1]
    id: str = Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
    title: str
    module: str
    project: str
    kinds: list[Literal["presale", "objection", "complaint"]] = []
    max: float = FORM_MAX
    items: list[RubricRow] = Field(min_length=1)
    # Rubric v2, chat forms only: required steps with their caps, and the fatal items.
    required: Required | None = None
    fatal: Fatal | None = None
    slow: Slow | None = None
    floor: PassFloor | None = None


Path = tuple[str | int, ...]


def form_problems(
    form: RubricForm, scorers: dict[str, Any], chat_rows: set[str] | None = None
) -> list[tuple[Path, str]]:
    """Return what is wrong with a structurally valid form: sums, ids, scorer names, references.

    ``chat_rows`` holds the row ids of the chat forms that ``from_chat`` may name; ``None``
    skips that check (a form read on its own cannot know the others).
    """
    problems: list[tuple[Path, str]] = []
    if form.module not in MODULES:
        problems.append((("module",), f"未知的模块“{form.module}”（可用：{', '.join(MODULES)}）"))
    total = round(sum(r.max for r in form.items), 2)
    if total != form.max:
        problems.append((("items",), f"各行满分之和是 {total:g}，应等于表的满分 {form.max:g}"))
    conduct = round(sum(r.max for r in form.items if r.conduct), 2)
    if conduct != CONDUCT_MAX:
        problems.append(
            (("items",), f"职业素养行（conduct: true）之和是 {conduct:g}，应为 {CONDUCT_MAX}")
        )
    seen: set[str] = set()
    for i, row in enumerate(form.items):
        if row.id in seen:
            problems.append((("items", i, "id"), f"行 id “{row.id}”重复"))
        seen.add(row.id)
        if row.scorer is not None and row.scorer not in scorers:
            problems.append(
                (
                    ("items", i, "scorer"),
                    f"未知的评分方法“{row.scorer}”（可用：{', '.join(scorers)}）",
                )
            )
        elif row.scorer is not None:
            unknown = set(row.params) - set(scorers[row.scorer].defaults)
            if unknown:
                problems.append(
                    (
                        ("items", i, "params"),
                        f"评分方法“{row.scorer}”没有参数 {', '.join(sorted(unknown))}"
                        f"（可用：{', '.join(scorers[row.scorer].defaults)}）",
                    )
                )
        problems.extend(_from_chat_problems(form, i, row, chat_rows))
    problems.extend(_v2_problems(form))
    return problems


def _v2_problems(form: RubricForm) -> list[tuple[Path, str]]:
    """Required steps name moves of the form's kinds; caps lie within the form's maximum."""
    problems: list[tuple[Path, str]] = []
    if (form.required or form.fatal or form.slow) and not form.kinds:
        key = "required" if form.required else "fatal" if form.fatal else "slow"
        problems.append(((key,), "只有聊天评分表能写必备步骤、致命项和回复慢的封顶"))
        return problems
    if form.required is not None:
        allowed = {m for kind in form.kinds for m in moves_for(kind)}
        steps = [s if isinstance(s, list) else [s] for s in form.required.steps]
        for i, step in enumerate(steps):
            for move in step:
                if move not in allowed:
                    problems.append(
                        (
                            ("required", "steps", i),
                            f"未知的动作“{move}”（可用：{', '.join(sorted(allowed))}）",
                        )
                    )
        flat = {m for step in steps for m in step}
        for key in ("if_bargained", "waived_if_accepted"):
            for i, move in enumerate(getattr(form.required, key)):
                if move not in flat:
                    problems.append(
                        (("required", key, i), f"“{move}”不在 steps 里，不能写在 {key}")
                    )
        for key in ("cap_some", "cap_many"):
            if not 0 <= getattr(form.required, key) <= form.max:
                problems.append((("required", key), f"封顶分应在 0 到 {form.max:g} 之间"))
    for key, part in (("fatal", form.fatal), ("slow", form.slow)):
        if part is not None and not 0 <= part.cap <= form.max:
            problems.append(((key, "cap"), f"封顶分应在 0 到 {form.max:g} 之间"))
    return problems


def _from_chat_problems(
    form: RubricForm, i: int, row: RubricRow, chat_rows: set[str] | None
) -> list[tuple[Path, str]]:
    if not row.from_chat:
        return []
    if form.kinds:
        return [(("items", i, "from_chat"), "聊天评分表的行不能用 from_chat（只用于项目评分表）")]
    if row.scorer is not None:
        return [(("items", i, "from_chat"), "一行不能同时有 scorer 和 from_chat，请二选一")]
    problems: list[tuple[Path, str]] = []
    for j, ref in enumerate(row.from_chat):
        if chat_rows is not None and ref not in chat_rows:
            problems.append(
                (
                    ("items", i, "from_chat", j),
                    f"from_chat 引用的聊天评分行“{ref}”不存在"
                    f"（可用：{', '.join(sorted(chat_rows)) or '无'}）",
                )
            )
    return problems
