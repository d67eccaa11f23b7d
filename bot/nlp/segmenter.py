"""Chinese word segmentation with jieba, initialised once per process.

jieba's dictionary takes about half a second and 60 MiB to load whole, so one tokenizer is built
per process and shared, and its dictionary, with our e-commerce user dictionary and every cue
word added (so that cues fall on word boundaries), is kept in the per-user cache folder
(``~/.cache/kefu``) and read a first character at a time as texts need it (``word_freq``).
``jieba.enable_paddle()`` is never called: it runs pip at run time. jieba's HMM guesser for
unknown words is off: it is the slower half of segmentation, and the words it invents (很着急)
only hide cue boundaries that our dictionary already knows. Texts are cut by jieba's algorithm
compiled (jieba-rs, ``compiled_cut``): the same words, about three times faster.
"""

from __future__ import annotations

import functools
import logging
import sys
import threading
import warnings
from collections.abc import Iterable
from pathlib import Path

from bot.nlp.compiled_cut import CompiledCut
from bot.nlp.word_freq import LazyFreq, dictionary_key, load_or_build
from bot.services.paths import cache_dir

CACHE_SIZE = 50_000
_lock = threading.Lock()
_tokenizers: dict[tuple[Path, frozenset[str]], Segmenter] = {}


class Segmenter:
    """A jieba tokenizer with kefu's words; call it to get (word, start, end) triples."""

    def __init__(self, user_dict: Path | None, words: Iterable[str] = ()):
        # Imported here, not at the top: importing jieba costs ~0.2 s (pkg_resources), which
        # every kefu command would pay, and most (grading, exams, lists) never segment.
        with warnings.catch_warnings():
            # jieba's source has invalid escape sequences ("\."): where it was installed without
            # compiled files (a legacy setup.py install, as pip does on Python 3.10 without the
            # wheel package), the first import compiles it and Python warns about each one
            # (DeprecationWarning; SyntaxWarning on 3.12 and later, printed to the user).
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", SyntaxWarning)
            jieba = _import_jieba()

        jieba.setLogLevel(logging.WARNING)  # jieba logs its loading to stderr at DEBUG otherwise
        words = sorted(set(words))
        user_bytes = user_dict.read_bytes() if user_dict is not None and user_dict.exists() else b""
        folder = cache_dir()

        def build() -> tuple[dict[str, int], int]:
            full = jieba.Tokenizer()
            try:
                folder.mkdir(parents=True, exist_ok=True)
                full.tmp_dir = str(folder)
            except OSError:
                pass  # jieba falls back to the system temp folder
            full.initialize()
            if user_bytes:
                # jieba opens a path without closing it; hand it a file we close ourselves.
                with user_dict.open("rb") as handle:
                    full.load_userdict(handle)
            for word in words:
                if len(word) > 1 and word not in full.FREQ:
                    full.add_word(word)
            return full.FREQ, full.total

        key = dictionary_key(jieba.__version__, user_bytes, words)
        parts, total = load_or_build(folder, key, build)
        # jieba's algorithm, compiled (compiled_cut.py), handed the dictionary a part at a time.
        self._cut = CompiledCut(total)
        self._freq = LazyFreq(parts, self._cut.add)
        # Scripted customers repeat their lines across every candidate of a scenario, and a
        # re-score reads the same transcripts again: remember recent segmentations.
        self._cached = functools.lru_cache(maxsize=CACHE_SIZE)(self._segment)

    def warm_up(self) -> None:
        """Read the whole dictionary now, for a server that starts (see ``App.warm_up``)."""
        self._freq.need_all()

    def __call__(self, text: str) -> tuple[tuple[str, int, int], ...]:
        return self._cached(text)

    def _segment(self, text: str) -> tuple[tuple[str, int, int], ...]:
        # jieba only looks up words that start with a character of the text.
        self._freq.need(text)
        return tuple(self._cut.tokenize(text))


def _import_jieba():
    """Import jieba without ``pkg_resources``, which it only uses to find its own files.

    Importing ``pkg_resources`` takes about 0.1 s (a tenth of a cold ``kefu score``) and warns
    that it is deprecated; without it, jieba opens the same files by their path beside its
    module. Blocking the name in ``sys.modules`` makes its ``import`` fail as if not installed.
    """
    blocked = "pkg_resources" not in sys.modules
    if blocked:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        import jieba
    finally:
        if blocked:
            del sys.modules["pkg_resources"]
    return jieba


def warm_up_all() -> None:
    """Read the whole dictionary of every shared segmenter now (a server's start)."""
    with _lock:
        segmenters = list(_tokenizers.values())
    for segmenter in segmenters:
        segmenter.warm_up()


def shared_segmenter(user_dict: Path | None, words: Iterable[str] = ()) -> Segmenter:
    """Return the process-wide segmenter for this dictionary and word set."""
    key = (user_dict or Path(), frozenset(words))
    with _lock:
        if key not in _tokenizers:
            _tokenizers[key] = Segmenter(user_dict, key[1])
        return _tokenizers[key]
