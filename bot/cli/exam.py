"""``kefu exam``: what the exam organiser runs.

``codes`` makes and lists one-time access codes; ``draw`` does the module draw (抽考).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.app import App
from bot.core.draw import NAMES_ZH
from bot.core.draw import draw as draw_modules
from bot.core.errors import KefuError
from bot.storage import telegram as store


@click.group()
def exam() -> None:
    """考试管理。Exam administration."""


@exam.command()
@click.option("--scenario", metavar="ID", help="考试使用的剧本 id（创建考试码时必填）。")
@click.option(
    "--count",
    type=click.IntRange(1, 10000),
    default=1,
    show_default=True,
    help="创建多少个考试码。",
)
@click.option("--list", "list_", is_flag=True, help="列出已有的考试码及是否已使用。")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@click.pass_obj
def codes(app: App, scenario: str | None, count: int, list_: bool, as_json: bool) -> None:
    """创建或列出一次性考试码（考生在 Telegram 发 /exam 考试码）。Create or list access codes.

    每个考试码只能由一位考生使用一次，对应一段考试对话。
    """
    if list_:
        rows = store.list_codes(app.db)
        if as_json:
            data = [
                {
                    "code": c.code,
                    "scenario": c.scenario_id,
                    "used": c.used,
                    "conversation": c.conversation_id,
                }
                for c in rows
            ]
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return
        if not rows:
            click.echo("还没有考试码。用 kefu exam codes --scenario ID --count N 创建。")
        for c in rows:
            state = f"已使用（对话 {c.conversation_id}）" if c.used else "未使用"
            click.echo(f"{c.code}  {c.scenario_id}  {state}")
        return
    if not scenario:
        raise KefuError("创建考试码需要 --scenario ID。提示：用 kefu chat --list 查看剧本 id。")
    app.library.get(scenario)  # an unknown id is refused here, with a suggestion
    made = store.create_codes(app.db, scenario, count)
    if as_json:
        click.echo(json.dumps(made))
    else:
        click.echo("\n".join(made))


@exam.command()
@click.option("--count", type=int, required=True, help="考生人数（不小于 1）。")
@click.option(
    "--seed",
    type=int,
    required=True,
    help="随机种子（必填）：同样的人数和种子总是得到同样的抽考结果，请记录并公布它。",
)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（见 contract 第 8 节）。")
def draw(count: int, seed: int, as_json: bool) -> None:
    """按考核标准的比例抽考模块。Draw each candidate's module (standard, section 五).

    40% 考网络客户服务与管理，其余四个模块各 15%，人数四舍五入；四舍五入后剩余的考生随机分入
    三个核心模块（美工、运营、推广），多出的人数随机从核心模块中扣除。种子决定一切随机选择。
    """
    result = draw_modules(count, seed)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        return
    click.echo(f"抽考结果：{count} 名考生，种子 {seed}")
    for module, n in result.counts.items():  # the count first: Chinese names vary in width
        click.echo(f"  {n:>4} 人  {NAMES_ZH[module]}")
    click.echo("")
    click.echo("考生 → 模块：")
    digits = len(str(count))
    for i, module in enumerate(result.assignments, start=1):
        click.echo(f"  {i:>{digits}}  {NAMES_ZH[module]}")


@exam.command("create")
@click.option("--name", required=True, help="考试名称。")
@click.option("--date", "day", required=True, help="考试日期（YYYY-MM-DD）。")
@click.pass_obj
def create_cmd(app: App, name: str, day: str) -> int:
    """新建一场考试，输出考试编号。Create an exam."""
    import datetime as dt

    from bot.storage.exams import create_exam

    try:
        dt.date.fromisoformat(day)
    except ValueError:
        raise KefuError(f"日期“{day}”格式不对（应为 YYYY-MM-DD，如 2026-06-10）") from None
    exam_id = create_exam(app.db, name, day)
    click.echo(f"已创建考试 {exam_id}：{name}（{day}）")
    return 0


@exam.command("list")
@click.pass_obj
def list_cmd(app: App) -> int:
    """列出所有考试及名单人数。"""
    from bot.storage.exams import list_exams

    for e in list_exams(app.db):
        click.echo(f"{e.id:>4}  {e.date}  {e.candidates:>4} 人  {e.name}")
    return 0


@exam.command("roster")
@click.argument("exam_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def roster_cmd(app: App, exam_id: int, file: Path) -> int:
    """导入考生名单（CSV 或 XLSX，表头：准考证号、姓名、班级、学校）；有错误的行全部列出，一个也不导入。"""
    from bot.roster import read_roster
    from bot.storage.exams import import_roster

    count = import_roster(app.db, exam_id, read_roster(file))
    click.echo(f"已导入 {count} 名考生到考试 {exam_id}")
    return 0
