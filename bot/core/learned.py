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

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.core.detector import Hit, normalize

FORMAT = 1
_SPACE = re.compile(r"\s+")
CONTEXT_PREFIX = "c:"


def ngrams(text: str, sizes: Iterable[int]) -> set[str]:
    """The distinct character n-grams of a message, after normalising and dropping spaces."""
    norm = _SPACE.sub("", normalize(text))
    return {norm[i : i + n] for n in sizes for i in range(len(norm) - n + 1)}


def features(text: str, context: str | None, sizes: Iterable[int], context_sizes: Iterable[int]):
    """The model's features: the message's n-grams and the answered customer message's."""
    out = ngrams(text, sizes)
    if context:
        out |= {CONTEXT_PREFIX + g for g in ngrams(context, context_sizes)}
    return out


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
    _index: dict[str, list[tuple[str, float]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # One pass over a message's n-grams serves every move: index the weights by n-gram.
        for move, m in self.moves.items():
            for gram, w in m.weights.items():
                self._index.setdefault(gram, []).append((move, w))

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

    def scores(self, text: str, context: str | None = None) -> dict[str, tuple[float, list[str]]]:
        """Each move's probability and the message's n-grams that weighed most for it."""
        sums = {move: m.bias for move, m in self.moves.items()}
        pushes: dict[str, list[tuple[float, str]]] = {move: [] for move in self.moves}
        for gram in features(text, context, self.sizes, self.context_sizes):
            for move, w in self._index.get(gram, ()):
                sums[move] += w
                if w > 0:
                    pushes[move].append((w, gram))
        out = {}
        for move, z in sums.items():
            top = [g for _, g in sorted(pushes[move], reverse=True)[:3]]
            out[move] = (1 / (1 + math.exp(-max(-30.0, min(30.0, z)))), top)
        return out

    def findings(
        self, text: str, found: Iterable[str], context: str | None = None
    ) -> dict[str, tuple[Hit, ...]]:
        """Moves the model adds to the cues' ``found`` moves, each with its evidence hit.

        The hit's words name the n-grams that weighed most (学到的词); its span is the first of
        them in the message, or the whole message when they come from the context.
        """
        found = set(found)
        norm = normalize(text)
        out: dict[str, tuple[Hit, ...]] = {}
        for move, (p, top) in self.scores(text, context).items():
            m = self.moves[move]
            if move in found or p < m.threshold or (m.use == "fill" and found):
                continue
            at = next((norm.find(g) for g in top if g in norm), -1)
            size = len(next((g for g in top if g in norm), ""))
            start, end = (at, at + size) if at >= 0 else (0, len(text))
            words = "、".join(g.removeprefix(CONTEXT_PREFIX) for g in top)
            out[move] = (Hit(move, f"学习模型：{words}", start, end),)
        return out
