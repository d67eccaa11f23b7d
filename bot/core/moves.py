"""The move names of the contract (section 3) and the kinds of conversation they belong to.

These names are fixed external interface: scripts, lexicons, transcripts and score files use
them verbatim, so they live in one place.
"""

from typing import Literal

Kind = Literal["presale", "objection", "complaint"]
KINDS: tuple[str, ...] = ("presale", "objection", "complaint")

PRESALE_MOVES: tuple[str, ...] = (
    "greet",
    "inquire",
    "recommend",
    "negotiate",
    "verify",
    "farewell",
    "follow_up",
)
AFTERSALE_MOVES: tuple[str, ...] = (
    "greet",
    "apologize",
    "empathize",
    "clarify",
    "explain",
    "remedy",
    "legal",
    "confirm",
    "farewell",
    "follow_up",
)
ALL_MOVES: tuple[str, ...] = tuple(dict.fromkeys(PRESALE_MOVES + AFTERSALE_MOVES))

MOVE_TITLES: dict[str, str] = {
    "greet": "招呼",
    "inquire": "询问",
    "recommend": "推荐",
    "negotiate": "议价",
    "verify": "核实",
    "farewell": "道别",
    "follow_up": "跟进",
    "apologize": "致歉",
    "empathize": "共情",
    "clarify": "澄清",
    "explain": "解释",
    "remedy": "补救",
    "legal": "法律",
    "confirm": "确认",
}

KIND_TITLES: dict[str, str] = {"presale": "售前", "objection": "异议", "complaint": "投诉"}


def moves_for(kind: str) -> tuple[str, ...]:
    """Return the moves that count for a conversation of this kind."""
    return PRESALE_MOVES if kind == "presale" else AFTERSALE_MOVES
