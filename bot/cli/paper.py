"""``kefu paper``: list task papers, print a paper's key, score answers files, check papers.

The three commands of contract section 9 (``list``, ``key``, ``score`` with ``--json``), and
``check`` for a school writing its own papers (``FILE:LINE:`` problems, exit 2).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.core.errors import KefuError, NotFound, ScriptError
from bot.services.app import App

if TYPE_CHECKING:  # the papers load when a paper command runs, not with every kefu command
    from bot.core.papers import PaperResult
    from bot.services.paper_files import Papers


def _papers(app: App) -> Papers:
    papers = app.papers
    if papers.problems and not papers.papers:
        raise ScriptError(papers.problems)
    return papers


@click.group()
def paper() -> None:
    """任务试卷：书面任务的题目、参考答案与自动评分。Task papers."""


@paper.command("list")
@click.option("--json", "as_json", is_flag=True, help="按合同第 9 节输出 JSON 数组。")
@click.pass_obj
def list_cmd(app: App, as_json: bool):
    """列出试卷及其各题（题型、分值、是否自动评分）。List the papers."""
    from bot.core.papers.model import KIND_TITLES

    papers = _papers(app)
    if as_json:
        click.echo(
            json.dumps([p.summary() for p in papers.papers.values()], ensure_ascii=False, indent=2)
        )
        return 0
    for p in papers.papers.values():
        auto = sum(t.max for t in p.tasks if t.auto)
        total = sum(t.max for t in p.tasks)
        click.echo(f"{p.id}  {p.title}（{p.minutes} 分钟，{total:g} 分，其中自动评分 {auto:g} 分）")
        for t in p.tasks:
            mark = "自动" if t.auto else "人工"
            click.echo(f"    {t.id}  {KIND_TITLES[t.kind]:<8} {t.max:>4g} 分  {mark}  {t.title}")
    return 0


@paper.command("key")
@click.argument("paper_id")
@click.option("--variant", metavar="SEED", help="某位考生的变式（种子），默认为原题。")
@click.option("--json", "as_json", is_flag=True, help="输出答卷文件格式的 JSON（合同第 9 节）。")
@click.pass_obj
def key_cmd(app: App, paper_id: str, variant: str | None, as_json: bool):
    """打印试卷的参考答案（答卷文件格式）。Print a paper's model answers."""
    from bot.core.papers import paper_key

    the_paper = _papers(app).get(paper_id, variant)
    key = paper_key(the_paper)
    if variant:
        key["variant"] = variant
    if as_json:
        click.echo(json.dumps(key, ensure_ascii=False, indent=2))
        return 0
    click.echo(f"== {the_paper.title}")
    for task in the_paper.tasks:
        answer = key["answers"][task.id]
        shown = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
        click.echo(f"[{task.id}] {task.title}\n{shown}\n")
    return 0


def _readable(result: PaperResult, name: str) -> str:
    lines = [f"== {name}（{result.paper.title}）"]
    for t in result.tasks:
        got = "待评" if t.points is None else f"{t.points:g}"
        lines.append(f"  {t.id} {t.title:<14} {got:>5} / {t.max:g}   {t.comment}")
    if result.unknown:
        lines.append(f"  试卷中没有这些题号，已忽略：{', '.join(result.unknown)}")
    lines.append(f"  自动评分合计 {result.total_auto:g} / {result.max_auto:g}")
    return "\n".join(lines)


@paper.command("score")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="按合同第 9 节输出 JSON 数组。")
@click.pass_obj
def score_cmd(app: App, files: tuple[Path, ...], as_json: bool):
    """给答卷文件评分（自动评分的题），可多个。Score answers files.

    有问题的文件在标准错误输出中说明（退出码 2），其余文件照常评分。
    """
    from bot.services.paper_files import read_answers_file, score_answers

    papers = _papers(app)
    results, failed = [], 0
    for path in files:
        try:
            answers = read_answers_file(path)
            try:
                result = score_answers(papers, answers, app.score)
            except NotFound as exc:
                raise KefuError(f"{path}: {exc}") from None
        except KefuError as exc:
            click.echo(str(exc), err=True)
            failed += 1
            results.append({"file": str(path), "error": str(exc)})
            continue
        if as_json:
            results.append(result.to_json(str(path)))
        else:
            click.echo(_readable(result, str(path)))
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
    return 2 if failed else 0


@paper.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.pass_obj
def check_cmd(app: App, paths: tuple[Path, ...]):
    """检查试卷文件（默认为自带的 rubric/papers/）。Check paper files.

    全部有效时退出码 0；否则退出码 2，每个问题一行：文件:行号: 说明。
    """
    from bot.services.paper_files import Papers

    forms = {fid: [r.id for r in form.items] for fid, form in app.rubrics.forms.items()}
    papers = Papers.load(list(paths) or None, forms)
    if papers.problems:
        raise ScriptError(papers.problems)
    click.echo(f"{len(papers.papers)} 份试卷全部有效。")
    return 0


@paper.command("answers")
@click.argument("exam_id", type=int)
@click.argument("exam_number")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="写入文件（默认打印）。"
)
@click.pass_obj
def answers_cmd(app: App, exam_id: int, exam_number: str, out: Path | None):
    """导出一位考生在网页考场作答的试卷（答卷文件格式，含变式），可再用 kefu paper score 评分。

    Export a candidate's answers from the exam room as an answers file.
    """
    from bot.core.marking import ROLES
    from bot.services.exam_grading import acting_user
    from bot.storage.papers import get_sitting
    from bot.storage.sheets import find_sheet

    acting_user(app, *ROLES)  # graders see the same answers on the sheet
    sheet = find_sheet(app.db, exam_id, exam_number)
    sitting = get_sitting(app.db, sheet.code) if sheet.code else None
    if sitting is None:
        raise KefuError(f"考生 {exam_number} 还没有打开试卷（考试 {exam_id}）。")
    data = {"paper": sitting.paper_id, "variant": sitting.variant, "answers": sitting.answers}
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if out is None:
        click.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        click.echo(f"已写入 {out}")
    return 0
