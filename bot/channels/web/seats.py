"""What a seat in the web exam room does, as plain synchronous code over ``LiveChat``.

A seat is one browser. It opens an exam chat with an access code and a 准考证号 (or a practice
chat with a scenario of its choice), shows the brief until the candidate clicks 开始接待, then
passes each message to the customer through ``LiveChat``: the message is committed before the
customer reacts, and the reaction before it is shown. The page's own id for each message is
stored with it, so a message sent twice is stored and answered once. Nothing here knows HTTP:
the ASGI layer (``bot.channels.web.server``) runs these methods in worker threads.

Several server processes may serve one exam (PostgreSQL): the customer's state is read back
from the database whenever another process has moved the conversation on, and a turn saved on
top of a stale state is refused by storage (``StaleTurn``) and replayed from the database.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.core.errors import KefuError
from bot.core.moves import MOVE_TITLES, moves_for
from bot.core.outcomes import OUTCOMES
from bot.core.scenario import Scenario
from bot.services.app import App
from bot.services.exam_grading import collect_chat
from bot.services.live_chat import LiveChat, channel_title, now
from bot.storage import UNFINISHED, StoredMessage, add_message, finish_conversation
from bot.storage import web as store
from bot.storage.holds import EXPIRY, release, take
from bot.storage.patience import DatabaseBusy, DatabaseGone
from bot.storage.repository import (
    StaleTurn,
    conversation_turn,
    find_client_message,
    load_conversation,
    messages_after,
)
from bot.storage.sheets import sheet_by_code, use_code
from bot.storage.telegram import get_code
from bot.storage.web import Seat

CHANNEL = "web"
# A client's message id: what the page makes (a UUID) and nothing longer.
CLIENT_ID_MAX = 64


class SeatRefused(KefuError):
    """The seat may not do this (a wrong code, a chat held elsewhere, an empty message …)."""


@dataclass(frozen=True)
class SeatState:
    """Where a seat's chat stands, as the page shows it."""

    started: bool
    finished: bool
    outcome: str | None = None
    closed_by: str | None = None
    remaining: float | None = None  # seconds of exam time left

    def to_json(self) -> dict[str, Any]:
        return {
            "started": self.started,
            "finished": self.finished,
            "outcome": self.outcome,
            "outcome_title": OUTCOMES.get(self.outcome or "", "未完成") if self.finished else None,
            "closed_by": self.closed_by,
            "remaining": self.remaining,
        }


@dataclass
class SeatView:
    """Messages after a point, and the state, for one seat."""

    messages: list[dict[str, Any]]
    state: SeatState
    last_seq: int = -1
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"messages": self.messages, "state": self.state.to_json(), **self.extra}


class SeatService:
    """The web channel's behaviour; one per server process."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.db = app.db
        self.settings = app.settings
        self._chats: dict[str, LiveChat] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    # ------------------------------------------------------------------ opening a seat

    def open_exam(self, code_text: str, exam_number: str, token: str, address: str) -> Seat:
        """Open the exam chat of an access code on this seat, or refuse without saying why
        the pair is wrong (a guesser learns nothing about which 准考证号 exist)."""
        wait = store.login_wait(self.db, address)
        if wait > 0:
            raise SeatRefused(f"尝试次数太多，请 {int(wait) + 1} 秒后再试。")
        code_text, exam_number = code_text.strip().upper(), exam_number.strip()
        code = get_code(self.db, code_text) if code_text and exam_number else None
        sheet = sheet_by_code(self.db, code.code) if code is not None else None
        if code is None or (sheet is not None and sheet.exam_number != exam_number):
            store.record_login_failure(self.db, address)
            raise SeatRefused("考试码或准考证号不正确，请核对后重新输入。")
        store.clear_login_failures(self.db, address)
        conversation_id = code.conversation_id
        if conversation_id is not None:
            stored = load_conversation(self.db, conversation_id)
            if stored.finished:
                raise SeatRefused(
                    "这个考试码的考试对话已经结束，不能再次进入。如有疑问请联系监考老师。"
                )
            if stored.channel != CHANNEL:
                raise SeatRefused(
                    f"这个考试码的对话正在{channel_title(stored.channel)}上进行，请在那里继续。"
                )
        self._hold(code.code, token)
        return store.create_seat(
            self.db,
            Seat(
                token=token,
                mode="exam",
                scenario_id=code.scenario_id,
                scenario_hash=code.scenario_hash,
                code=code.code,
                exam_number=exam_number,
                conversation_id=conversation_id,
            ),
        )

    def open_practice(self, scenario_id: str, token: str) -> Seat:
        scenario = self.app.library.scenarios.get(scenario_id)
        if scenario is None:
            raise SeatRefused(f"没有剧本“{scenario_id}”。请在列表中选择。")
        return store.create_seat(
            self.db,
            Seat(
                token=token,
                mode="practice",
                scenario_id=scenario.id,
                scenario_hash=scenario.content_hash(),
            ),
        )

    def seat(self, token: str | None) -> Seat | None:
        return store.get_seat(self.db, token) if token else None

    def scenario(self, seat: Seat) -> Scenario:
        scenario = self.app.scenario_version(seat.scenario_id, seat.scenario_hash)
        if scenario is None:
            raise SeatRefused(f"剧本 {seat.scenario_id} 找不到了。请联系监考老师。")
        return scenario

    # ------------------------------------------------------------------ the exam code's hold

    def _hold(self, code: str, token: str) -> None:
        try:
            take(self.db, code, holder_of(token))
        except KefuError:
            raise SeatRefused(
                "这个考试码正在另一台电脑上使用。一个考试码同一时间只能在一个座位上打开；"
                f"如果那台电脑已经关闭，请 {int(EXPIRY.total_seconds())} 秒后再试，或请监考老师处理。"
            ) from None

    def keep_hold(self, seat: Seat) -> None:
        """Say again that this seat holds its code (a heartbeat); refuse if another seat took it."""
        if seat.code is not None:
            self._hold(seat.code, seat.token)  # taking it again renews it

    def let_go(self, seat: Seat) -> None:
        """Give the code up (the page was closed), so that another PC may take it at once."""
        if seat.code is not None:
            release(self.db, seat.code, holder_of(seat.token))

    # ------------------------------------------------------------------ the chat

    def start(self, seat: Seat) -> Seat:
        """Begin the chat (开始接待): the customer's first message and the clocks start now."""
        if seat.conversation_id is not None:
            return seat
        scenario = self.scenario(seat)
        chat, _opening = LiveChat.start(
            self.app,
            scenario,
            channel=CHANNEL,
            mode=seat.mode,
            candidate=(seat.exam_number or seat.code) if seat.exam else holder_of(seat.token),
        )
        if seat.code is not None:
            try:
                use_code(self.db, seat.code, chat.id)
            except KefuError:
                # Another seat began this code's chat a moment earlier: that one counts.
                chat.abandon()
                code = get_code(self.db, seat.code)
                if code is None or code.conversation_id is None:
                    raise
                store.set_seat_conversation(self.db, seat.token, code.conversation_id)
                return store.get_seat(self.db, seat.token) or seat
        minutes = self.settings.exam_minutes if seat.exam else 0
        store.start_clocks(
            self.db,
            chat.id,
            nudge_at=self._nudge_time(),
            ends_at=store.utc_now() + timedelta(minutes=minutes) if minutes > 0 else None,
        )
        store.set_seat_conversation(self.db, seat.token, chat.id)
        self._chats[chat.id] = chat
        return store.get_seat(self.db, seat.token) or seat

    def say(self, seat: Seat, text: str, client_id: str) -> SeatView:
        """Pass the candidate's message to the customer; return everything from it onwards.

        ``client_id`` is the page's id for this message: sent again (a double click, a resend
        after a dropped connection), it is stored once and answered once.
        """
        text = text.strip()
        if not text:
            raise SeatRefused("消息是空的，没有发送。")
        limit = self.settings.max_message_chars
        if limit and len(text) > limit:
            raise SeatRefused(
                f"这条消息有 {len(text)} 个字，超过了 {limit} 字的上限，没有发给顾客。请分成几条发送。"
            )
        if not 0 < len(client_id) <= CLIENT_ID_MAX:
            raise SeatRefused("消息编号无效。请刷新页面后重试。")
        conversation_id = self._conversation(seat)
        with self._lock(conversation_id):
            if find_client_message(self.db, conversation_id, client_id) is None:
                self._turn(seat, conversation_id, text, client_id)
            else:
                self._attach(conversation_id)  # a resend: finish its turn if a crash cut it
            seq = find_client_message(self.db, conversation_id, client_id)
        return self.view(seat, after=-1 if seq is None else seq - 1)

    def _turn(self, seat: Seat, conversation_id: str, text: str, client_id: str) -> None:
        """Run one turn: store the message, let the customer react, move the clocks."""
        chat = self._attach(conversation_id)
        if chat is None:
            raise SeatRefused("对话已经结束，消息没有发送。")
        try:
            chat.handle(text, client_id=client_id)
        except IntegrityError:
            # Another server process stored the same message a moment ago.
            self._chats.pop(conversation_id, None)
            if find_client_message(self.db, conversation_id, client_id) is None:
                raise
            self._attach(conversation_id)
        except StaleTurn:
            # Another process moved the customer on first; our message is stored: replay it.
            self._chats.pop(conversation_id, None)
            self._attach(conversation_id)
        except (DatabaseBusy, DatabaseGone) as exc:
            # Waited out (bot.storage.patience) in vain: say so plainly; the page keeps the line
            # for a resend, and the customer is attached again from what was stored.
            self._chats.pop(conversation_id, None)
            raise SeatRefused(str(exc)) from None
        _, outcome = conversation_turn(self.db, conversation_id)
        if outcome is not None:
            self._finished(conversation_id, "customer", seat.code)
        elif self.settings.nudge_seconds > 0:
            store.set_nudge(self.db, conversation_id, self._nudge_time())

    def end(self, seat: Seat) -> SeatView:
        """The candidate ends the chat (结束接待): it is kept as ``unfinished``."""
        conversation_id = self._conversation(seat)
        with self._lock(conversation_id):
            chat = self._chats.pop(conversation_id, None)
            if chat is not None:
                chat.abandon()
            else:
                finish_conversation(self.db, conversation_id, UNFINISHED, now())
            self._finished(conversation_id, "candidate", seat.code)
        return self.view(seat)

    def view(self, seat: Seat, after: int = -1) -> SeatView:
        """The seat's messages after ``after`` and its state; practice adds the moves seen."""
        if seat.conversation_id is None:
            return SeatView([], SeatState(started=False, finished=False))
        messages = messages_after(self.db, seat.conversation_id, after)
        _turn, outcome = conversation_turn(self.db, seat.conversation_id)
        clocks = store.get_clocks(self.db, seat.conversation_id)
        remaining = None
        if clocks.ends_at is not None:
            remaining = max(0.0, (clocks.ends_at - store.utc_now()).total_seconds())
        state = SeatState(
            started=True,
            finished=outcome is not None,
            outcome=outcome,
            closed_by=clocks.closed_by,
            remaining=remaining,
        )
        scenario = self.scenario(seat)
        shown = [self._message(seat, scenario, m) for m in messages]
        return SeatView(shown, state, messages[-1].seq if messages else after)

    def _message(self, seat: Seat, scenario: Scenario, m: StoredMessage) -> dict[str, Any]:
        item: dict[str, Any] = {
            "seq": m.seq,
            "role": m.role,
            "text": m.text,
            "at": m.at.strftime("%H:%M:%S") if m.at else "",
        }
        if not seat.exam and m.role == "agent":
            # Practice feedback: what the customer heard in the message; never in an exam.
            kind_moves = moves_for(scenario.kind)
            item["moves"] = [MOVE_TITLES[x] for x in m.moves if x in kind_moves]
            item["violations"] = list(m.violations)
        if not seat.exam and m.role == "customer" and m.reasons:
            # Why the customer said it (已回答：保质期，第 3 条): practice only, like the moves.
            item["reasons"] = list(m.reasons)
        return item

    # ------------------------------------------------------------------ the server's clocks

    def act_on_clocks(self) -> list[str]:
        """Nudge silent chats and end those whose exam time is up; return the chats changed."""
        changed = []
        at = store.utc_now()
        for conversation_id, clocks in store.due_clocks(self.db, at):
            if clocks.ends_at is not None and clocks.ends_at <= at:
                if store.claim_end(self.db, conversation_id, clocks.ends_at):
                    self._time_up(conversation_id)
                    changed.append(conversation_id)
            elif (
                clocks.nudge_at is not None
                and store.claim_nudge(self.db, conversation_id, clocks.nudge_at)
                and self._nudge(conversation_id)
            ):
                changed.append(conversation_id)
        return changed

    def _time_up(self, conversation_id: str) -> None:
        with self._lock(conversation_id):
            chat = self._chats.pop(conversation_id, None)
            if chat is not None:
                chat.abandon()
            else:
                finish_conversation(self.db, conversation_id, UNFINISHED, now())
            self._collect(conversation_id, store.code_of_conversation(self.db, conversation_id))

    def _nudge(self, conversation_id: str) -> bool:
        with self._lock(conversation_id):
            chat = self._attach(conversation_id)
            if chat is None:
                return False
            line = chat.convo.silence_line()
            add_message(self.db, conversation_id, role="customer", text=line, at=now())
            return True

    # ------------------------------------------------------------------ helpers

    def _nudge_time(self) -> datetime | None:
        seconds = self.settings.nudge_seconds
        return store.utc_now() + timedelta(seconds=seconds) if seconds > 0 else None

    def _conversation(self, seat: Seat) -> str:
        if seat.conversation_id is None:
            raise SeatRefused("请先点击“开始接待”。")
        return seat.conversation_id

    def _lock(self, conversation_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(conversation_id, threading.Lock())

    def _attach(self, conversation_id: str) -> LiveChat | None:
        """The live conversation (None once it has ended), read back from the database when
        another process moved it on; agent messages stored but not yet answered (a crash, a
        stale turn) are answered first, in order."""
        chat = self._chats.get(conversation_id)
        turn, outcome = conversation_turn(self.db, conversation_id)
        if outcome is not None:
            self._chats.pop(conversation_id, None)
            return None
        if chat is not None and chat.convo.turn == turn and not chat.finished:
            return chat
        chat = LiveChat.resume(self.app, conversation_id)
        stored = load_conversation(self.db, conversation_id)
        agent = [m for m in stored.messages if m.role == "agent"]
        for message in agent[chat.convo.turn :]:
            chat.complete(message.seq, message.text)
        self._chats[conversation_id] = chat
        return chat

    def _finished(self, conversation_id: str, closed_by: str, code: str | None) -> None:
        self._chats.pop(conversation_id, None)
        store.stop_clocks(self.db, conversation_id, closed_by)
        self._collect(conversation_id, code)

    def _collect(self, conversation_id: str, code: str | None) -> None:
        """Carry an ended exam chat's score into its result sheet (a drawn code has one)."""
        sheet = sheet_by_code(self.db, code) if code else None
        if sheet is not None:
            collect_chat(self.app, sheet)


def holder_of(token: str) -> str:
    """How a seat is named in an exam code's hold (never the whole token: it is a secret)."""
    return f"web:{token[:12]}"


def new_token() -> str:
    return secrets.token_urlsafe(24)
