"""``kefu exam``: what the exam organiser runs.

``codes`` makes and lists one-time access codes; ``draw`` does the module draw (抽考).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli.grading import COMMANDS as GRADING_COMMANDS
from bot.core.draw import NAMES_ZH, SERVICES
from bot.core.draw import draw as draw_modules
from bot.core.errors import KefuError
from bot.services.app import App
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

    每个考试码只能由一位考生使用一次，对应一段考试对话。只有管理员可以创建和查看考试码。
    """
    from bot.services.exam_grading import acting_user

    # A code opens a candidate's exam chat: whoever reads it can sit the exam in their place.
    acting_user(app, "admin")
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
@click.option("--count", type=int, help="考生人数（不小于 1）；与 --exam 二选一。")
@click.option(
    "--exam",
    "exam_id",
    type=int,
    help="给这场考试的名单抽考并保存（管理员）：分配模块、项目、剧本和考试码。",
)
@click.option(
    "--seed",
    type=int,
    required=True,
    help="随机种子（必填）：同样的人数和种子总是得到同样的抽考结果，请记录并公布它。",
)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（见 contract 第 8 节）。")
@click.pass_obj
def draw(app: App, count: int | None, exam_id: int | None, seed: int, as_json: bool) -> None:
    """按考核标准的比例抽考模块。Draw each candidate's module (standard, section 五).

    40% 考网络客户服务与管理，其余四个模块各 15%，人数四舍五入；四舍五入后剩余的考生随机分入
    三个核心模块（美工、运营、推广），多出的人数随机从核心模块中扣除。种子决定一切随机选择。

    用 --exam 时按名单顺序抽考并保存：每位考生再随机分到模块内的项目；客服考生分到一个剧本
    （固定当时的剧本版本）和一个一次性考试码。一场考试只能抽考一次。
    """
    if (count is None) == (exam_id is None):
        raise click.UsageError("请给出 --count 人数 或 --exam 考试编号（二选一）。")
    if exam_id is not None:
        from bot.services.exam_grading import draw_exam

        draw_exam(app, exam_id, seed)
        click.echo(f"考试 {exam_id} 已抽考（种子 {seed}）。", err=as_json)
        _show(app, exam_id, as_json)
        return
    assert count is not None
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
@click.option(
    "--service",
    type=click.Choice(list(SERVICES)),
    default="both",
    show_default=True,
    help="客服模块考哪个项目：presale 售前、aftersale 售后、both 每位考生随机其一。",
)
@click.pass_obj
def create_cmd(app: App, name: str, day: str, service: str) -> int:
    """新建一场考试（管理员），输出考试编号。Create an exam."""
    import datetime as dt

    from bot.services.exam_grading import acting_user
    from bot.storage.exams import create_exam

    actor = acting_user(app, "admin")
    try:  # exactly YYYY-MM-DD: Python 3.11 would also take 20260610, 3.10 would not
        if dt.date.fromisoformat(day).isoformat() != day:
            raise ValueError(day)
    except ValueError:
        raise KefuError(f"日期“{day}”格式不对（应为 YYYY-MM-DD，如 2026-06-10）") from None
    threshold = app.settings.double_mark_threshold
    exam_id = create_exam(app.db, name, day, service, actor.name, threshold)
    click.echo(
        f"已创建考试 {exam_id}：{name}（{day}）；客服项目：{SERVICES[service]}；"
        f"双评分差阈值 {threshold:g} 分"
    )
    return 0


@exam.command("list")
@click.pass_obj
def list_cmd(app: App) -> int:
    """列出所有考试及名单人数。"""
    from bot.storage.exams import list_exams

    exams = list_exams(app.db)
    if not exams:
        click.echo("还没有考试。用 kefu --as 管理员 exam create --name … --date … 新建。")
    for e in exams:
        drawn = f"已抽考（种子 {e.seed}）" if e.drawn else "未抽考"
        click.echo(
            f"{e.id:>4}  {e.date}  {e.candidates:>4} 人  {drawn}  {e.name}"
            f"  [客服：{SERVICES[e.service]}；双评阈值 {e.threshold:g}]"
        )
    return 0


@exam.command("show")
@click.argument("exam_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@click.pass_obj
def show_cmd(app: App, exam_id: int, as_json: bool) -> int:
    """打印一场考试的抽考结果（管理员）：每位考生的模块、项目、剧本和考试码（可直接打印或存为文件）。"""
    from bot.services.exam_grading import acting_user

    acting_user(app, "admin")  # the table holds every candidate's one-time code
    _show(app, exam_id, as_json)
    return 0


def _show(app: App, exam_id: int, as_json: bool) -> None:
    from bot.cli.table import table
    from bot.services.results_export import PROJECT_ZH
    from bot.storage.exams import get_exam
    from bot.storage.sheets import sheets

    exam_info = get_exam(app.db, exam_id)
    if not exam_info.drawn:
        raise KefuError(
            f"考试 {exam_id} 还没有抽考。提示：kefu --as 管理员 exam draw --exam {exam_id} --seed 数字"
        )
    drawn = sheets(app.db, exam_id)
    if as_json:
        data = {
            "exam": exam_id,
            "seed": exam_info.seed,
            "counts": {m: sum(1 for s in drawn if s.module == m) for m in NAMES_ZH},
            "candidates": [
                {
                    "exam_number": s.exam_number,
                    "name": s.name,
                    "class": s.class_name,
                    "module": s.module,
                    "project": s.project,
                    "form": s.form_id,
                    "scenario": s.scenario_id,
                    "scenario_version": s.scenario_hash,
                    "code": s.code,
                    "code_used": s.code_used,
                }
                for s in drawn
            ],
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"{exam_info.name}（{exam_info.date}）抽考结果：{len(drawn)} 名考生，种子 {exam_info.seed}"
    )
    for module, title in NAMES_ZH.items():
        click.echo(f"  {sum(1 for s in drawn if s.module == module):>4} 人  {title}")
    click.echo("")
    rows = [
        [
            str(i),
            s.exam_number,
            s.name,
            s.class_name,
            NAMES_ZH[s.module],
            PROJECT_ZH.get(s.project, s.project),
            s.scenario_id or "",
            s.code or "",
        ]
        for i, s in enumerate(drawn, start=1)
    ]
    click.echo(table(["序号", "准考证号", "姓名", "班级", "模块", "项目", "剧本", "考试码"], rows))


@exam.command("roster")
@click.argument("exam_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def roster_cmd(app: App, exam_id: int, file: Path) -> int:
    """导入考生名单（管理员；CSV 或 XLSX，表头：准考证号、姓名、班级、学校）；有错误的行全部列出，一个也不导入。"""
    from bot.services.exam_grading import acting_user
    from bot.services.roster_files import read_roster
    from bot.storage.exams import import_roster, roster

    actor = acting_user(app, "admin")
    # Numbers already on the roster are listed with the file's other problems, all at once.
    taken = {c.exam_number for c in roster(app.db, exam_id)}
    count = import_roster(app.db, exam_id, read_roster(file, taken), actor.name, str(file))
    click.echo(f"已导入 {count} 名考生到考试 {exam_id}")
    return 0


for _command in GRADING_COMMANDS:
    exam.add_command(_command)
