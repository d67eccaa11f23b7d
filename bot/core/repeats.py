"""Pasted replies: which earlier reply of the candidate a new one repeats, in bounded time.

Two replies are the same paste when their skeletons (the text without punctuation or spaces)
are equal or differ by a few characters: difflib's similarity ratio of at least 0.9. Comparing
every new reply with every earlier one grew with the square of the transcript (a thousand
messages took over a second, and a hostile ten thousand would take minutes), so:

- the ratio is at most ``2·min(len)/(len a + len b)``, so only earlier replies of a length within
  that bound are candidates (kept by length, so the others are never looked at);
- an identical earlier reply is found in a dict;
- one matcher per new reply holds its analysis (difflib's ``set_seq2``), compared with at most
  ``MAX_CANDIDATES`` earlier replies, the nearest in time: a paste of a reply from further back
  than that in one chat is not a paste an examiner would recognise, and no exam chat is that long;
- a reply is compared on its first ``MAX_CHARS`` skeleton characters (a long paste is the same
  from its start; difflib's matching is quadratic in the length of repetitive text);
- among those candidates, only replies that hold one of a few of the new reply's rarer
  characters are looked at (below): in a long chat most candidates share too few characters to
  come near 0.9, and were each ruled out one by one.

Replies of exam chats (a few dozen, under ``MAX_CHARS``) are judged exactly as by comparing
every pair. Pure.
"""

from __future__ import annotations

import difflib
import heapq
import itertools
import math
import re

REPEAT_SIMILARITY = 0.9
REPEAT_MIN_CHARS = 6
MAX_CANDIDATES = 64
MAX_CHARS = 500
_FEW = 8  # candidates below which they are simply all compared
_SLACK = 1e-6  # float slack: ``need`` may only come out smaller
_SKELETON = re.compile(r"[\W_]+", re.UNICODE)


def skeleton(text: str) -> str:
    """The text without punctuation, spaces or underscores: what a paste keeps."""
    return _SKELETON.sub("", text)


class RepeatFinder:
    """Feed the agent's replies in order; each answer names the earliest reply it repeats."""

    def __init__(self) -> None:
        self._exact: dict[str, int] = {}
        self._by_length: dict[int, list[int]] = {}  # skeleton length -> positions in _seen
        self._seen: list[tuple[int, str, frozenset[str]]] = []
        # character -> positions in _seen holding it; made when a chat first has many candidates
        self._holding: dict[str, list[int]] | None = None
        self._matcher = difflib.SequenceMatcher(None, autojunk=False)

    def add(self, index: int, text: str) -> int | None:
        """Record reply ``index`` and return the index of the earliest earlier reply it repeats."""
        new = skeleton(text)[:MAX_CHARS]
        chars = frozenset(new)
        found = self._find(new, chars) if len(new) >= REPEAT_MIN_CHARS else None
        self._exact.setdefault(new, index)
        at = len(self._seen)
        self._by_length.setdefault(len(new), []).append(at)
        if self._holding is not None:
            for ch in chars:
                self._holding.setdefault(ch, []).append(at)
        self._seen.append((index, new, chars))
        return found

    def _find(self, new: str, chars: frozenset[str]) -> int | None:
        size = len(new)
        # 2·min/(a+b) >= r  <=>  the shorter is at least r/(2-r) of the longer.
        low = math.ceil(size * REPEAT_SIMILARITY / (2 - REPEAT_SIMILARITY) - 1e-9)
        high = math.floor(size * (2 - REPEAT_SIMILARITY) / REPEAT_SIMILARITY + 1e-9)
        buckets = [b for n in range(low, high + 1) if (b := self._by_length.get(n))]
        if sum(map(len, buckets)) <= MAX_CANDIDATES:
            # An exam chat: every candidate is compared, oldest first (merging is for long ones).
            nearest = sorted(itertools.chain.from_iterable(buckets))
        else:
            newest_first = heapq.merge(*(reversed(b) for b in buckets), reverse=True)
            nearest = sorted(itertools.islice(newest_first, MAX_CANDIDATES))
        exact = self._exact.get(new)
        matcher = None
        if len(nearest) > _FEW:
            nearest = self._sharing(nearest, new, chars, low)
        for at in nearest:
            index, earlier, earlier_chars = self._seen[at]
            if exact is not None and index >= exact:
                break  # the identical reply is earlier than any still to compare
            if earlier == new:
                return index
            # Each character of one that the other lacks is at least one unmatched character:
            # an upper bound of the ratio from two set differences (in C), before difflib's.
            matched = min(
                len(earlier) - len(earlier_chars - chars), size - len(chars - earlier_chars)
            )
            if 2 * matched < REPEAT_SIMILARITY * (len(earlier) + size) - 1e-9:  # float slack
                continue
            if matcher is None:
                # difflib analyses the new reply once, for every comparison, and only when a
                # pair gets past the bounds above (most replies are like no earlier one).
                matcher = self._matcher
                matcher.set_seq2(new)
            matcher.set_seq1(earlier)
            # The cheap upper bounds rule out most pairs before the full comparison.
            if (
                matcher.real_quick_ratio() >= REPEAT_SIMILARITY
                and matcher.quick_ratio() >= REPEAT_SIMILARITY
                and matcher.ratio() >= REPEAT_SIMILARITY
            ):
                return index
        return exact

    def _sharing(self, nearest: list[int], new: str, chars: frozenset[str], low: int) -> list[int]:
        """The candidates that may pass the character bound in ``_find``, in the same order.

        A candidate of length ``a`` passes only if ``size - |N - E| >= r(a + size) / 2`` (N, E:
        the two replies' sets of characters), so it shares at least ``need`` of the new reply's
        ``k`` characters, ``a`` being at least ``low``. Any ``k - need + 1`` of those characters
        then include one it holds: those with the fewest holders are asked, and only their
        holders are candidates. Every other candidate would fail the bound; none is lost.
        """
        size = len(new)
        need = math.ceil(len(chars) - size + (REPEAT_SIMILARITY * (low + size) - 1e-9) / 2 - _SLACK)
        if need < 1:
            return nearest  # a repetitive reply: the bound says nothing here
        holding = self._holding
        if holding is None:  # the first long stretch of this chat: index what came before
            holding = self._holding = {}
            for at, (_, _, earlier_chars) in enumerate(self._seen):
                for ch in earlier_chars:
                    holding.setdefault(ch, []).append(at)
        rarest = sorted(chars, key=lambda ch: len(holding.get(ch, ())))[: len(chars) - need + 1]
        held = set().union(*(holding.get(ch, ()) for ch in rarest))
        return [at for at in nearest if at in held]
