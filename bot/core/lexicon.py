"""The cue lexicon as data: which words signal which move, violation, concession or courtesy.

Trainers edit the YAML files under ``rubric/lexicon/``; ``bot.nlp.lexicon_loader`` reads them
into these classes. A cue is a phrase, where ``*`` stands for a short gap inside one clause
(``请问*吗`` matches 请问您穿多大码吗).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ViolationCue:
    """A 服务禁用语 with its paraphrases and the context that makes it harmless.

    ``detect`` names built-in finders for what no word list can hold (手机号: a full mobile
    number, ``bot.core.detector.FINDERS``). An entry with finders is named by its phrase but
    found only by its finders and variants: the name itself (泄露顾客信息) is not a cue, since
    saying it (我们不会泄露顾客信息) breaks no rule.
    """

    phrase: str
    variants: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    category: str = "courtesy"
    detect: tuple[str, ...] = ()
    # Words that excuse it anywhere in the message, not only around it: a warning against
    # scams (诈骗、谨防…) names 加QQ and 银行卡号 to tell the customer not to.
    unless_anywhere: tuple[str, ...] = ()
    # "words": the evidence is the words found; "sentence": the sentence they stand in, for
    # words that lead into a brush-off (实话实说而已 别磨了 买就拍): graders underline it whole.
    evidence: str = "words"

    @property
    def cues(self) -> tuple[str, ...]:
        """The words that find it: its phrase and variants, or only the variants of an entry
        with finders."""
        return self.variants if self.detect else (self.phrase, *self.variants)


@dataclass(frozen=True)
class Lexicon:
    """Every cue list the move detector uses."""

    moves: dict[str, tuple[str, ...]]
    violations: tuple[ViolationCue, ...]
    concessions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    polite: tuple[str, ...] = ()
    # Single characters polite wherever they stand, even inside a longer word of the
    # segmentation (您 in 请问您, 提醒您): no other word holds them, as 亲自 holds 亲.
    polite_anywhere: tuple[str, ...] = ()
    negators: tuple[str, ...] = ()
    user_words: tuple[str, ...] = ()
    topics: dict[str, tuple[str, ...]] = field(default_factory=dict)
    stopwords: frozenset[str] = frozenset()
    # Words that show quoted forbidden words are reported, not said (同事那句“…”不应该).
    quoting: tuple[str, ...] = ()

    def all_phrases(self) -> set[str]:
        """Return every literal cue fragment, for the segmenter's user dictionary."""
        out: set[str] = set(self.polite) | set(self.polite_anywhere) | set(self.user_words)
        for cues in (*self.moves.values(), *self.concessions.values(), *self.topics.values()):
            out.update(cues)
        for v in self.violations:
            out.update(v.cues)
        return {part for phrase in out for part in phrase.split("*") if part}
