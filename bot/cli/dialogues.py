"""``kefu dialogues``: check dialogue scripts and run their test conversations."""

from __future__ import annotations

from pathlib import Path

import click

from bot.core.errors import ScriptError
from bot.scripts.conversation_tests import run_cases, tests_path_for
from bot.scripts.library import Library
from bot.services.app import App
from bot.services.paths import dialogues_dir


@click.group()
def dialogues():
    """检查、测试对话剧本。Check and test dialogue scripts."""


@dialogues.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.pass_obj
def check_cmd(app: App, paths: tuple[Path, ...]):
    """检查剧本文件或文件夹（默认：内置的 dialogues/）。每个问题一行：文件:行号: 说明。"""
    lib = Library.load(paths or [app.settings.dialogues or dialogues_dir()])
    for problem in lib.problems:
        click.echo(problem, err=False)
    if lib.problems:
        click.echo(f"发现 {len(lib.problems)} 个问题。", err=True)
        return 2
    click.echo(f"✓ {len(lib.scenarios)} 个剧本检查通过。")
    return 0


@dialogues.command("test")
@click.argument("scenario_id", required=False)
@click.pass_obj
def test_cmd(app: App, scenario_id: str | None):
    """用剧本旁的 *.test.yaml 测试对话回放（默认：全部剧本）。"""
    lib = app.library
    if lib.problems:
        for problem in lib.problems:
            click.echo(problem)
        return 2
    ids = [lib.get(scenario_id).id] if scenario_id else sorted(lib.scenarios)
    passed = failed = missing = 0
    for sid in ids:
        path = tests_path_for(lib.files[sid])
        if not path.exists():
            click.echo(f"{lib.files[sid]}:1: 剧本“{sid}”没有测试文件（应为 {path.name}）")
            missing += 1
            continue
        try:
            report = run_cases(path, app.engine_for(lib.scenarios[sid]))
        except ScriptError as exc:
            click.echo("\n".join(exc.problems))
            failed += 1
            continue
        for line in report.failures:
            click.echo(line)
        passed += report.passed
        failed += report.failed
    click.echo(
        f"{passed} passed, {failed} failed" + (f"（{missing} 个剧本缺少测试）" if missing else "")
    )
    return 2 if failed or missing else 0


@dialogues.command("graph")
@click.argument("scenario_id")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="输出文件夹。",
)
@click.pass_obj
def graph_cmd(app: App, scenario_id: str, out: Path):
    """画出剧本的状态图：写出 Mermaid 文本（ID.mmd）和可直接打开的网页（ID.html）。"""
    from bot.reports.graph import mermaid_text, render_graph_page

    scenario = app.library.get(scenario_id)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{scenario.id}.mmd").write_text(mermaid_text(scenario), encoding="utf-8")
    (out / f"{scenario.id}.html").write_text(render_graph_page(scenario), encoding="utf-8")
    click.echo(f"已写出 {out / (scenario.id + '.mmd')} 和 {out / (scenario.id + '.html')}")
    return 0


@dialogues.command("new")
@click.option(
    "--kind",
    type=click.Choice(["presale", "objection", "complaint"]),
    required=True,
    help="剧本类型。",
)
@click.argument("scenario_id")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="剧本文件夹（默认：设置里的剧本文件夹）。",
)
@click.pass_obj
def new_cmd(app: App, kind: str, scenario_id: str, folder: Path | None):
    """从带注释的模板新建一个剧本和它的测试对话（生成后即可通过检查）。"""
    from bot.scripts.template import write_template

    path, tests = write_template(
        kind, scenario_id, folder or app.settings.dialogues or dialogues_dir()
    )
    click.echo(
        f"已新建 {path}\n      和 {tests}\n下一步：编辑剧本，然后运行 kefu dialogues check {path}"
    )
    return 0
