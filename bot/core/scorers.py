"""The row scorers a rubric form may name, each turning findings into a share of a row's points.

A scorer returns a ``RowResult``: the share earned (0..1, or None where the row does not apply
to this conversation), the message indexes behind it, a Chinese comment a grader can check, and
the moves whose absence cost points (for advice). Weights come from the form's ``params``, with
the defaults declared here; nothing about points is hard-wired elsewhere.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.core.analysis import TranscriptAnalysis
from bot.core.learned import why
from bot.core.moves import MOVE_TITLES


@dataclass
class RowResult:
    """What one scorer found for one row."""

    share: float | None
    evidence: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def comment(self) -> str:
        return "；".join(self.notes)


@dataclass(frozen=True)
class Scorer:
    function: Callable[[TranscriptAnalysis, dict[str, Any]], RowResult]
    defaults: dict[str, Any]
    help: str


def _titles(moves: list[str]) -> str:
    return "、".join(MOVE_TITLES[m] for m in moves)


def _n(i: int) -> str:
    """Messages are numbered from 1 for people (the JSON keeps 0-based indexes)."""
    return f"第{i + 1}条"


def _clip(x: float) -> float:
    return max(0.0, min(1.0, x))


def _violation_notes(a: TranscriptAnalysis, res: RowResult, cost: float, red_cost: float) -> float:
    """Record each 禁用语 and red line with its message; return the total deduction."""
    total = 0.0
    for m in a.messages:
        for hit in m.violations:
            res.notes.append(f"{_n(m.index)}消息使用禁用语“{hit.words}”{why(hit)}")
            res.evidence.append(m.index)
            total += cost
        for hit in m.red_lines:
            res.notes.append(f"{_n(m.index)}消息触犯平台红线“{hit.words}”")
            res.evidence.append(m.index)
            total += red_cost
    return total


def _courteous(m, warm: list[str]) -> bool:
    """A message in a courteous register: polite words, or the warm colloquial register of real
    shop chat (宝、哦、呢、~) that graders accept as friendly, not rude."""
    return m.polite or any(w in m.text for w in warm)


def _language(a: TranscriptAnalysis, full_share: float, warm: list[str]) -> tuple[float, str]:
    """Courtesy of the wording (语言合适, 礼节性), judged on the register of the whole chat:
    polite or warm messages, and nothing dismissive."""
    if not a.messages:
        return 0.0, "客服没有发言"
    if any(m.violations or m.red_lines for m in a.messages):
        return 0.0, "用语不当"
    share = sum(1 for m in a.messages if _courteous(m, warm)) / len(a.messages)
    return _clip(share / full_share), f"用语礼貌（礼貌或亲切的消息占 {share:.0%}）"


def _timeliness(
    a: TranscriptAnalysis, good: float, slow: float, slow_cost: float = 0.25
) -> tuple[float | None, str, list[int]]:
    """First response against ``good`` seconds, less ``slow_cost`` for each reply after ``slow``."""
    times = a.reply_times
    if not times:
        return None, "没有时间信息，未评及时性", []
    first_index, first = times[0]
    share = 1.0 if first <= good else 0.7 if first <= 2 * good else 0.4
    slow_ones = [(i, s) for i, s in times if s > slow]
    share = _clip(share - slow_cost * len(slow_ones))
    note = f"首次响应 {first:g} 秒"
    if slow_ones:
        note += f"；回复慢（超过{slow:g}秒）：" + "、".join(
            f"{_n(i)}（{s:g}秒）" for i, s in slow_ones
        )
    return share, note, [first_index] + [i for i, _ in slow_ones]


def _coverage(
    a: TranscriptAnalysis, steps: list[list[str]], weights: list[float], res: RowResult
) -> tuple[float, list[int | None]]:
    """Share of weighted steps performed; a step is a list of alternative moves."""
    firsts: list[int | None] = []
    got = 0.0
    for step, weight in zip(steps, weights, strict=True):
        found = [i for m in step if (i := a.first_index(m)) is not None]
        first = min(found) if found else None
        firsts.append(first)
        if first is None:
            res.missing.append(step[0])
        else:
            got += weight
            res.evidence.append(first)
    covered = [_titles(s[:1]) for s, f in zip(steps, firsts, strict=True) if f is not None]
    if covered:
        res.notes.append("做到：" + "、".join(covered))
    if res.missing:
        res.notes.append("缺少：" + _titles(res.missing))
    return (got / sum(weights) if weights else 1.0), firsts


def presale_steps(a: TranscriptAnalysis, p: dict[str, Any]) -> RowResult:
    res = RowResult(share=0)
    weights = dict(p["weights"])
    # Bargaining is only a step to score when the customer bargained (or the agent negotiated).
    if not a.customer_has("bargain") and a.first_index("negotiate") is None:
        weights.pop("negotiate", None)
        res.notes.append("顾客未议价，议价不计")
    coverage, firsts = _coverage(a, [[m] for m in weights], list(weights.values()), res)
    first = dict(zip(weights, firsts, strict=True))
    issues = []
    agent = [m.index for m in a.messages]
    if first.get("greet") is not None and agent and first["greet"] != agent[0]:
        issues.append("没有在第一句招呼顾客")
    farewell = a.indexes("farewell")
    if first.get("verify") is not None and farewell and first["verify"] > farewell[-1]:
        issues.append("道别之后才核实订单")
    follow_ups, recommend = a.indexes("follow_up"), first.get("recommend")
    if follow_ups and recommend is not None and follow_ups[-1] < recommend:
        issues.append("跟进应在对话后段")
    if issues:
        res.notes.append("顺序：" + "；".join(issues))
    language, note = _language(a, p["polite_share_full"], p["warm_words"])
    res.notes.append(note)
    penalty = p["order_penalty"] * len(issues)
    penalty += _violation_notes(a, res, p["violation_penalty"], p["violation_penalty"])
    w = p["language_weight"]
    res.share = _clip((1 - w) * coverage + w * language - min(penalty, p["max_penalty"]))
    return res


def needs_benefits(a: TranscriptAnalysis, p: dict[str, Any]) -> RowResult:
    res = RowResult(share=0)
    w = dict(p["weights"])
    parts: dict[str, float] = {}
    inquire, recommend = a.first_index("inquire"), a.first_index("recommend")
    if inquire is None:
        parts["needs"] = 0.0
        res.notes.append("没有询问顾客需求")
        res.missing.append("inquire")
    elif recommend is not None and recommend < inquire:
        parts["needs"] = 0.5
        res.notes.append("先推荐后询问需求")
        res.evidence.append(inquire)
    else:
        parts["needs"] = 1.0
        res.notes.append(f"{_n(inquire)}消息询问需求")
        res.evidence.append(inquire)
    rec = a.indexes("recommend")
    hits = sum(len(m.moves.get("recommend", ())) for m in a.counted())
    if not rec:
        parts["recommend"] = 0.0
        res.notes.append("没有针对性推荐")
        res.missing.append("recommend")
    else:
        parts["recommend"] = 1.0 if hits >= p["benefit_cues"] else 0.6
        res.notes.append(
            "推荐结合了商品特点与顾客利益"
            if hits >= p["benefit_cues"]
            else "推荐较简单，利益点不足"
        )
        res.evidence.extend(rec[:2])
    timely, note, idx = _timeliness(
        a, p["first_reply_seconds"], p["slow_reply_seconds"], p["slow_reply_cost"]
    )
    if timely is None:
        w.pop("timeliness")
    else:
        parts["timeliness"] = timely
        res.evidence.extend(idx)
    res.notes.append(note)
    off = [m.index for m in a.messages if m.off_topic]
    parts["relevance"] = _clip(1 - 0.5 * len(off))
    if off:
        res.notes.append("答非所问：" + "、".join(_n(i) for i in off))
        res.evidence.extend(off)
    res.share = sum(parts[k] * w[k] for k in w) / sum(w.values())
    return res


def _covered_or_asked(
    res: RowResult, told: list[int], asked: list[int], told_note: str, asked_note: str, missing: str
) -> bool:
    """Full share when the agent covered the topic, none when the customer raised it in vain."""
    if told:
        res.share, res.evidence = 1.0, told[:3]
        res.notes.append(told_note + "、".join(_n(i) for i in told[:3]))
    elif asked:
        res.share, res.evidence = 0.0, asked[:2]
        res.notes.append(asked_note.format(n=_n(asked[0])))
        res.missing.append(missing)
    return bool(told or asked)


def platform_rules(a: TranscriptAnalysis, p: dict[str, Any]) -> RowResult:
    res = RowResult(share=0)
    told = [m.index for m in a.counted() if set(m.other_moves) & {"explain", "legal"} or m.rules]
    asked = a.customer_has("asks_rules")
    if not _covered_or_asked(
        res,
        told,
        asked,
        "介绍了交易流程或规则：",
        "顾客在{n}消息问到流程或规则，客服没有说明",
        "explain",
    ):
        res.share = p["unasked_share"]
        res.notes.append("对话未涉及平台交易流程或规则")
    return res


def handling_steps(a: TranscriptAnalysis, p: dict[str, Any]) -> RowResult:
    res = RowResult(share=0)
    steps = [s if isinstance(s, list) else [s] for s in p["steps"]]
    weights = [float(w) for w in p["step_weights"]] or [1.0] * len(steps)
    coverage, firsts = _coverage(a, steps, weights, res)
    done = [(f, s) for f, s in zip(firsts, steps, strict=True) if f is not None]
    inversions = [(s1, s2) for (f1, s1), (f2, s2) in itertools.pairwise(done) if f2 < f1]
    if inversions:
        res.notes.append(
            "顺序：" + "；".join(f"{_titles(b[:1])}早于{_titles(x[:1])}" for x, b in inversions)
        )
    language, note = _language(a, p["polite_share_full"], p["warm_words"])
    res.notes.append(note)
    penalty = p["order_penalty"] * len(inversions)
    penalty += _violation_notes(a, res, p["violation_penalty"], p["violation_penalty"])
    w = p["language_weight"]
    core = _clip((1 - w) * coverage + w * language - min(penalty, p["max_penalty"]))
    parts = [(core, 1 - p["resolution_weight"] - p["timeliness_weight"])]
    parts.append((a.resolution.share, p["resolution_weight"]))
    res.notes.append(
        (
            "部分解决："
            if a.resolution.partial
            else "已解决："
            if a.resolution.resolved
            else "未解决："
        )
        + a.resolution.reason
    )
    res.evidence.extend(a.resolution.evidence)
    timely, note, idx = _timeliness(
        a, p["first_reply_seconds"], p["slow_reply_seconds"], p["slow_reply_cost"]
    )
    if timely is not None:
        parts.append((timely, p["timeliness_weight"]))
        res.notes.append(note)
        res.evidence.extend(idx)
    res.share = sum(s * w for s, w in parts) / sum(w for _, w in parts)
    return res


def soothing_wording(a: TranscriptAnalysis, p: dict[str, Any]) -> RowResult:
    res = RowResult(share=0)
    polite = [m.index for m in a.messages if _courteous(m, p["warm_words"])]
    share_polite = len(polite) / len(a.messages) if a.messages else 0.0
    soothe = a.indexes("apologize") + a.indexes("empathize")
    # An apology alone does not soothe as much as words that show the customer is understood.
    empathy = a.indexes("empathize")
    parts = {
        "polite": _clip(share_polite / p["polite_share_full"]),
        "soothe": 1.0 if empathy else p["apology_only_share"] if soothe else 0.0,
        "resolved": a.resolution.share,
    }
    res.notes.append(f"礼貌或亲切的消息占 {share_polite:.0%}")
    if soothe:
        res.notes.append(
            f"{_n(min(soothe))}消息安抚顾客情绪" + ("" if empathy else "（只有致歉，没有共情）")
        )
        res.evidence.append(min(soothe))
    else:
        res.notes.append("没有致歉或共情")
        res.missing.append("empathize")
    res.notes.append(
        (
            "部分化解了顾客不满："
            if a.resolution.partial
            else "化解了顾客不满："
            if a.resolution.resolved
            else "没有化解顾客不满："
        )
        + a.resolution.reason
    )
    res.evidence.extend(a.resolution.evidence)
    w = p["weights"]
    penalty = _violation_notes(a, res, p["violation_penalty"], p["violation_penalty"])
    res.share = _clip(sum(parts[k] * w[k] for k in w) / sum(w.values()) - penalty)
    return res


def legal_help(a: TranscriptAnalysis, p: dict[str, Any]) -> RowResult:
    res = RowResult(share=None)
    if not _covered_or_asked(
        res,
        a.indexes("legal"),
        a.customer_has("rights"),
        "介绍了相关法律或平台规则：",
        "顾客在{n}消息涉及权益问题，客服没有介绍相关法律规定",
        "legal",
    ):
        res.notes.append("本次对话不涉及法律问题，按其他技能项的得分率计分")
    return res


def conduct(a: TranscriptAnalysis, p: dict[str, Any]) -> RowResult:
    res = RowResult(share=0)
    if not a.messages:
        res.notes.append("客服没有发言")
        return res
    polite = sum(1 for m in a.messages if _courteous(m, p["warm_words"]))
    share = polite / len(a.messages)
    res.notes.append(f"礼貌或亲切的消息占 {share:.0%}（{polite}/{len(a.messages)} 条）")
    penalty = _violation_notes(a, res, p["violation_cost"], p["red_line_cost"])
    repeats = [m.index for m in a.messages if m.repeat_of is not None]
    if repeats:
        res.notes.append("重复粘贴同一回复：" + "、".join(_n(i) for i in repeats))
        res.evidence.extend(repeats)
        penalty += p["repeat_cost"] * len(repeats)
    res.share = _clip(min(1.0, share / p["polite_share_full"]) - penalty)
    return res


# Rubric v2 defaults: the exam counts a reply after a minute as slow (not the 3-minute platform
# KPI), and the warm colloquial register of shop chat counts as courteous.
SLOW_REPLY = {"slow_reply_seconds": 60, "slow_reply_cost": 0.15}
WARM = {"warm_words": ["宝", "亲", "哦", "呢", "哈", "呀", "啦", "嘞", "哒", "~", "～", "😊"]}

SCORERS: dict[str, Scorer] = {
    "presale_steps": Scorer(
        presale_steps,
        {
            "weights": {
                "greet": 1,
                "inquire": 1.5,
                "recommend": 1.5,
                "negotiate": 1,
                "verify": 1,
                "farewell": 1,
                "follow_up": 1,
            },
            "order_penalty": 0.08,
            "violation_penalty": 0.1,
            "max_penalty": 0.6,
            "language_weight": 0.3,
            "polite_share_full": 0.6,
            **WARM,
        },
        "售前七步骤的覆盖、顺序与用语",
    ),
    "needs_benefits": Scorer(
        needs_benefits,
        {
            "weights": {"needs": 0.35, "recommend": 0.3, "timeliness": 0.2, "relevance": 0.15},
            "benefit_cues": 3,
            "first_reply_seconds": 30,
            **SLOW_REPLY,
        },
        "理解需求、针对性推荐、及时准确",
    ),
    "platform_rules": Scorer(platform_rules, {"unasked_share": 0.6}, "介绍平台交易流程与规则"),
    "handling_steps": Scorer(
        handling_steps,
        {
            "steps": ["empathize", "clarify", "explain", "remedy", "confirm"],
            "step_weights": [],
            "order_penalty": 0.05,
            "violation_penalty": 0.1,
            "max_penalty": 0.6,
            "language_weight": 0.3,
            "polite_share_full": 0.6,
            "resolution_weight": 0.25,
            "timeliness_weight": 0.1,
            "first_reply_seconds": 30,
            **SLOW_REPLY,
            **WARM,
        },
        "处理步骤的覆盖、顺序、结果与及时性",
    ),
    "soothing_wording": Scorer(
        soothing_wording,
        {
            "weights": {"polite": 0.3, "soothe": 0.3, "resolved": 0.4},
            "polite_share_full": 0.6,
            "violation_penalty": 0.15,
            "apology_only_share": 0.6,
            **WARM,
        },
        "话语恰当，化解不满并维系客户",
    ),
    "legal_help": Scorer(legal_help, {}, "法律常识与维权帮助"),
    "conduct": Scorer(
        conduct,
        {
            "polite_share_full": 0.6,
            "violation_cost": 0.35,
            "red_line_cost": 0.6,
            "repeat_cost": 0.2,
            **WARM,
        },
        "沟通用语礼貌、注意措词（职业素养）",
    ),
}
