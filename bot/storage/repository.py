"""Reading and writing conversations: plain functions over an ``Engine``, dataclasses out.

Each write is its own committed transaction, so a message is durable before the customer's
reply is shown; a crash loses at most the turn in flight. Callers never see ORM rows or
sessions, which keeps the core and the channels free of SQLAlchemy. The writes of a chat turn
(``add_message``, ``record_turn``) are a few plain SQL statements each: the conversation row
carries the next message number, and the ORM's bookkeeping would cost more than the writes.
"""

from __future__ import annotations

import secrets
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.core.engine import Snapshot
from bot.core.errors import KefuError, NotFound, TranscriptError
from bot.core.moves import KINDS
from bot.core.transcript import ROLES, Transcript, parse_time
from bot.storage.db import RELAXED_OPTION, WRITE_OPTION
from bot.storage.listing import summaries
from bot.storage.models import ID_MAX, ConversationRow, MessageRow
from bot.storage.reader import AlchemyReader
from bot.storage.records import (
    UNFINISHED,
    ConversationSummary,
    StoredConversation,
    StoredMessage,
)
from bot.storage.times import aware, join_time, now, split_time

_CONVERSATIONS = ConversationRow.__table__
_MESSAGES = MessageRow.__table__

# The statements of a stored turn, built once with bound parameters: a statement built per call
# with its values inside (``.values({...})``) has its cache key computed from every value each
# time, which cost more than the writes themselves (issue 15).
# FOR UPDATE on PostgreSQL; SQLite already holds the write lock (BEGIN IMMEDIATE).
_TURN_READ = (
    select(_CONVERSATIONS.c.turn, _CONVERSATIONS.c.next_seq)
    .where(_CONVERSATIONS.c.id == bindparam("cid"))
    .with_for_update()
)
_TURN_INSERT = insert(_MESSAGES)
_TURN_READING = (
    update(_MESSAGES)
    .where(
        _MESSAGES.c.conversation_id == bindparam("cid"),
        _MESSAGES.c.seq == bindparam("agent_seq"),
    )
    .values(moves=bindparam("m"), violations=bindparam("v"))
)
_TURN_UPDATE = update(_CONVERSATIONS).where(_CONVERSATIONS.c.id == bindparam("cid"))

LIST_HINT = "提示：用 kefu transcripts list 查看已有的对话。"
# The seed column is a signed 64-bit integer on every backend.
_SEED_RANGE = range(-(2**63), 2**63)
# A clash of the random suffix within one second is rare; a few retries make it vanishing.
_ID_ATTEMPTS = 5


def create_conversation(
    engine: Engine,
    *,
    scenario_id: str | None,
    scenario_hash: str | None,
    kind: str,
    title: str | None,
    snapshot: Snapshot,
    channel: str = "terminal",
    mode: str = "practice",
    candidate: str | None = None,
    started_at: datetime,
) -> str:
    """Store a new live conversation and return its id."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if snapshot.seed not in _SEED_RANGE:
        raise ValueError(f"seed {snapshot.seed} does not fit a signed 64-bit column")
    # A naive time is read as local time: the id and the list both need an offset.
    started_at = aware(started_at)
    for attempt in range(_ID_ATTEMPTS):
        conversation_id = new_id(started_at)
        try:
            with writing(engine) as session:
                row = ConversationRow(
                    id=conversation_id,
                    scenario_id=scenario_id,
                    scenario_hash=scenario_hash,
                    kind=kind,
                    title=title,
                    channel=channel,
                    mode=mode,
                    candidate=candidate,
                )
                _set_started(row, started_at)
                _set_snapshot(row, snapshot)
                session.add(row)
            return conversation_id
        except IntegrityError:
            if attempt == _ID_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def add_message(
    engine: Engine,
    conversation_id: str,
    *,
    role: str,
    text: str,
    at: datetime | None = None,
    moves: Iterable[str] = (),
    violations: Iterable[str] = (),
    client_id: str | None = None,
) -> int:
    """Append one message to a conversation and return its ``seq``.

    ``client_id`` is the channel's own id for the message; a second message with the same id in
    the same conversation is refused by the database (``IntegrityError``): see ``find_client_message``.
    """
    with writing(engine) as session:
        seq = _take_seqs(session, conversation_id, 1)
        session.execute(
            insert(_MESSAGES).values(
                {
                    **_message_values(conversation_id, seq, role, text, at, moves, violations),
                    "client_id": client_id,
                }
            )
        )
    return seq


def find_client_message(engine: Engine, conversation_id: str, client_id: str) -> int | None:
    """The ``seq`` of the message a channel stored under ``client_id``, or None."""
    with Session(engine) as session:
        return session.scalar(
            select(MessageRow.seq).where(
                MessageRow.conversation_id == conversation_id, MessageRow.client_id == client_id
            )
        )


def messages_after(engine: Engine, conversation_id: str, after: int) -> list[StoredMessage]:
    """The messages of a conversation whose ``seq`` is greater than ``after``, in order."""
    with Session(engine) as session:
        rows = session.scalars(
            select(MessageRow)
            .where(MessageRow.conversation_id == conversation_id, MessageRow.seq > after)
            .order_by(MessageRow.seq)
        )
        return [_stored_message(m) for m in rows]


def conversation_turn(engine: Engine, conversation_id: str) -> tuple[int | None, str | None]:
    """How far the customer has got: the engine's turn count and the outcome (None while live)."""
    with Session(engine) as session:
        row = session.execute(
            select(ConversationRow.turn, ConversationRow.outcome).where(
                ConversationRow.id == conversation_id
            )
        ).first()
        if row is None:
            raise _not_found(conversation_id)
        return row.turn, row.outcome


@dataclass(frozen=True)
class AgentMessage:
    """The agent's message of a turn, stored with the turn (``record_turn(agent=...)``)."""

    text: str
    at: datetime | None = None
    client_id: str | None = None


def record_turn(
    engine: Engine,
    conversation_id: str,
    *,
    replies: list[tuple[str, datetime | None]],
    snapshot: Snapshot,
    outcome: str | None,
    agent_seq: int | None = None,
    moves: Iterable[str] = (),
    violations: Iterable[str] = (),
    after_turn: int | None = None,
    reasons: Iterable[str] = (),
    agent: AgentMessage | None = None,
) -> list[int]:
    """Save one turn in one transaction: the agent's analysis, the replies, the new state.

    ``reasons`` (why the customer reacted so) are stored with the first reply.

    Returns the ``seq`` of each reply. When ``outcome`` is set, ``ended_at`` becomes the time of
    the last reply, or now if it has none. The agent's message is either stored already
    (``agent_seq``) or stored here with the rest (``agent``): one commit per turn, so one wait
    for the disk. ``after_turn``: the stored turn this one follows; when another process has
    saved a turn in the meantime, ``StaleTurn`` is raised and nothing of the turn is written
    but the agent's message (the caller attaches the conversation again from the database and
    answers it from there). A second message with the same ``client_id`` is refused by the
    database (``IntegrityError``) and nothing is written.
    """
    with _writing_connection(engine) as connection:
        _, seqs, stale = write_turn(
            connection,
            conversation_id,
            replies=replies,
            snapshot=snapshot,
            outcome=outcome,
            agent_seq=agent_seq,
            moves=moves,
            violations=violations,
            after_turn=after_turn,
            agent=agent,
            reasons=reasons,
        )
    if stale is not None:
        raise stale
    return seqs


def write_turn(
    session: Session | Connection,
    conversation_id: str,
    *,
    replies: list[tuple[str, datetime | None]],
    snapshot: Snapshot,
    outcome: str | None,
    agent_seq: int | None = None,
    moves: Iterable[str] = (),
    violations: Iterable[str] = (),
    after_turn: int | None = None,
    agent: AgentMessage | None = None,
    reasons: Iterable[str] = (),
) -> tuple[int | None, list[int], StaleTurn | None]:
    """``record_turn`` inside a caller's transaction (the Telegram channel writes a whole
    update in one): returns the agent message's seq, the replies' seqs, and the ``StaleTurn``
    to raise once the message alone is committed (None when the turn was saved).

    Three statements: read the turn and the next seq (locking the row), insert the message and
    the replies (one executemany), update the conversation; each built once (``_TURN_*``).
    """
    moves, violations = list(moves), list(violations)
    if agent_seq is None and agent is None and (moves or violations):
        raise ValueError("moves and violations belong to an agent message: pass agent_seq")
    if agent_seq is not None and agent is not None:
        raise ValueError("pass agent_seq (stored already) or agent (to store), not both")
    stale = None
    row = session.execute(_TURN_READ, {"cid": conversation_id}).first()
    if row is None:
        raise _not_found(conversation_id)
    turn, next_seq = row
    if after_turn is not None and (turn or 0) != after_turn:
        stale = StaleTurn(f"conversation {conversation_id} is at turn {turn}, not {after_turn}")
        if agent is None:
            raise stale
        moves, violations, replies = [], [], []  # keep the message alone, unanswered
    rows = []
    if agent is not None:
        agent_seq = next_seq
        message = _message_values(
            conversation_id, next_seq, "agent", agent.text, agent.at, moves, violations
        )
        rows.append({**message, "client_id": agent.client_id, "reasons": None})
        next_seq += 1
    elif agent_seq is not None:
        done = session.execute(
            _TURN_READING,
            {"cid": conversation_id, "agent_seq": agent_seq, "m": moves, "v": violations},
        )
        if done.rowcount == 0:
            raise NotFound(f"对话“{conversation_id}”中没有第 {agent_seq} 条消息。{LIST_HINT}")
    seqs = list(range(next_seq, next_seq + len(replies)))
    # Why the customer reacted so is stored with the first reply.
    why = list(reasons) or None
    for seq, (text, at) in zip(seqs, replies, strict=True):
        reply = _message_values(conversation_id, seq, "customer", text, at, (), ())
        rows.append({**reply, "client_id": None, "reasons": why if seq == seqs[0] else None})
    if rows:
        session.execute(_TURN_INSERT, rows)
    values: dict = {"cid": conversation_id, "next_seq": next_seq + len(replies)}
    if stale is None:
        values.update(
            state=snapshot.state,
            mood=snapshot.mood,
            misses=snapshot.misses,
            turn=snapshot.turn,
            seed=snapshot.seed,
            memory=dict(snapshot.memory) or None,
            outcome=outcome,
        )
        if outcome is not None:
            times = [at for _, at in replies if at is not None]
            values["ended_at_utc"], values["ended_at_offset"] = split_time(
                aware(times[-1] if times else now())
            )
    # The SET clause is the keys of ``values`` but "cid" (SQLAlchemy Core's update with params).
    session.execute(_TURN_UPDATE, values)
    return agent_seq, seqs, stale


def finish_conversation(
    engine: Engine, conversation_id: str, outcome: str, ended_at: datetime
) -> str:
    """Close a conversation that is still open (e.g. as ``unfinished``); return its outcome.

    A conversation the customer already ended keeps its outcome and end time, so a channel may
    call this on every exit without overwriting ``ordered`` with ``unfinished``.
    """
    with writing(engine) as session:
        row = _locked(session, conversation_id)
        if row.outcome is None:
            row.outcome = outcome
            _set_ended(row, ended_at)
        return row.outcome or outcome


def load_conversation(engine: Engine, conversation_id: str) -> StoredConversation:
    """Return the stored conversation with this id, messages in order."""
    with Session(engine) as session:
        row = session.get(
            ConversationRow, conversation_id, options=[selectinload(ConversationRow.messages)]
        )
        if row is None:
            raise _not_found(conversation_id)
        return _stored(row)


def list_conversations(engine: Engine, limit: int | None = None) -> list[ConversationSummary]:
    """Return summaries of the stored conversations, newest first."""
    return list(iter_conversations(engine, limit))


def iter_conversations(
    engine: Engine, limit: int | None = None
) -> Generator[ConversationSummary, None, None]:
    """Yield summaries of the stored conversations, newest first, as the database hands them.

    One query, whatever the number (``bot.storage.listing``), its rows streamed.
    """
    with engine.connect() as connection:
        yield from summaries(AlchemyReader(connection), limit)


def get_transcript(engine: Engine, conversation_id: str) -> Transcript:
    """Return a stored conversation as a contract transcript (section 2), ready to export."""
    stored = load_conversation(engine, conversation_id)
    outcome = stored.outcome
    if outcome is None and stored.channel != "import":
        # A live conversation that was never closed is exported as the contract says.
        outcome = UNFINISHED
    extra: dict[str, object] = {
        "started_at": stored.started_at.isoformat(),
        "channel": stored.channel,
        "mode": stored.mode,
    }
    if stored.scenario_hash is not None:
        extra["scenario_hash"] = stored.scenario_hash
    return Transcript(
        kind=stored.kind,
        messages=[m.to_message() for m in stored.messages],
        id=stored.id,
        scenario=stored.scenario_id,
        outcome=outcome,
        extra=extra,
    )


def reply_reasons(engine: Engine, conversation_id: str) -> dict[int, tuple[str, ...]]:
    """Why the customer said each reply, by the message's place in ``get_transcript``."""
    stored = load_conversation(engine, conversation_id)
    return {i: m.reasons for i, m in enumerate(stored.messages) if m.reasons}


def import_transcript(engine: Engine, transcript: Transcript, *, source: str) -> str:
    """Store a transcript read from ``source`` (a file name) and return its id."""
    _check_transcript(transcript, source)
    started_at = _import_start(transcript)
    known = [m.at for m in transcript.messages if m.at is not None]
    given = transcript.id or None
    for attempt in range(1 if given else _ID_ATTEMPTS):
        conversation_id = given or new_id(started_at)
        try:
            with writing(engine) as session:
                if given and session.get(ConversationRow, given) is not None:
                    raise _id_taken(given, source)
                row = ConversationRow(
                    id=conversation_id,
                    scenario_id=transcript.scenario,
                    kind=transcript.kind,
                    outcome=transcript.outcome,
                    channel="import",
                    mode=_import_mode(transcript),
                    source=source,
                    next_seq=len(transcript.messages),
                )
                _set_started(row, started_at)
                if known:
                    _set_ended(row, known[-1])
                session.add(row)
                session.add_all(
                    _message_row(conversation_id, seq, m.role, m.text, m.at, (), ())
                    for seq, m in enumerate(transcript.messages)
                )
            return conversation_id
        except IntegrityError:
            # Another process took the id between our check and our insert.
            if given:
                raise _id_taken(given, source) from None
            if attempt == _ID_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def new_id(started_at: datetime) -> str:
    """Return a fresh id such as ``20261124-223015-a1b2``: the start time, then random hex."""
    # The start time's own wall clock: the id reads as the time the candidate saw.
    return f"{started_at:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


@contextmanager
def writing(engine: Engine, *, relaxed: bool = False) -> Iterator[Session]:
    """Open a session that commits when the block ends, or rolls back if it raises.

    ``relaxed``: the write may be lost on a power cut without harm, so SQLite need not wait for
    the disk (``RELAXED_OPTION``); every other write keeps the database's ``synchronous``.
    """
    with Session(engine, expire_on_commit=False) as session:
        # The first use of the session: the options are read when its transaction begins.
        session.connection(execution_options={WRITE_OPTION: True, RELAXED_OPTION: relaxed})
        yield session
        session.commit()


@contextmanager
def _writing_connection(engine: Engine) -> Iterator[Connection]:
    """``writing`` for plain statements: one transaction on a connection, no ORM session
    (whose bookkeeping a turn's three statements do not need), the same write options."""
    with engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True, RELAXED_OPTION: False})
        with connection.begin():
            yield connection


def _locked(session: Session, conversation_id: str) -> ConversationRow:
    """Return the conversation row, locked until commit so that ``seq`` cannot be taken twice."""
    # FOR UPDATE on PostgreSQL; SQLite already holds the write lock (BEGIN IMMEDIATE).
    row = session.get(ConversationRow, conversation_id, with_for_update=True)
    if row is None:
        raise _not_found(conversation_id)
    return row


def _next_seq(session: Session, conversation_id: str) -> int:
    """The seq the conversation's next message will take (the row is already locked)."""
    return session.scalar(
        select(ConversationRow.next_seq).where(ConversationRow.id == conversation_id)
    )


def _take_seqs(session: Session, conversation_id: str, count: int) -> int:
    """Reserve ``count`` seqs of a conversation and return the first; locks its row till commit.

    One statement: the UPDATE takes the row's lock on PostgreSQL (SQLite holds the write lock).
    """
    conv = _CONVERSATIONS.c
    after = session.scalar(
        update(_CONVERSATIONS)
        .where(conv.id == conversation_id)
        .values(next_seq=conv.next_seq + count)
        .returning(conv.next_seq)
    )
    if after is None:
        raise _not_found(conversation_id)
    return after - count


def _message_values(
    conversation_id: str,
    seq: int,
    role: str,
    text: str,
    at: datetime | None,
    moves: Iterable[str],
    violations: Iterable[str],
) -> dict:
    """A message as the columns of one plain INSERT."""
    at_utc, at_offset = split_time(at) if at is not None else (None, None)
    return {
        "conversation_id": conversation_id,
        "seq": seq,
        "role": role,
        "text": text,
        "at_utc": at_utc,
        "at_offset": at_offset,
        "moves": list(moves),
        "violations": list(violations),
    }


def _message_row(
    conversation_id: str,
    seq: int,
    role: str,
    text: str,
    at: datetime | None,
    moves: Iterable[str],
    violations: Iterable[str],
) -> MessageRow:
    return MessageRow(**_message_values(conversation_id, seq, role, text, at, moves, violations))


def _set_snapshot(row: ConversationRow, snapshot: Snapshot) -> None:
    row.state, row.mood, row.misses = snapshot.state, snapshot.mood, snapshot.misses
    row.turn, row.seed = snapshot.turn, snapshot.seed
    row.memory = dict(snapshot.memory) or None


def _set_started(row: ConversationRow, started_at: datetime) -> None:
    row.started_at_utc, row.started_at_offset = split_time(aware(started_at))


def _set_ended(row: ConversationRow, ended_at: datetime) -> None:
    row.ended_at_utc, row.ended_at_offset = split_time(aware(ended_at))


def _stored(row: ConversationRow) -> StoredConversation:
    snapshot = None
    if row.state is not None:
        snapshot = Snapshot(
            state=row.state,
            mood=row.mood or 0,
            misses=row.misses or 0,
            turn=row.turn or 0,
            seed=row.seed or 0,
            memory=row.memory if isinstance(row.memory, dict) else {},
        )
    ended_at = None
    if row.ended_at_utc is not None:
        ended_at = join_time(row.ended_at_utc, row.ended_at_offset)
    return StoredConversation(
        id=row.id,
        kind=row.kind,
        channel=row.channel,
        mode=row.mode,
        started_at=join_time(row.started_at_utc, row.started_at_offset),
        scenario_id=row.scenario_id,
        scenario_hash=row.scenario_hash,
        title=row.title,
        candidate=row.candidate,
        outcome=row.outcome,
        ended_at=ended_at,
        source=row.source,
        snapshot=snapshot,
        messages=[_stored_message(m) for m in row.messages],
    )


def _stored_message(m: MessageRow) -> StoredMessage:
    return StoredMessage(
        seq=m.seq,
        role=m.role,
        text=m.text,
        at=join_time(m.at_utc, m.at_offset) if m.at_utc is not None else None,
        moves=tuple(m.moves or ()),
        violations=tuple(m.violations or ()),
        reasons=tuple(m.reasons or ()),
    )


def _check_transcript(transcript: Transcript, source: str) -> None:
    """Refuse what the tables would refuse, with a message instead of a database error."""
    if transcript.kind not in KINDS:
        raise TranscriptError(
            f"{source}: “kind”应为 {' / '.join(KINDS)} 之一，实际是 {transcript.kind!r}"
        )
    for i, message in enumerate(transcript.messages):
        if message.role not in ROLES:
            raise TranscriptError(
                f"{source}: messages[{i}].role 应为 customer 或 agent，实际是 {message.role!r}"
            )
    if transcript.id is not None and len(transcript.id) > ID_MAX:
        raise TranscriptError(
            f"{source}: “id”长 {len(transcript.id)} 个字符，超过上限 {ID_MAX}。"
            "提示：改短文件中的“id”，或删去它以自动生成。"
        )


def _import_start(transcript: Transcript) -> datetime:
    """The start of an imported conversation: as exported, else its first known time, else now."""
    exported = transcript.extra.get("started_at")
    if isinstance(exported, datetime):
        return aware(exported)
    if isinstance(exported, str):
        try:
            return aware(parse_time(exported))
        except ValueError:
            pass  # an unreadable extra key is ignored, like any unknown key
    for message in transcript.messages:
        if message.at is not None:
            return aware(message.at)
    return now()


def _import_mode(transcript: Transcript) -> str:
    mode = transcript.extra.get("mode")
    return mode if mode in ("practice", "exam") else "practice"


class StaleTurn(KefuError):
    """Another process saved a turn of this conversation first."""


def _not_found(conversation_id: str) -> NotFound:
    return NotFound(f"没有编号为“{conversation_id}”的对话。{LIST_HINT}")


def _id_taken(conversation_id: str, source: str) -> KefuError:
    return KefuError(
        f"{source}: 对话编号“{conversation_id}”已存在于数据库中，未导入。"
        "提示：用 kefu transcripts list 查看已有对话；如要另存一份，删去文件中的“id”即可自动编号。"
    )
