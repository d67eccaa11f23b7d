"""jieba's dictionary read a first character at a time: the same words as jieba, found on disk."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import jieba

from bot.nlp.disk_cache import KEEP
from bot.nlp.lexicon_loader import default_detector
from bot.nlp.segmenter import Segmenter
from bot.nlp.word_freq import LazyFreq, dictionary_key, load_or_build
from bot.services.paths import rubric_dir

USER_DICT = rubric_dir() / "lexicon" / "userdict.txt"
TRANSCRIPTS = Path(__file__).parents[2] / "transcripts"


def every_labelled_text() -> list[str]:
    texts = []
    for path in sorted(TRANSCRIPTS.glob("*/*.json")):
        texts += [m["text"] for m in json.loads(path.read_text(encoding="utf-8"))["messages"]]
    return texts


def whole_jieba(words: list[str]) -> jieba.Tokenizer:
    """jieba as it is used without the packed dictionary: loaded whole, our words added."""
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    with USER_DICT.open("rb") as handle:
        tokenizer.load_userdict(handle)
    for word in sorted(set(words)):
        if len(word) > 1 and word not in tokenizer.FREQ:
            tokenizer.add_word(word)
    return tokenizer


def test_every_labelled_message_is_cut_as_whole_jieba_cuts_it(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    words = sorted(default_detector().lexicon.all_phrases())
    reference = whole_jieba(words)
    built = Segmenter(USER_DICT, words)  # builds and saves the packed dictionary
    assert list((tmp_path / "kefu").glob("jieba-*.freq"))
    stored = Segmenter(USER_DICT, words)  # reads it back
    texts = every_labelled_text()
    assert len(texts) > 500
    for text in texts:
        norm = text.lower()
        expected = tuple(reference.tokenize(norm, HMM=False))
        assert built(norm) == expected, text
        assert stored(norm) == expected, text


def test_the_key_changes_with_the_user_dictionary_and_the_words():
    base = dictionary_key("0.42.1", b"word 3\n", ["亲亲"])
    assert dictionary_key("0.42.1", b"word 3\n", ["亲亲"]) == base
    assert dictionary_key("0.42.1", b"word 4\n", ["亲亲"]) != base
    assert dictionary_key("0.42.1", b"word 3\n", ["亲亲", "在的"]) != base
    assert dictionary_key("0.42.2", b"word 3\n", ["亲亲"]) != base


def test_an_edited_lexicon_gets_a_new_dictionary_file(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = Segmenter(None, ["好哒哒"])
    second = Segmenter(None, ["好哒哒", "超级无敌款"])
    assert len(list((tmp_path / "kefu").glob("jieba-*.freq"))) == 2
    assert "好哒哒" in [w for w, _, _ in first("好哒哒")]
    assert "超级无敌款" in [w for w, _, _ in second("这个超级无敌款")]
    assert "超级无敌款" not in [w for w, _, _ in first("这个超级无敌款")]


def test_a_cache_folder_that_cannot_be_written_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # even root cannot make a folder in it
    segment = Segmenter(None, ["运费险"])
    assert "运费险" in [w for w, _, _ in segment("送运费险")]


def test_a_damaged_file_is_built_again(tmp_path):
    (tmp_path / "jieba-k.freq").write_bytes(b"\x00broken")
    calls = []

    def build():
        calls.append(1)
        return {"好": 5, "好的": 3}, 8

    parts, total = load_or_build(tmp_path, "k", build)
    handed: dict[str, int] = {}
    LazyFreq(parts, handed.update).need("好的")
    assert (handed, total, calls) == ({"好": 5, "好的": 3}, 8, [1])
    again, _ = load_or_build(tmp_path, "k", build)
    handed.clear()
    lazy = LazyFreq(again, handed.update)
    lazy.need("的")
    assert handed == {}  # nothing starts with 的: its part is never unpacked
    lazy.need("好")
    assert handed == {"好": 5, "好的": 3} and calls == [1]


def test_only_the_newest_dictionaries_are_kept(tmp_path):
    for n in range(KEEP + 3):
        load_or_build(tmp_path, f"k{n}", lambda: ({"好": 1}, 1))
    kept = sorted(p.name for p in tmp_path.glob("jieba-*.freq"))
    assert len(kept) == KEEP
    assert f"jieba-k{KEEP + 2}.freq" in kept


def test_a_server_reads_the_whole_dictionary_at_its_start(tmp_path):
    load_or_build(tmp_path, "w", lambda: ({"好": 5, "好的": 3, "亲": 2}, 10))
    parts, _ = load_or_build(tmp_path, "w", lambda: ({}, 0))
    handed: dict[str, int] = {}
    lazy = LazyFreq(parts, handed.update)
    assert handed == {}
    lazy.need_all()
    assert handed == {"好": 5, "好的": 3, "亲": 2}
