"""The end states a scripted customer can reach, and how people read them.

Kept apart from the script model (``bot.core.scenario``, which needs pydantic) so that the
commands that only show or score conversations (``kefu transcripts list``, ``kefu score``)
do not load it.
"""

from __future__ import annotations

OUTCOMES: dict[str, str] = {
    "ordered": "下单",
    "resolved": "解决",
    "left": "离开",
    "escalated": "升级投诉",
}
GOOD_OUTCOMES = ("ordered", "resolved")
UNFINISHED_TITLE = "未完成"


def outcome_title(outcome: str | None) -> str:
    """The Chinese label of an end state, as people read it: 下单, 解决, 离开, 升级投诉.

    ``unfinished`` (closed before the customer reached an end) and None (not ended, or an
    imported transcript without one) are 未完成; a name kefu does not know is shown as it is.
    """
    if outcome is None or outcome == "unfinished":
        return UNFINISHED_TITLE
    return OUTCOMES.get(outcome, outcome)
