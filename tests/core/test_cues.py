"""The detector's one-pass cue index finds exactly what each list's own regex finds.

Every message of every labelled transcript (transcripts/*/) is read by the agent detector and the
customer detector twice: with the automaton (as kefu runs) and on the reference path, where
each cue list searches the message with its own regex. Whatever the detector's rules become,
the two must agree.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.cues import Cues, LazyPattern, index_cues, unindex_cues
from bot.core.detector import MoveDetector
from bot.nlp.lexicon_loader import customer_detector, default_detector

TRANSCRIPTS = Path(__file__).parents[2] / "transcripts"


def labelled_texts() -> list[str]:
    texts = []
    for path in sorted(TRANSCRIPTS.glob("*/*.json")):
        texts += [m["text"] for m in json.loads(path.read_text(encoding="utf-8"))["messages"]]
    return texts


def reference_twin(detector: MoveDetector) -> MoveDetector:
    """The same lexicon and segmenter, every list on its own regex."""
    twin = MoveDetector(detector.lexicon, detector._tokenize)
    unindex_cues(twin)
    return twin


@pytest.mark.parametrize("which", [default_detector, customer_detector])
def test_the_index_finds_what_the_regexes_find_on_every_labelled_message(which):
    indexed = which()
    reference = reference_twin(indexed)
    texts = labelled_texts()
    assert len(texts) > 500  # the labelled sets were really read
    found = 0
    for text in texts:
        got, want = indexed.analyze(text), reference.analyze(text)
        assert got == want, text
        found += bool(got.moves)
    assert found > len(texts) // 4  # and the detector finds moves in them


def test_every_list_of_the_detector_is_indexed():
    detector = default_detector()
    lists: list[Cues] = []
    for moves in detector._moves.values():
        lists += [c for c in (moves.plain, moves.start, moves.closing) if c is not None]
    assert lists and all(c.index is not None for c in lists)


class Holder:
    def __init__(self, *lists: Cues):
        self.lists = lists


def spans(cues: Cues, text: str) -> list[tuple[int, int]]:
    every = set(range(len(text) + 1))
    return list(cues.spans(text, every, every))


def test_gap_cues_and_overlaps_agree_on_both_paths():
    indexed = Cues(["推荐*这款", "推荐", "这款式", "款"])
    reference = Cues(indexed.parts)
    index_cues(Holder(indexed))
    for text in ["我推荐您看看这款式", "推荐推荐这款", "款款款", "没有", "推荐。这款"]:
        assert spans(indexed, text) == spans(reference, text), text


def test_a_cue_that_starts_with_a_gap_keeps_its_regex():
    odd = Cues(["*包邮"])
    index_cues(Holder(odd))
    assert odd.index is None
    assert spans(odd, "顺丰包邮") == spans(Cues(["*包邮"]), "顺丰包邮")


def test_patterns_are_compiled_only_when_used():
    pattern = LazyPattern("a|b(")  # broken on purpose: building it must not compile it
    assert pattern.pattern == "a|b("


def test_a_warmed_detector_compiles_nothing_in_a_turn():
    from bot.core.cues import _compiled, compile_cues

    detector = reference_twin(default_detector())
    index_cues(detector)
    compile_cues(detector)
    misses = _compiled.cache_info().misses
    for text in labelled_texts()[:200]:
        detector.analyze(text)
    assert _compiled.cache_info().misses == misses


def test_a_message_without_a_place_for_any_cue_is_not_segmented():
    """Half of all customer lines hold no cue head at all: their reading needs no words."""
    reference = customer_detector()
    asked: list[str] = []

    def tokenize(text: str):
        asked.append(text)
        return reference._tokenize(text)

    detector = MoveDetector(reference.lexicon, tokenize)
    plain = "12345"  # no cue of the customer lexicon starts with a digit
    assert detector._index.scan(plain) == {}
    assert detector.analyze(plain) == reference_twin(reference).analyze(plain)
    assert asked == []
    detector.analyze("好的，我买了")
    assert asked == ["好的,我买了"]  # normalised
