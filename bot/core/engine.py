"""The scripted customer: a ``transitions`` state machine built once per scenario.

Each live conversation is one model attached to its scenario's machine (``add_model``) and
detached when it ends: a machine per conversation would cost far more memory. A conversation is
saved as a ``Snapshot`` of plain values and restored by attaching it again at its state, never by
pickling. Replies are chosen from the script's variants by a seed, the turn and the state, so the
same seed and the same agent messages always give the same customer, even across restarts.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from transitions import EventData, Machine

from bot.core.detector import Analysis, MoveDetector
from bot.core.errors import KefuError
from bot.core.memory import (
    Memory,
    direct_answer,
    fill,
    find_slots,
    find_topics,
    placeholders,
)
from bot.core.moves import MOVE_TITLES
from bot.core.registry import ACTIONS, CONDITIONS
from bot.core.scenario import Rule, Scenario

# What a customer whose state has no nudge lines says after a long silence.
SILENCE_DEFAULT = "在吗？"
# What the customer says on reaching a question the agent had already answered (state ``heard``).
HEARD_DEFAULT = ("哦对，你刚才说过了。", "嗯，这个你前面说过了。", "哦，这个你说过了，好的。")
# What the customer says when the agent's summary contradicts what was agreed.
CORRECTION = "不对哦，{slot}是{value}，我们刚才说好的。"
MOVES_THAT_CHECK = frozenset({"verify", "confirm"})
# The moves an offered concession is part of: a second concession in the same message answers
# a second round of haggling even though the move itself was taken by the first.
OFFERING_MOVES = frozenset({"negotiate", "remedy"})


@dataclass(frozen=True)
class Snapshot:
    """Everything needed to resume a conversation: plain values, stored in the database."""

    state: str
    mood: int
    misses: int
    turn: int
    seed: int
    memory: dict[str, Any] = field(default_factory=dict)  # Memory.to_json()


@dataclass(frozen=True)
class Turn:
    """What happened after one agent message, and why the customer reacted so."""

    analysis: Analysis
    replies: list[str]
    state: str
    outcome: str | None
    event: str  # advanced | ignored | offended
    reasons: tuple[str, ...] = ()  # 已回答：保质期，客服第 3 句 / 客户还在等：保质期 …


class Conversation:
    """One customer in one conversation: the model that the scenario's machine drives."""

    state: str  # set by transitions

    def __init__(
        self,
        engine: CustomerEngine,
        seed: int,
        mood: int,
        misses: int,
        turn: int,
        memory: Memory | None = None,
    ):
        self.engine = engine
        self.scenario = engine.scenario
        self.seed = seed
        self.mood = mood
        self.misses = misses
        self.turn = turn
        self.memory = memory or Memory()
        self.fired: Rule | None = None  # the exit the last step took (set by the machine)

    @property
    def outcome(self) -> str | None:
        """The end state's outcome (``ordered``, ``left`` …), or None while it goes on."""
        return self.scenario.states[self.state].end

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    def snapshot(self) -> Snapshot:
        return Snapshot(
            self.state, self.mood, self.misses, self.turn, self.seed, self.memory.to_json()
        )

    def handle(self, text: str, at: datetime | None = None) -> Turn:
        """Take the agent's message and return the customer's reaction."""
        return self.engine.handle(self, text, at)

    def silence_line(self) -> str:
        """What the customer says when the agent has been silent too long: the state's nudge."""
        nudges = self.scenario.states[self.state].nudge
        return self.say(nudges, "silence") if nudges else SILENCE_DEFAULT

    def pick(self, lines: list[str] | tuple[str, ...], key: str) -> str:
        """Choose one variant, the same one for the same seed, turn and purpose."""
        return random.Random(f"{self.seed}:{self.turn}:{key}").choice(lines)

    def say(self, lines: list[str] | tuple[str, ...], key: str) -> str:
        """Pick a line and put in what was agreed; a value the customer says is agreed from
        then on, so that it never says another one."""
        line = self.pick(lines, key)
        for slot in placeholders(line):
            spec = self.scenario.remembers.get(slot)
            if spec is None:
                continue
            self.memory.slots.setdefault(slot, str(spec.default))
            if slot not in self.memory.agreed:
                self.memory.agreed.append(slot)
        return fill(line, self.memory.slots)


class ConversationOver(KefuError):
    """The customer has already ended this conversation."""


class CustomerEngine:
    """The state machine of one scenario, shared by all of its live conversations."""

    def __init__(self, scenario: Scenario, detector: MoveDetector):
        self.scenario = scenario
        self.detector = detector
        self.machine = Machine(
            model=None,
            states=list(scenario.states),
            initial=scenario.start,
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=True,
            model_attribute="state",
        )
        # Conversations share this machine and channels serve them from worker threads:
        # changes to the machine's models and transitions take turns (a fraction of a ms).
        self._lock = threading.RLock()
        open_states = [n for n, s in scenario.states.items() if not s.end]
        for name in open_states:
            for rule in scenario.states[name].on:
                self.machine.add_transition(
                    "respond",
                    source=name,
                    dest=rule.go,
                    conditions=_conditions(rule),
                    after=[_record(rule), *_actions(rule)],
                )
        self.machine.add_transition(
            "lose_patience", source=open_states, dest=scenario.when_ignored.go
        )
        self.machine.add_transition(
            "take_offence", source=open_states, dest=scenario.when_offended.go
        )

    def start(self, seed: int) -> tuple[Conversation, list[str]]:
        """Open a conversation; return it and the customer's first message."""
        convo = Conversation(self, seed, self.scenario.customer.mood, misses=0, turn=0)
        with self._lock:
            self.machine.add_model(convo, initial=self.scenario.start)
        return convo, [convo.say(self.scenario.states[convo.state].says, convo.state)]

    def resume(self, snap: Snapshot) -> Conversation:
        """Attach a saved conversation again, at the state it had reached."""
        if snap.state not in self.scenario.states:
            raise KefuError(
                f"对话保存的状态“{snap.state}”在剧本“{self.scenario.id}”中已不存在；"
                "剧本可能已被修改。"
            )
        convo = Conversation(
            self, snap.seed, snap.mood, snap.misses, snap.turn, Memory.from_json(snap.memory)
        )
        with self._lock:
            self.machine.add_model(convo, initial=snap.state)
            if convo.finished:
                self.release(convo)
        return convo

    def release(self, convo: Conversation) -> None:
        """Detach a conversation from the machine (when it ends or is put away)."""
        with self._lock:
            if convo in self.machine.models:
                self.machine.remove_model(convo)

    def handle(self, convo: Conversation, text: str, at: datetime | None = None) -> Turn:
        """Advance one conversation by one agent message."""
        if convo.finished:
            raise ConversationOver("这段对话已经结束了。")
        analysis = self.detector.analyze(text)  # the slow part, outside the lock
        with self._lock:
            return self._advance(convo, analysis)

    def _advance(self, convo: Conversation, analysis: Analysis) -> Turn:
        convo.turn += 1
        sc = self.scenario
        replies: list[str] = []
        reasons: list[str] = []
        event = "advanced"
        self._remember(convo, analysis, reasons)
        if analysis.violations:
            convo.mood = max(0, convo.mood - sc.when_offended.mood_drop)
            words = "、".join(analysis.violation_phrases)
            reasons.append(
                f"服务禁用语：{words}，客服第 {convo.turn} 句（心情 -{sc.when_offended.mood_drop}）"
            )
            if convo.mood == 0:
                convo.take_offence()
                return self._ended(convo, analysis, "offended", reasons=reasons)
            replies.append(convo.pick(sc.when_offended.says, "offended"))
            event = "offended"
        correction = self._contradiction(convo, analysis)
        if correction is not None:
            line, why = correction
            return Turn(analysis, [*replies, line], convo.state, None, "ignored", (*reasons, why))
        heard: list[str] | tuple[str, ...] = ()  # the acknowledgement of a question answered before
        steps = 0
        # One message may advance several steps (a remedy offered before the details were asked,
        # a question answered before it was put); each step uses up the moves it took, and the
        # number of states bounds the chain.
        while not convo.finished and steps < len(sc.states):
            left = sc.states[convo.state]
            step = self._step(convo, analysis, first=not steps)
            if step is None:
                break
            why, from_memory = step
            reasons.append(why)
            if from_memory and not heard:
                heard = left.heard or HEARD_DEFAULT
            steps += 1
        if steps:
            convo.misses = 0
            convo.memory.forget_leftovers(convo.turn)
            reasons = _without_repeats(reasons)
            state = sc.states[convo.state]
            if heard and not convo.finished:
                replies.append(convo.pick(heard, "heard"))
            replies.append(convo.say(state.says, convo.state))
            if convo.finished:
                return self._ended(convo, analysis, event, replies, reasons)
            reasons += self._asking(convo)
            return Turn(analysis, replies, convo.state, None, event, tuple(reasons))
        reasons.append(self._waiting(convo))
        convo.misses += 1
        if convo.misses > sc.customer.patience:
            convo.lose_patience()
            return self._ended(convo, analysis, "ignored", reasons=reasons)
        if not replies:  # an offended remark already answers this message
            replies.append(self._nudge(convo))
            event = "ignored"
        return Turn(analysis, replies, convo.state, None, event, tuple(reasons))

    def _remember(self, convo: Conversation, analysis: Analysis, reasons: list[str]) -> None:
        """Note what this message did: moves, answers, offers and the values it names."""
        n, mem, sc = convo.turn, convo.memory, self.scenario
        mem.forget_momentary(n)
        for move in analysis.moves:
            mem.pending[move] = n
        for concession in analysis.concessions:
            mem.offered.setdefault(concession, n)
            mem.offers_pending[concession] = n
        asked_here = sc.states[convo.state].asks
        for topic, found in find_topics(analysis.text, sc.topics).items():
            if topic not in mem.answered:
                mem.answered[topic] = n
                mem.answer_words[topic] = found.words
                if topic not in asked_here:
                    reasons.append(f"提前回答了：{topic}，客服第 {n} 句（“{found.words}”）")
        open_questions = mem.unanswered(sc.states[convo.state].asks)
        if open_questions and (words := direct_answer(analysis.text)):
            for topic in open_questions:  # 有货的 answers the question just put
                mem.answered[topic] = n
                mem.answer_words[topic] = words
        values = {k: [str(v) for v in s.values] for k, s in sc.remembers.items()}
        for slot, found in find_slots(analysis.text, values, analysis).items():
            if slot not in mem.agreed and mem.slots.get(slot) != found.name:
                mem.slots[slot] = found.name
                reasons.append(f"记下：{slot} {found.name}，客服第 {n} 句")

    def _contradiction(self, convo: Conversation, analysis: Analysis) -> tuple[str, str] | None:
        """A check (核对订单) naming another value than the one agreed: the customer corrects it."""
        if not MOVES_THAT_CHECK & analysis.moves.keys():
            return None
        mem = convo.memory
        values = {k: [str(v) for v in s.values] for k, s in self.scenario.remembers.items()}
        for slot, found in find_slots(analysis.text, values, analysis).items():
            agreed = mem.slots.get(slot)
            if slot in mem.agreed and agreed is not None and found.name != agreed:
                return (
                    CORRECTION.format(slot=slot, value=agreed),
                    f"与约定不符：{slot}说好是 {agreed}，客服第 {convo.turn} 句写成了 {found.name}",
                )
        return None

    def _step(
        self, convo: Conversation, analysis: Analysis, first: bool
    ) -> tuple[str, bool] | None:
        """Take one exit of the current state, if any holds; return why, and whether only
        memory (not this message) made it hold."""
        n, mem = convo.turn, convo.memory
        state = self.scenario.states[convo.state]
        answered = bool(state.asks) and not mem.unanswered(state.asks)
        moves = set(mem.pending)
        if state.asks and not answered:
            # A question still open wants its answer: only this message's moves, and only for
            # the state it was written to (a question just put is not answered by a leftover).
            moves = {m for m, t in mem.pending.items() if t == n} if first else set()
        convo.fired = None
        if not convo.respond(analysis=analysis, moves=moves, answered=answered):
            return None
        rule = convo.fired
        assert rule is not None
        # One move per step (the first the rule lists): 理解您的想法，其实它不用预热… is both
        # the empathy one state waits for and the explanation the next one does.
        used = [m for m in rule.when if m in mem.pending][:1]
        turns = [mem.pending.pop(m) for m in used]
        # A step that wanted a concession takes one: a message with two (最低价 and a gift)
        # answers two rounds of haggling.
        allowed = _wanted_offers(self.scenario, rule)
        offered = [c for c in mem.offers_pending if c in allowed][:1]
        for concession in offered:
            mem.offers_pending.pop(concession)
        if answered:
            why = "；".join(
                f"已回答：{t}，客服第 {mem.answered[t]} 句（“{mem.answer_words.get(t, '')}”）"
                for t in state.asks
            )
            return why, all(mem.answered[t] < n for t in state.asks)
        # A second concession in one message advances without a move of its own (让步).
        titles = "、".join(MOVE_TITLES.get(m, m) for m in used) or "让步"
        extra = f"（{offered[0]}，第 {mem.offered[offered[0]]} 句）" if offered else ""
        if turns and min(turns) < n:
            return f"已做过：{titles}，客服第 {min(turns)} 句{extra}", False
        return f"客服{titles}，第 {n} 句{extra}", False

    def _asking(self, convo: Conversation) -> list[str]:
        open_questions = convo.memory.unanswered(self.scenario.states[convo.state].asks)
        return [f"客户在问：{'、'.join(open_questions)}"] if open_questions else []

    def _waiting(self, convo: Conversation) -> str:
        """Why the customer did not move on: the question still open, or the moves it waits for."""
        state = self.scenario.states[convo.state]
        open_questions = convo.memory.unanswered(state.asks)
        if open_questions:
            return f"客户还在等：{'、'.join(open_questions)}"
        wanted = dict.fromkeys(MOVE_TITLES.get(m, m) for rule in state.on for m in rule.when)
        return f"客户还在等：{'、'.join(wanted)}"

    def _nudge(self, convo: Conversation) -> str:
        state = self.scenario.states[convo.state]
        growing = self.scenario.when_ignored.says
        if convo.misses == 1 and state.nudge:
            return convo.say(state.nudge, "nudge")
        return growing[min(convo.misses - 1, len(growing) - 1)]

    def _ended(
        self,
        convo: Conversation,
        analysis: Analysis,
        event: str,
        replies: list[str] | None = None,
        reasons: list[str] | None = None,
    ) -> Turn:
        if replies is None:
            replies = [convo.say(self.scenario.states[convo.state].says, convo.state)]
        self.release(convo)
        return Turn(analysis, replies, convo.state, convo.outcome, event, tuple(reasons or ()))


def _wanted_offers(scenario: Scenario, rule: Rule) -> list[str]:
    """The concessions a rule waits for: its ``offers``, or any the brief allows."""
    if rule.offers:
        return list(rule.offers)
    return list(scenario.brief.concessions) if "offers_concession" in rule.if_ else []


def _without_repeats(reasons: list[str]) -> list[str]:
    """Drop 提前回答了：X when the same message also reached the question (已回答：X …)."""
    reached = {r.split("：", 1)[1].split("（", 1)[0] for r in reasons if r.startswith("已回答：")}
    return [
        r
        for r in reasons
        if not (r.startswith("提前回答了：") and r.split("：", 1)[1].split("（", 1)[0] in reached)
    ]


def _conditions(rule: Rule) -> list:
    wanted = set(rule.when)

    def performs_move(ev: EventData) -> bool:
        # The move done now or earlier and not yet used; or the state's question answered; or,
        # for a rule that waits for a concession, that concession offered in this very message
        # (the haggling move it came with was taken by the step before).
        if ev.kwargs["answered"] or wanted & ev.kwargs["moves"]:
            return True
        # Only a rule that names its concessions: 最低价 after 优惠券 is a new round, a second
        # perk of any kind (券 and 包邮 together) is one offer.
        pending = ev.model.memory.offers_pending
        return bool(wanted & OFFERING_MOVES) and any(
            pending.get(c) == ev.model.turn for c in rule.offers
        )

    conditions = [performs_move]
    if rule.offers:
        wanted_offers = set(rule.offers)

        def offers_named_concession(ev: EventData) -> bool:
            return bool(wanted_offers & ev.model.memory.offers_pending.keys())

        conditions.append(offers_named_concession)
    registered = [CONDITIONS[name].function for name in rule.if_]
    return conditions + [(lambda ev, f=f: f(ev.model, ev.kwargs["analysis"])) for f in registered]


def _record(rule: Rule):
    def record(ev: EventData) -> None:
        ev.model.fired = rule

    return record


def _actions(rule: Rule) -> list:
    return [
        (lambda ev, f=ACTIONS[name].function: f(ev.model, ev.kwargs["analysis"]))
        for name in rule.do
    ]
