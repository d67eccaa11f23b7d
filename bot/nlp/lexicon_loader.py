"""Read the cue lexicon files under ``rubric/lexicon/`` into a ``Lexicon``, with line numbers.

``cues.yaml`` holds the move, concession and courtesy cues; ``violations.yaml`` the 服务禁用语
and platform red lines; ``userdict.txt`` is jieba's user dictionary of e-commerce words.
"""

from __future__ import annotations

import functools
import json
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.core import learned as learned_module
from bot.core import lexicon as lexicon_module
from bot.core.detector import FINDERS, MoveDetector
from bot.core.errors import LexiconError, ScriptError
from bot.core.learned import LearnedModel
from bot.core.lexicon import Lexicon, ViolationCue
from bot.core.moves import ALL_MOVES
from bot.nlp import disk_cache
from bot.nlp.segmenter import shared_segmenter
from bot.scripts.schema_errors import explain
from bot.scripts.yaml_source import read_yaml
from bot.services.paths import rubric_dir

CUSTOMER_CACHE = 20_000  # customer lines whose reading is kept


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CueFile(_Strict):
    version: Literal[1]
    negators: list[str] = []
    polite: list[str] = []
    polite_anywhere: list[str] = []
    words: list[str] = []
    moves: dict[str, list[str]]
    concessions: dict[str, list[str]] = {}
    topics: dict[str, list[str]] = {}
    stopwords: list[str] = []


class ViolationEntry(_Strict):
    phrase: str = Field(min_length=1)
    variants: list[str] = []
    unless: list[str] = []
    unless_anywhere: list[str] = []
    category: Literal["courtesy", "red_line"] = "courtesy"
    evidence: Literal["words", "sentence"] = "words"
    # The built-in finders' names (手机号 …): a misspelt one is an error that lists them.
    detect: list[Literal[tuple(FINDERS)]] = []  # type: ignore[valid-type]


class ViolationFile(_Strict):
    version: Literal[1]
    quoting: list[str] = []
    violations: list[ViolationEntry]


def _load(path: Path, model: type[BaseModel]) -> BaseModel:
    try:
        doc = read_yaml(path)
    except ScriptError as exc:
        raise LexiconError("\n".join(exc.problems)) from None
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise LexiconError(
            "\n".join(doc.problem(w, m) for w, m in explain(model, doc.data, exc))
        ) from None


def load_lexicon(folder: Path | None = None) -> Lexicon:
    """Read ``cues.yaml`` and ``violations.yaml`` from a lexicon folder (or the cache folder)."""
    folder = folder or rubric_dir() / "lexicon"
    files = [folder / "cues.yaml", folder / "violations.yaml"]
    return _cached("cues", files, lambda: _parse_lexicon(folder))


def _parse_lexicon(folder: Path) -> Lexicon:
    cues = _load(folder / "cues.yaml", CueFile)
    unknown = [m for m in cues.moves if m not in ALL_MOVES]
    if unknown:
        doc = read_yaml(folder / "cues.yaml")
        raise LexiconError(
            "\n".join(
                doc.problem(("moves", m), f"未知的动作“{m}”（可用：{', '.join(ALL_MOVES)}）")
                for m in unknown
            )
        )
    bad = _load(folder / "violations.yaml", ViolationFile)
    return Lexicon(
        moves={m: tuple(c) for m, c in cues.moves.items()},
        violations=tuple(
            ViolationCue(
                v.phrase,
                tuple(v.variants),
                tuple(v.unless),
                v.category,
                tuple(v.detect),
                tuple(v.unless_anywhere),
                v.evidence,
            )
            for v in bad.violations
        ),
        concessions={k: tuple(c) for k, c in cues.concessions.items()},
        polite=tuple(cues.polite),
        polite_anywhere=tuple(cues.polite_anywhere),
        negators=tuple(cues.negators),
        user_words=tuple(cues.words),
        topics={k: tuple(c) for k, c in cues.topics.items()},
        stopwords=frozenset(cues.stopwords),
        quoting=tuple(bad.quoting),
    )


def load_signal_lexicon(path: Path) -> Lexicon:
    """Read a customer-signal file (``customer.yaml``): named signals, each a cue list."""
    return _cached("signals", [path], lambda: _parse_signal_lexicon(path))


def _parse_signal_lexicon(path: Path) -> Lexicon:
    cues = _load(path, CueFile)
    return Lexicon(
        moves={m: tuple(c) for m, c in cues.moves.items()},
        violations=(),
        negators=tuple(cues.negators),
        user_words=tuple(cues.words),
    )


Parsed = TypeVar("Parsed", Lexicon, LearnedModel)


def _cached(kind: str, files: list[Path], parse: Callable[[], Parsed]) -> Parsed:
    """What ``parse`` makes of ``files`` (a lexicon, the learned model), kept in the cache
    folder while they are unchanged.

    Parsing the YAML with line numbers and validating it takes longer than the rest of a
    ``kefu score`` start-up, and so does building the learned model's tables; what was built is
    kept under a hash of the files' bytes and of the code that builds it, so an edit to either is
    read afresh. Only a valid result is kept: a file with mistakes is parsed, and its mistakes
    reported, every time.
    """
    try:
        key = disk_cache.digest(
            [_CODE, *(str(f.name) for f in files), *(f.read_bytes() for f in files)]
        )
    except OSError:
        return parse()  # a file is missing or unreadable: the parser says which
    path = disk_cache.path_for(f"lexicon-{kind}", key, "pickle")
    data = disk_cache.read(path)
    if data is not None:
        try:
            found = pickle.loads(data)  # our own file, in the user's own cache folder
        except Exception:  # a damaged cache file, whatever the error: parse again
            found = None
        if isinstance(found, (Lexicon, LearnedModel)):
            return found
    parsed = parse()
    disk_cache.write(path, pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL))
    return parsed


# The code that turns the files into a Lexicon or a LearnedModel: a change to it makes the kept
# ones stale.
_CODE = b"".join(
    Path(m.__file__).read_bytes() for m in (sys.modules[__name__], lexicon_module, learned_module)
)


@functools.cache
def customer_detector(folder: Path | None = None) -> MoveDetector:
    """Return the process-wide reader of customer signals (order, accept, threaten …)."""
    folder = folder or rubric_dir() / "lexicon"
    lexicon = load_signal_lexicon(folder / "customer.yaml")
    # The same segmenter as the agent detector: jieba is loaded once per process.
    words = load_lexicon(folder).all_phrases() | lexicon.all_phrases()
    detector = MoveDetector(lexicon, shared_segmenter(folder / "userdict.txt", words))
    # A scripted customer says the same lines to every candidate, and a re-score reads them
    # again: remember their readings (the analyser copies what it changes).
    detector.analyze = functools.lru_cache(maxsize=CUSTOMER_CACHE)(detector.analyze)
    return detector


@functools.cache
def default_detector(folder: Path | None = None) -> MoveDetector:
    """Return the process-wide detector built from the lexicon folder (default: bundled)."""
    folder = folder or rubric_dir() / "lexicon"
    lexicon = load_lexicon(folder)
    words = lexicon.all_phrases() | load_signal_lexicon(folder / "customer.yaml").all_phrases()
    learned = load_learned(folder / "learned.json")
    return MoveDetector(lexicon, shared_segmenter(folder / "userdict.txt", words), learned)


def load_learned(path: Path) -> LearnedModel | None:
    """The learned reader trained by ``kefu train``, or None where the folder has none."""
    if not path.exists():
        return None
    try:
        return _cached(
            "learned",
            [path],
            lambda: LearnedModel.from_json(json.loads(path.read_text(encoding="utf-8"))),
        )
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise LexiconError(
            f"{path}: 学习模型文件无法读取（{exc}）。提示：运行 kefu train 重新生成。"
        ) from None
