"""The terminal channel: an interactive chat, or one agent message per line from a pipe.

With a terminal it shows the candidate brief, the customer's messages and (in practice) the
moves it recognised. Without one, stdout carries only the customer's lines, each prefixed
``客户：`` (contract section 4), and everything else goes to stderr.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from typing import TextIO

import click

from bot.core.brief import brief_text
from bot.core.engine import Turn
from bot.core.moves import MOVE_TITLES, moves_for
from bot.core.outcomes import outcome_title
from bot.core.scenario import Scenario
from bot.services.app import App
from bot.services.live_chat import LiveChat, now
from bot.storage import load_conversation
from bot.storage.patience import DatabaseBusy, DatabaseGone

CUSTOMER_PREFIX = "客户："
PROMPT = "你（客服）> "


def interactive_lines() -> Iterator[str]:
    """Read lines typed at the terminal, with line editing, until end of input."""
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (line editing for input(), where the platform has it)
    while True:
        try:
            yield input(PROMPT)
        except EOFError:
            click.echo()
            return


def resume_chat(app: App, conversation_id: str, info: TextIO) -> tuple[LiveChat, list[str]]:
    """Attach a cut-off conversation again; return it and the customer's lines still to show.

    The conversation so far is shown again. An agent message stored just before the cut, to
    which the customer had not reacted yet, gets its reaction now (the engine's ``turn``
    counts the agent messages it has handled).
    """
    chat = LiveChat.resume(app, conversation_id)
    stored = load_conversation(app.db, conversation_id)
    click.echo(click.style(f"（继续对话 {conversation_id}，之前的内容：）", dim=True), file=info)
    for message in stored.messages:
        who = "你" if message.role == "agent" else chat.scenario.customer.name
        click.echo(click.style(f"  {who}：{message.text}", dim=True), file=info)
    agent = [m for m in stored.messages if m.role == "agent"]
    pending = agent[chat.convo.turn :]
    replies: list[str] = []
    for message in pending:
        replies += chat.complete(message.seq, message.text).replies
    return chat, replies


def feedback_line(scenario: Scenario, turn: Turn) -> str:
    """Practice feedback: the moves recognised in the candidate's message, and bad wording."""
    kind_moves = moves_for(scenario.kind)
    tags = "、".join(MOVE_TITLES[m] for m in turn.analysis.move_names if m in kind_moves)
    bad = "、".join(turn.analysis.violation_phrases)
    line = f"  ↳ {tags or '（未识别）'}" + (f"  ⚠ 禁用语：{bad}" if bad else "")
    # Why the customer reacts so: a poor message, or a customer that misread a good one.
    return line + (f"\n  ↳ 顾客：{'；'.join(turn.reasons)}" if turn.reasons else "")


def confirmed_end(info: TextIO) -> bool:
    """Ask whether to end an exam conversation; Ctrl-C or Ctrl-D at the question means no."""
    try:
        return click.confirm(
            "确定结束考试对话吗？结束后不能再继续", default=False, err=info is sys.stderr
        )
    except click.exceptions.Abort:
        click.echo(file=info)
        return False


def run_chat(
    app: App,
    scenario: Scenario,
    *,
    lines: Iterable[str] | None = None,
    interactive: bool | None = None,
    feedback: bool = True,
    seed: int | None = None,
    out: TextIO | None = None,
    mode: str = "practice",
    candidate: str | None = None,
    on_start: Callable[[LiveChat], None] | None = None,
    resume: str | None = None,
    time_limit: timedelta | None = None,
    confirm_end: bool = False,
) -> LiveChat:
    """Play one conversation in the terminal; return it when it ends or pauses.

    ``resume`` names a stored conversation that was cut off (a crash, a closed window) to
    continue where it stopped, instead of starting a new one. ``time_limit``: the exam's, from
    the conversation's first start (across a resume). ``confirm_end`` (exams): in a terminal,
    ask before Ctrl-D or Ctrl-C ends the conversation; without one, the end of input only
    pauses it: the conversation stays open (no outcome) to go on later, as after a closed
    window. The time limit and the customer's own end still end it.
    """
    interactive = sys.stdin.isatty() if interactive is None else interactive
    out = out or sys.stdout
    info = out if interactive else sys.stderr
    name = scenario.customer.name

    def say(replies: list[str]) -> None:
        for reply in replies:
            if interactive:
                click.echo(click.style(f"{name}：", fg="cyan", bold=True) + reply, file=out)
            else:
                click.echo(f"{CUSTOMER_PREFIX}{reply}", file=out)
        out.flush()

    click.echo(click.style(brief_text(scenario), fg="yellow"), file=info)
    if resume is not None:
        chat, opening = resume_chat(app, resume, info)
    else:
        chat, opening = LiveChat.start(app, scenario, seed=seed, mode=mode, candidate=candidate)
        if on_start is not None:
            try:
                on_start(chat)
            except BaseException:
                chat.abandon()
                raise
    ends_at = None
    if time_limit is not None:
        ends_at = load_conversation(app.db, chat.id).started_at + time_limit
    if not confirm_end:
        how = "Ctrl-D 或 Ctrl-C 结束"
    elif interactive:
        how = "Ctrl-D 结束，会先请你确认"
    else:
        how = "输入结束时对话暂停，之后可以继续"
    click.echo(click.style(f"（对话编号 {chat.id}；{how}）", dim=True), file=info)
    say(opening)

    def time_up() -> bool:
        if ends_at is None or now() < ends_at:
            return False
        click.echo(click.style("考试时间到，对话结束。", bold=True), file=info)
        return True

    def play(source: Iterable[str]) -> bool:
        """Play lines until they run out; return True when the conversation is over."""
        for raw in source:
            text = raw.strip()
            if not text:
                continue
            if time_up():
                return True
            try:
                turn = chat.handle(text)
            except (DatabaseBusy, DatabaseGone) as exc:
                # Plainly, and the chat goes on: the candidate sends the line again.
                click.echo(click.style(str(exc), fg="red", bold=True), file=info)
                continue
            if interactive and feedback:
                click.echo(click.style(feedback_line(scenario, turn), dim=True), file=out)
            say(turn.replies)
            if chat.finished or time_up():
                return True
        return False

    # A practice chat ends at the end of input. An exam chat ends only when the customer ends
    # it, the time is up, or (in a terminal) the candidate confirms Ctrl-D or Ctrl-C; cut off
    # any other way (the end of piped input, a crash, a closed window) it stays open, to go on
    # with the same code.
    ended = not confirm_end
    try:
        while True:
            try:
                over = play(
                    interactive_lines() if interactive and lines is None else (lines or sys.stdin)
                )
            except KeyboardInterrupt:
                click.echo(file=info)
                over = False
            if over or not confirm_end:
                ended = True
                break
            if not interactive:
                ended = time_up()  # a resumed chat whose time ran out while it was paused
                break
            if confirmed_end(info):
                ended = True
                break
    finally:
        if ended:
            chat.abandon()
    if ended:
        click.echo(
            click.style(
                f"对话结束：{outcome_title(chat.convo.outcome)}。对话编号 {chat.id}", bold=True
            ),
            file=info,
        )
    return chat
