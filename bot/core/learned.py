"""The learned reader: a linear model over character n-grams that finds moves the cues miss.

It is trained by ``kefu train`` (with scikit-learn, an optional extra) on the labelled
transcripts and shipped as a small JSON file (``rubric/lexicon/learned.json``) that names the
labelled data it was trained on. Applying it needs no scikit-learn: the features are the
character n-grams of the message (and, prefixed ``c:``, of the customer message it answers),
found by an Aho-Corasick automaton, and a move's score is a dot product plus a bias, through the
logistic function.

It works beside the cues, never instead of them: the model file says, per move, whether its
finding fills in only messages where the cues found no move (``fill``) or is added to theirs
(``add``); training chose this per move by cross-validation. A learned finding carries as
evidence the n-grams of the message that weighed most for it.

The file may also hold a model for 服务禁用语 (``violation``), read by the same n-grams (its
weights are one more column of the sum) on messages where the violation cues found nothing: its
finding is the clause that weighs most towards it, labelled with the n-grams that weighed most.
"""

from __future__ import annotations

import functools
import math
import operator
import re
import struct
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.core.detector import Hit, normalize

FORMAT = 1
_SPACE = re.compile(r"\s+")
CONTEXT_PREFIX = "c:"
LEARNED_PREFIX = "学习模型："  # how a learned finding's evidence begins
VIOLATION = "violation"  # the violation model's column, beside the moves' (no move is named so)
# A clause: a run of text between punctuation or spaces (a short unpunctuated chat line is one).
_CLAUSE = re.compile(r"[^\s，。！？；：、,.!?;:~～…]+")
_SCALE = 2**40  # weights are added up as integers in units of 2**-40 (LearnedModel)
_NO_CONTEXT: tuple[frozenset[int], int] = (frozenset(), 0)  # no n-grams, summing to nothing
_VALUE = operator.itemgetter(1)  # an automaton hit's value (end, n-gram number): in C


def ngrams(text: str, sizes: Iterable[int]) -> set[str]:
    """The distinct character n-grams of a message, after normalising and dropping spaces."""
    norm = _SPACE.sub("", normalize(text))
    return {norm[i : i + n] for n in sizes for i in range(len(norm) - n + 1)}


def features(text: str, context: str | None, sizes: Iterable[int], context_sizes: Iterable[int]):
    """The model's features: the message's n-grams and the answered customer message's."""
    out = ngrams(text, sizes)
    if context:
        out |= _context_grams(context, tuple(context_sizes))
    return out


@functools.lru_cache(maxsize=256)
def _context_grams(context: str, sizes: tuple[int, ...]) -> frozenset[str]:
    # The agent often sends several messages to one customer message: read it once.
    return frozenset(CONTEXT_PREFIX + g for g in ngrams(context, sizes))


def _logit(p: float) -> float:
    """The total a probability ``p`` needs (the inverse of the logistic function)."""
    if p <= 0:
        return -math.inf
    if p >= 1:
        return math.inf
    return math.log(p / (1 - p))


@dataclass(frozen=True)
class MoveModel:
    """One move's weights, bias, decision threshold and how it is used beside the cues."""

    bias: float
    threshold: float
    use: str  # "fill" or "add"
    weights: dict[str, float]


@dataclass
class LearnedModel:
    """The shipped model: per-move linear weights over n-grams, and the data it learned from."""

    sizes: tuple[int, ...]
    context_sizes: tuple[int, ...]
    moves: dict[str, MoveModel]
    data: dict[str, Any] = field(default_factory=dict)
    violation_model: MoveModel | None = None  # 服务禁用语 the cues missed; None: cues only
    _models: dict[str, MoveModel] = field(default_factory=dict, repr=False)
    _last: tuple[str, frozenset[int], int] = field(default=("", frozenset(), 0), repr=False)
    _order: tuple[str, ...] = field(default=(), repr=False)
    _names: tuple[str, ...] = field(default=(), repr=False)
    _ranked: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    _rank: dict[str, dict[int, int]] = field(default_factory=dict, repr=False)
    _pushing: dict[str, frozenset[int]] = field(default_factory=dict, repr=False)
    _columns: Callable[[bytes], tuple[int, ...]] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # Every n-gram of the model has a number; a message is read as the set of numbers of
        # its n-grams that the model knows (``_message``).
        # The violation model is one more column: its weights are added up with the moves'.
        self._models = dict(self.moves)
        if self.violation_model is not None:
            self._models[VIOLATION] = self.violation_model
        self._order = tuple(self._models)
        self._names = tuple(sorted({g for m in self._models.values() for g in m.weights}))
        number = {g: i for i, g in enumerate(self._names)}
        # A message's score for every move is the sum of its n-grams' weights, a column per
        # move. The columns are added up in fixed point, all at once: each n-gram's weights,
        # scaled to integers and lifted to be non-negative, are laid side by side in one
        # Python integer (a field of bits per move), so that one ``sum`` over a message's
        # n-grams adds every column in C. A field is wide enough for every n-gram of the model
        # at once (a message's n-grams are a set: none counts twice), so no field overflows
        # into the next; sums of integers are exact, so a total is the same whatever the
        # order, and within a 2**-41 per n-gram of the float sum.
        scaled = [
            {g: round(w * _SCALE) for g, w in m.weights.items()} for m in self._models.values()
        ]
        self._lift = tuple(max(0, -min(q.values(), default=0)) for q in scaled)
        room = max(
            (
                sum(q.values()) + lift * len(self._names)
                for q, lift in zip(scaled, self._lift, strict=True)
            ),
            default=0,
        )
        # Fields of whole bytes: a message's total is turned into bytes once, and every column
        # read from it at once (or, in a model needing wider fields, shifted out one by one).
        self._width = max(1, -(-room.bit_length() // 8))
        if self._width <= 8:
            # Eight bytes a field (no model so far needs more): the total's bytes are then read
            # as every column at once, by one struct call (``_column_reader``).
            self._width = 8
        self._columns = self._column_reader()
        bits = 8 * self._width
        # Every n-gram carries every column's lift; then each weight goes into its own field
        # (a negative one takes from the lift, which it never exceeds). A list by number: read
        # in order of the numbers, not looked up by text in a large dict.
        lifted = sum(lift << (i * bits) for i, lift in enumerate(self._lift))
        self._packed = [lifted] * len(self._names)
        for i, q in enumerate(scaled):
            for g, v in q.items():
                self._packed[number[g]] += v << (i * bits)
        self._column = {move: i for i, move in enumerate(self._order)}
        # A move is found where its probability reaches its threshold, that is where its
        # n-grams' total reaches logit(threshold) - bias: compared so, no exp per message.
        self._needed = {move: _logit(m.threshold) - m.bias for move, m in self._models.items()}
        self._chosen: dict[frozenset[str], tuple[str, ...]] = {}  # by the moves found: findings
        # The message's n-grams and the context's, each found by one automaton over the model's
        # n-grams of that side. pyahocorasick, not the cue index's ahocorasick_rs: a message
        # has some 80 hits here, and its iterator hands each n-gram's number over directly
        # (ahocorasick_rs's list of (pattern, start, end) cost 2% more of the scoring time
        # here); and its automata are pickled with the model into the cache folder.
        self._readers = self._automata()
        self._context_numbers = functools.lru_cache(maxsize=256)(self._read_context)
        # Each move's pushing n-grams (positive weight) in the order its evidence names them
        # (heaviest first, equal weights by name), and each one's place in that order by its
        # number: a message's few are then put in order as plain integers.
        self._ranked = {
            move: tuple(
                sorted(
                    (g for g, w in m.weights.items() if w > 0),
                    key=lambda g, w=m.weights: (-w[g], g),
                )
            )
            for move, m in self._models.items()
        }
        self._rank = {
            move: {number[g]: i for i, g in enumerate(ranked)}
            for move, ranked in self._ranked.items()
        }
        # The same numbers as a frozen set per move: a message's set meets it twice as fast as
        # it meets the rank dict's keys.
        self._pushing = {move: frozenset(rank) for move, rank in self._rank.items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LearnedModel:
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown learned-model format {data.get('format')!r}")
        return cls(
            tuple(data["ngram_sizes"]),
            tuple(data.get("context_sizes", ())),
            {
                move: _move_model(m)
                for move, m in data["moves"].items()
                if m.get("use", "fill") != "off"
            },
            data.get("data", {}),
            _move_model(data["violation"]) if data.get("violation") else None,
        )

    def scores(
        self, text: str, context: str | None = None, moves: Iterable[str] | None = None
    ) -> dict[str, tuple[float, list[str]]]:
        """Each move's probability and the message's n-grams that weighed most for it
        (only for ``moves``, when given: the rest are not worth the time)."""
        wanted = set(self.moves if moves is None else moves) & set(self.moves)
        if not wanted:
            return {}
        grams, totals = self._weigh(text, context)
        out = {}
        for move in wanted:
            p = self._probability(move, totals)
            out[move] = (p, self._top(move, grams) if p >= self.moves[move].threshold else [])
        return out

    def _weigh(self, text: str, context: str | None) -> tuple[frozenset[int], dict[str, float]]:
        """The numbers of the message's features (``features``) that carry weight in this
        model, and their weights added up per column."""
        grams, packed = self._message(text)
        more = self._context_numbers(context) if context else _NO_CONTEXT
        totals = self._totals(packed + more[1], len(grams) + len(more[0]), self._order)
        return grams | more[0], totals

    def _message(self, text: str) -> tuple[frozenset[int], int]:
        """The numbers of the message's n-grams that carry weight, and their packed sum."""
        # Most of a message's n-grams carry no weight: an automaton over the model's n-grams
        # finds only those that do, in C, in one pass over the message (it finds every
        # occurrence; the set keeps each n-gram once, as ``ngrams`` does). The moves and then
        # the violation model read the same message: the last one's reading is kept.
        last = self._last
        if last[0] == text:
            return last[1], last[2]
        grams, packed = self._alone(_SPACE.sub("", normalize(text)))
        self._last = (text, grams, packed)
        return grams, packed

    def _read_context(self, context: str) -> tuple[frozenset[int], int]:
        """The context's feature numbers, and their packed weights added up (see ``_totals``)."""
        # The agent often sends several messages to one customer message: read it once.
        if not len(self._readers[1]):  # a model without context n-grams (an empty automaton
            return _NO_CONTEXT  # cannot be iterated)
        return self._alone(_SPACE.sub("", normalize(context)), side=1)

    def _automata(self) -> tuple[Any, Any]:
        """Two automata: over the message's n-grams, and the context's (without its prefix)."""
        import ahocorasick  # a C extension, imported with the first model, not at start-up

        readers = (ahocorasick.Automaton(), ahocorasick.Automaton())
        for n, g in enumerate(self._names):
            if g.startswith(CONTEXT_PREFIX):
                side, gram, sizes = 1, g.removeprefix(CONTEXT_PREFIX), self.context_sizes
            else:
                side, gram, sizes = 0, g, self.sizes
            # An n-gram of a size the model does not read could never be a feature.
            if gram and len(gram) in sizes:
                readers[side].add_word(gram, n)
        for reader in readers:
            reader.make_automaton()
        return readers

    def __getstate__(self) -> dict[str, Any]:
        # Kept in the cache folder whole (bot/nlp/lexicon_loader.py), less its caches.
        state = dict(self.__dict__)
        del state["_context_numbers"]
        state["_chosen"] = {}
        state["_last"] = ("", frozenset(), 0)
        state["_columns"] = None  # a struct cannot be pickled: made again on loading
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._context_numbers = functools.lru_cache(maxsize=256)(self._read_context)
        self._columns = self._column_reader()

    def _column_reader(self) -> Callable[[bytes], tuple[int, ...]] | None:
        """Every column of a total's bytes at once, when its fields are eight bytes wide."""
        return struct.Struct(f"<{len(self._order)}Q").unpack if self._width == 8 else None

    def _totals(self, packed: int, count: int, moves: Iterable[str]) -> dict[str, float]:
        """Each of ``moves``' weights added up, from the packed sum of ``count`` n-grams."""
        if self._columns is None:  # fields wider than eight bytes: one at a time
            return {m: self._column_total(packed, count, m) for m in moves}
        lift, column = self._lift, self._column
        sums = self._columns(packed.to_bytes(self._width * len(self._order), "little"))
        return {m: (sums[column[m]] - count * lift[column[m]]) / _SCALE for m in moves}

    def _column_total(self, packed: int, count: int, move: str) -> float:
        """One column's weights added up (as ``_totals``, for one: its field shifted out)."""
        i = self._column[move]
        bits = 8 * self._width
        field = (packed >> (i * bits)) & ((1 << bits) - 1)
        return (field - count * self._lift[i]) / _SCALE

    def _probability(self, move: str, totals: dict[str, float]) -> float:
        z = self._models[move].bias + totals.get(move, 0.0)
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def _top(self, move: str, grams: frozenset[int]) -> list[str]:
        # The n-grams that weigh for it (found in C), heaviest first, equal weights by name
        # (their places say both), so that evidence always comes out in the same order.
        places = sorted(map(self._rank[move].__getitem__, grams & self._pushing[move]))
        ranked = self._ranked[move]
        return _distinct(ranked[i] for i in places)

    def findings(
        self,
        text: str,
        found: Iterable[str],
        context: str | None = None,
        evidence_for: Collection[str] | None = None,
    ) -> dict[str, tuple[Hit, ...]]:
        """Moves the model adds to the cues' ``found`` moves, each with its evidence hit.

        The hit's words name the n-grams that weighed most (学到的词); its span is the first of
        them in the message, or the whole message when they come from the context. A move
        outside ``evidence_for`` (when given) has no words after the prefix: a caller that
        only counts it does not wait for its n-grams to be put in order.
        """
        found = frozenset(found)
        chosen = self._chosen.get(found)
        if chosen is None:
            wanted = [
                move
                for move, m in self.moves.items()
                if move not in found and (m.use == "add" or not found)
            ]
            # In the order scores() takes them; the same few sets of found moves come back
            # message after message, so the answer is kept (a handful of entries).
            chosen = self._chosen[found] = tuple(set(wanted) & set(self.moves))
        if not chosen:
            return {}
        grams, packed = self._message(text)
        # The context's n-grams are numbered apart from the message's (prefixed): its sum,
        # kept with them, is added to the message's, with no set made of both.
        more = self._context_numbers(context) if context else _NO_CONTEXT
        totals = self._totals(packed + more[1], len(grams) + len(more[0]), chosen)
        norm = normalize(text)
        out: dict[str, tuple[Hit, ...]] = {}
        needed = self._needed
        for move in chosen:
            # Only a move over its threshold needs its evidence (the sorting of its n-grams).
            if totals[move] < needed[move]:
                continue
            if evidence_for is not None and move not in evidence_for:
                out[move] = (Hit(move, LEARNED_PREFIX, 0, len(text)),)
                continue
            grams = grams | more[0]  # the evidence looks among both (the context's a few)
            top = self._top(move, grams)
            at = next((norm.find(g) for g in top if g in norm), -1)
            size = len(next((g for g in top if g in norm), ""))
            start, end = (at, at + size) if at >= 0 else (0, len(text))
            words = "、".join(g.removeprefix(CONTEXT_PREFIX) for g in top)
            out[move] = (Hit(move, f"{LEARNED_PREFIX}{words}", start, end),)
        return out

    def violation(self, text: str) -> Hit | None:
        """A 服务禁用语 the violation model finds in a message, or None (also without a model).

        The model reads the whole message; the hit's words are the part of it a grader reads as
        said: from the first to the last clause whose own n-grams weigh towards a violation (a
        greeting before it, a neutral clause after it, are left out), or, where no clause does
        on its own, the clause that weighs most. Its label names the n-grams of those words
        that weighed most (学习模型：…), so that the evidence is in the words shown.
        """
        if self.violation_model is None:
            return None
        grams, packed = self._message(text)
        if self._column_total(packed, len(grams), VIOLATION) < self._needed[VIOLATION]:
            return None
        norm = normalize(text)
        pushing: list[tuple[int, int]] = []
        start, end, best = 0, len(text), -math.inf
        for clause in _CLAUSE.finditer(norm):
            own, summed = self._alone(clause.group())
            weight = self._column_total(summed, len(own), VIOLATION)
            # Packed sums carry rounding (some 1e-12): a clause whose weights cancel out
            # (标题写的是适用苹果, 2e-16 summed plainly) does not push.
            if weight > _NETS_ZERO:
                pushing.append(clause.span())
            if weight > best:  # the first of equals
                start, end, best = clause.start(), clause.end(), weight
        if pushing:
            start, end = pushing[0][0], pushing[-1][1]
        # Chosen by cross-validation on the training sets, matched as kefu eval matches spans:
        # this span finds the underlined words as often as the whole message does (1,216 of
        # 1,334 against 1,217), where the lone heaviest clause, often the wrong one of two
        # rude clauses, found 1,204 and was counted wrong 11 more times.
        own, _ = self._alone(_SPACE.sub("", norm[start:end]))
        # Where only n-grams across clauses push (rare), those of the message are named.
        words = "、".join(self._top(VIOLATION, own) or self._top(VIOLATION, grams))
        return Hit(f"{LEARNED_PREFIX}{words}", text[start:end], start, end)

    def _alone(self, part: str, side: int = 0) -> tuple[frozenset[int], int]:
        """A message, or a part of one, read alone (spaces already dropped): its weighty
        n-grams' numbers, and their packed sum (for ``_totals`` and ``_column_total``).
        ``side`` 1 reads it as the context, by the context's n-grams."""
        own = frozenset(map(_VALUE, self._readers[side].iter(part)))
        return own, sum(map(self._packed.__getitem__, own))


_NETS_ZERO = 1e-9  # a clause's weight at or under this is no push towards a violation


def _distinct(heaviest_first: Iterable[str], most: int = 3) -> list[str]:
    """The first ``most`` n-grams none of which is part of another already named: a grader
    reads 自己 once, not 自己、己 (the prefix of the customer's n-grams is not compared)."""
    named: list[str] = []
    for gram in heaviest_first:
        bare = _bare(gram)
        if any(bare in n or n in bare for n in map(_bare, named)):
            continue
        named.append(gram)
        if len(named) == most:
            break
    return named


def _bare(gram: str) -> str:
    return gram.removeprefix(CONTEXT_PREFIX)


def why(hit: Hit) -> str:
    """What a grader reads after a violation's words: for a learned one, the n-grams that
    weighed most (（学习模型：你、自己、不）); nothing for the cues', whose words speak for
    themselves."""
    return f"（{hit.label}）" if hit.label.startswith(LEARNED_PREFIX) else ""


def _move_model(m: dict[str, Any]) -> MoveModel:
    return MoveModel(float(m["bias"]), float(m["threshold"]), m.get("use", "fill"), m["weights"])
