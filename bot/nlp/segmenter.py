"""Chinese word segmentation with jieba, initialised once per process.

jieba's dictionary takes about half a second and 60 MiB to load, so one tokenizer is built per
process and shared. Its cache goes to a folder the user can write (``~/.cache/kefu``), and our
e-commerce user dictionary plus every cue word is added, so that cues fall on word boundaries.
``jieba.enable_paddle()`` is never called: it runs pip at run time. jieba's HMM guesser for
unknown words is off: it is the slower half of segmentation, and the words it invents (很着急)
only hide cue boundaries that our dictionary already knows.
"""

from __future__ import annotations

import functools
import logging
import threading
import warnings
from collections.abc import Iterable
from pathlib import Path

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
            import jieba

        jieba.setLogLevel(logging.WARNING)  # jieba logs its loading to stderr at DEBUG otherwise
        self._jieba = jieba.Tokenizer()
        folder = cache_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._jieba.tmp_dir = str(folder)
        except OSError:
            pass  # jieba falls back to the system temp folder
        self._jieba.initialize()
        if user_dict is not None and user_dict.exists():
            # jieba opens a path without closing it; hand it a file we close ourselves.
            with user_dict.open("rb") as handle:
                self._jieba.load_userdict(handle)
        for word in sorted(set(words)):
            if len(word) > 1 and word not in self._jieba.FREQ:
                self._jieba.add_word(word)
        # Scripted customers repeat their lines across every candidate of a scenario, and a
        # re-score reads the same transcripts again: remember recent segmentations.
        self._cached = functools.lru_cache(maxsize=CACHE_SIZE)(self._segment)

    def __call__(self, text: str) -> tuple[tuple[str, int, int], ...]:
        return self._cached(text)

    def _segment(self, text: str) -> tuple[tuple[str, int, int], ...]:
        return tuple(self._jieba.tokenize(text, HMM=False))


def shared_segmenter(user_dict: Path | None, words: Iterable[str] = ()) -> Segmenter:
    """Return the process-wide segmenter for this dictionary and word set."""
    key = (user_dict or Path(), frozenset(words))
    with _lock:
        if key not in _tokenizers:
            _tokenizers[key] = Segmenter(user_dict, key[1])
        return _tokenizers[key]
