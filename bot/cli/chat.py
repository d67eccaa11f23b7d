"""``kefu chat``: play a scenario in the terminal, or list the scenarios."""

from __future__ import annotations

import json

import click

from bot.channels.terminal import run_chat
from bot.core.brief import DIFFICULTY_TITLES
from bot.core.moves import KIND_TITLES
from bot.scripts.library import DEFAULT_SCENARIO
from bot.services.app import App


@click.command()
@click.argument("scenario", required=False)
@click.option("--list", "list_", is_flag=True, help="列出所有剧本。")
@click.option("--json", "as_json", is_flag=True, help="与 --list 一起用：输出 JSON。")
@click.option("--seed", type=int, help="随机种子：同一种子、同样的回复，顾客说的话也相同。")
@click.option("--exam", is_flag=True, help="考试模式：不显示识别出的客服动作。")
@click.option(
    "--code",
    metavar="CODE",
    help="考试码（抽考时发给客服考生）：用抽到的剧本和版本开始考试对话，不显示评分。",
)
@click.option(
    "--watch",
    is_flag=True,
    help="排练模式（培训师）：剧本文件改动后自动重新载入并重放，不保存对话。",
)
@click.pass_obj
def chat(
    app: App,
    scenario: str | None,
    list_: bool,
    as_json: bool,
    seed: int | None,
    exam: bool,
    code: str | None,
    watch: bool,
):
    """和模拟顾客聊天（你扮演店铺客服）。Chat with a scripted customer.

    SCENARIO 是剧本 id（默认 presale-dress-size）。有终端时是交互式聊天；标准输入不是终端时，
    每行读入一条客服消息，每条顾客消息输出为一行“客户：…”。
    """
    lib = app.library
    if list_:
        rows = sorted(lib.scenarios.values(), key=lambda s: (s.kind, s.id))
        if as_json:
            click.echo(
                json.dumps(
                    [{"id": s.id, "kind": s.kind, "title": s.title} for s in rows],
                    ensure_ascii=False,
                    indent=2,
                )
            )
        else:
            for s in rows:
                click.echo(
                    f"{s.id:<28} {KIND_TITLES[s.kind]}  {DIFFICULTY_TITLES[s.difficulty]}  {s.title}"
                )
        # A script with a mistake is shown as broken, not silently left out (on stderr with
        # --json, so that the array stays what scripts parse).
        for problem in lib.broken.values():
            click.echo(f"✗ 有错误，不能使用：{problem}", err=as_json)
        if lib.broken:
            click.echo("提示：kefu dialogues check 列出全部问题。", err=as_json)
        return 0
    if as_json:
        raise click.UsageError("--json 只能与 --list 一起使用。")
    if code is not None:
        if scenario or watch or seed is not None:
            raise click.UsageError(
                "--code 不能与剧本 id、--seed 或 --watch 一起使用：考试的剧本和顾客由抽考决定。"
            )
        return exam_chat(app, code)
    chosen = lib.get(scenario or DEFAULT_SCENARIO)
    if watch:
        from bot.channels.rehearsal import rehearse

        rehearse(app, chosen, seed=1 if seed is None else seed)
        return 0
    run_chat(app, chosen, seed=seed, feedback=not exam)
    return 0


def exam_chat(app: App, code_text: str) -> int:
    """An exam conversation opened with an access code (a draw's, or one from ``exam codes``).

    A draw's code also names the candidate, the pinned script version and the result sheet,
    into which the chat's score goes when it ends. Piped input that runs out pauses the chat
    (it stays open, like a closed window): the same code goes on with it later.
    """
    from datetime import timedelta

    from bot.channels.code_hold import CodeHold
    from bot.core.errors import KefuError
    from bot.services.exam_grading import collect_chat
    from bot.services.live_chat import channel_title
    from bot.storage import load_conversation
    from bot.storage.sheets import sheet_by_code, use_code
    from bot.storage.telegram import get_code

    code = get_code(app.db, code_text)
    if code is None:
        raise KefuError(f"考试码“{code_text}”不存在。提示：检查抄写是否有误（不含 0、O、1、I）。")
    sheet = sheet_by_code(app.db, code.code)
    resume = None
    if code.conversation_id is not None:
        stored = load_conversation(app.db, code.conversation_id)
        if stored.finished:
            raise KefuError(
                f"考试码 {code.code} 已经用过，对话已结束；每个考试码只能用一次。请联系监考老师。"
            )
        if stored.channel != "terminal":
            raise KefuError(
                f"考试码 {code.code} 的对话正在{channel_title(stored.channel)}上进行，请在那里继续。"
            )
        resume = stored.id  # cut off by a crash or a closed window: it goes on
    minutes = app.settings.exam_minutes
    scenario = app.scenario_version(code.scenario_id, code.scenario_hash)
    if scenario is None:
        raise KefuError(f"考试码 {code.code} 的剧本 {code.scenario_id} 找不到。请联系监考老师。")
    with CodeHold(app.db, code.code):  # one terminal at a time on a code's chat
        chat = run_chat(
            app,
            scenario,
            feedback=False,
            mode="exam",
            candidate=sheet.exam_number if sheet else code.code,
            on_start=lambda chat: use_code(app.db, code.code, chat.id),
            resume=resume,
            time_limit=timedelta(minutes=minutes) if minutes > 0 else None,
            confirm_end=True,
        )
    if not load_conversation(app.db, chat.id).finished:
        clock = "，考试计时不会暂停" if minutes > 0 else ""
        click.echo(
            f"考试对话已暂停：输入已结束，对话 {chat.id} 没有结束{clock}。"
            f"用同一个考试码继续：kefu chat --code {code.code}",
            err=True,
        )
        return 0
    if sheet is not None:  # scored only once the chat has really ended
        collect_chat(app, sheet_by_code(app.db, code.code) or sheet)
    return 0
