"""Live conversations: the one seam where every channel meets the engine and the database.

A channel turns its events into ``LiveChat.handle(text, at)`` calls and shows the replies. The
agent's message is committed before the engine runs, and the customer's replies with the new
state are committed before they are returned: a crash or a kill loses nothing that was said.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from bot.core.engine import Conversation, Snapshot, Turn
from bot.core.errors import KefuError
from bot.core.scenario import Scenario
from bot.services.app import App
from bot.storage import (
    UNFINISHED,
    AgentMessage,
    add_message,
    create_conversation,
    finish_conversation,
    load_conversation,
    record_turn,
)
from bot.storage.patience import patiently

# How messages name the channel a conversation runs on.
CHANNEL_TITLES = {"terminal": "终端（kefu chat）", "telegram": "Telegram", "web": "网页考场"}


def channel_title(channel: str) -> str:
    return CHANNEL_TITLES.get(channel, channel)


def now() -> datetime:
    """The local time with its offset, as transcripts record it."""
    return datetime.now().astimezone()


@dataclass
class LiveChat:
    """One stored conversation with its attached customer."""

    app: App
    id: str
    scenario: Scenario
    convo: Conversation

    @classmethod
    def start(
        cls,
        app: App,
        scenario: Scenario,
        *,
        seed: int | None = None,
        channel: str = "terminal",
        mode: str = "practice",
        candidate: str | None = None,
    ) -> tuple[LiveChat, list[str]]:
        """Open and store a new conversation; return it and the customer's first messages."""
        engine = app.engine_for(scenario)
        convo, opening = engine.start(secrets.randbelow(2**31) if seed is None else seed)
        at = now()
        chat_id = patiently(
            lambda: create_conversation(
                app.db,
                scenario_id=scenario.id,
                scenario_hash=scenario.content_hash(),
                kind=scenario.kind,
                title=scenario.title,
                snapshot=convo.snapshot(),
                channel=channel,
                mode=mode,
                candidate=candidate,
                started_at=at,
            )
        )
        patiently(
            lambda: record_turn(
                app.db,
                chat_id,
                replies=[(line, at) for line in opening],
                snapshot=convo.snapshot(),
                outcome=None,
            )
        )
        return cls(app, chat_id, scenario, convo), opening

    @classmethod
    def resume(cls, app: App, chat_id: str) -> LiveChat:
        """Attach a stored, unfinished conversation again at the state it had reached."""
        stored = load_conversation(app.db, chat_id)
        if stored.snapshot is None or stored.scenario_id is None or stored.finished:
            raise KefuError(f"对话 {chat_id} 不能继续：它是导入的记录，或已经结束。")
        scenario = app.scenario_version(stored.scenario_id, stored.scenario_hash)
        if scenario is None:
            scenario = app.library.get(stored.scenario_id)  # raises NotFound with a suggestion
        convo = app.engine_for(scenario).resume(stored.snapshot)
        return cls(app, chat_id, scenario, convo)

    @property
    def finished(self) -> bool:
        return self.convo.finished

    def handle(self, text: str, at: datetime | None = None, client_id: str | None = None) -> Turn:
        """Store the agent's message, let the customer react, store and return the reaction.

        ``client_id``: the channel's id for this message, stored with it so that the same
        message sent twice is stored once (the database refuses the second).
        """
        saved = self.convo.snapshot()
        turn, record = self.play(text, at, client_id)
        # One transaction, one wait for the disk: the message, its reading, the replies, the
        # state; committed before the replies are shown. A locked database is waited for
        # (bot.storage.patience): the line is not lost.
        try:
            patiently(lambda: record_turn(self.app.db, self.id, **record))
        except Exception:
            # Nothing of the turn was stored, so the customer forgets it too: the same line sent
            # again is answered as if for the first time, from the state the database holds.
            self.rewind(saved)
            raise
        return turn

    def rewind(self, saved: Snapshot) -> None:
        """Put the customer back at ``saved`` (a turn that could not be stored is undone)."""
        engine = self.app.engine_for(self.scenario)
        engine.release(self.convo)
        self.convo = engine.resume(saved)

    def play(
        self,
        text: str,
        at: datetime | None = None,
        client_id: str | None = None,
        *,
        keep_on_error: bool = True,
    ) -> tuple[Turn, dict]:
        """Let the customer react to the agent's message; return the turn and what to store.

        The second item holds ``record_turn``'s arguments (the message, its reading, the replies,
        the new state): ``handle`` stores them at once; the Telegram channel stores them with
        the rest of the update, in one transaction. When the customer cannot react (a bug),
        the message is stored alone unless ``keep_on_error`` is off (Telegram keeps the raw
        update, and replays it).
        """
        at = at or now()
        before = self.convo.turn
        try:
            turn = self.convo.handle(text, at)
        except Exception:
            if keep_on_error:  # a locked database is waited for: the line is not lost
                patiently(
                    lambda: add_message(
                        self.app.db, self.id, role="agent", text=text, at=at, client_id=client_id
                    )
                )
            raise
        replied = now()
        record = {
            "replies": [(line, replied) for line in turn.replies],
            "snapshot": self.convo.snapshot(),
            "outcome": turn.outcome,
            "agent": AgentMessage(text, at, client_id),
            "moves": turn.analysis.move_names,
            "violations": turn.analysis.violation_phrases,
            # Another process may have answered it: StaleTurn, the message kept alone.
            "after_turn": before,
            "reasons": turn.reasons,
        }
        return turn, record

    def complete(self, seq: int, text: str, at: datetime | None = None) -> Turn:
        """Let the customer react to the stored agent message ``seq`` and store the reaction.

        ``handle`` calls this; a channel that replays an update after a crash calls it alone
        when the message was stored but the process died before the customer reacted.
        """
        before = self.convo.turn
        turn = self.convo.handle(text, at)
        replied = now()
        patiently(
            lambda: record_turn(
                self.app.db,
                self.id,
                replies=[(line, replied) for line in turn.replies],
                snapshot=self.convo.snapshot(),
                outcome=turn.outcome,
                agent_seq=seq,
                moves=turn.analysis.move_names,
                violations=turn.analysis.violation_phrases,
                after_turn=before,  # another process may have answered: StaleTurn, none written
                reasons=turn.reasons,
            )
        )
        return turn

    def abandon(self) -> None:
        """End the conversation early (Ctrl-C, end of input, /end) as ``unfinished``."""
        if not self.finished:
            finish_conversation(self.app.db, self.id, UNFINISHED, now())
            self.app.engine_for(self.scenario).release(self.convo)
