"""The conditions and actions a dialogue script may name, and nothing else.

A script refers to these by name (``if: calm``, ``do: calm_down``); the loader checks every name
against this registry, and the engine passes the functions themselves to ``transitions``. A
script therefore can never make the engine import or call arbitrary code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.detector import Analysis
    from bot.core.engine import Conversation

# Mood runs from 0 (gone) to MAX_MOOD (delighted); CALM is the line between upset and calm.
MAX_MOOD = 5
CALM = 3

Condition = Callable[["Conversation", "Analysis"], bool]
Action = Callable[["Conversation", "Analysis"], None]


@dataclass(frozen=True)
class Entry:
    """A registered function with the Chinese explanation shown to trainers."""

    function: Callable
    help: str


def _offers_allowed_concession(convo: Conversation, analysis: Analysis) -> bool:
    # Offered now, or earlier in a message the customer could not act on yet.
    offered = set(analysis.concessions) | set(convo.memory.offers_pending)
    return bool(offered & set(convo.scenario.brief.concessions))


def _set_mood(convo: Conversation, value: int) -> None:
    convo.mood = max(0, min(MAX_MOOD, value))


CONDITIONS: dict[str, Entry] = {
    "calm": Entry(lambda c, a: c.mood >= CALM, "顾客心情平稳（心情值 ≥ 3）"),
    "upset": Entry(lambda c, a: c.mood < CALM, "顾客仍有情绪（心情值 < 3）"),
    "polite": Entry(lambda c, a: bool(a.polite), "客服这句话用了礼貌用语（您、请、谢谢、亲…）"),
    "offers_concession": Entry(
        _offers_allowed_concession, "客服给出了任务书允许的优惠（包邮、赠品、优惠券…）"
    ),
    "asks_question": Entry(lambda c, a: a.asks_question, "客服这句话是在提问"),
}

ACTIONS: dict[str, Entry] = {
    "calm_down": Entry(lambda c, a: _set_mood(c, c.mood + 1), "顾客情绪缓和（心情值 +1）"),
    "annoy": Entry(lambda c, a: _set_mood(c, c.mood - 1), "顾客更不高兴（心情值 -1）"),
    "forgive": Entry(lambda c, a: setattr(c, "misses", 0), "顾客不再计较之前被忽略（耐心恢复）"),
}
