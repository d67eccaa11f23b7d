"""jieba's precise segmentation without HMM, run by jieba-rs (``rjieba``) over kefu's dictionary.

Segmenting in Python was a fifth of the time of scoring a transcript. jieba-rs is jieba's
algorithm compiled (the same candidate words, the same route by ``log(freq) - log(total)``, the
same joining of single ASCII letters and digits); it cuts a message about three times faster.
It is handed the very dictionary the Python jieba would use, a first character at a time as
texts need it (``word_freq``), and it gives the same words: ``tests/nlp/test_compiled_cut.py``
compares it with jieba's own ``tokenize(HMM=False)`` on every labelled message and on generated
text.

One number needs care: jieba's ``total`` (the sum the word weights are taken against) counts a
word again each time it is added, so it is a little larger than the sum of the counts. jieba-rs
keeps its total as that sum. A word that no text can contain carries the difference, so that both
take every weight against the same total.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import threading
from types import ModuleType

# Two Unicode noncharacters: outside the blocks jieba looks words up in (Chinese, letters,
# digits), so no text is ever cut into this word, whatever it holds.
_BALANCE = "\ufdd0\ufdd1"


class CompiledCut:
    """Segment like ``jieba.Tokenizer(FREQ, total).tokenize(text, HMM=False)``, in Rust."""

    def __init__(self, total: int):
        self._jieba = _jieba_rs().Jieba.empty()
        self._total = total
        self._counted = 0  # the counts added so far
        # jieba-rs changes its dictionary only while no text is being cut: one lock for both.
        self._lock = threading.Lock()
        self._balance()

    def add(self, words: dict[str, int]) -> None:
        """Add words with their counts (jieba's ``FREQ`` entries; a prefix alone counts 0)."""
        with self._lock:
            for word, count in words.items():
                if count:  # jieba reads a count of 0 as a prefix, not a word
                    self._jieba.add_word(word, count, None)
                    self._counted += count
            self._balance()

    def _balance(self) -> None:
        # Replacing a word's count moves jieba-rs's total by the difference.
        self._jieba.add_word(_BALANCE, max(0, self._total - self._counted), None)

    def tokenize(self, text: str) -> list[tuple[str, int, int]]:
        """Return (word, start, end) triples, exactly as jieba's tokenize yields them."""
        with self._lock:
            return self._jieba.tokenize(text, "default", False)


def _jieba_rs() -> ModuleType:
    """rjieba's compiled module, loaded without its package's ``__init__``.

    That ``__init__`` builds jieba-rs's own default dictionary at import, for module-level
    shortcuts kefu never calls: 0.13 s of every cold ``kefu score`` and tens of MiB. The module is
    put in ``sys.modules`` under its own name, so a later ``import rjieba`` finds it there and
    does not initialise the extension a second time (which PyO3 refuses).
    """
    name = "rjieba.rjieba"
    module = sys.modules.get(name)
    if module is not None:
        return module
    package = importlib.util.find_spec("rjieba")
    spec = (
        importlib.machinery.PathFinder.find_spec(name, package.submodule_search_locations)
        if package is not None and package.submodule_search_locations
        else None
    )
    if spec is None or spec.loader is None:
        raise ImportError("rjieba is not installed: pip install -e . installs it", name="rjieba")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
