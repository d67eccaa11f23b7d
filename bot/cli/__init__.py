"""The ``kefu`` command: builds the application object and turns errors into exit codes.

Exit codes (contract section 1): 0 success, 2 bad input or usage (a clear message on stderr),
1 anything else. No traceback reaches a candidate, trainer or grader unless ``KEFU_DEBUG`` is set.
"""

from __future__ import annotations

import os
import sys
import traceback

import click

from bot import __version__
from bot.cli.chat import chat
from bot.cli.db import db
from bot.cli.dialogues import dialogues
from bot.cli.exam import exam
from bot.cli.paper import paper
from bot.cli.rubric import rubric
from bot.cli.score import eval_cmd, report, score
from bot.cli.telegram import telegram
from bot.cli.train import train
from bot.cli.transcripts import transcripts
from bot.cli.user import user
from bot.cli.web import web
from bot.core.errors import KefuError
from bot.services.app import App
from bot.services.settings import TABLE, Settings

_DB_HELP = next(s.help for s in TABLE if s.name == "db")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", metavar="URL", help=f"{_DB_HELP}；也可用环境变量 KEFU_DB。")
@click.option(
    "--as",
    "user",
    metavar="NAME",
    help="以哪位用户的身份操作（评分、定稿、管理考试）；也可用环境变量 KEFU_USER。",
)
@click.version_option(__version__, prog_name="kefu")
@click.pass_context
def cli(ctx: click.Context, db: str | None, user: str | None) -> None:
    """kefu（客服）：电商技能考核“网络客户服务与管理”模块的模拟顾客与评分系统。

    Role-play and scoring for the customer-service module of the e-commerce skills exam.
    """
    ctx.obj = App(Settings.resolve({"db": db, "user": user}))


cli.add_command(chat)
cli.add_command(dialogues)
cli.add_command(transcripts)
cli.add_command(score)
cli.add_command(report)
cli.add_command(eval_cmd)
cli.add_command(train)
cli.add_command(exam)
cli.add_command(rubric)
cli.add_command(paper)
cli.add_command(telegram)
cli.add_command(user)
cli.add_command(web)
cli.add_command(db)


def main(argv: list[str] | None = None) -> None:
    """Run the command line and exit with the contract's exit codes."""
    try:
        code = cli.main(args=argv, prog_name="kefu", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("已取消。", err=True)
        code = 1
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except KefuError as exc:
        click.echo(str(exc), err=True)
        code = 2
    except BrokenPipeError:
        code = 0  # output piped into `head` and closed: nothing went wrong
        sys.stderr.close()
    except Exception as exc:  # a bug, not bad input: say so briefly
        if os.environ.get("KEFU_DEBUG"):
            traceback.print_exc()
        click.echo(
            f"内部错误：{type(exc).__name__}: {exc}\n提示：设置环境变量 KEFU_DEBUG=1 可查看详情，"
            "并请把它报告给维护者。",
            err=True,
        )
        code = 1
    sys.exit(code if isinstance(code, int) else 0)
