"""The terminal channel: an interactive chat, or one agent message per line from a pipe.

With a terminal it shows the candidate brief, the customer's messages and (in practice) the
moves it recognised. Without one, stdout carries only the customer's lines, each prefixed
``客户：`` (contract section 4), and everything else goes to stderr.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

import click

from bot.app import App
from bot.core.brief import brief_text
from bot.core.moves import MOVE_TITLES, moves_for
from bot.core.scenario import OUTCOMES, Scenario
from bot.sessions import UNFINISHED, LiveChat
from bot.storage import load_conversation

CUSTOMER_PREFIX = "客户："
PROMPT = "你（客服）> "


def outcome_text(outcome: str) -> str:
    return f"{outcome}（{OUTCOMES.get(outcome, '未完成')}）"


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
) -> LiveChat:
    """Play one conversation in the terminal; return it when it ends.

    ``resume`` names a stored conversation that was cut off (a crash, a closed window) to
    continue where it stopped, instead of starting a new one.
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
    click.echo(click.style(f"（对话编号 {chat.id}；Ctrl-D 或 Ctrl-C 结束）", dim=True), file=info)
    say(opening)
    source = interactive_lines() if interactive and lines is None else (lines or sys.stdin)
    try:
        for raw in source:
            text = raw.strip()
            if not text:
                continue
            turn = chat.handle(text)
            if interactive and feedback:
                kind_moves = moves_for(scenario.kind)
                tags = "、".join(
                    MOVE_TITLES[m] for m in turn.analysis.move_names if m in kind_moves
                )
                tags = tags or "（未识别）"
                bad = "、".join(turn.analysis.violation_phrases)
                note = f"  ↳ {tags}" + (f"  ⚠ 禁用语：{bad}" if bad else "")
                click.echo(click.style(note, dim=True), file=out)
            say(turn.replies)
            if chat.finished:
                break
    except KeyboardInterrupt:
        click.echo(file=info)
    finally:
        chat.abandon()
    outcome = chat.convo.outcome or UNFINISHED
    click.echo(
        click.style(f"对话结束：{outcome_text(outcome)}。对话编号 {chat.id}", bold=True),
        file=info,
    )
    return chat
