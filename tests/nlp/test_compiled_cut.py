"""jieba-rs, handed kefu's dictionary, cuts every text exactly as jieba's own tokenize does."""

from __future__ import annotations

import json
import logging
import random
from pathlib import Path

import jieba
import pytest

from bot.nlp.compiled_cut import CompiledCut
from bot.nlp.lexicon_loader import default_detector
from bot.services.paths import rubric_dir

USER_DICT = rubric_dir() / "lexicon" / "userdict.txt"
TRANSCRIPTS = Path(__file__).parents[2] / "transcripts"


@pytest.fixture(scope="module")
def reference() -> jieba.Tokenizer:
    """jieba loaded whole, with our user dictionary and cue words, as the segmenter builds it."""
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    with USER_DICT.open("rb") as handle:
        tokenizer.load_userdict(handle)
    for word in sorted(default_detector().lexicon.all_phrases()):
        if len(word) > 1 and word not in tokenizer.FREQ:
            tokenizer.add_word(word)
    return tokenizer


def cut_like(reference: jieba.Tokenizer) -> CompiledCut:
    cut = CompiledCut(reference.total)
    # In two parts, as the segmenter hands them over: the total must hold after each.
    words = sorted(reference.FREQ.items())
    cut.add(dict(words[: len(words) // 2]))
    cut.add(dict(words[len(words) // 2 :]))
    return cut


def test_every_labelled_message_is_cut_as_jieba_cuts_it(reference):
    cut = cut_like(reference)
    texts = []
    for path in sorted(TRANSCRIPTS.glob("*/*.json")):
        texts += [m["text"] for m in json.loads(path.read_text(encoding="utf-8"))["messages"]]
    assert len(texts) > 500
    for text in texts:
        for variant in (text, text.lower(), f"{text}1007", f"ab {text} x9\r\n"):
            assert cut.tokenize(variant) == list(reference.tokenize(variant, HMM=False)), variant


def test_generated_text_is_cut_as_jieba_cuts_it(reference):
    """Mixed scripts, digits and letters beside Chinese, spaces, CRLF, jieba's block symbols."""
    words = sorted(default_detector().lexicon.all_phrases())
    pieces = [
        *words,
        *"亲在的吗好请问您这款式了不没有",
        "a",
        "B",
        "7",
        "3.5",
        "+#&._%-",
        " ",
        "\r\n",
        "\t",
        "～！？，。",
        "🙏",
        "Ａ",
        "㐀",  # CJK extension A: a block character for jieba-rs, not for jieba
        "\u9fef",
        "𠀀",
        "\ufdd0\ufdd1",  # the word that balances the totals
    ]
    rng = random.Random(15)
    cut = cut_like(reference)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert cut.tokenize(text) == list(reference.tokenize(text, HMM=False)), text


def test_weights_are_taken_against_jiebas_total_not_the_sum_of_the_counts():
    """jieba's total counts a word again each time it is added: the cut takes that total too.
    Against 1,000 one rare word beats two common ones; against the counts' sum (21) it would not.
    """
    freq = {"要": 10, "了": 10, "要了": 1}
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(freq), 1000, True
    cut = CompiledCut(1000)
    cut.add(freq)
    expected = list(tokenizer.tokenize("要了", HMM=False))
    assert cut.tokenize("要了") == expected == [("要了", 0, 2)]
