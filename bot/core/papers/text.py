"""Count characters as graders count them, and read a written dialogue's 客服:/顾客: lines.

Graders count a Chinese answer the way a word processor's 字数 does: every Chinese character
and every full-width punctuation mark is one, a run of Latin letters or digits (a word, a
number, an order code) is one, and spaces, line breaks and half-width punctuation count for
nothing. The web room's counter (static/paper.js) counts by the same rule.
"""

from __future__ import annotations

import re

from bot.core.transcript import Message

# A Latin word or number (with its inner . , - %) counts once; any other visible character that
# is not ASCII punctuation (CJK characters, full-width punctuation, symbols) counts once each.
_COUNTED = re.compile(r"[A-Za-z0-9]+(?:[.,\-%'][A-Za-z0-9]+)*%?|[^\x00-\x7f\s]")


def count_chars(text: str) -> int:
    """Return the length of ``text`` as a grader counts it (字数)."""
    return len(_COUNTED.findall(text or ""))


def limit_note(text: str, low: int, high: int) -> tuple[bool, str]:
    """Return whether ``text`` is within ``low``..``high`` characters, and a note saying so."""
    n = count_chars(text)
    if n > high:
        return False, f"{n} 字，超出上限 {high} 字"
    if n < low:
        return False, f"{n} 字，不足下限 {low} 字"
    return True, f"{n} 字，符合字数要求（{low}–{high} 字）" if low else f"{n} 字，未超过 {high} 字"


# A line of a written dialogue: the speaker, a colon (full or half width), the words.
_SPEAKERS = {
    "客服": "agent",
    "卖家": "agent",
    "顾客": "customer",
    "客户": "customer",
    "买家": "customer",
}
_LINE = re.compile(r"^\s*(" + "|".join(_SPEAKERS) + r")\s*[:：]\s*(.*)$")


def dialogue_messages(text: str) -> list[Message]:
    """Split a written dialogue into messages; a line without a speaker continues the last one."""
    messages: list[Message] = []
    for raw in (text or "").splitlines():
        match = _LINE.match(raw)
        if match:
            messages.append(Message(_SPEAKERS[match.group(1)], match.group(2).strip()))
        elif raw.strip() and messages:
            last = messages[-1]
            messages[-1] = Message(last.role, f"{last.text}\n{raw.strip()}".strip())
    return [m for m in messages if m.text]
