"""Storage of conversations in SQLite or PostgreSQL, behind plain functions.

Open the database with ``open_database(url)``, then pass the engine to the repository functions;
they hand back dataclasses (``StoredConversation``, ``ConversationSummary``, core
``Transcript``), never ORM rows. The tables live in ``bot.storage.models``.
"""

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
