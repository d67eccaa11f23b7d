"""The move detector: which moves an agent message performs, and which courtesy rules it breaks.

One detector serves the scripted customer (to decide how it reacts) and the scorer (to award
points), so a candidate is always judged by the same reading of their words. It is pure: the
lexicon and the word segmenter are handed in, already loaded.

How a cue matches: text is normalised (full-width to half-width, lower case), the cue is found
as a phrase whose both ends fall on word boundaries of the segmentation (so 亲 does not match
inside 亲自), and a cue right after a negator (不推荐, 没有优惠) does not count unless the cue
itself is negative.

A move's cue list may also hold three kinds of marked entries:

- ``!phrase`` (a mask): wording that looks like the move but is not; a cue of the move found
  inside it does not count (默认顺丰包邮 states the delivery terms, it offers no perk).
- ``^phrase``: counts only at the very start of the message (在，… answering 在吗).
- ``phrase$`` (a closing phrase): counts only when the message does nothing but close: it asks
  nothing after it, performs no asking move (inquire, verify, clarify, confirm) and no other move
  after it (感谢支持～ closes; 感谢支持！跟您核对一下… does not).

Context (the customer message being answered, and the seconds of silence before this message)
is optional: a message sent after a silence of ``NEWS_SILENCE`` seconds or more with news (the
``news`` topic: 发出了, 单号, 装好了吗) is a ``follow_up``; and a learned model, when one is
given, reads the message with the customer's words beside it (see ``bot.core.learned``), so
only where that context is passed: a bare ``analyze(text)`` reads by the cues alone. With the
context given, the learned reader also looks for a 服务禁用语 where the violation cues found none.

Two rules need no data: an explanation is a statement, so ``explain`` is not found inside a
clause that asks a question (方便说下原因吗 asks for the reason, it gives none) but a negator does
not undo it (不是质量问题，是洗涤不对导致的 explains all the same); and a violation's
``unless`` entry written ``!phrase`` excuses only the hits it overlaps (卖得最好 is no claim of
being the best), where a plain entry excuses any hit near it.
"""

from __future__ import annotations

import bisect
import copy
import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from operator import itemgetter, or_
from typing import TYPE_CHECKING

from bot.core.cues import AnyCue, Cues, LazyPattern, cue_pattern, index_cues
from bot.core.lexicon import Lexicon

if TYPE_CHECKING:
    from bot.core.learned import LearnedModel

# (word, start, end) triples, as jieba.tokenize yields them.
Tokenizer = Callable[[str], Iterable[tuple[str, int, int]]]

QUESTION = re.compile(
    r"[?？]|[吗呢么嘛][\s,.!~～。，！]*$|[吗呢][,，]"
    r"|什么|多少|哪|怎么|几[天号点个件]|多久|多大|能不能|可不可以|有没有|是不是|会不会|要不要"
)
# A question after a closing phrase, or at the end of a clause: a question mark, or 吗 ending it.
ASKS = re.compile(r"[?]|吗(?=[\s,.!~;。]|$)")
# A point or comma between digits (3.5L, 1,000) ends nothing.
CLAUSE_END = re.compile(r"(?<!\d)[,.](?!\d)|[!?;。~\n]")
SENTENCE_END = re.compile(r"(?<!\d)\.(?!\d)|[!?;。\n]")
QUESTION_TAIL = re.compile(r"吗\W*$")
WORD = re.compile(r"\w")
STATEMENT_MOVES = frozenset({"explain"})  # never performed by a question, not undone by 不
CLOSING_MOVES = frozenset({"farewell", "follow_up"})  # may follow a closing phrase
ASKING_MOVES = frozenset({"inquire", "verify", "clarify", "confirm"})  # the talk goes on
NEGATION_WINDOW = 2  # tokens before a cue that may negate it
CLAUSE_ENDS = frozenset(",.!?;，。！？；~～")  # a negator never reaches past these
PARTICLES = frozenset("的地得")
# Seconds of silence after which a message with news (the ``news`` topic) follows the customer
# up: the agent comes back on their own, not in the flow of the talk.
NEWS_SILENCE = 600.0
_PUNCT = re.compile(r"[\W_\d]+")  # skipped when counting the negation window


@dataclass(frozen=True)
class Finder:
    """A built-in finder: a pattern over the normalised text, and what its evidence shows."""

    pattern: re.Pattern[str]
    # The sentence around a find (a number leaked with its owner's name and address), or
    # only the find itself.
    sentence: bool = False


# An account on another chat app, as agents hand it out: the app (微信, vx, wx, QQ, Q …) then
# an id (letters first, or 5 to 11 digits). A Latin app name needs a space, colon or 号 before
# the id, so that item and ticket codes (QL4000, 工单号WX0629117) are not read as one.
_ACCOUNT_ID = r"(?:[a-z][a-z0-9_\-]{4,19}|[0-9]{5,11})(?![a-z0-9_\-])"
_OFF_PLATFORM_ACCOUNT = (
    r"(?<![0-9a-z])(?:(?:微信|威信|薇信|扣扣)(?:号码?)?\s*:?\s*"
    r"|(?:v信|vx|wx|weixin|qq|q)(?:号码?\s*:?\s*|\s*:\s*|\s+))" + _ACCOUNT_ID
)

# Built-in finders a violation entry may name (violations.yaml ``detect``), for what a list of
# words cannot hold.
# - 手机号: a whole mainland mobile number (11 digits from 13x to 19x, as chats write it:
#   13812345678, 138 1234 5678, 138-1234-5678), not part of a longer number (SF单号, 订单号).
#   Read back to confirm an order, the customer's own number is masked (尾号6621) in every
#   labelled chat; shown whole, it was always another buyer's (32 messages in 3,223 chats).
# - 站外账号: an account on another app (加我微信 jiechi_aj88, 加下我Q 2854190337, vx号 ttw6688):
#   in the 3,655 labelled chats outside the held-out sets, 134 agent messages hold one and every
#   one is labelled a red line.
FINDERS: dict[str, Finder] = {
    "手机号": Finder(
        re.compile(r"(?<![0-9a-z])1[3-9][0-9](?:[ -]?[0-9]{4}){2}(?![0-9])"), sentence=True
    ),
    "站外账号": Finder(re.compile(_OFF_PLATFORM_ACCOUNT)),
}


@dataclass(frozen=True, init=False)
class Hit:
    """A cue found in a message: the words as they appear, and where."""

    label: str
    words: str
    start: int
    end: int

    def __init__(self, label: str, words: str, start: int, end: int) -> None:
        # Frozen all the same, but filled in directly: a frozen dataclass's own __init__ calls
        # object.__setattr__ once per field, and scoring a transcript makes dozens of hits.
        # (tests/core/test_detector.py checks that this stays in step with the fields.)
        fields = self.__dict__
        fields["label"] = label
        fields["words"] = words
        fields["start"] = start
        fields["end"] = end


@dataclass(frozen=True)
class Analysis:
    """What one agent message does, with the words behind each finding."""

    text: str
    moves: dict[str, tuple[Hit, ...]] = field(default_factory=dict)
    violations: tuple[Hit, ...] = ()
    concessions: dict[str, tuple[Hit, ...]] = field(default_factory=dict)
    polite: tuple[Hit, ...] = ()
    asks_question: bool = False
    topics: dict[str, tuple[Hit, ...]] = field(default_factory=dict)

    @property
    def move_names(self) -> list[str]:
        return list(self.moves)

    @property
    def violation_phrases(self) -> list[str]:
        return [h.words for h in self.violations]


def normalize(text: str) -> str:
    """Fold full-width forms and case, keeping one character per input character.

    Keeping the length lets every hit point back at the original text.
    """
    # One message is normalised by the detector, the learned reader, the question and
    # off-topic tests and every substance check: remember recent ones (short ones only, so
    # that the memory stays small whatever a candidate pastes).
    if len(text) <= _NORMALIZED_CHARS:
        return _normalized(text)
    return _normalize(text)


def _normalize(text: str) -> str:
    folded = _nfkc(text).lower()
    if len(folded) == len(text):
        return folded  # the usual case: no character changed length
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch).lower()
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


# The full-width punctuation of Chinese chat, each with its NFKC form (itself, in ASCII).
_WIDE_PUNCTUATION = tuple((chr(ord(c) + 0xFEE0), c) for c in ",!?:;()~")


def _nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, without running it on most chat messages.

    ``normalize`` took 5% of the scorer's time (some 5.6 µs for a 30-character line), and
    almost every message is normal already but for its full-width punctuation (，！？), which
    is put in its NFKC form first (each is its own single-character compatibility mapping, so
    NFKC of the result is NFKC of the text); when what is left is normal (the quick check, in
    C), it is the answer. Otherwise the text is normalised as before.
    """
    quick = text
    for wide, narrow in _WIDE_PUNCTUATION:
        if wide in quick:
            quick = quick.replace(wide, narrow)
    if unicodedata.is_normalized("NFKC", quick):
        return quick
    return unicodedata.normalize("NFKC", text)


_NORMALIZED_CHARS = 500
_normalized = functools.lru_cache(maxsize=2048)(_normalize)

_START, _END = itemgetter(1), itemgetter(2)  # of a (word, start, end) token
_ZEROS = itertools.repeat(0)  # the default of every slot a move map lacks (shared: never used up)

# A cue list, compiled on first use and found by one automaton over every list (bot/core/cues.py).
_Cues = Cues


def longest_first(phrases: Iterable[str]) -> list[str]:
    """Distinct phrases, longest first, ties in text order: the order a regex alternation tries
    them in. Ties must not fall in a set's order, which changes with the hash seed (a ``*``
    cue could then match different words from one run to the next)."""
    return sorted(set(phrases), key=lambda p: (-len(p), p))


def _compile(cues: Iterable[str]) -> _Cues | None:
    parts = longest_first(normalize(c) for c in cues if c and c[0] != "*")
    return _Cues(parts) if parts else None


def _compile_masks(cues: Iterable[str]) -> LazyPattern | None:
    parts = longest_first(normalize(c) for c in cues if c)
    return LazyPattern("|".join(map(cue_pattern, parts))) if parts else None


@dataclass(frozen=True)
class _MoveCues:
    """One move's cue list, split by its marks: plain, ^at the start, closing$, and !masks."""

    plain: _Cues | None
    start: _Cues | None
    closing: _Cues | None
    masks: LazyPattern | None

    @classmethod
    def build(cls, cues: Iterable[str]) -> _MoveCues:
        plain, start, closing, masks = [], [], [], []
        for cue in cues:
            if cue.startswith("!"):
                masks.append(cue[1:])
            elif cue.startswith("^"):
                start.append(cue[1:])
            elif cue.endswith("$") and len(cue) > 1:
                closing.append(cue[:-1])
            else:
                plain.append(cue)
        return cls(_compile(plain), _compile(start), _compile(closing), _compile_masks(masks))


def _mask_spans(pattern: LazyPattern | None, norm: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(norm) if m.end() > m.start()] if pattern else []


# Two findings of one entry this close, with no sentence end between, are one brush-off.
_NEAR = 4
# Where a sentence stops in the original text (full- and half-width marks, before folding).
SENTENCE_STOP = re.compile(r"[。！？!?；;\n]")


def _join_neighbours(text: str, hits: list[Hit], whole: Collection[str] = ()) -> list[Hit]:
    """One finding for one brush-off: neighbouring findings of the same entry in a sentence
    (详情页都写了，亲自己看一下) become one hit over both, so a grader sees, and a form
    deducts, one violation where a writer would underline one. An entry in ``whole`` (the
    platform red lines) is joined across the message: its pieces are one offer (加我微信… 有问题
    直接微信找我; 加我微信… 比平台便宜56元)."""
    out: list[Hit] = []
    for hit in sorted(hits, key=lambda h: h.start):
        last = out[-1] if out else None
        if (
            last is not None
            and hit.label == last.label
            and (
                hit.label in whole
                or (
                    hit.start - last.end <= _NEAR
                    and not SENTENCE_STOP.search(text, last.end, hit.start)
                )
            )
        ):
            end = max(last.end, hit.end)  # a finder's find may hold a cue's (vx in vx：ttw6688)
            out[-1] = Hit(last.label, text[last.start : end], last.start, end)
        else:
            out.append(hit)
    return out


# A quotation: words between paired quotation marks, within one short stretch.
QUOTED = re.compile(
    r"“[^“”\n]{1,40}”|「[^「」\n]{1,40}」|『[^『』\n]{1,40}』|‘[^‘’\n]{1,40}’|\"[^\"\n]{1,40}\""
)


def _unquoted(norm: str, hits: list[Hit], quoting: LazyPattern) -> list[Hit]:
    """The hits that are said, not quoted: a hit wholly inside quotation marks is dropped when
    the message, outside its quotations, distances itself (道歉, 不应该, 不能使用 …). Quotation
    marks alone do not excuse: 这是“全网最低价”哦 still promises it."""
    quotes = _distanced_quotes(norm, quoting)
    inside = [h for h in hits if any(s < h.start and h.end < e for s, e in quotes)]
    return [h for h in hits if h not in inside] if inside else hits


def _distanced_quotes(norm: str, quoting: LazyPattern | None) -> list[tuple[int, int]]:
    """The quotations of a message that distances itself from them outside them (none when it
    does not): their words are another's, reported, not the agent's own."""
    quotes = [m.span() for m in QUOTED.finditer(norm)] if quoting is not None else []
    if not quotes:
        return []
    # The rest of the message, each quotation blanked (its words are the speaker's, not the agent's).
    rest = QUOTED.sub(lambda m: " " * len(m.group()), norm)
    return quotes if quoting.search(rest) else []


def _blanked(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with ``spans`` turned to spaces (the same length: every place stays where it was)."""
    for s, e in spans:
        text = text[:s] + " " * (e - s) + text[e:]
    return text


def _inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def _in_question(norm: str, start: int, end: int) -> bool:
    """Whether the clause holding [start, end) asks: it ends in ? or 吗, or the sentence asks
    a choice (是…，还是…？) that goes through it."""
    stop = CLAUSE_END.search(norm, end)
    at = stop.start() if stop else len(norm)
    if at < len(norm) and norm[at] == "?":
        return True
    if QUESTION_TAIL.search(norm, start, at):
        return True
    sentence = SENTENCE_END.search(norm, end)
    if sentence and norm[sentence.start()] == "?":
        return "还是" in norm[end : sentence.start()]
    return False


class MoveDetector:
    """Tag agent messages with moves, violations, concessions and courtesy, from a lexicon."""

    # Attributes that hold no cue list, passed by when the lists are indexed (bot/core/cues.py).
    NOT_CUES = frozenset({"lexicon", "learned", "_tokenize"})

    def __init__(self, lexicon: Lexicon, tokenize: Tokenizer, learned: LearnedModel | None = None):
        self.lexicon = lexicon
        self._tokenize = tokenize
        self.learned = learned  # None: cues only
        self._moves = {m: _MoveCues.build(c) for m, c in lexicon.moves.items()}
        self._concessions = {k: _compile(c) for k, c in lexicon.concessions.items()}
        self._topics = {k: _compile(c) for k, c in lexicon.topics.items()}
        # A polite word of two characters or more is polite wherever it stands, even inside a longer
        # word of the segmentation (请问您, 您的感受); a single character (亲, 请) must be a word of
        # its own, or 亲自 and 申请 would count.
        # Single characters of ``polite_anywhere`` (您) need no boundary: no other word holds them.
        anywhere = set(lexicon.polite_anywhere)
        self._polite = _compile(
            w for w in lexicon.polite if len(normalize(w)) == 1 and w not in anywhere
        )
        self._polite_words = _compile(
            [*(w for w in lexicon.polite if len(normalize(w)) > 1), *anywhere]
        )
        self._negators = tuple(normalize(n) for n in lexicon.negators)
        self._negative_cue = re.compile("|".join(map(re.escape, self._negators)) or "(?!)")
        self._violations = [
            (
                v,
                _compile(v.cues),
                _compile(u for u in v.unless if not u.startswith("!")),
                _compile_masks(u[1:] for u in v.unless if u.startswith("!")),
            )
            for v in lexicon.violations
        ]
        # The words that excuse an entry anywhere in the message (a warning against scams), by
        # the entry's phrase.
        self._excused_anywhere = {
            v.phrase: found
            for v in lexicon.violations
            if (found := _compile(v.unless_anywhere)) is not None
        }
        # Entries whose evidence is the sentence they stand in (实话实说而已 …), by phrase.
        self._whole_sentence = frozenset(
            v.phrase for v in lexicon.violations if v.evidence == "sentence"
        )
        # The platform red lines, by name (the analyser reports them apart from 禁用语).
        self.red_lines = frozenset(v.phrase for v in lexicon.violations if v.category == "red_line")
        # Entries with built-in finders (手机号): each finder's pattern, with the entry and the
        # words that excuse it anywhere in the message (核对 …: an order read back).
        self._finders = [
            (v, FINDERS[name], unless) for v, _, unless, _ in self._violations for name in v.detect
        ]
        # Forbidden words inside quotation marks, in a message that distances itself from them
        # (同事那句“不关我们事”说得很不对; 不能使用“100%”这类说法), are reported, not said.
        self._quoting = _compile_masks(lexicon.quoting)
        # Most messages break no rule: one search over every violation cue settles that.
        found_any = [p for _, p, _, _ in self._violations if p is not None]
        self._any_violation = AnyCue(found_any) if found_any else None
        # Last, once every list is built: one automaton over them all (bot/core/cues.py).
        self._index = index_cues(self)
        # Lists the index could not take (a cue with no literal head) search with their own
        # regexes, which need the word boundaries of every message.
        self._unindexed = self._index is not None and self._index.left_out > 0
        # Each slot's moves, for the moves whose lists are all in the index: a move none of
        # whose lists has a place in a message is passed over at once (``_moves_placed``). The
        # other moves are asked every time. A move is a bit (its place in the lexicon's order),
        # so a message's moves are its slots' bits or-ed together, in C.
        self._slot_moves: dict[int, int] = {}
        self._unplaced_moves = 0
        self._move_bits = tuple((1 << i, m, c) for i, (m, c) in enumerate(self._moves.items()))
        for bit, _, cues in self._move_bits:
            slots = self._slots_of((cues.plain, cues.start, cues.closing))
            if not slots:
                self._unplaced_moves |= bit
            for slot in slots or ():
                self._slot_moves[slot] = self._slot_moves.get(slot, 0) | bit
        # The same for all the concessions, and all the topics: most messages have a place for
        # none of them, and their lists are then not asked one by one.
        self._concession_slots = self._slots_of(self._concessions.values())
        self._topic_slots = self._slots_of(self._topics.values())
        # Each violation rule by the slot of its list, when all are in the index: a message
        # reads only the rules the scan placed (a rule without cues never finds anything).
        self._rule_slots: dict[int, tuple[int, ...]] | None = None
        if self._slots_of(p for _, p, _, _ in self._violations) is not None:
            by_slot: dict[int, list[int]] = {}
            for i, (_, pattern, _, _) in enumerate(self._violations):
                if pattern is not None:
                    by_slot.setdefault(pattern.slot, []).append(i)
            self._rule_slots = {slot: tuple(rules) for slot, rules in by_slot.items()}

    def _moves_placed(self, placed: dict[int, list[int]] | None) -> Iterable[tuple[str, _MoveCues]]:
        """The moves a cue of which may start somewhere in the message, with their cues, in the
        lexicon's order: by the slots the scan placed (a few), not by asking every move."""
        if placed is None:
            return self._moves.items()
        live = functools.reduce(
            or_, map(self._slot_moves.get, placed, _ZEROS), self._unplaced_moves
        )
        return [(m, c) for bit, m, c in self._move_bits if live & bit]

    def _slots_of(self, lists: Iterable[_Cues | None]) -> frozenset[int] | None:
        """The index slots of ``lists``, or None when one of them is not in the index."""
        present = [c for c in lists if c is not None]
        if all(c.index is self._index is not None for c in present):
            return frozenset(c.slot for c in present)
        return None

    def cues_only(self) -> MoveDetector:
        """The same detector without the learned model (training compares against it)."""
        twin = copy.copy(self)
        twin.learned = None
        return twin

    def analyze(
        self,
        text: str,
        context: str | None = None,
        silence: float | None = None,
        evidence_for: Collection[str] | None = None,
    ) -> Analysis:
        """Return what this agent message does; ``context`` is the customer message it answers
        and ``silence`` the seconds since the message before it, where known.

        ``evidence_for``, when given, names the moves whose evidence the caller reads: a move
        the learned reader finds outside it is named with no words (its n-grams are not put
        in order), which is all a caller that only counts such moves needs.
        """
        norm = normalize(text)
        # One scan of the message tells which indexed lists have a place at all: most have
        # none, and are skipped here without asking them (some 130 lists per message). Only
        # while the index still holds every list it was built for (tests/core/test_cues.py
        # puts lists back on their own regexes to compare): otherwise each list is asked.
        index = self._index if self._index is not None and self._index.whole else None
        placed = index.scan(norm) if index is not None else None
        if placed or placed is None or self._unindexed:
            tokens = [t for t in self._tokenize(norm) if t[0].strip()]
        else:
            # No cue of any list can start anywhere (half of all customer lines): the word
            # boundaries would be asked nothing, so the text is not segmented.
            tokens = []
        starts = set(map(_START, tokens))
        ends = set(map(_END, tokens))
        token_starts: list[int] | None = None  # in order; made when a hit needs it

        def hits(cues: _Cues | None, label: str, negatable: bool = True) -> list[Hit]:
            nonlocal token_starts
            if cues is None or (
                placed is not None and cues.index is index and cues.slot not in placed
            ):
                return []
            found = []
            for s, e in cues.spans(norm, starts, ends):
                if negatable:
                    if token_starts is None:
                        token_starts = list(map(_START, tokens))
                    if self._negated(norm[s:e], _words_before(tokens, token_starts, s)):
                        continue
                found.append(Hit(label, text[s:e], s, e))
            return found

        moves = self._find_moves(norm, hits, placed)
        topics = (
            {k: tuple(h) for k, p in self._topics.items() if (h := hits(p, k))}
            if _may_place(placed, self._topic_slots)
            else {}
        )
        moves = self._in_context(text, moves, topics, context, silence, evidence_for)
        concessions = (
            {k: tuple(h) for k, p in self._concessions.items() if (h := hits(p, k))}
            if _may_place(placed, self._concession_slots)
            else {}
        )
        violations: list[Hit] = []
        rules = self._violations
        if placed is not None and self._rule_slots is not None:
            # The scan has answered for the indexed lists: only a rule with a place is read,
            # in the lexicon's order (an earlier rule's finding hides a later one's).
            rules = [
                rules[i] for i in sorted(i for s in placed for i in self._rule_slots.get(s, ()))
            ]
        elif placed is not None:
            rules = [
                r
                for r in rules
                if r[1] is not None and (r[1].index is not index or r[1].slot in placed)
            ]
        elif self._any_violation is None or not self._any_violation.search(norm):
            rules = []
        for cue, pattern, unless, masks in rules:
            found = hits(pattern, cue.phrase, negatable=False)
            if found and self._excused_in_message(cue.phrase, norm):
                continue
            spans = _mask_spans(masks, norm) if found else []
            for hit in found:
                # Two entries may list the same words (管不了 as 没办法 and as 不归我管): one finding.
                overlaps = any(h.start < hit.end and hit.start < h.end for h in violations)
                if overlaps or _inside(hit.start, hit.end, spans):
                    continue
                if not self._excused(norm, hit, unless):
                    violations.append(hit)
        for cue, finder, unless in self._finders:
            found = [m.span() for m in finder.pattern.finditer(norm)]
            if (
                not found
                or (unless is not None and unless.any.search(norm))
                or self._excused_in_message(cue.phrase, norm)
            ):
                continue
            for s, e in found:
                if finder.sentence:
                    # A number is leaked with its owner's name and address
                    # (上海的陈雅琴女士，手机138…，住…): the evidence is the sentence around it.
                    s, e = _sentence_around(norm, s, e)
                # Over a cue of its own entry (vx in vx：ttw6688) it is kept, and the two are
                # joined into one finding below; over another entry's, that one stands, unless
                # the finder's is a red line and the other only a courtesy slip: a leaked phone
                # number in the sentence of a 跟我们没关系 is the leak a grader marks.
                over = [
                    h for h in violations if h.start < e and s < h.end and h.label != cue.phrase
                ]
                if over and cue.phrase in self.red_lines:
                    if any(h.label in self.red_lines for h in over):
                        continue
                    violations = [h for h in violations if h not in over]
                elif over:
                    continue
                violations.append(Hit(cue.phrase, text[s:e], s, e))
        if violations and self._whole_sentence:
            violations = self._widened(text, norm, violations)
        if violations and self._quoting is not None:
            violations = _unquoted(norm, violations, self._quoting)
        if len(violations) > 1:
            violations = _join_neighbours(text, violations, self.red_lines)
        elif not violations and self.learned is not None and context is not None:
            # Where the cues found no violation, the learned reader may (with the context
            # given, as for its moves: the analyser's reading, not the live engine's).
            # Quoted words the message distances itself from (同事那句“你自己泡水里的”…是我们不对)
            # are not read as its own, as for the cues (``_unquoted``): they are blanked. A
            # blank parts clauses, so the finding's words are never partly a quotation's.
            learned = self.learned.violation(_blanked(text, _distanced_quotes(norm, self._quoting)))
            if learned is not None:
                violations = [learned]
        return Analysis(
            text=text,
            moves=moves,
            violations=tuple(violations),
            concessions=concessions,
            polite=self._polite_hits(text, norm, starts, ends),
            asks_question=bool(QUESTION.search(norm)),
            topics=topics,
        )

    def _in_context(
        self,
        text: str,
        moves: dict[str, tuple[Hit, ...]],
        topics: dict[str, tuple[Hit, ...]],
        context: str | None,
        silence: float | None,
        evidence_for: Collection[str] | None = None,
    ) -> dict[str, tuple[Hit, ...]]:
        """Add what the context shows: news after a silence, then the learned model's moves."""
        if (
            silence is not None
            and silence >= NEWS_SILENCE
            and "news" in topics
            and "follow_up" not in moves
            and "follow_up" in self._moves
        ):
            moves = {**moves, "follow_up": topics["news"]}
        # The learned model was trained on messages with the customer's words beside them: it
        # reads only where that context is given (the analyser gives it; a bare call does not).
        if self.learned is not None and context is not None:
            added = self.learned.findings(text, moves, context, evidence_for)
            if added:
                moves = {
                    m: (moves.get(m) or added[m]) for m in self._moves if m in moves or m in added
                }
        return moves

    def _find_moves(
        self,
        norm: str,
        hits: Callable[[_Cues | None, str, bool], list[Hit]],
        placed: dict[int, list[int]] | None,
    ) -> dict[str, tuple[Hit, ...]]:
        """Each move's hits, after its masks, the start and closing marks and the statement rule."""
        found: dict[str, list[Hit]] = {}
        closing: dict[str, list[Hit]] = {}
        for move, cues in self._moves_placed(placed):
            negatable = move not in STATEMENT_MOVES
            got = hits(cues.plain, move, negatable)
            if cues.start is not None:
                got += [
                    h
                    for h in hits(cues.start, move, negatable)
                    if not WORD.search(norm, 0, h.start)
                ]
            ends = hits(cues.closing, move, negatable) if cues.closing is not None else []
            if cues.masks is not None and (got or ends):
                spans = _mask_spans(cues.masks, norm)
                got = [h for h in got if not _inside(h.start, h.end, spans)]
                ends = [h for h in ends if not _inside(h.start, h.end, spans)]
            if move in STATEMENT_MOVES:
                got = [h for h in got if not _in_question(norm, h.start, h.end)]
            if got:
                found[move] = got
            if ends:
                closing[move] = ends
        if closing:
            asking = any(m in ASKING_MOVES for m in found)
            for move, ends in closing.items():
                kept = [
                    h
                    for h in ends
                    if not asking
                    and not ASKS.search(norm, h.end)
                    and not any(
                        x.start >= h.end
                        for m, hs in found.items()
                        if m not in CLOSING_MOVES
                        for x in hs
                    )
                ]
                if kept:
                    found[move] = sorted([*found.get(move, ()), *kept], key=lambda h: h.start)
        return {m: tuple(found[m]) for m in self._moves if m in found}

    def _polite_hits(
        self, text: str, norm: str, starts: set[int], ends: set[int]
    ) -> tuple[Hit, ...]:
        """Polite words: single characters on word boundaries, longer words anywhere."""
        spans: list[tuple[int, int]] = []
        if self._polite_words is not None:
            every = range(len(norm) + 1)  # every place is a boundary (a range tests in C)
            spans += self._polite_words.spans(norm, every, every)
        if self._polite is not None:
            spans += [
                (s, e)
                for s, e in self._polite.spans(norm, starts, ends)
                if not _inside(s, e, spans)
            ]
        return tuple(Hit("polite", text[s:e], s, e) for s, e in sorted(spans))

    def content_words(self, text: str) -> set[str]:
        """Return the words that carry meaning (two characters or more, not stop words)."""
        return {
            w
            for w, _, _ in self._tokenize(normalize(text))
            if len(w) > 1 and w not in self.lexicon.stopwords and not _PUNCT.fullmatch(w)
        }

    @staticmethod
    def is_question(text: str) -> bool:
        """Whether a message asks something (question mark, 吗/呢, or a question word)."""
        return bool(QUESTION.search(normalize(text)))

    def _negated(self, cue: str, before: list[str]) -> bool:
        if not before or self._negative_cue.match(cue):
            return False  # nothing before it, or the cue is itself negative (不客气, 没问题)
        return any(w in self._negators or w[-1:] in ("不", "没") for w in before)

    def _excused_in_message(self, phrase: str, norm: str) -> bool:
        """Whether the message holds words that excuse the entry wherever they stand
        (``unless_anywhere``: 诈骗, 谨防 … in a warning against scams)."""
        anywhere = self._excused_anywhere.get(phrase)
        return anywhere is not None and anywhere.any.search(norm) is not None

    def _widened(self, text: str, norm: str, violations: list[Hit]) -> list[Hit]:
        """Findings of entries with ``evidence: sentence`` widened to their sentence (实话实说而已
        别磨了 买就拍): one finding, taking in what other entries found there, but not a red
        line, which stays a finding of its own (it is fatal)."""
        out = list(violations)
        for hit in violations:
            if hit.label not in self._whole_sentence or hit not in out:
                continue
            s, e = _sentence_around(norm, hit.start, hit.end)
            out = [
                h
                for h in out
                if h is not hit and (h.label in self.red_lines or not (s <= h.start < h.end <= e))
            ]
            out.append(Hit(hit.label, text[s:e], s, e))
        return sorted(out, key=lambda h: h.start)

    @staticmethod
    def _excused(norm: str, hit: Hit, unless: _Cues | None) -> bool:
        """Whether the clause around a violation shows it is helpful, not dismissive."""
        if unless is None:
            return False
        # "这个我不太清楚，我马上帮您问一下": the help may come in the next clause, or after a
        # clause of facts (这个我不太清楚哈 顺德有的镇在合作范围 有的不在 我马上帮您问一下).
        # 24 characters after: on every labelled set, 2 fewer false findings than with 16 and
        # one more found; 32 finds the same as 24.
        window = norm[max(0, hit.start - 6) : hit.end + 24]
        return bool(unless.any.search(window))


def _sentence_around(norm: str, start: int, end: int) -> tuple[int, int]:
    """The sentence holding ``norm[start:end]``, without its closing mark."""
    before = [m.end() for m in SENTENCE_STOP.finditer(norm, 0, start)]
    after = SENTENCE_STOP.search(norm, end)
    s, e = (before[-1] if before else 0), (after.start() if after else len(norm))
    while norm[s].isspace():  # never past ``start``: the number is no space
        s += 1
    while norm[e - 1].isspace():
        e -= 1
    return s, e


def _may_place(placed: dict[int, list[int]] | None, slots: frozenset[int] | None) -> bool:
    """Whether lists with these index ``slots`` may have a place, by the message's scan
    (``placed``); without a scan, or with lists outside the index, they may."""
    return placed is None or slots is None or not slots.isdisjoint(placed)


def _words_before(tokens: list[tuple[str, int, int]], starts: list[int], s: int) -> list[str]:
    """The few words before the token starting at ``s`` within its clause, nearest first
    (``starts``: where each token starts, in order); none when no token starts there.

    The particles 的/地/得 do not use up the window: 没有额外的优惠券 negates 优惠券 as
    没有额外优惠券 would. Only hits that may be negated ask, a few per message: the tokens are
    walked back from each, not all mapped first.
    """
    at = bisect.bisect_left(starts, s)
    if at == len(starts) or starts[at] != s:
        return []
    words: list[str] = []
    while at > 0 and len(words) < NEGATION_WINDOW:
        at -= 1
        w = tokens[at][0]
        if w in CLAUSE_ENDS:
            break
        if w not in PARTICLES:
            words.append(w)
    return words
