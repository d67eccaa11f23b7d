"""The dialogue-script model: what a trainer's YAML file means once it is validated.

The field names are the YAML keys. Structural checks (types, required and unknown keys) come from
pydantic; the checks across fields (targets exist, names are registered, moves fit the kind)
are in ``semantic_problems`` so that every mistake is reported at once, each with its path.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from bot.core.memory import placeholders
from bot.core.moves import ALL_MOVES, KIND_TITLES, moves_for
from bot.core.outcomes import GOOD_OUTCOMES
from bot.core.registry import ACTIONS, CONDITIONS, MAX_MOOD

CONCESSIONS: tuple[str, ...] = (
    "包邮",
    "运费险",
    "赠品",
    "优惠券",
    "满减",
    "折扣",
    "最低价",
    "退款",
    "退货",
    "换货",
    "补发",
    "补偿",
    "维修",
    "试用",
)
Difficulty = Literal["easy", "normal", "hard"]
Outcome = Literal["ordered", "resolved", "left", "escalated"]


def _as_list(value: Any) -> Any:
    """Let trainers write a single item where a list is expected."""
    return [value] if isinstance(value, str) else value


Lines = Annotated[list[Annotated[str, Field(min_length=1)]], BeforeValidator(_as_list)]
Names = Annotated[list[str], BeforeValidator(_as_list)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Product(_Strict):
    name: str
    price: float = Field(gt=0)
    specs: dict[str, str | int | float] = {}
    sizes: list[str] = []
    stock: str | int | None = None
    shipping: str | None = None


class Order(_Strict):
    """The order the customer is placing (presale) or has placed (after-sale), as the agent's
    order panel shows it; every field is optional."""

    number: str = ""  # 订单号
    item: str = ""  # the product's name when empty
    spec: str = ""  # size, colour …
    quantity: int = Field(default=1, ge=1)
    paid: float | None = Field(default=None, ge=0)
    address: str = ""
    status: str = ""  # 待付款、已发货、已签收 …


class Brief(_Strict):
    shop: str
    product: Product
    situation: str = ""
    concessions: dict[str, str | int | float | bool] = {}
    notes: Lines = []
    order: Order | None = None


class Persona(_Strict):
    name: str
    profile: str = ""
    mood: int = Field(default=3, ge=1, le=MAX_MOOD)
    patience: int = Field(default=2, ge=0, le=10)


class Rule(_Strict):
    """One way out of a state: an agent move (and optional conditions) leads to a next state."""

    when: Names = Field(min_length=1)
    go: str
    if_: Names = Field(default=[], alias="if")
    do: Names = []
    offers: Names = []  # the agent must offer one of these concessions (allowed by the brief)


class State(_Strict):
    says: Lines = []
    on: list[Rule] = []
    nudge: Lines = []
    end: Outcome | None = None
    tip: Lines = []
    # The customer's questions here (names from ``topics``): once the agent has answered them,
    # now or earlier, the customer takes this state's first exit whose conditions hold.
    asks: Names = []
    # What the customer says when the agent had already answered this state's question.
    heard: Lines = []


class Slot(_Strict):
    """Something agreed in the chat (a size, a colour): the values the agent may name, and the
    one the customer has in mind until then."""

    values: Annotated[list[str | int], Field(min_length=1)]
    default: str | int


class Reaction(_Strict):
    says: Lines = Field(min_length=1)
    go: str
    mood_drop: int = Field(default=2, ge=1, le=MAX_MOOD)


class Scenario(_Strict):
    version: Literal[1]
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    kind: Literal["presale", "objection", "complaint"]
    title: str
    difficulty: Difficulty = "normal"
    brief: Brief
    customer: Persona
    start: str
    states: dict[str, State] = Field(min_length=2)
    when_ignored: Reaction
    when_offended: Reaction
    # Topic → the words of an answer (``#`` stands for a number): 保质期: [保质期, 存放, #个月].
    topics: dict[str, Lines] = {}
    # Slot → its values: what the customer remembers as agreed and says back as {尺码}.
    remembers: dict[str, Slot] = {}

    @property
    def kind_title(self) -> str:
        return KIND_TITLES[self.kind]

    def content_hash(self) -> str:
        """Return a short hash of the validated content, to pin the version a score used."""
        blob = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def end_states(self) -> dict[str, str]:
        return {name: s.end for name, s in self.states.items() if s.end}


Path = tuple[str | int, ...]


def _close(word: str, known: list[str]) -> str:
    match = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return f"。是不是想写“{match[0]}”？" if match else ""


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def semantic_problems(data: dict[str, Any]) -> list[tuple[Path, str]]:
    """Return the cross-field mistakes of a script, each with its path.

    It reads the raw data defensively, so that these mistakes are reported together with the
    structural ones (a missing brief does not hide a misspelt move).
    """
    problems: list[tuple[Path, str]] = []
    states = _dict(data.get("states"))
    names = [str(n) for n in states]
    kind = data.get("kind")
    allowed_moves = moves_for(kind) if isinstance(kind, str) and kind in KIND_TITLES else ALL_MOVES

    def is_end(name: Any) -> bool:
        return bool(_dict(states.get(name)).get("end"))

    def target(path: Path, name: Any) -> None:
        if isinstance(name, str) and name not in states:
            problems.append(
                (
                    path,
                    f"转到了不存在的状态“{name}”（已有：{'、'.join(names)}）{_close(name, names)}",
                )
            )

    start = data.get("start")
    target(("start",), start)
    if isinstance(start, str) and is_end(start):
        problems.append((("start",), f"开始状态“{start}”不能是结束状态"))
    for key in ("when_ignored", "when_offended"):
        go = _dict(data.get(key)).get("go")
        target((key, "go"), go)
        if isinstance(go, str) and go in states and not is_end(go):
            problems.append(((key, "go"), f"“{go}”应是一个结束状态（带 end: 的状态）"))
    for name, raw in states.items():
        where: Path = ("states", name)
        state = _dict(raw)
        rules = state.get("on") if isinstance(state.get("on"), list) else []
        if not state.get("says"):
            problems.append((where, f"状态“{name}”缺少顾客台词 says（至少写一句）"))
        if state.get("end") and rules:
            problems.append(((*where, "on"), f"结束状态“{name}”不应再有 on: 出口"))
        if not state.get("end") and not rules:
            problems.append((where, f"状态“{name}”既不是结束状态（end:），也没有出口（on:）"))
        for i, raw_rule in enumerate(rules):
            rp = (*where, "on", i)
            rule = _dict(raw_rule)
            target((*rp, "go"), rule.get("go"))
            for move in _names(rule.get("when")):
                if move not in ALL_MOVES:
                    problems.append(
                        (
                            (*rp, "when"),
                            f"未知的客服动作“{move}”（可用：{', '.join(allowed_moves)}）"
                            + _close(move, list(ALL_MOVES)),
                        )
                    )
                # Moves of the other kinds are allowed: a presale customer may be reassured by an
                # explanation. Only the kind's own moves earn points when the chat is scored.
            allowed = _dict(_dict(data.get("brief")).get("concessions"))
            for offer in _names(rule.get("offers")):
                if offer not in CONCESSIONS:
                    problems.append(
                        (
                            (*rp, "offers"),
                            f"未知的让步类型“{offer}”（可用：{'、'.join(CONCESSIONS)}）"
                            + _close(offer, list(CONCESSIONS)),
                        )
                    )
                elif offer not in allowed:
                    problems.append(
                        (
                            (*rp, "offers"),
                            f"顾客在这里等客服给出“{offer}”，但任务书 brief.concessions 没有允许它"
                            f"（已允许：{'、'.join(map(str, allowed)) or '无'}）。"
                            f"提示：在 brief.concessions 里加上“{offer}”，或改掉这条出口",
                        )
                    )
            for field_name, registry, what in (("if", CONDITIONS, "条件"), ("do", ACTIONS, "动作")):
                for entry in _names(rule.get(field_name)):
                    if entry not in registry:
                        problems.append(
                            (
                                (*rp, field_name),
                                f"未知的{what}“{entry}”（可用：{', '.join(registry)}）"
                                + _close(entry, list(registry)),
                            )
                        )
    problems += _path_problems(data, states)
    problems += memory_problems(data, states)
    for key in _dict(_dict(data.get("brief")).get("concessions")):
        if key not in CONCESSIONS:
            problems.append(
                (
                    ("brief", "concessions", key),
                    f"未知的让步类型“{key}”（可用：{'、'.join(CONCESSIONS)}）"
                    + _close(str(key), list(CONCESSIONS)),
                )
            )
    return problems


def _path_problems(data: dict[str, Any], states: dict) -> list[tuple[Path, str]]:
    """Unreachable states, and scripts with no way to a good or to a bad ending."""
    start = data.get("start")
    if not isinstance(start, str) or start not in states:
        return []
    reactions = [
        go
        for key in ("when_ignored", "when_offended")
        if isinstance(go := _dict(data.get(key)).get("go"), str) and go in states
    ]

    def reach(with_reactions: bool) -> set[str]:
        seen, todo = {start}, [start]
        while todo:
            state = _dict(states.get(todo.pop()))
            if state.get("end"):
                continue
            rules = state.get("on") if isinstance(state.get("on"), list) else []
            nexts = [_dict(r).get("go") for r in rules] + (reactions if with_reactions else [])
            for go in nexts:
                if isinstance(go, str) and go in states and go not in seen:
                    seen.add(go)
                    todo.append(go)
        return seen

    problems: list[tuple[Path, str]] = []
    reachable = reach(with_reactions=True)
    for name in states:
        if name not in reachable:
            problems.append(
                (
                    ("states", name),
                    f"状态“{name}”从开始状态“{start}”走不到（没有出口指向它）。"
                    "提示：在某个状态的 on: 里加一条 go: 指向它，或删掉它",
                )
            )
    # Only text ends count: a list or mapping there is a schema problem reported elsewhere.
    outcomes = {e for n in reachable if isinstance(e := _dict(states[n]).get("end"), str)}
    by_rules = {
        e for n in reach(with_reactions=False) if isinstance(e := _dict(states[n]).get("end"), str)
    }
    if not by_rules & set(GOOD_OUTCOMES):
        problems.append(
            (
                ("start",),
                f"从开始状态“{start}”沿着 on: 出口到不了任何好的结局（{'、'.join(GOOD_OUTCOMES)}）："
                "再好的客服也无法让顾客满意。提示：检查各状态 on: 的 go: 是否连到 end: ordered/resolved 的状态",
            )
        )
    if not outcomes - set(GOOD_OUTCOMES):
        problems.append(
            (
                ("when_ignored", "go"),
                "剧本没有坏的结局（left、escalated）：顾客对怠慢或冒犯毫无反应。"
                "提示：让 when_ignored / when_offended 的 go: 指向 end: left 或 escalated 的状态",
            )
        )
    return problems


# Forms of address that presume the agent's gender: the customer cannot know it.
GENDERED_ADDRESS: tuple[str, ...] = ("姑娘", "小姐姐", "小哥哥", "帅哥", "美女", "小伙子", "小哥")


def _customer_lines(data: dict[str, Any], states: dict) -> list[tuple[Path, str]]:
    """Every line the customer may say, with its path."""
    lines: list[tuple[Path, str]] = []
    for name, raw in states.items():
        for key in ("says", "nudge", "heard"):
            for i, line in enumerate(_names(_dict(raw).get(key))):
                lines.append((("states", name, key, i), line))
    for key in ("when_ignored", "when_offended"):
        for i, line in enumerate(_names(_dict(data.get(key)).get("says"))):
            lines.append(((key, "says", i), line))
    return lines


def memory_problems(data: dict[str, Any], states: dict) -> list[tuple[Path, str]]:
    """Questions (``asks``) that name no topic, ``{slot}`` lines that name no slot, slot
    defaults that are not among their values, and gendered forms of address."""
    problems: list[tuple[Path, str]] = []
    topics = [str(t) for t in _dict(data.get("topics"))]
    slots = _dict(data.get("remembers"))
    for name, raw in states.items():
        for i, topic in enumerate(_names(_dict(raw).get("asks"))):
            if topic not in topics:
                problems.append(
                    (
                        ("states", name, "asks", i),
                        f"顾客问的话题“{topic}”没有在 topics: 里定义"
                        f"（已有：{'、'.join(topics) or '无'}）{_close(topic, topics)}"
                        f"。提示：在剧本顶层 topics: 下写“{topic}: [回答里会出现的词]”",
                    )
                )
    for slot, raw in slots.items():
        slot_data = _dict(raw)
        values = [str(v) for v in slot_data.get("values") or [] if isinstance(v, str | int)]
        default = slot_data.get("default")
        if default is not None and values and str(default) not in values:
            problems.append(
                (
                    ("remembers", slot, "default"),
                    f"“{slot}”的默认值“{default}”不在 values 里（可选：{'、'.join(values)}）",
                )
            )
    for path, line in _customer_lines(data, states):
        for slot in placeholders(line):
            if slot not in slots:
                problems.append(
                    (
                        path,
                        f"台词里的“{{{slot}}}”没有在 remembers: 里定义"
                        f"（已有：{'、'.join(map(str, slots)) or '无'}）{_close(slot, list(slots))}",
                    )
                )
        for word in GENDERED_ADDRESS:
            if word in line:
                problems.append(
                    (
                        path,
                        f"顾客台词用了“{word}”称呼客服，但顾客并不知道客服的性别。"
                        "提示：改成“亲”“客服”“你”这类不分性别的称呼",
                    )
                )
                break
    return problems
