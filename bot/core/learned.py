"""The learned reader: a linear model over character n-grams that finds moves the cues miss.

It is trained by ``kefu train`` (with scikit-learn, an optional extra) on the labelled
transcripts and shipped as a small JSON file (``rubric/lexicon/learned.json``) that names the
labelled data it was trained on. Applying it needs no library: the features are the character
n-grams of the message (and, prefixed ``c:``, of the customer message it answers), and a move's
score is a dot product plus a bias, through the logistic function.

It works beside the cues, never instead of them: the model file says, per move, whether its
finding fills in only messages where the cues found no move (``fill``) or is added to theirs
(``add``); training chose this per move by cross-validation. A learned finding carries as
evidence the n-grams of the message that weighed most for it.
"""

from __future__ import annotations

import functools
import math
import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.core.detector import Hit, normalize

FORMAT = 1
_SPACE = re.compile(r"\s+")
CONTEXT_PREFIX = "c:"
LEARNED_PREFIX = "学习模型："  # how a learned finding's evidence begins


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
    _order: tuple[str, ...] = field(default=(), repr=False)
    _vectors: dict[str, tuple[float, ...]] = field(default_factory=dict, repr=False)
    _grams: frozenset[str] = field(default=frozenset(), repr=False)
    _pushing: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # One row of weights per n-gram, a column per move: a message's score for every move
        # is then a column sum over its n-grams' rows, which zip and sum do in C.
        self._order = tuple(self.moves)
        for i, m in enumerate(self.moves.values()):
            for gram, w in m.weights.items():
                row = self._vectors.setdefault(gram, [0.0] * len(self._order))
                row[i] = w
        self._vectors = {g: tuple(row) for g, row in self._vectors.items()}
        # The same rows cut to the "add" moves: once the cues have found a move, only those
        # are asked for, and half the columns are half the adding up.
        self._chosen: dict[frozenset[str], tuple[str, ...]] = {}  # by the moves found: findings
        # (Plain attributes, not fields: nothing that walks the model's fields need see them.)
        adds = [i for i, m in enumerate(self.moves.values()) if m.use == "add"]
        self._add_order: tuple[str, ...] = tuple(self._order[i] for i in adds)
        # itemgetter picks in C, and gives a tuple for two indexes or more.
        pick = operator.itemgetter(*adds) if len(adds) > 1 else lambda r: tuple(r[i] for i in adds)
        self._add_vectors: dict[str, tuple[float, ...]] = {
            g: pick(row) for g, row in self._vectors.items()
        }
        self._grams = frozenset(self._vectors)
        self._pushing = {
            move: frozenset(g for g, w in m.weights.items() if w > 0)
            for move, m in self.moves.items()
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LearnedModel:
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown learned-model format {data.get('format')!r}")
        return cls(
            tuple(data["ngram_sizes"]),
            tuple(data.get("context_sizes", ())),
            {
                move: MoveModel(
                    float(m["bias"]), float(m["threshold"]), m.get("use", "fill"), m["weights"]
                )
                for move, m in data["moves"].items()
                if m.get("use", "fill") != "off"
            },
            data.get("data", {}),
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

    def _weigh(self, text: str, context: str | None) -> tuple[set[str], dict[str, float]]:
        """The message's n-grams that carry weight, and their weights added up per move."""
        # Most of a message's n-grams carry no weight: intersecting two sets drops them in C
        # (a set and a dict would walk the whole dict).
        grams = features(text, context, self.sizes, self.context_sizes) & self._grams
        return grams, self._totals(grams, self._order, self._vectors)

    @staticmethod
    def _totals(
        grams: set[str], order: tuple[str, ...], vectors: dict[str, tuple[float, ...]]
    ) -> dict[str, float]:
        """Each move's weights over ``grams``, added up: a column sum of the n-grams' rows, in C.

        The rows are taken in the set's order, so that a move's sum is the same float whether
        all columns or only some are added up.
        """
        columns = zip(*map(vectors.__getitem__, grams), strict=True) if grams else ()
        return dict(zip(order, map(sum, columns), strict=False))

    def _probability(self, move: str, totals: dict[str, float]) -> float:
        z = self.moves[move].bias + totals.get(move, 0.0)
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def _top(self, move: str, grams: set[str]) -> list[str]:
        weights = self.moves[move].weights
        pushing = grams & self._pushing[move]  # the n-grams that weigh for it, found in C
        # Sorted by name first, so that equal weights always come out in the same order.
        return sorted(sorted(pushing), key=weights.__getitem__, reverse=True)[:3]

    def findings(
        self, text: str, found: Iterable[str], context: str | None = None
    ) -> dict[str, tuple[Hit, ...]]:
        """Moves the model adds to the cues' ``found`` moves, each with its evidence hit.

        The hit's words name the n-grams that weighed most (学到的词); its span is the first of
        them in the message, or the whole message when they come from the context.
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
        grams = features(text, context, self.sizes, self.context_sizes) & self._grams
        if found:  # only "add" moves are wanted
            totals = self._totals(grams, self._add_order, self._add_vectors)
        else:
            totals = self._totals(grams, self._order, self._vectors)
        norm = normalize(text)
        out: dict[str, tuple[Hit, ...]] = {}
        for move in chosen:
            m = self.moves[move]
            z = m.bias + totals.get(move, 0.0)  # as _probability, inline: this runs per move
            # Only a move over its threshold needs its evidence (the sorting of its n-grams).
            if 1 / (1 + math.exp(-max(-30.0, min(30.0, z)))) < m.threshold:
                continue
            top = self._top(move, grams)
            at = next((norm.find(g) for g in top if g in norm), -1)
            size = len(next((g for g in top if g in norm), ""))
            start, end = (at, at + size) if at >= 0 else (0, len(text))
            words = "、".join(g.removeprefix(CONTEXT_PREFIX) for g in top)
            out[move] = (Hit(move, f"{LEARNED_PREFIX}{words}", start, end),)
        return out
