"""jieba's precise segmentation without HMM, the same algorithm in one plain loop.

``jieba.Tokenizer.tokenize(text, HMM=False)`` runs three nested generators (tokenize, cut, the
block cutter), builds a dict of word-end lists per block and recomputes ``log(freq) - log(total)``
for every candidate word of every text: segmentation was a quarter of the time of scoring a
transcript. ``JiebaCut`` does the same steps with the same numbers:

- the text is split into blocks with jieba's own ``re_han_default``; other blocks are split by
  its ``re_skip_default`` into whitespace (kept whole) and single characters;
- a block's candidate words (its DAG) are found with jieba's loop over ``FREQ`` (a prefix of a
  word is in ``FREQ`` with count 0);
- the best route is chosen from the block's end, in the same backward pass, each candidate
  scored ``log(freq or 1) - log(total)`` plus the route after it, ties going to the longer word
  as ``max`` over jieba's ``(score, end)`` tuples does. The first term is remembered per word:
  the same float, computed once (a word's count never changes once its first character's part
  of ``FREQ`` is loaded);
- runs of single ASCII letters and digits are joined, as jieba's buffer does.

``tests/nlp/test_jieba_cut.py`` compares it with jieba on every labelled message and on
generated text. Pure: ``FREQ`` and the total are handed in.
"""

from __future__ import annotations

import re
from math import log

# What jieba's ``re_eng`` matches, as a set: the single characters its buffer joins.
_ENG = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


class JiebaCut:
    """Segment like ``jieba.Tokenizer(FREQ, total).tokenize(text, HMM=False)``."""

    def __init__(self, freq: dict[str, int], total: int, han: re.Pattern, skip: re.Pattern):
        # jieba's ``re_han_default`` and ``re_skip_default``, handed in by the caller (who has
        # imported jieba) so that the blocks are always jieba's own.
        if han.groups != 1 or skip.groups != 1:
            raise ValueError("jieba's block patterns each have one capturing group")
        self._han, self._skip = han, skip
        self._freq = freq  # jieba's own dict, filled by the caller before each text
        self._logtotal = log(total)
        self._weight: dict[str, float] = {}  # log(freq or 1) - log(total), per word

    def tokenize(self, text: str) -> list[tuple[str, int, int]]:
        """Return (word, start, end) triples, exactly as jieba's tokenize yields them."""
        out: list[tuple[str, int, int]] = []
        start = 0
        # Both patterns split with one capturing group: the pieces alternate, a match at every
        # odd place, so where jieba asks each piece whether it matches, its place says so.
        skip = self._skip
        for at, block in enumerate(self._han.split(text)):
            if not block:
                continue
            if at % 2:
                words = self._cut_block(block)
            else:
                words = []
                for place, piece in enumerate(skip.split(block)):
                    if place % 2:
                        words.append(piece)  # whitespace, whole
                    else:
                        words.extend(piece)  # anything else, a character at a time
            for word in words:
                end = start + len(word)
                out.append((word, start, end))
                start = end
        return out

    def _cut_block(self, block: str) -> list[str]:
        freq, weight, logtotal = self._freq, self._weight, self._logtotal
        size = len(block)
        # From the block's end back: each place's candidate words (jieba's get_DAG, the same
        # walk over FREQ) and at once the best route from there (jieba's calc).
        score = [0.0] * (size + 1)
        best_end = [0] * (size + 1)
        for k in range(size - 1, -1, -1):
            top = None
            top_end = k
            i = k
            frag = block[k]
            while i < size:
                count = freq.get(frag)
                if count is None:
                    break  # neither a word nor the start of one
                if count:  # a word (a prefix alone counts 0)
                    w = weight.get(frag)
                    if w is None:
                        w = weight[frag] = log(count) - logtotal
                    s = w + score[i + 1]
                    # max over (score, end), ends ascending: an equal score goes to the later end.
                    if top is None or s >= top:
                        top, top_end = s, i
                i += 1
                frag = block[k : i + 1]
            if top is None:  # no word starts here: the character alone, counted 1
                char = block[k]
                w = weight.get(char)
                if w is None:
                    w = weight[char] = log(freq.get(char) or 1) - logtotal
                top = w + score[k + 1]
            score[k], best_end[k] = top, top_end
        # Walk the route, joining single ASCII letters and digits (jieba's buffer).
        words: list[str] = []
        buf = ""
        x = 0
        while x < size:
            y = best_end[x] + 1
            word = block[x:y]
            if y - x == 1 and word in _ENG:
                buf += word
            else:
                if buf:
                    words.append(buf)
                    buf = ""
                words.append(word)
            x = y
        if buf:
            words.append(buf)
        return words
