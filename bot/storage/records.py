"""The plain dataclasses that the repository hands out instead of ORM rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core.transcript import Message

if TYPE_CHECKING:
    # Only a type here: the engine imports the scripts' model (pydantic), which a command that
    # only lists conversations does not need.
    from bot.core.engine import Snapshot

# What ``to_json`` says for a conversation that never reached an end state (contract section 2).
UNFINISHED = "unfinished"


@dataclass(frozen=True)
class StoredMessage:
    """One stored message, with what the detector found in it (agent messages only)."""

    seq: int
    role: str
    text: str
    at: datetime | None = None
    moves: tuple[str, ...] = ()
    violations: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()  # why the customer said it (customer replies only)

    def to_message(self) -> Message:
        """Return the core's ``Message`` for this line."""
        return Message(role=self.role, text=self.text, at=self.at)


@dataclass(frozen=True)
class StoredConversation:
    """A whole stored conversation: where it came from, how it stands, and its messages."""

    id: str
    kind: str
    channel: str
    mode: str
    started_at: datetime
    scenario_id: str | None = None
    scenario_hash: str | None = None
    title: str | None = None
    candidate: str | None = None
    outcome: str | None = None
    ended_at: datetime | None = None
    source: str | None = None
    snapshot: Snapshot | None = None
    messages: list[StoredMessage] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        """True once the customer reached an end state or the conversation was closed."""
        return self.outcome is not None


@dataclass(frozen=True)
class ConversationSummary:
    """One line of ``kefu transcripts list``."""

    id: str
    scenario: str | None
    kind: str
    outcome: str | None
    started_at: datetime
    messages: int
    channel: str
    mode: str
    candidate: str | None = None
    title: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object of ``kefu transcripts list --json`` (contract section 2)."""
        return {
            "id": self.id,
            "scenario": self.scenario,
            "kind": self.kind,
            "outcome": self.outcome or UNFINISHED,
            "started_at": self.started_at.isoformat(),
            "messages": self.messages,
            "title": self.title,
            "channel": self.channel,
            "mode": self.mode,
            "candidate": self.candidate,
        }
