"""Cue lists as the detector matches them: compiled on first use, and found in one pass.

A lexicon holds some 2,900 cues in about 130 lists (each move's plain, opening and closing cues,
concessions, topics, polite words, each violation with its variants). Compiling a regex for each
at start-up took longer than scoring a transcript, and asking each list's regex about each
message took most of the scoring time, though most lists find nothing in most messages.

So a ``Cues`` list keeps its cues as text and compiles a cue only when a message is tried
against it, and ``index_cues`` builds one Aho-Corasick automaton (``ahocorasick_rs``) over the
literal head of every cue of every list of a detector: one scan of a message gives, for each
list, the places where one of its cues may start. Lists without a place are skipped; a list
with places tries its cues only there. A head is a prefix of what the cue's regex matches, so
the places are a superset of the starts the list's own regex would find, and the cues are tried
at those places exactly as before: the results are the same. A list that is not indexed (built
outside a detector, or with a cue the automaton cannot hold) uses its own regex: that is the
reference path that ``tests/core/test_cues.py`` compares with the indexed one on every labelled
transcript.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Container, Iterable, Iterator

# Between the parts of a cue written with ``*``: a few characters within one sentence.
GAP_MOST = 10
GAP = f"[^。！？!?；;\n]{{0,{GAP_MOST}}}?"


def cue_pattern(cue: str) -> str:
    """The regex source of one (normalised) cue: its parts joined by ``GAP``."""
    return GAP.join(map(re.escape, cue.split("*")))


# The same cue appears in several lists and detectors: compile each source once per process.
_compiled = functools.lru_cache(maxsize=None)(re.compile)


class LazyPattern:
    """A regex compiled the first time it is used (most of a lexicon is never used by a run)."""

    __slots__ = ("_regex", "pattern")

    def __init__(self, pattern: str):
        self.pattern = pattern
        self._regex: re.Pattern[str] | None = None

    def _get(self) -> re.Pattern[str]:
        if self._regex is None:
            self._regex = _compiled(self.pattern)
        return self._regex

    def search(self, text: str, *args: int) -> re.Match[str] | None:
        return self._get().search(text, *args)

    def match(self, text: str, *args: int) -> re.Match[str] | None:
        return self._get().match(text, *args)

    def finditer(self, text: str, *args: int) -> Iterator[re.Match[str]]:
        return self._get().finditer(text, *args)


class Cues:
    """One cue list (normalised cues, longest first): all in one pattern, and each alone.

    Without an index, the single pattern finds where any cue may start; with one, the index's
    scan does. Only there are the cues beginning with that character tried one by one.
    """

    def __init__(self, parts: Iterable[str]):
        self.parts = tuple(parts)
        self.any = LazyPattern("|".join(map(cue_pattern, self.parts)))
        by_first: dict[str, list[str]] = {}
        heads: dict[str, list[tuple[str, bool, str]]] = {}
        for part in self.parts:
            by_first.setdefault(part[0], []).append(cue_pattern(part))
            pieces = part.split("*")
            heads.setdefault(part[0], []).append(
                (pieces[0], len(pieces) == 1, "".join(pieces[1:2]))
            )
        self.by_first = {first: tuple(sources) for first, sources in by_first.items()}
        # The literal head of each, whether the cue is all head (no gap), and the literal part
        # after its first gap (empty when none), in step with by_first.
        self._heads = {first: tuple(found) for first, found in heads.items()}
        # by_first compiled, each pattern beside its head
        self._patterns: dict[str, tuple[tuple[str, int, re.Pattern[str] | None, str], ...]] = {}
        self.index: CueIndex | None = None
        self.slot = -1

    def spans(
        self, norm: str, starts: Container[int], ends: Container[int]
    ) -> list[tuple[int, int]]:
        """Non-overlapping (start, end) of cues that begin and end on word boundaries, in order.

        When the longest cue found at a word start does not end on a word boundary the shorter
        ones are tried, so that a rejected cue never hides another: 推荐这款 ending inside the
        word 这款式 leaves 推荐, and a cue that starts inside the rejected span is still looked
        for at its own start.
        """
        if self.index is None:
            return list(self._spans_by_regex(norm, starts, ends))
        found = []
        pos = 0
        _, placed, heads = self.index.scanned(norm)  # one call: asked for every list
        for s in placed.get(self.slot, _NONE):
            if (
                s >= pos
                and s in starts
                and (end := self._end_at(norm, s, ends, heads[s])) is not None
            ):
                found.append((s, end))
                pos = end
        return found

    def _spans_by_regex(
        self, norm: str, starts: Container[int], ends: Container[int]
    ) -> Iterator[tuple[int, int]]:
        """The reference path: the list's one pattern finds each next place a cue may start."""
        pos, size = 0, len(norm)
        while pos < size:
            found = self.any.search(norm, pos)
            if found is None:
                return
            s = pos = found.start()
            if s in starts and (end := self._end_at(norm, s, ends)) is not None:
                yield s, end
                pos = end - 1
            pos += 1

    def _end_at(
        self, norm: str, s: int, ends: Container[int], heads: set[str] | None = None
    ) -> int | None:
        """Where the longest cue starting at ``s`` and ending on a word boundary ends.

        ``heads``, from the index, are the literal heads found at ``s``: a cue whose head is
        not among them cannot match there, and its regex is not run (the rest are tried in
        the same order, so the longest that fits is still the one found).
        """
        first = norm[s]
        patterns = self._patterns.get(first)
        if patterns is None:
            patterns = self._patterns[first] = self._patterns_for(first)
        if heads is None:
            for head, _, pattern, _ in patterns:
                if pattern is None:  # the list left its index since: compiled now, kept
                    pattern = _compiled(cue_pattern(head))
                m = pattern.match(norm, s)
                if m and m.end() in ends and m.end() > s:
                    return m.end()
            return None
        for head, size, pattern, after in patterns:
            if head not in heads:
                continue
            if pattern is None:
                # A cue without gaps is its head: found there, it ends where the head does
                # (what its regex would say, without running it).
                if s + size in ends:
                    return s + size
                continue
            # Its regex needs the part after the head within one gap of it: where that part is
            # not there, it cannot match and is not run (most are not).
            if after and norm.find(after, s + size, s + size + GAP_MOST + len(after)) < 0:
                continue
            m = pattern.match(norm, s)
            if m and m.end() in ends and m.end() > s:
                return m.end()
        return None

    def _patterns_for(self, first: str) -> tuple[tuple[str, int, re.Pattern[str] | None, str], ...]:
        """The cues starting with ``first``, in order: each one's head, its length, its regex
        and the literal part after its first gap.

        Kept with the list the first time a message has a place for them. A cue with a gap is
        compiled then; a cue without one only if the list has no index (with one, its head
        alone says where it ends).
        """
        sources = self.by_first.get(first, ())
        return tuple(
            (
                head,
                len(head),
                None if whole and self.index is not None else _compiled(source),
                after,
            )
            for (head, whole, after), source in zip(
                self._heads.get(first, ()), sources, strict=True
            )
        )


class AnyCue:
    """Whether any of several cue lists may match a text: one test before trying each list."""

    def __init__(self, lists: Iterable[Cues]):
        self.lists = tuple(lists)
        self._regex = LazyPattern("|".join(c.any.pattern for c in self.lists))
        self._slots: tuple[CueIndex | None, frozenset[int]] = (None, frozenset())

    def search(self, norm: str) -> bool:
        index = self.lists[0].index if self.lists else None
        if index is not None and all(c.index is index for c in self.lists):
            # All in one automaton: its scan of the message answers for every list at once.
            if self._slots[0] is not index:
                self._slots = (index, frozenset(c.slot for c in self.lists))
            return not self._slots[1].isdisjoint(index.scan(norm))
        if all(c.index is not None for c in self.lists):
            return any(c.index.places(norm, c) for c in self.lists if c.index is not None)
        return self._regex.search(norm) is not None


class CueIndex:
    """One automaton over the literal heads of the cues of many lists."""

    def __init__(self, lists: list[Cues]):
        # Compiled (Rust); imported with the first detector, not at start-up.
        import ahocorasick_rs

        heads: dict[str, set[int]] = {}
        for slot, cues in enumerate(lists):
            for part in cues.parts:
                heads.setdefault(part.split("*")[0], set()).add(slot)
        # Each head's lists and the head itself, by the head's number in the automaton.
        self._heads = tuple((tuple(slots), head) for head, slots in heads.items())
        self._automaton = ahocorasick_rs.AhoCorasick(list(heads))
        # True while every list it was built for is still on it: a caller that knows this may
        # take a list's absence from ``scan`` as its having no match (index_cues and
        # unindex_cues, the only ways a list changes index, clear it).
        self.whole = True
        self.left_out = 0  # lists of the same owner it could not hold (index_cues sets it)
        # Every list of a message asks about the same text: the last scan is kept. One tuple,
        # replaced whole: a thread reads it in one step and checks that it is of its own text.
        self._last: tuple[str, dict[int, list[int]], dict[int, set[str]]] = ("", {}, {})

    def places(self, norm: str, cues: Cues) -> list[int]:
        """Where a cue of ``cues`` may start in ``norm``, in order."""
        return self.scan(norm).get(cues.slot, _NONE)

    def scan(self, norm: str) -> dict[int, list[int]]:
        """The places of every list with one in ``norm``, by slot (a list without is absent)."""
        return self.scanned(norm)[1]

    def scanned(self, norm: str) -> tuple[str, dict[int, list[int]], dict[int, set[str]]]:
        """The scan of ``norm`` whole: the text, the places by slot (as ``scan``), and the
        literal heads found, by the place where each starts."""
        last = self._last
        if last[0] is not norm and last[0] != norm:
            last = self._last = (norm, *self._scan(norm))
        return last

    def _scan(self, norm: str) -> tuple[dict[int, list[int]], dict[int, set[str]]]:
        # Lists, not sets, of places: two heads of one list may start at the same place, and
        # that place is then tried twice, with the same answer (cheaper than a set per list).
        starts: dict[int, list[int]] = {}
        heads: dict[int, set[str]] = {}
        info = self._heads
        # Every occurrence of every head (overlapping), as (head number, start, end) in
        # characters, in one call: a quarter of the time pyahocorasick's iterator took over
        # the same heads (2.2 µs against 9.3 µs for an agent message of 41 characters).
        for number, at, _ in self._automaton.find_matches_as_indexes(norm, overlapping=True):
            slots, head = info[number]
            # get before set: setdefault would make a new set at every call.
            found = heads.get(at)
            if found is None:
                heads[at] = {head}
            else:
                found.add(head)
            for slot in slots:
                places = starts.get(slot)
                if places is None:
                    starts[slot] = [at]
                else:
                    places.append(at)
        # Found by where they end: a list's places are put in order of where they start.
        return {slot: sorted(at) if len(at) > 1 else at for slot, at in starts.items()}, heads


_NONE: list[int] = []  # never changed: the answer for a list without a place


def index_cues(owner: object) -> CueIndex | None:
    """Index every ``Cues`` list held by ``owner`` (in its attributes, dicts, tuples, dataclasses).

    Walking the attributes rather than naming them keeps this working as the detector grows new
    lists; a list it does not reach keeps its own regex, with the same results.
    """
    lists: list[Cues] = []
    left: list[Cues] = []
    for value in _holders(owner):
        # A cue starting with a gap has no literal head: that list keeps its regex.
        _each_cues(
            value, lambda c: (lists if all(p.split("*")[0] for p in c.parts) else left).append(c)
        )
    lists = list({id(c): c for c in lists}.values())
    if not lists:
        return None
    index = CueIndex(lists)
    index.left_out = len(left)
    for slot, cues in enumerate(lists):
        if cues.index is not None:
            cues.index.whole = False  # this list leaves its former index
        cues.index, cues.slot = index, slot
    return index


def compile_cues(owner: object) -> None:
    """Compile every pattern of ``owner``'s lists now (a server's start, so that no candidate's
    turn pays for the first use of a cue; a one-off command compiles only what it uses)."""

    def compile_list(cues: Cues) -> None:
        for sources in cues.by_first.values():
            for source in sources:
                _compiled(source)

    for value in _holders(owner):
        _each_cues(value, compile_list)
        _each_cues(value, lambda p: p.search(""), kind=LazyPattern)


def unindex_cues(owner: object) -> None:
    """Put ``owner``'s lists back on their own regexes (the reference path, for comparison)."""

    def unindex(cues: Cues) -> None:
        if cues.index is not None:
            cues.index.whole = False
        cues.index = None

    for value in _holders(owner):
        _each_cues(value, unindex)


def _holders(owner: object) -> Iterator[object]:
    """``owner``'s attributes, less those it names in ``NOT_CUES`` (large, and holding no list:
    the learned model's tens of thousands of weights took a quarter of a second to walk)."""
    skipped = getattr(owner, "NOT_CUES", ())
    return (value for name, value in vars(owner).items() if name not in skipped)


def _each_cues(value: object, do: Callable, kind: type = Cues) -> None:
    """Call ``do`` on every ``kind`` (``Cues`` unless told) inside ``value``."""
    if isinstance(value, kind):
        do(value)
    elif isinstance(value, dict):
        for item in value.values():
            _each_cues(item, do, kind)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _each_cues(item, do, kind)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _each_cues(getattr(value, f.name), do, kind)
