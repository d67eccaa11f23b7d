"""What the bot does with each kind of update, as plain synchronous code over ``LiveChat``.

Every method decides what the update changes, collects it in ``Effects`` and writes it with one
``storage.apply`` call (replies into the outbox, the chat's binding and deadlines, the update
marked handled). The async layer runs these methods in a worker thread, under the chat's lock,
and then wakes the sender. Nothing here knows about python-telegram-bot.

A candidate's text is written in the same single transaction: the customer reacts in memory
(``LiveChat.play``) and ``apply`` stores the message, the reaction, the replies for the outbox and
the update marked handled together, so a crash before the commit leaves the update to be
replayed from the inbox. Only the turn that ends a practice chat is committed first (its score
is read back from the database): before it runs, ``claim_turn`` records the seq the message will
take, and a replay after a crash reads that seq and finishes the turn from where it stopped, so
each message is stored once and answered once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from datetime import datetime, timedelta

from bot.channels.telegram import texts
from bot.core.brief import brief_text
from bot.core.engine import SILENCE_DEFAULT
from bot.core.errors import KefuError
from bot.core.outcomes import outcome_title
from bot.services.app import App
from bot.services.live_chat import LiveChat, now
from bot.storage import (
    UNFINISHED,
    finish_conversation,
    get_transcript,
    load_conversation,
    record_turn,
)
from bot.storage import telegram as store
from bot.storage.telegram import Binding, Effects, Note

log = logging.getLogger(__name__)

END_YES_DATA, END_NO_DATA = "end:yes", "end:no"
PRACTICE_DATA = "practice:"


class ChatService:
    """The Telegram channel's behaviour; one per running bot."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.settings = app.settings
        self.db = app.db
        # Attached conversations by chat id; rebuilt with LiveChat.resume after a restart.
        self._live: dict[int, LiveChat] = {}
        # The scenario's state machine (transitions) is shared by its conversations and is not
        # thread-safe; worker threads take turns at it.
        self._engine = threading.RLock()

    # ------------------------------------------------------------------ helpers

    def _apply(self, effects: Effects) -> Effects:
        store.apply(self.db, effects)
        return effects

    def _nudge_time(self) -> datetime | None:
        seconds = self.settings.nudge_seconds
        return store.utcnow() + timedelta(seconds=seconds) if seconds > 0 else None

    def _attach(self, binding: Binding) -> LiveChat:
        chat = self._live.get(binding.chat_id)
        if chat is None or chat.id != binding.conversation_id:
            with self._engine:
                chat = LiveChat.resume(self.app, binding.conversation_id)
            self._live[binding.chat_id] = chat
        return chat

    def forget(self, chat_id: int) -> None:
        """Drop the attached conversation (after an error its memory may be ahead of the db)."""
        self._live.pop(chat_id, None)

    def _finish(self, binding: Binding, effects: Effects) -> None:
        """Close the chat's conversation: unbind it and say how it went."""
        self._live.pop(binding.chat_id, None)
        effects.unbind = binding.chat_id
        if binding.mode == "exam":
            effects.say(binding.chat_id, texts.EXAM_OVER)
            return
        transcript = get_transcript(self.db, binding.conversation_id)
        sheet = self.app.score(transcript)
        effects.say(binding.chat_id, texts.score_summary(sheet, outcome_title(transcript.outcome)))

    # ------------------------------------------------------------------ commands

    def help(self, chat_id: int, update_id: int | None) -> Effects:
        effects = Effects(update_id)
        effects.say(chat_id, texts.HELP)
        return self._apply(effects)

    def say(self, chat_id: int, update_id: int | None, text: str) -> Effects:
        effects = Effects(update_id)
        effects.say(chat_id, text)
        return self._apply(effects)

    def list_scenarios(self, chat_id: int, update_id: int | None) -> Effects:
        scenarios = sorted(self.app.library.scenarios.values(), key=lambda s: (s.kind, s.id))
        keyboard = [
            [{"text": f"{s.kind_title}｜{s.title}", "callback_data": PRACTICE_DATA + s.id}]
            for s in scenarios
        ]
        effects = Effects(update_id)
        effects.say(chat_id, texts.PICK_SCENARIO, {"inline_keyboard": keyboard})
        return self._apply(effects)

    def _busy(self, binding: Binding, effects: Effects) -> Effects:
        effects.say(binding.chat_id, texts.BUSY_EXAM if binding.mode == "exam" else texts.BUSY)
        return self._apply(effects)

    def start_practice(
        self, chat_id: int, update_id: int | None, scenario_id: str, user_id: int | None
    ) -> Effects:
        effects = Effects(update_id)
        binding = store.get_binding(self.db, chat_id)
        if binding is not None:
            return self._busy(binding, effects)
        scenario = self.app.library.scenarios.get(scenario_id.strip())
        if scenario is None:
            effects.say(chat_id, texts.UNKNOWN_SCENARIO.format(id=scenario_id.strip()))
            return self._apply(effects)
        with self._engine:
            chat, opening = LiveChat.start(
                self.app, scenario, channel="telegram", mode="practice", candidate=f"tg:{user_id}"
            )
        effects.bind = Binding(chat_id, chat.id, "practice", nudge_at=self._nudge_time())
        effects.say(chat_id, texts.PRACTICE_START)
        effects.say(chat_id, brief_text(scenario))
        for line in opening:
            effects.say(chat_id, line)
        self._apply(effects)
        self._live[chat_id] = chat
        return effects

    def start_exam(
        self, chat_id: int, update_id: int | None, code_text: str, user_id: int | None
    ) -> Effects:
        effects = Effects(update_id)
        binding = store.get_binding(self.db, chat_id)
        if binding is not None:
            return self._busy(binding, effects)
        code_text = code_text.strip().upper()
        if not code_text:
            effects.say(chat_id, texts.EXAM_NEEDS_CODE)
            return self._apply(effects)
        code = store.get_code(self.db, code_text)
        scenario = (
            None
            if code is None
            else self.app.scenario_version(code.scenario_id, code.scenario_hash)
        )
        if code is None or scenario is None:
            effects.say(chat_id, texts.CODE_UNKNOWN.format(code=code_text))
            return self._apply(effects)
        if code.used:
            effects.say(chat_id, texts.CODE_USED.format(code=code_text))
            return self._apply(effects)
        with self._engine:
            chat, opening = LiveChat.start(
                self.app, scenario, channel="telegram", mode="exam", candidate=code.code
            )
        minutes = self.settings.exam_minutes
        effects.use_code = (code.code, chat_id, chat.id)
        effects.bind = Binding(
            chat_id,
            chat.id,
            "exam",
            code.code,
            nudge_at=self._nudge_time(),
            ends_at=store.utcnow() + timedelta(minutes=minutes) if minutes > 0 else None,
        )
        effects.say(chat_id, texts.EXAM_START.format(minutes=minutes))
        effects.say(chat_id, brief_text(scenario))
        for line in opening:
            effects.say(chat_id, line)
        try:
            self._apply(effects)
        except store.CodeTaken:
            with self._engine:
                chat.abandon()
            return self.say(chat_id, update_id, texts.CODE_USED.format(code=code_text))
        self._live[chat_id] = chat
        return effects

    def ask_end(self, chat_id: int, update_id: int | None) -> Effects:
        effects = Effects(update_id)
        if store.get_binding(self.db, chat_id) is None:
            effects.say(chat_id, texts.NOTHING_OPEN)
        else:
            keyboard = [
                [
                    {"text": texts.END_YES, "callback_data": END_YES_DATA},
                    {"text": texts.END_NO, "callback_data": END_NO_DATA},
                ]
            ]
            effects.say(chat_id, texts.END_CONFIRM, {"inline_keyboard": keyboard})
        return self._apply(effects)

    def end(self, chat_id: int, update_id: int | None) -> Effects:
        """End the chat's conversation (``unfinished`` unless the customer already ended it)."""
        effects = Effects(update_id)
        binding = store.get_binding(self.db, chat_id)
        if binding is None:
            effects.say(chat_id, texts.NOTHING_OPEN)
            return self._apply(effects)
        chat = self._live.get(chat_id)
        if chat is not None and chat.id == binding.conversation_id:
            with self._engine:
                chat.abandon()
        else:
            finish_conversation(self.db, binding.conversation_id, UNFINISHED, now())
        self._finish(binding, effects)
        return self._apply(effects)

    # ------------------------------------------------------------------ the candidate's text

    def text(self, chat_id: int, update_id: int, text: str, at: datetime | None) -> Effects:
        effects = Effects(update_id)
        binding = store.get_binding(self.db, chat_id)
        if binding is None:
            effects.say(chat_id, texts.NOT_STARTED)
            return self._apply(effects)
        limit = self.settings.max_message_chars
        if limit and len(text) > limit:
            effects.note = Note(
                chat_id, "too_long", {"chars": len(text), "text": text}, binding.conversation_id
            )
            effects.say(chat_id, texts.TOO_LONG.format(n=len(text), limit=limit))
            return self._apply(effects)
        try:
            replies, finished = self._turn(binding, update_id, text, at, effects)
            for line in replies:
                effects.say(chat_id, line)
            if finished:
                self._finish(binding, effects)
            else:
                effects.nudge_at = (chat_id, self._nudge_time())
            return self._apply(effects)
        except Exception:
            self.forget(chat_id)  # its memory may be ahead of the database
            raise

    def _turn(
        self,
        binding: Binding,
        update_id: int,
        text: str,
        at: datetime | None,
        effects: Effects,
    ) -> tuple[list[str], bool]:
        """Run (or finish, on a replay) the turn; return the customer's replies and whether the
        conversation is over. The turn is written with ``effects`` unless it ends the chat."""
        entry = store.inbox_entry(self.db, update_id)
        if entry is not None and entry.conversation_id == binding.conversation_id:
            resumed = self._resume_turn(binding, entry.agent_seq, text, at)
            if resumed is not None:
                return resumed
        try:
            chat = self._attach(binding)
        except KefuError:  # the conversation was closed outside this chat: just unbind
            return [], True
        with self._engine:
            turn, record = chat.play(text, at, keep_on_error=False)
        if chat.finished and binding.mode != "exam":
            # The practice score is read from the database: commit the last turn first.
            store.claim_turn(self.db, update_id, chat.id)  # the seq a replay will look for
            record_turn(self.db, chat.id, **record)
        else:
            effects.turn = (chat.id, record)
        if turn.outcome is not None:
            log.info("conversation %s ended: %s", chat.id, turn.outcome)
        return list(turn.replies), chat.finished

    def _resume_turn(
        self, binding: Binding, seq: int | None, text: str, at: datetime | None
    ) -> tuple[list[str], bool] | None:
        """Finish a turn that a crash interrupted; None when its message was never stored."""
        if seq is None:
            return None
        stored = load_conversation(self.db, binding.conversation_id)
        messages = stored.messages
        if len(messages) <= seq or messages[seq].role != "agent":
            return None
        agents = sum(1 for m in messages[: seq + 1] if m.role == "agent")
        turn_done = stored.snapshot is not None and stored.snapshot.turn >= agents
        if turn_done:
            replies = []
            for m in messages[seq + 1 :]:
                if m.role == "agent":
                    break
                replies.append(m.text)
            return replies, stored.finished
        log.warning("finishing turn %s of %s after a restart", seq, binding.conversation_id)
        self._live.pop(binding.chat_id, None)
        chat = self._attach(binding)
        with self._engine:
            turn = chat.complete(seq, messages[seq].text, at)
        return list(turn.replies), chat.finished

    # ------------------------------------------------------------------ other input

    def not_text(self, chat_id: int, update_id: int, kind: str, detail: dict) -> Effects:
        """A sticker, photo, voice … : keep a record, and say that only text counts."""
        binding = store.get_binding(self.db, chat_id)
        effects = Effects(update_id)
        effects.note = Note(chat_id, kind, detail, binding.conversation_id if binding else None)
        effects.say(chat_id, texts.ONLY_TEXT)
        return self._apply(effects)

    def edit(self, chat_id: int, update_id: int, message_id: int, new_text: str) -> Effects:
        """An edited message: kept beside the original, never shown to the customer."""
        binding = store.get_binding(self.db, chat_id)
        effects = Effects(update_id)
        effects.note = Note(
            chat_id,
            "edit",
            {"text": new_text},
            binding.conversation_id if binding else None,
            ref_message_id=message_id,
            ref_seq=store.seq_of_message(self.db, chat_id, message_id),
        )
        if binding is not None:
            effects.say(chat_id, texts.EDIT_IGNORED)
        return self._apply(effects)

    # ------------------------------------------------------------------ deadlines

    def deadline(self, chat_id: int) -> Effects | None:
        """Act on the chat's due deadline (the exam's end, or a nudge); None if none is due."""
        binding = store.get_binding(self.db, chat_id)
        at = store.utcnow()
        if binding is None:
            return None
        effects = Effects()
        if binding.ends_at is not None and binding.ends_at <= at:
            chat = self._live.pop(chat_id, None)
            if chat is not None and chat.id == binding.conversation_id:
                with self._engine:
                    chat.abandon()
            else:
                finish_conversation(self.db, binding.conversation_id, UNFINISHED, now())
            effects.unbind = chat_id
            effects.say(chat_id, texts.EXAM_TIME_UP)
            return self._apply(effects)
        if binding.nudge_at is None or binding.nudge_at > at:
            return None
        line = SILENCE_DEFAULT
        with contextlib.suppress(KefuError):
            line = self._attach(binding).convo.silence_line()
        effects.customer_line = (binding.conversation_id, line, now())
        effects.nudge_at = (chat_id, None)
        effects.say(chat_id, line)
        return self._apply(effects)

    def error(self, chat_id: int) -> Effects:
        self.forget(chat_id)
        return self.say(chat_id, None, texts.ERROR)
