"""``kefu transcripts``: list, export and import stored conversations (contract section 2)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from contextlib import closing
from json.encoder import encode_basestring
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.output import write_text_file
from bot.cli.table import pad
from bot.core.errors import KefuError, TranscriptError
from bot.core.transcript import transcript_from_dict
from bot.input_files import InputFileError, read_bytes_bounded

if TYPE_CHECKING:
    from bot.services.app import App

# bot.storage (SQLAlchemy and the models) is imported inside the commands that use it:
# `kefu score` reads transcript files through this module and needs no database.

# A transcript file larger than this is not a chat: refuse it before parsing.
MAX_FILE_BYTES = 5 * 1024 * 1024


def read_transcript_file(path: Path):
    """Read and validate one transcript file; raise ``TranscriptError`` naming it."""
    try:
        text = read_bytes_bounded(path, MAX_FILE_BYTES).decode("utf-8")
    except InputFileError as exc:
        raise TranscriptError(f"{path}: {exc}") from None
    except UnicodeDecodeError:
        raise TranscriptError(f"{path}: 文件不是 UTF-8 编码。提示：另存为 UTF-8。") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptError(
            f"{path}:{exc.lineno}: 不是有效的 JSON（第 {exc.colno} 列：{exc.msg}）"
        ) from None
    except RecursionError:
        raise TranscriptError(f"{path}: JSON 嵌套太深，不像是对话记录") from None
    except ValueError as exc:  # e.g. an integer of thousands of digits (Python refuses it)
        raise TranscriptError(f"{path}: JSON 里有无法读取的值（{exc}）") from None
    return transcript_from_dict(data, str(path))


@click.group()
def transcripts():
    """查看、导出、导入对话记录。List, export and import transcripts."""


# How many conversations the human listing shows unless told otherwise.
LIST_DEFAULT = 50


@transcripts.command("list")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON 数组（最新的在前；默认全部）。")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    help=f"最多列出多少条（默认：列表 {LIST_DEFAULT} 条，--json 全部）。",
)
@click.option("--all", "all_", is_flag=True, help="列出全部对话。")
@click.pass_obj
def list_cmd(app: App, as_json: bool, limit: int | None, all_: bool):
    """列出保存的对话，最新的在前。"""
    # Plain SQL over sqlite3 where it can (App.reading): no SQLAlchemy to import for a list.
    from bot.storage.listing import summaries

    with app.reading() as reader:
        if as_json:
            write_json_array(c.to_json() for c in summaries(reader, None if all_ else limit))
            return 0
        _print_list(summaries, reader, None if all_ else LIST_DEFAULT if limit is None else limit)
    return 0


def _print_list(summaries, reader, shown: int | None) -> None:
    """The human list: ``shown`` lines at most, then how to see more when there are more."""
    from bot.core.outcomes import outcome_title

    # One more than shown: whether to say that there are more.
    count = 0
    with closing(summaries(reader, None if shown is None else shown + 1)) as rows:
        for r in rows:
            count += 1
            if shown is not None and count > shown:
                click.echo(
                    f"……只列出了最新的 {shown} 条。提示：--limit N 列出更多，--all 列出全部，"
                    "--json 输出全部（JSON）。"
                )
                break
            data = r.to_json()
            click.echo(
                f"{data['id']}  {data['started_at'][:19]}  {r.kind:<9} "
                f"{pad(outcome_title(r.outcome), 8)} {data['messages']:>3} 条  "
                f"{data['scenario'] or '-'}"
            )
    if count == 0:
        click.echo("还没有对话记录。用 kefu chat 开始一段对话。")


def write_json_array(items: Iterable[dict], batch: int = 500) -> None:
    """Print a JSON array as it comes, byte for byte what ``json.dumps(list, indent=2)`` gives."""
    opening, chunks = "[\n  ", []
    for item in items:
        chunks.append(opening + _indented(item))
        opening = ",\n  "
        if len(chunks) == batch:
            click.echo("".join(chunks), nl=False)
            chunks = []
    click.echo("".join(chunks) + ("[]" if opening.startswith("[") else "\n]"))


_SCALARS = {type(None): lambda v: "null", bool: lambda v: "true" if v else "false", int: repr}


def _indented(item: dict) -> str:
    """An array item as ``json.dumps(..., indent=2)`` writes it, a flat object's keys by hand.

    The general encoder with an indent is written in Python and takes most of the time of a
    long list; an object of strings, integers, booleans and nulls (a listed conversation)
    is written here in a third of it, anything else by ``json.dumps``.
    """
    lines = []
    for key, value in item.items():
        if not isinstance(key, str):
            break
        if isinstance(value, str):
            text = encode_basestring(value)
        elif type(value) in _SCALARS:
            text = _SCALARS[type(value)](value)
        else:
            break
        lines.append(f"{encode_basestring(key)}: {text}")
    else:
        if lines:
            return "{\n    " + ",\n    ".join(lines) + "\n  }"
    return json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n  ")


@transcripts.command("export")
@click.argument("conversation_id")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="写入文件而不是标准输出。"
)
@click.pass_obj
def export_cmd(app: App, conversation_id: str, out: Path | None):
    """按合同格式导出一段对话（JSON）。"""
    from bot.storage import get_transcript

    text = json.dumps(
        get_transcript(app.db, conversation_id).to_dict(), ensure_ascii=False, indent=2
    )
    if out:
        write_text_file(out, text + "\n")
        click.echo(f"已导出到 {out}", err=True)
    else:
        click.echo(text)
    return 0


@transcripts.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_obj
def import_cmd(app: App, files: tuple[Path, ...]):
    """导入合同格式的对话文件（可多个）；有问题的文件报错，其余照常导入。"""
    from bot.storage import import_transcript

    failed = 0
    for path in files:
        try:
            new_id = import_transcript(app.db, read_transcript_file(path), source=path.name)
        except KefuError as exc:
            click.echo(str(exc), err=True)
            failed += 1
            continue
        click.echo(f"{path}: 已导入，编号 {new_id}")
    return 2 if failed else 0
