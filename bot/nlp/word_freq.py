"""jieba's word frequencies, stored on disk a first character at a time and read on demand.

jieba keeps its dictionary (some 580,000 words and word prefixes) in one dict that it unpickles
whole at start-up: about half a second before the first message can be read. Segmenting a
message only ever looks up words that start with one of its own characters, so the finished
dictionary (jieba's words, our user dictionary and every cue word) is stored here as one small
packed blob per first character and handed to the segmenter just before a text needs it.
The segmentation is jieba's, unchanged: only the dictionary is loaded lazily.

The file is keyed by a hash of everything that went into it (jieba's version, the user
dictionary's bytes, the cue words), so a trainer's edit to a lexicon makes a new one. It lives in
the per-user cache folder; where that cannot be written, the dictionary is simply built in memory.
"""

from __future__ import annotations

import hashlib
import marshal
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.nlp import disk_cache

FORMAT = 1  # bump when the file's layout changes


def dictionary_key(jieba_version: str, user_dict: bytes, words: Iterable[str]) -> str:
    """The hash naming a packed dictionary: what went into it, nothing else."""
    digest = hashlib.sha256(f"{FORMAT}\0{jieba_version}\0".encode())
    digest.update(hashlib.sha256(user_dict).digest())
    digest.update("\0".join(sorted(set(words))).encode())
    return digest.hexdigest()[:32]


def pack(freq: dict[str, int]) -> dict[str, bytes]:
    """Split a frequency dict by first character, each part marshalled on its own."""
    parts: dict[str, dict[str, int]] = {}
    for word, count in freq.items():
        parts.setdefault(word[0], {})[word] = count
    return {first: marshal.dumps(part) for first, part in parts.items()}


class LazyFreq:
    """Hands a segmenter the packed parts of the dictionary as texts need them.

    ``add`` receives each part once, as a dict of words and counts (jieba's ``FREQ`` entries,
    prefixes with count 0 among them).
    """

    def __init__(self, parts: dict[str, bytes], add: Callable[[dict[str, int]], None]):
        self._parts = dict(parts)
        self._add = add
        self._lock = threading.Lock()

    def need_all(self) -> None:
        """Hand over every part now (a server's start: no turn waits for a part later)."""
        with self._lock:
            for part in self._parts.values():
                self._add(marshal.loads(part))
            self._parts.clear()

    def need(self, text: str) -> None:
        """Make sure every word starting with a character of ``text`` has been handed over."""
        # Asked in C first: most texts have no character whose part is still packed.
        if self._parts.keys().isdisjoint(text):
            return
        missing = [ch for ch in set(text) if ch in self._parts]
        with self._lock:
            for ch in missing:
                part = self._parts.pop(ch, None)
                if part is not None:
                    self._add(marshal.loads(part))


def load_or_build(
    folder: Path | None, key: str, build: Callable[[], tuple[dict[str, int], int]]
) -> tuple[dict[str, bytes], int]:
    """The dictionary named ``key``, packed by first character, and its total: read from
    ``folder``, else built and saved. When the folder cannot be written the built dictionary
    is used as it is, from memory.
    """
    path = disk_cache.path_for("jieba", key, "freq", folder)
    data = disk_cache.read(path)
    if data is not None:
        try:
            parts, total = marshal.loads(data)
            return parts, total
        except (EOFError, ValueError, TypeError):
            pass  # cut short or damaged: build it again
    freq, total = build()
    parts = pack(freq)
    disk_cache.write(path, marshal.dumps((parts, total)))
    return parts, total
