"""Substance checks (rubric v2): is what the agent said right, not only well phrased?

A check is data (``rubric/lexicon/substance.yaml``): it comes into play when the customer says
certain words or sends a certain signal (a quality defect, an angry customer), and it is broken
when an agent message after that says wrong words (让顾客出退货运费) or when no agent message
after that performs a needed move (共情). A broken check costs a share of the rubric rows it
names, with the message and the words as evidence. Pure: the analysis is handed in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.core.analysis import TranscriptAnalysis
from bot.core.cues import GAP
from bot.core.detector import longest_first, normalize


def _phrases(cues: Iterable[str]) -> re.Pattern[str] | None:
    parts = longest_first(normalize(c) for c in cues if c)
    if not parts:
        return None
    return re.compile("|".join(GAP.join(map(re.escape, p.split("*"))) for p in parts))


@dataclass(frozen=True)
class SubstanceCheck:
    """One rule of substance, as the data file states it."""

    id: str
    title: str
    kinds: tuple[str, ...]
    rows: tuple[str, ...]
    cost: float  # share of each named row's maximum that a broken check takes off
    customer: tuple[str, ...] = ()  # customer words that put the check in play
    signals: tuple[str, ...] = ()  # or customer signals (customer.yaml) that do
    agent: tuple[str, ...] = ()  # agent words that break it
    unless: tuple[str, ...] = ()  # agent words in the same message that make it right
    missing: str | None = None  # or a move that must follow the trigger
    cap: float | None = None  # a broken check also caps the total here (e.g. below 优秀)
    negators: tuple[str, ...] = ()  # right before the customer's words, they deny them
    said: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    denied: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    wrong: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    right: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Compiled once per check; a frozen dataclass takes them through object.__setattr__.
        object.__setattr__(self, "said", _phrases(self.customer))
        object.__setattr__(self, "wrong", _phrases(self.agent))
        object.__setattr__(self, "right", _phrases(self.unless))
        words = longest_first(self.negators)
        denied = re.compile(f"(?:{'|'.join(map(re.escape, words))})$") if words else None
        object.__setattr__(self, "denied", denied)


@dataclass(frozen=True)
class Breach:
    """A broken check: which, where, the words, and a note a grader can check."""

    check: SubstanceCheck
    evidence: tuple[int, ...]
    note: str


def _trigger(check: SubstanceCheck, a: TranscriptAnalysis) -> tuple[int, str] | None:
    """The first customer message that puts the check in play, with its words."""
    if not check.customer and not check.signals:
        return (0, "")
    found: list[tuple[int, str]] = []
    pattern = check.said
    for i, msg in enumerate(a.transcript.messages):
        if msg.role != "customer":
            continue
        norm = normalize(msg.text)
        said = pattern.finditer(norm) if pattern is not None else ()
        # "不是质量问题" (the customer's own denial) puts no quality check in play.
        denied = check.denied
        m = next((m for m in said if not (denied and denied.search(norm, 0, m.start()))), None)
        if m:
            found.append((i, msg.text[m.start() : m.end()]))
            break
    for signal in check.signals:
        for i in a.customer_has(signal):
            found.append((i, "、".join(h.words for h in a.customer_signals[i][signal])))
    return min(found) if found else None


def _n(i: int) -> str:
    return f"第{i + 1}条"


def breaches(checks: Iterable[SubstanceCheck], a: TranscriptAnalysis) -> list[Breach]:
    """Return the checks this chat breaks, each with its evidence."""
    out = []
    for check in checks:
        if a.kind not in check.kinds:
            continue
        trigger = _trigger(check, a)
        if trigger is None:
            continue
        at, said = trigger
        cue = f"顾客在{_n(at)}消息说“{said}”，" if said else ""
        agent, unless = check.wrong, check.right
        if agent is not None:
            for m in a.messages:
                norm = normalize(m.text)
                hit = agent.search(norm) if m.index > at or not said else None
                if hit and not (unless is not None and unless.search(norm)):
                    words = m.text[hit.start() : hit.end()]
                    note = f"{check.title}：{cue}{_n(m.index)}消息“{words}”"
                    out.append(Breach(check, (m.index,), note))
                    break
        elif check.missing is not None and not any(
            m.index > at and check.missing in m.moves for m in a.counted()
        ):
            out.append(Breach(check, (at,), f"{check.title}：{cue}之后客服没有做到"))
    return out
