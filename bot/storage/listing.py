"""The list of stored conversations, newest first: one plain SQL query on any ``Reader``.

``kefu transcripts list`` runs it over sqlite3 on a current SQLite file (``bot.storage.reader``:
no SQLAlchemy to import), and ``iter_conversations`` over an engine's connection (PostgreSQL):
the same SQL, so both list the same rows in the same order.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.storage.reader import Reader, moment
from bot.storage.records import ConversationSummary
from bot.storage.times import join_time

# The columns of the list only, in the order of the index on (started_at_utc, id): the first
# rows come without sorting the table. Each message count is a correlated subquery answered from
# the index on messages (conversation_id, ...) without reading a message: exact, whatever wrote
# the messages, and for the 51 rows a person's list asks for it costs a fraction of a millisecond.
LIST_SQL = (
    "SELECT id, scenario_id, kind, outcome, started_at_utc, started_at_offset, channel, mode,"
    " candidate, title,"
    " (SELECT count(*) FROM messages WHERE messages.conversation_id = conversations.id)"
    " FROM conversations ORDER BY started_at_utc DESC, id DESC"
)


def summaries(reader: Reader, limit: int | None = None) -> Iterator[ConversationSummary]:
    """Yield summaries of the stored conversations, newest first, as the database hands them.

    Rows are streamed (a server-side cursor on PostgreSQL), so listing 100,000 conversations
    does not hold them all in memory.
    """
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be 0 or more, not {limit}")
    sql, params = LIST_SQL, {}
    if limit is not None:
        sql, params = f"{sql} LIMIT :limit", {"limit": limit}
    # Unpacked as tuples: a row's attributes by name cost more than the rest of this loop.
    for (
        id_,
        scenario,
        kind,
        outcome,
        started_utc,
        started_offset,
        channel,
        mode,
        candidate,
        title,
        messages,
    ) in reader.stream(sql, params):
        yield ConversationSummary(
            id=id_,
            scenario=scenario,
            kind=kind,
            outcome=outcome,
            started_at=join_time(moment(started_utc), started_offset),
            messages=messages,
            channel=channel,
            mode=mode,
            candidate=candidate,
            title=title,
        )
