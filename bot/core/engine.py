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
from dataclasses import dataclass
from datetime import datetime

from transitions import EventData, Machine

from bot.core.detector import Analysis, MoveDetector
from bot.core.errors import KefuError
from bot.core.registry import ACTIONS, CONDITIONS
from bot.core.scenario import Rule, Scenario

# What a customer whose state has no nudge lines says after a long silence.
SILENCE_DEFAULT = "在吗？"


@dataclass(frozen=True)
class Snapshot:
    """Everything needed to resume a conversation: plain values, stored in the database."""

    state: str
    mood: int
    misses: int
    turn: int
    seed: int


@dataclass(frozen=True)
class Turn:
    """What happened after one agent message."""

    analysis: Analysis
    replies: list[str]
    state: str
    outcome: str | None
    event: str  # advanced | ignored | offended


class Conversation:
    """One customer in one conversation: the model that the scenario's machine drives."""

    state: str  # set by transitions

    def __init__(self, engine: CustomerEngine, seed: int, mood: int, misses: int, turn: int):
        self.engine = engine
        self.scenario = engine.scenario
        self.seed = seed
        self.mood = mood
        self.misses = misses
        self.turn = turn

    @property
    def outcome(self) -> str | None:
        """The end state's outcome (``ordered``, ``left`` …), or None while it goes on."""
        return self.scenario.states[self.state].end

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    def snapshot(self) -> Snapshot:
        return Snapshot(self.state, self.mood, self.misses, self.turn, self.seed)

    def handle(self, text: str, at: datetime | None = None) -> Turn:
        """Take the agent's message and return the customer's reaction."""
        return self.engine.handle(self, text, at)

    def silence_line(self) -> str:
        """What the customer says when the agent has been silent too long: the state's nudge."""
        nudges = self.scenario.states[self.state].nudge
        return self.pick(nudges, "silence") if nudges else SILENCE_DEFAULT

    def pick(self, lines: list[str], key: str) -> str:
        """Choose one variant, the same one for the same seed, turn and purpose."""
        return random.Random(f"{self.seed}:{self.turn}:{key}").choice(lines)


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
                    after=_actions(rule),
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
        return convo, [convo.pick(self.scenario.states[convo.state].says, convo.state)]

    def resume(self, snap: Snapshot) -> Conversation:
        """Attach a saved conversation again, at the state it had reached."""
        if snap.state not in self.scenario.states:
            raise KefuError(
                f"对话保存的状态“{snap.state}”在剧本“{self.scenario.id}”中已不存在；"
                "剧本可能已被修改。"
            )
        convo = Conversation(self, snap.seed, snap.mood, snap.misses, snap.turn)
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
        event = "advanced"
        if analysis.violations:
            convo.mood = max(0, convo.mood - sc.when_offended.mood_drop)
            if convo.mood == 0:
                convo.take_offence()
                return self._ended(convo, analysis, "offended")
            replies.append(convo.pick(sc.when_offended.says, "offended"))
            event = "offended"
        if convo.respond(analysis=analysis):
            convo.misses = 0
            if convo.finished:
                replies.append(convo.pick(sc.states[convo.state].says, convo.state))
                return self._ended(convo, analysis, event, replies)
            replies.append(convo.pick(sc.states[convo.state].says, convo.state))
            return Turn(analysis, replies, convo.state, None, event)
        convo.misses += 1
        if convo.misses > sc.customer.patience:
            convo.lose_patience()
            return self._ended(convo, analysis, "ignored")
        if not replies:  # an offended remark already answers this message
            replies.append(self._nudge(convo))
            event = "ignored"
        return Turn(analysis, replies, convo.state, None, event)

    def _nudge(self, convo: Conversation) -> str:
        state = self.scenario.states[convo.state]
        growing = self.scenario.when_ignored.says
        if convo.misses == 1 and state.nudge:
            return convo.pick(state.nudge, "nudge")
        return growing[min(convo.misses - 1, len(growing) - 1)]

    def _ended(
        self, convo: Conversation, analysis: Analysis, event: str, replies: list[str] | None = None
    ) -> Turn:
        if replies is None:
            replies = [convo.pick(self.scenario.states[convo.state].says, convo.state)]
        self.release(convo)
        return Turn(analysis, replies, convo.state, convo.outcome, event)


def _conditions(rule: Rule) -> list:
    wanted = set(rule.when)

    def performs_move(ev: EventData) -> bool:
        return bool(wanted & ev.kwargs["analysis"].moves.keys())

    conditions = [performs_move]
    if rule.offers:
        wanted_offers = set(rule.offers)

        def offers_named_concession(ev: EventData) -> bool:
            return bool(wanted_offers & ev.kwargs["analysis"].concessions.keys())

        conditions.append(offers_named_concession)
    registered = [CONDITIONS[name].function for name in rule.if_]
    return conditions + [(lambda ev, f=f: f(ev.model, ev.kwargs["analysis"])) for f in registered]


def _actions(rule: Rule) -> list:
    return [
        (lambda ev, f=ACTIONS[name].function: f(ev.model, ev.kwargs["analysis"]))
        for name in rule.do
    ]
