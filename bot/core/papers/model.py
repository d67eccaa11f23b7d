"""Task papers as data: a project's written exam, its background and numbered tasks.

A paper is read from ``rubric/papers/*.yaml`` (see ``bot.services.paper_files``) into these
models. Each task has a kind, points, an optional character limit, the data its checker needs
and the model answer or the points a grader looks for; ``row`` names the row of the project's
rubric form that the task's points fill.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# Kinds that kefu checks by itself; the rest go to a grader with the key's points beside them.
AUTO_KINDS = ("dialogue", "customer_value", "abc", "objection_type", "complaint_type", "email")
JUDGED_KINDS = ("summary", "plan", "handling", "legal", "analysis")
KINDS = (*JUDGED_KINDS[:2], *AUTO_KINDS, *JUDGED_KINDS[2:])

KIND_TITLES: dict[str, str] = {
    "summary": "概括描述",
    "plan": "方案规划",
    "dialogue": "书面对话",
    "customer_value": "客户价值计算",
    "abc": "ABC 客户分类",
    "objection_type": "异议类型判断",
    "complaint_type": "投诉类型判断",
    "handling": "处理步骤与话术",
    "legal": "法律常识",
    "email": "回访邮件",
    "analysis": "分析与结论",
}

# The three rows of the customer-value table, in the order the task asks for them.
VALUE_ROWS: dict[str, str] = {
    "basic": "客户基本价值",
    "satisfied": "满意客户的新增价值",
    "lost": "抱怨客户的价值损失",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limit(_Strict):
    """A character limit, counted as graders count (see ``bot.core.papers.text``)."""

    min: int = Field(default=0, ge=0)
    max: int = Field(gt=0)


class ValueModel(_Strict):
    """The customer-value task's parameters: 客单价 × 频次 × 年限, then word of mouth."""

    amount: float = Field(gt=0)  # 元 per purchase
    per_year: float = Field(gt=0)  # purchases a year (52 for once a week)
    years: float = Field(gt=0)
    tells_satisfied: float = Field(gt=0)  # people a satisfied customer tells
    convert_rate: float = Field(gt=0, le=1)  # share of them who become customers
    tells_unhappy: float = Field(gt=0)  # people an unhappy customer tells
    lost_rate: float = Field(gt=0, le=1)  # share of them lost
    tolerance: float = Field(default=0.005, ge=0)  # relative tolerance on values


class AbcCustomer(_Strict):
    id: str = Field(min_length=1)
    name: str = ""
    value: float = Field(ge=0)


class AbcData(_Strict):
    """The ABC task's customers and class thresholds (cumulative share of value, in %)."""

    customers: list[AbcCustomer] = Field(min_length=3)
    a: float = Field(default=70, gt=0, lt=100)
    b: float = Field(default=90, gt=0, lt=100)
    tolerance: float = Field(default=0.5, ge=0)  # percentage points on cumulative shares


class EmailData(_Strict):
    """What the 回访 email must refer to: the order, the problem, products to recommend."""

    order: str = ""
    problem: list[str] = []
    products: list[str] = []


class DialogueData(_Strict):
    """The written dialogue's conversation kind, and the chat total that earns full marks."""

    chat_kind: Literal["presale", "objection", "complaint"]
    full_at: float = Field(default=85, gt=0, le=100)


class Task(_Strict):
    """One numbered task of a paper."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    kind: Literal[KINDS]  # type: ignore[valid-type]
    title: str = Field(min_length=1)
    prompt: str = ""
    max: float = Field(gt=0)
    row: str = Field(min_length=1)
    limit: Limit | None = None
    key: Any = None  # the model answer, in the kind's answer shape
    points: list[str] = []  # what a grader looks for (judged kinds), shown beside the answer
    value: ValueModel | None = None
    abc: AbcData | None = None
    email: EmailData | None = None
    dialogue: DialogueData | None = None
    answer_type: str | None = None  # objection_type / complaint_type: the right type
    # Variant generation: a parameter of the task's data and the values it may take.
    vary: dict[str, list[float]] = {}

    @property
    def auto(self) -> bool:
        return self.kind in AUTO_KINDS


class Paper(_Strict):
    """A whole task paper of one project."""

    version: Literal[1]
    id: str = Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
    project: Literal["presale", "aftersale"]
    form: str
    title: str = Field(min_length=1)
    minutes: int = Field(gt=0)
    background: str = ""
    tasks: list[Task] = Field(min_length=1)

    def task(self, task_id: str) -> Task | None:
        return next((t for t in self.tasks if t.id == task_id), None)

    def summary(self) -> dict[str, Any]:
        """The contract's ``kefu paper list`` object (section 9)."""
        return {
            "id": self.id,
            "project": self.project,
            "title": self.title,
            "minutes": self.minutes,
            "tasks": [
                {"id": t.id, "kind": t.kind, "title": t.title, "max": t.max, "auto": t.auto}
                for t in self.tasks
            ],
        }


# What each kind's data section is called, for the checks that it is there.
KIND_DATA = {"customer_value": "value", "abc": "abc", "email": "email", "dialogue": "dialogue"}
