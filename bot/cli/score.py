"""``kefu score``, ``kefu report`` and ``kefu eval``: the analyser at the command line."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli.output import file_stem, write_text_file
from bot.cli.transcripts import read_transcript_file, write_json_array
from bot.core.errors import KefuError, NotFound
from bot.core.moves import MOVE_TITLES
from bot.core.scoring import ScoreSheet
from bot.core.transcript import Transcript
from bot.services.app import App

BAND_TITLES = {"excellent": "优秀", "pass": "合格", "fail": "不合格"}


def load_source(app: App, source: str) -> Transcript:
    """A transcript from a file path, or else from the database by conversation id."""
    path = Path(source)
    if path.exists() or source.endswith(".json"):
        return read_transcript_file(path)
    from bot.storage import get_transcript  # only now: scoring files needs no database

    try:
        return get_transcript(app.db, source)
    except NotFound:
        raise KefuError(
            f"{source}: 既不是文件，也不是已保存的对话编号。提示：kefu transcripts list 查看编号。"
        ) from None


def readable(sheet: ScoreSheet, name: str) -> str:
    """A plain-text score summary for a person."""
    lines = [f"== {name}（{sheet.form.title}）"]
    for row in sheet.items:
        lines.append(f"  {row.point}{row.title:<14} {row.points:>5g} / {row.max:g}   {row.comment}")
        lines.extend(f"      参考话术：{tip}" for tip in row.advice)
    moves = "、".join(MOVE_TITLES[m] for m in sheet.moves_covered) or "无"
    lines.append(f"  做到的步骤：{moves}；{'已解决' if sheet.resolved else '未解决'}")
    lines.extend(f"  {line}" for line in sheet.adjustments())
    if sheet.unfinished:
        lines.append("  对话提前结束：只按已经做到的评分")
    lines.append(f"  总分 {sheet.total:g} / {sheet.max:g}  {BAND_TITLES[sheet.band]}")
    return "\n".join(lines)


@click.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="按合同第 3 节输出 JSON 数组。")
@click.pass_obj
def score(app: App, sources: tuple[str, ...], as_json: bool):
    """给对话评分：对话文件（JSON）或已保存的对话编号，可多个。Score transcripts.

    有问题的文件在标准错误输出中说明（退出码 2），其余文件照常评分。
    """
    failed = 0

    def results():
        nonlocal failed
        for source in sources:
            try:
                sheet = app.score(load_source(app, source))
            except KefuError as exc:
                click.echo(str(exc), err=True)
                failed += 1
                yield {"file": source, "error": str(exc)}
                continue
            yield sheet.to_json(source) if as_json else readable(sheet, source)

    if as_json:
        # Streamed: a thousand files never sit in memory as one list of results.
        write_json_array(results(), batch=1)
    else:
        for text in results():
            if isinstance(text, str):
                click.echo(text)
    return 2 if failed else 0


@click.command()
@click.argument("source")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="HTML 文件路径（默认 kefu-report-编号.html）。",
)
@click.pass_obj
def report(app: App, source: str, out: Path | None):
    """生成一段对话的评分报告（独立的 HTML 页面）。Write an HTML score report."""
    from bot.reports import render_report

    transcript = load_source(app, source)
    sheet = app.score(transcript)
    name = file_stem(transcript.id or Path(source).stem)
    out = out or Path(f"kefu-report-{name}.html")
    # A stored live chat also tells why the customer said each reply.
    from_file = Path(source).exists() or source.endswith(".json")
    if from_file:
        reasons = {}
    else:
        from bot.storage import reply_reasons  # only a stored chat needs the database

        reasons = reply_reasons(app.db, source)
    scenario = app.library.scenarios.get(transcript.scenario or "")
    write_text_file(out, render_report(sheet, scenario, source, reasons))
    click.echo(f"报告已写入 {out}（总分 {sheet.total:g}，{BAND_TITLES[sheet.band]}）")
    return 0


@click.command("eval")
@click.argument(
    "folders",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@click.option("--mistakes", is_flag=True, help="列出每一处与人工标注不一致的地方。")
@click.pass_obj
def eval_cmd(app: App, folders: tuple[Path, ...], as_json: bool, mistakes: bool):
    """用人工标注的对话集衡量评分准确度；给几个文件夹时合起来算。
    Measure the analyser on a labelled set (several folders are measured as one)."""
    from bot.services.evaluation import (
        Labelled,
        evaluate,
        format_report,
        read_labelled_folders,
    )

    items = [Labelled(path, data, app.score(t)) for path, data, t in read_labelled_folders(folders)]
    result = evaluate(items)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_report(result))
    if mistakes:
        click.echo("\n".join(result.mistakes), err=not as_json)
    return 0
