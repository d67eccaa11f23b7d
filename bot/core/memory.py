"""The customer's memory of one conversation: what the agent did, answered, offered and agreed.

The engine keeps one ``Memory`` per conversation and saves it in the snapshot as plain JSON
values (``to_json`` / ``from_json``), so a restarted conversation remembers exactly what it did.
Everything here is pure: the topics and slots come from the script, the moves from the detector.

- ``pending``: moves the agent performed that no step of the customer has used yet. A message
  that performs several moves can advance several steps, one move per step; a message the
  customer could not act on yet (a remedy offered before the details were asked) leaves its
  moves pending, and the state that waits for one of them takes it. What an advancing message
  leaves over is dropped: the customer heard it and moved on. Greetings and closings are about
  the moment and are never kept (有问题随时联系 early on does not close the chat later).
- ``answered``: the customer's questions (the script's ``topics``) the agent has answered, with
  the message that answered them; a state whose question was answered is not asked again.
- ``offered``: the concessions the agent has offered, and when; ``offers_pending`` the ones no
  step has used yet, kept and dropped like the pending moves.
- ``slots``: what was agreed (the script's ``remembers``: size, colour …); customer lines say
  ``{尺码}`` and so never contradict it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from bot.core.detector import Analysis, normalize

# Short direct answers that answer the question the customer has just asked (有货的, 可以的):
# they answer the open question only, never a topic the customer has not raised yet.
DIRECT_ANSWERS: tuple[str, ...] = (
    "有的",
    "有货",
    "可以的",
    "可以哦",
    "可以呢",
    "是的",
    "能的",
    "会的",
    "不会的",
    "没问题",
    "来得及",
    "对的",
)
# Moves whose timing is their point: kept pending only within their own message.
MOMENTARY = frozenset({"greet", "farewell", "follow_up"})
SHORT_ANSWER = 10  # characters
# Words that open a reply without answering anything yet.
SALUTATIONS = frozenset({"", "亲", "亲亲", "亲爱的", "您好", "你好", "在的", "嗯", "嗯嗯", "好的"})
CLAUSE = re.compile(r"[,，。!！?？~～;；\n]")
# A measure answers the open question too (75cm, 3天): a number with its unit.
MEASURE = re.compile(
    r"\d+(?:\.\d+)?\s*(?:cm|mm|kg|ml|g|l|厘米|毫米|公分|公斤|千克|斤|克|毫升|升|米|寸"
    r"|个?小时|天|个月|年|岁|码|号|元|块)"
)
# A number in a topic word: 75cm, 3天, 18个月.
NUMBER = "#"
_NUMBER_RE = r"\d+(?:\.\d+)?\s*"
GAP = "*"
_GAP_RE = r"[^。！？!?；;\n]{0,12}?"


@lru_cache(maxsize=4096)  # every message looks for the same few words
def word_pattern(word: str) -> re.Pattern[str]:
    """Compile a topic word: plain text, where ``#`` stands for a number (``#cm`` → 75cm) and
    ``*`` for a few characters of the same sentence (``预约*取件`` → 预约明天上门取件)."""
    pieces = [
        _NUMBER_RE.join(re.escape(normalize(p)) for p in part.split(NUMBER))
        for part in word.split(GAP)
    ]
    return re.compile(_GAP_RE.join(pieces))


@dataclass(frozen=True)
class Found:
    """A topic word or slot value found in an agent message: what, the words, and where."""

    name: str
    words: str
    start: int


def find_topics(text: str, topics: dict[str, list[str]]) -> dict[str, Found]:
    """Return the topics an agent message answers, each with the first words that did it."""
    norm = normalize(text)
    found: dict[str, Found] = {}
    for name, words in topics.items():
        # An answer is a statement: 要放后备箱吗？ asks, it answers nothing.
        hits = [
            m
            for w in words
            for m in word_pattern(w).finditer(norm)
            if not _in_question(norm, m.start(), m.end())
        ]
        if hits:
            first = min(hits, key=lambda m: m.start())
            found[name] = Found(name, text[first.start() : first.end()], first.start())
    return found


def _in_question(norm: str, start: int, end: int) -> bool:
    """Whether the clause around ``start:end`` asks (ends in ？ or in 吗/呢)."""
    after = CLAUSE.search(norm, end)
    stop = after.start() if after else len(norm)
    if after and after.group() in "?？":
        return True
    return norm[start:stop].rstrip(" ~～").endswith(("吗", "呢"))


def direct_answer(text: str) -> str | None:
    """Return the words of a short direct answer (有货的, 可以的, a number) in a message, if any."""
    norm = normalize(text)
    # A direct answer opens the reply (有货的亲～, 亲，是的…, 75cm哦): further in, 是的 and
    # 没问题 are just talk, and 能放10到15天 answers whatever was asked about keeping.
    at_clause = 0
    for clause in CLAUSE.finditer(norm + "\n"):
        first = norm[at_clause : clause.start()]
        if first.strip() not in SALUTATIONS:
            break
        at_clause = clause.end()
    for word in DIRECT_ANSWERS:
        at = first.find(word)
        if at >= 0 and (word.startswith("不") or first[max(0, at - 1) : at] != "不"):
            return text[at_clause + at : at_clause + at + len(word)]
    # A bare measure is an answer only as a short reply of its own (腰围75cm, 3天到).
    number = MEASURE.search(first) if len(first.strip()) <= SHORT_ANSWER else None
    if number is None:
        return None
    return text[at_clause + number.start() : at_clause + number.end()]


def find_slots(text: str, slots: dict[str, list[str]], analysis: Analysis) -> dict[str, Found]:
    """Return the slot values an agent message names: for each slot, the value it proposes.

    A message may name several values of one slot (M 码偏小，建议 L 码): the one right after a
    recommending or confirming cue wins, else the last one named.
    """
    norm = normalize(text)
    anchors = sorted(
        h.start for move in ("recommend", "verify", "confirm") for h in analysis.moves.get(move, ())
    )
    found: dict[str, Found] = {}
    for slot, values in slots.items():
        hits = [
            Found(str(v), text[m.start() : m.end()], m.start())
            for v in values
            for m in re.finditer(re.escape(normalize(str(v))), norm)
            if not _inside_word(norm, m.start(), m.end(), str(v))
        ]
        if not hits:
            continue
        after = [h for h in hits if anchors and h.start >= anchors[0]]
        best = min(after, key=lambda h: h.start) if after else max(hits, key=lambda h: h.start)
        found[slot] = best
    return found


def _inside_word(norm: str, start: int, end: int, value: str) -> bool:
    """A Latin value inside a longer word (M in XL, 42 in 420元) is not that value."""
    if not value.isascii():
        return False
    before = norm[start - 1] if start else ""
    after = norm[end] if end < len(norm) else ""
    return (before.isascii() and before.isalnum()) or (after.isascii() and after.isalnum())


@dataclass
class Memory:
    """What the customer remembers; every value is a plain JSON value (turn numbers are the
    agent's message numbers, 1-based)."""

    pending: dict[str, int] = field(default_factory=dict)  # move → message that performed it
    answered: dict[str, int] = field(default_factory=dict)  # topic → message that answered it
    answer_words: dict[str, str] = field(default_factory=dict)  # topic → the words that did
    offered: dict[str, int] = field(default_factory=dict)  # concession → message
    offers_pending: dict[str, int] = field(default_factory=dict)  # not used by a step yet
    slots: dict[str, str] = field(default_factory=dict)  # slot → agreed value
    agreed: list[str] = field(default_factory=list)  # slots the customer has said back

    def to_json(self) -> dict[str, Any]:
        return {
            "pending": dict(self.pending),
            "answered": dict(self.answered),
            "answer_words": dict(self.answer_words),
            "offered": dict(self.offered),
            "offers_pending": dict(self.offers_pending),
            "slots": dict(self.slots),
            "agreed": list(self.agreed),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Memory:
        """Rebuild from ``to_json``'s output; anything unknown or missing is left empty."""
        data = data if isinstance(data, dict) else {}

        def ints(key: str) -> dict[str, int]:
            raw = data.get(key)
            raw = raw if isinstance(raw, dict) else {}
            return {str(k): int(v) for k, v in raw.items() if isinstance(v, int)}

        def texts(key: str) -> dict[str, str]:
            raw = data.get(key)
            return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}

        agreed = data.get("agreed") if isinstance(data.get("agreed"), list) else []
        return cls(
            pending=ints("pending"),
            answered=ints("answered"),
            answer_words=texts("answer_words"),
            offered=ints("offered"),
            offers_pending=ints("offers_pending"),
            slots=texts("slots"),
            agreed=[str(a) for a in agreed],
        )

    def unanswered(self, topics: list[str]) -> list[str]:
        return [t for t in topics if t not in self.answered]

    def forget_leftovers(self, turn: int) -> None:
        """After a message that moved the customer on, drop what it left unused."""
        self.pending = {m: t for m, t in self.pending.items() if t != turn}
        self.offers_pending = {c: t for c, t in self.offers_pending.items() if t != turn}

    def forget_momentary(self, turn: int) -> None:
        """Greetings and closings count only in their own message."""
        for move in MOMENTARY:
            if self.pending.get(move, turn) != turn:
                del self.pending[move]


def fill(line: str, slots: dict[str, str]) -> str:
    """Put the agreed values into a customer line (``那{尺码}码`` → 那L码)."""
    for name, value in slots.items():
        line = line.replace("{" + name + "}", value)
    return line


PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def placeholders(line: str) -> list[str]:
    """The slot names a customer line refers to."""
    return PLACEHOLDER.findall(line)
