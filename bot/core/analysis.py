"""Transcript analysis: what each agent message does, how fast it came, and how it all ended.

This is the evidence layer under the scores. Every agent message is read by the same move
detector that drives the scripted customer; on top of that come reply times, repeated pastes,
answers beside the question, and whether the customer ended satisfied. Pure: the detectors are
handed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.detector import NEWS_SILENCE, SENTENCE_STOP, Analysis, Hit, MoveDetector, normalize
from bot.core.learned import LEARNED_PREFIX
from bot.core.moves import moves_for
from bot.core.outcomes import GOOD_OUTCOMES, outcome_title
from bot.core.repeats import RepeatFinder
from bot.core.transcript import Transcript

SLOW_REPLY_SECONDS = 180.0  # platform KPI: a reply after three minutes counts as slow
WORD_CHARS = re.compile(r"\w")
# Moves that leave a message's question free to ask about the customer (抱歉 您是哪一单呢).
SOFT_MOVES = frozenset({"greet", "apologize", "empathize"})
# The last clause of a message: what follows its last punctuation mark or space.
LAST_CLAUSE = re.compile(r"[^\s,.!?;，。！？；~～]+[\s,.!?;，。！？；~～]*$")
# A clause that asks: a question mark, a closing particle, or a question word (几 but not
# 好几、这几、多看几家).
ASKING_CLAUSE = re.compile(
    r"[?？]|[吗呢呀啦嘛么][\s~～]*$|(?<![好这那看])几|多大|多少|多久|多高|多长|哪|什么|怎么|还是"
    r"|是不是|有没有|能不能"
)
# Offering help is a greeting, not a question about the case (有什么可以帮您).
OFFERS_HELP = re.compile(r"有什么.{0,4}(帮|为)|需要.{0,2}帮")
# Asking whether the customer agrees: a confirmation (地址是南京那个对吗; 您看这样可以吗).
SEEKS_AGREEMENT = re.compile(r"(对吗|对吧|是吧|没错吧|可以吗|行吗|好吗|行不|可以不|同意吗)\W*$")

# A price as a sale states it: a number, 1 to 6 digits (not an order or phone number), not a
# measure (1.8米, 100片, 5斤, 3天, 95%); ¥599, 599元 and a bare 599 all count.
PRICE = re.compile(
    r"(?<![0-9a-z.])[¥￥]?[0-9]{1,6}(?:\.[0-9]{1,2})?(?![0-9]|\.[0-9])"
    r"(?!\s*(?:米|cm|mm|厘米|毫米|码|号|寸|斤|公斤|kg|g|克|ml|毫升|升|岁|天|小时|分钟|分|秒|个月|月|年|周|"
    r"%|件|个|台|张|次|楼|层|期|键|点|位|人|瓶|盒|包|袋|片|支|条|双|套|册|本|页|w|瓦|mah|度|平|p|x|\*|:|-))"
)
# Customer signals that ask what a sale costs: a price given in answer is negotiating.
PRICE_ASKING = frozenset({"asks_price", "bargain"})

BAD_OUTCOMES = ("left", "escalated", "unfinished")
# Customer signals that only agree: a message with nothing else asks for no answer.
ACKNOWLEDGING = frozenset({"accept", "order", "ack"})
# Customer signals, in the customer lexicon, that settle whether the conversation ended well,
# strongest first: within one message an order outweighs a grumble (算了我就拍M了), a threat
# outweighs agreement (好吧，那我给差评了), so does putting the decision off (好的 我考虑一下),
# and agreement outweighs resignation (算了，就这样吧).
DECISIVE_SIGNALS = (
    ("order", True),
    ("threaten", False),
    ("postpone", False),
    ("accept", True),
    ("refuse", False),
    ("leave", False),
)


@dataclass(frozen=True)
class MessageFinding:
    """One agent message as the analyser reads it; ``index`` is its place in the transcript."""

    index: int
    text: str
    moves: dict[str, tuple[Hit, ...]]
    other_moves: tuple[str, ...]
    rules: tuple[Hit, ...]
    violations: tuple[Hit, ...]
    red_lines: tuple[Hit, ...]
    polite: bool
    reply_seconds: float | None
    answers: int | None  # index of the customer message it answers, if it is the first reply
    repeat_of: int | None = None
    off_topic: bool = False

    def to_json(self) -> dict:
        """The contract's per-message object (section 3), plus the evidence of each move the
        learned reader found (the n-grams that weighed most), where there is one."""
        data = {
            "index": self.index,
            "role": "agent",
            "moves": list(self.moves),
            "violations": [h.words for h in (*self.violations, *self.red_lines)],
            "reply_seconds": self.reply_seconds,
        }
        learned = {
            move: hits[0].words.removeprefix(LEARNED_PREFIX)
            for move, hits in self.moves.items()
            if hits and hits[0].words.startswith(LEARNED_PREFIX)
        }
        if learned:
            data["learned"] = learned
        return data


@dataclass(frozen=True)
class Resolution:
    """Whether the customer ended satisfied, and why."""

    resolved: bool
    reason: str
    evidence: tuple[int, ...] = ()
    # Rubric v2: accepted, but grudgingly, still complaining (行吧，麻烦快点): half the credit.
    partial: bool = False

    @property
    def share(self) -> float:
        """The credit a row gives for how the chat ended: 1, 0.5 when partial, or 0."""
        return 0.5 if self.partial else 1.0 if self.resolved else 0.0


@dataclass
class TranscriptAnalysis:
    """Everything the scorer needs, each finding tied to message indexes."""

    transcript: Transcript
    messages: list[MessageFinding]
    customer_signals: dict[int, dict[str, tuple[Hit, ...]]]
    resolution: Resolution
    kind: str = field(init=False)

    def __post_init__(self) -> None:
        self.kind = self.transcript.kind

    def first_index(self, move: str) -> int | None:
        """Return the transcript index of the first agent message performing ``move``."""
        return next((m.index for m in self.counted() if move in m.moves), None)

    def indexes(self, move: str) -> list[int]:
        return [m.index for m in self.counted() if move in m.moves]

    def counted(self) -> list[MessageFinding]:
        """Agent messages whose moves count: not pasted repeats, not answers beside the point."""
        return [m for m in self.messages if m.repeat_of is None and not m.off_topic]

    def customer_has(self, signal: str) -> list[int]:
        return [i for i, s in self.customer_signals.items() if signal in s]

    @property
    def reply_times(self) -> list[tuple[int, float]]:
        return [(m.index, m.reply_seconds) for m in self.messages if m.reply_seconds is not None]


class TranscriptAnalyzer:
    """Read transcripts with the shared move detector and the customer-signal detector."""

    def __init__(self, detector: MoveDetector, customer: MoveDetector):
        self.detector = detector
        self.customer = customer

    def analyze(self, transcript: Transcript) -> TranscriptAnalysis:
        """Return the findings for one transcript."""
        allowed = set(moves_for(transcript.kind))
        findings: list[MessageFinding] = []
        signals: dict[int, dict[str, tuple[Hit, ...]]] = {}
        last_customer: int | None = None
        answered: set[int] = set()
        repeats = RepeatFinder()  # pasted replies, in bounded time (bot/core/repeats.py)
        bargained = False
        asked_price = False  # the last customer message asked the price or bargained
        acknowledged = False  # the last customer message only agreed (行, 这个可以)
        for i, msg in enumerate(transcript.messages):
            if msg.role == "customer":
                # The customer detector keeps the readings of recent lines itself
                # (bot.nlp.lexicon_loader.customer_detector): scripted lines repeat.
                read = self.customer.analyze(msg.text)
                bargained = bargained or "bargain" in read.moves
                asked_price = not PRICE_ASKING.isdisjoint(read.moves)
                found = dict(read.moves)
                if read.asks_question and "accept" in found:
                    # "可以吗？" asks, it does not agree; but 行，早这样不就好了。有返现吗？ agrees
                    # first and asks after: only an agreement in a sentence that asks is dropped.
                    agreed = tuple(
                        h for h in found["accept"] if not self._in_asking_sentence(msg.text, h)
                    )
                    if agreed:
                        found["accept"] = agreed
                    else:
                        del found["accept"]
                if found:
                    signals[i] = found
                # A bare 行 / 这个可以 owes no answer: the agent's next message, if it comes
                # much later, is a follow-up (花做好了，骑手刚取走), not a slow reply.
                acknowledged = (
                    bool(found) and found.keys() <= ACKNOWLEDGING and not read.asks_question
                )
                last_customer = i
                continue
            previous = transcript.messages[i - 1].at if i else None
            silence = (msg.at - previous).total_seconds() if msg.at and previous else None
            # "" when the agent speaks first: still a chat, so the learned reader reads it too.
            context = transcript.messages[last_customer].text if last_customer is not None else ""
            # Moves of another kind of chat are only counted (other_moves): no evidence needed.
            a = self.detector.analyze(msg.text, context, silence, evidence_for=allowed)
            answers = last_customer if last_customer not in answered else None
            reply = None
            if answers is not None:
                answered.add(answers)
                asked_at, at = transcript.messages[answers].at, msg.at
                if asked_at and at:
                    reply = round((at - asked_at).total_seconds(), 1)
                    if acknowledged and reply >= NEWS_SILENCE:
                        reply = None
            repeat_of = repeats.add(i, a.text)
            moves = {m: h for m, h in a.moves.items() if m in allowed}
            if "negotiate" in moves and not a.concessions and not bargained:
                # Holding a price is only bargaining when the customer has bargained; an offer
                # of a perk is bargaining whenever it comes.
                del moves["negotiate"]
            if asked_price and "negotiate" in allowed and "negotiate" not in moves:
                # Asked 多少钱 (or bargained), the agent who names a price states the terms of
                # the sale (礼盒5斤 399; 现在469 领卷减30): the evidence is the price.
                price = PRICE.search(normalize(a.text))
                if price is not None:
                    s, e = price.span()
                    moves["negotiate"] = (Hit("negotiate", a.text[s:e], s, e),)
            if (
                transcript.kind != "presale"
                and moves.keys() <= SOFT_MOVES
                and not a.violations
                and _ends_asking(a.text)
            ):
                # After a sale, a message that ends by asking and does nothing else but greet or
                # soothe asks what happened (宝宝多大啦 幼儿园用吗; 抱歉 亲是哪一单呢). Presale
                # questions need no such rule: the cues read inquiries well.
                move = "confirm" if _seeks_agreement(a.text) else "clarify"
                moves[move] = (Hit(move, a.text, 0, len(a.text)),)
            if not moves and context and self._answers_question(context, a):
                # A statement that answers the customer's question tells them something: in a
                # sale that is recommending, after it explaining.
                move = "recommend" if transcript.kind == "presale" else "explain"
                moves[move] = (Hit(move, a.text, 0, len(a.text)),)
            findings.append(
                MessageFinding(
                    index=i,
                    text=msg.text,
                    moves=moves,
                    other_moves=tuple(m for m in a.moves if m not in allowed),
                    rules=a.topics.get("rules", ()),
                    violations=tuple(
                        h for h in a.violations if h.label not in self.detector.red_lines
                    ),
                    red_lines=tuple(h for h in a.violations if h.label in self.detector.red_lines),
                    polite=bool(a.polite),
                    reply_seconds=reply,
                    answers=answers,
                    repeat_of=repeat_of,
                    off_topic=self._off_topic(transcript, answers, a),
                )
            )
        analysis = TranscriptAnalysis(transcript, findings, signals, Resolution(False, ""))
        analysis.resolution = self._resolution(analysis)
        return analysis

    def _in_asking_sentence(self, text: str, hit: Hit) -> bool:
        """Whether the sentence holding ``hit`` asks something."""
        ends = [m.end() for m in SENTENCE_STOP.finditer(text, 0, hit.start)]
        stop = SENTENCE_STOP.search(text, hit.end)
        sentence = text[ends[-1] if ends else 0 : stop.end() if stop else len(text)]
        return self.customer.is_question(sentence)

    def _answers_question(self, question: str, a: Analysis) -> bool:
        """A plain statement (no question, no holding) after a customer's question."""
        if a.asks_question or "holding" in a.topics or a.violations:
            return False
        return self.detector.is_question(question) and len(WORD_CHARS.findall(a.text)) >= 4

    def _off_topic(self, transcript: Transcript, answers: int | None, a: Analysis) -> bool:
        """An answer to a customer's question that does nothing and shares no words with it."""
        # The cues' moves only: the learned reader's guess (a recommendation?) does not make an
        # answer beside the question relevant.
        by_cues = any(not hits[0].words.startswith(LEARNED_PREFIX) for hits in a.moves.values())
        if answers is None or by_cues or a.concessions or "holding" in a.topics:
            return False  # "稍等，我帮您查一下" is a fair first answer
        question = transcript.messages[answers].text
        if not self.detector.is_question(question):
            return False
        return not (self.detector.content_words(question) & self.detector.content_words(a.text))

    @staticmethod
    def _partial(analysis: TranscriptAnalysis, at: int, reason: str) -> Resolution | None:
        """Acceptance at ``at`` with a grumble then or after: resolved but only in part, or,
        when the grumble is resentful (再拖我就投诉), not resolved; either way half the credit."""
        for signal, resolved in (("resentful", False), ("grudging", True)):
            found = [j for j in analysis.customer_has(signal) if j >= at]
            if found:
                said = "、".join(
                    h.words for j in found for h in analysis.customer_signals[j][signal]
                )
                why = f"{reason}，但仍有不满（“{said}”），只算部分解决"
                return Resolution(resolved, why, (at, *found), partial=True)
        return None

    def _resolution(self, analysis: TranscriptAnalysis) -> Resolution:
        outcome = analysis.transcript.outcome
        if outcome in GOOD_OUTCOMES or outcome in BAD_OUTCOMES:
            good = outcome in GOOD_OUTCOMES
            last = len(analysis.transcript.messages) - 1
            return Resolution(
                good, f"对话结束状态：{outcome_title(outcome)}", (last,) if last >= 0 else ()
            )
        messages = analysis.transcript.messages
        if (
            messages
            and messages[-1].role == "customer"
            and self.detector.is_question(messages[-1].text)
        ):
            # The chat ends on a customer's question nobody answered (那什么时候发？): whatever
            # was agreed before, the customer was left waiting.
            last = len(messages) - 1
            return Resolution(
                False, f"第{last + 1}条消息顾客的问题没有得到答复，对话就结束了", (last,)
            )
        # Imported: the customer's last decisive words settle it; a bare 谢谢 settles nothing.
        for i in sorted(analysis.customer_signals, reverse=True):
            found = analysis.customer_signals[i]
            for signal, good in DECISIVE_SIGNALS:
                if signal in found:
                    words = "、".join(h.words for h in found[signal])
                    reason = f"第{i + 1}条消息顾客说“{words}”"
                    if good:
                        partial = self._partial(analysis, i, reason)
                        if partial is not None:
                            return partial
                    return Resolution(good, reason, (i,))
        return Resolution(False, "顾客没有表示下单、接受方案或满意")


def _ends_asking(text: str) -> bool:
    """Whether the message ends by asking: its last clause is a question, with or without a
    question mark (real chats rarely write one)."""
    last = LAST_CLAUSE.search(text.strip())
    return bool(
        last and ASKING_CLAUSE.search(last.group()) and not OFFERS_HELP.search(last.group())
    )


def _seeks_agreement(text: str) -> bool:
    return bool(SEEKS_AGREEMENT.search(text.strip()))
