"""Storage of conversations in SQLite or PostgreSQL, behind plain functions.

Open the database with ``open_database(url)``, then pass the engine to the repository functions;
they hand back dataclasses (``StoredConversation``, ``ConversationSummary``, core
``Transcript``), never ORM rows. The tables live in ``bot.storage.models``.

The names below are imported on first use (PEP 562): importing a light module of this package
(``bot.storage.reader``, ``bot.storage.listing``) must not import SQLAlchemy and every model,
which alone takes longer than a whole ``kefu transcripts list`` on SQLite is allowed to.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.storage.db import open_database
    from bot.storage.records import (
        UNFINISHED,
        ConversationSummary,
        StoredConversation,
        StoredMessage,
    )
    from bot.storage.repository import (
        AgentMessage,
        add_message,
        create_conversation,
        finish_conversation,
        get_transcript,
        import_transcript,
        iter_conversations,
        list_conversations,
        load_conversation,
        new_id,
        record_turn,
        reply_reasons,
    )

# Each public name and the module that defines it.
_HOMES = {
    "open_database": "bot.storage.db",
    "UNFINISHED": "bot.storage.records",
    "ConversationSummary": "bot.storage.records",
    "StoredConversation": "bot.storage.records",
    "StoredMessage": "bot.storage.records",
    **dict.fromkeys(
        (
            "AgentMessage",
            "add_message",
            "create_conversation",
            "finish_conversation",
            "get_transcript",
            "import_transcript",
            "iter_conversations",
            "list_conversations",
            "load_conversation",
            "new_id",
            "record_turn",
            "reply_reasons",
        ),
        "bot.storage.repository",
    ),
}

__all__ = [
    "UNFINISHED",
    "AgentMessage",
    "ConversationSummary",
    "StoredConversation",
    "StoredMessage",
    "add_message",
    "create_conversation",
    "finish_conversation",
    "get_transcript",
    "import_transcript",
    "iter_conversations",
    "list_conversations",
    "load_conversation",
    "new_id",
    "open_database",
    "record_turn",
    "reply_reasons",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        # Not a re-exported name: ``from bot.storage import sheets`` then imports the submodule.
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value  # once: later look-ups are plain module attributes
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
