"""Rehearsal for trainers: chat with a script while editing it (``kefu chat ID --watch``).

Before each of the trainer's lines the script file is checked; when it has changed it is loaded
again and the conversation so far is replayed on the new version with the same seed, so the
trainer sees at once what the edit changed. A broken edit shows its ``FILE:LINE:`` problems and
the old version stays in use. Rehearsals are not stored: they are drafts, not conversations.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import click

from bot.channels.terminal import interactive_lines
from bot.core.brief import brief_text
from bot.core.engine import Conversation, CustomerEngine, Turn
from bot.core.errors import ScriptError
from bot.core.moves import MOVE_TITLES
from bot.core.outcomes import outcome_title
from bot.core.scenario import Scenario
from bot.scripts.loader import load_scenario
from bot.services.app import App


def _describe(turn: Turn) -> str:
    moves = "、".join(MOVE_TITLES[m] for m in turn.analysis.move_names) or "（未识别）"
    why = f"\n  ↳ 顾客：{'；'.join(turn.reasons)}" if turn.reasons else ""
    return (
        f"  ↳ {moves} → 状态 {turn.state}"
        + (f"（结局：{outcome_title(turn.outcome)}）" if turn.outcome else "")
        + why
    )


def rehearse(
    app: App,
    scenario: Scenario,
    *,
    seed: int = 1,
    lines: Iterable[str] | None = None,
    out: TextIO | None = None,
) -> Conversation:
    """Play a script, reloading and replaying whenever its file changes; return the last state."""
    out = out or sys.stdout
    path: Path = app.library.files[scenario.id]
    interactive = lines is None and sys.stdin.isatty()

    def echo(text: str = "", **style) -> None:
        click.echo(click.style(text, **style) if style else text, file=out)
        out.flush()

    def start(sc: Scenario) -> tuple[CustomerEngine, Conversation]:
        engine = CustomerEngine(sc, app.detector)
        convo, opening = engine.start(seed)
        for reply in opening:
            echo(f"{sc.customer.name}：{reply}")
        return engine, convo

    echo(brief_text(scenario), fg="yellow")
    echo(f"（排练模式：修改 {path} 后，下一句之前会自动重新载入并重放；不保存对话）", dim=True)
    engine, convo = start(scenario)
    said: list[str] = []
    stamp = path.stat().st_mtime_ns
    for raw in interactive_lines() if interactive else (lines if lines is not None else sys.stdin):
        text = raw.strip()
        if path.stat().st_mtime_ns != stamp:
            stamp = path.stat().st_mtime_ns
            try:
                scenario = load_scenario(path)
            except ScriptError as exc:
                echo("剧本有错误，继续使用修改前的版本：", fg="red")
                for problem in exc.problems:
                    echo(problem, fg="red")
            else:
                echo(f"—— 剧本已重新载入，重放前 {len(said)} 句 ——", fg="green")
                engine.release(convo)
                engine, convo = start(scenario)
                for line in said:
                    if convo.finished:
                        break
                    echo(f"客服：{line}", dim=True)
                    turn = convo.handle(line)
                    for reply in turn.replies:
                        echo(f"{scenario.customer.name}：{reply}")
                    echo(_describe(turn), dim=True)
        if not text:
            continue
        if convo.finished:
            echo(
                f"对话已结束（{outcome_title(convo.outcome)}）。修改剧本后再输入一句即可重放。",
                dim=True,
            )
            continue
        turn = convo.handle(text)
        said.append(text)
        for reply in turn.replies:
            echo(f"{scenario.customer.name}：{reply}")
        echo(_describe(turn), dim=True)
    return convo
