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
from bot.cli.lazy import LazyGroup
from bot.core.errors import KefuError
from bot.services.settings import TABLE, Settings

_DB_HELP = next(s.help for s in TABLE if s.name == "db")


# Each command's module is imported only when it runs (see bot/cli/lazy.py).
COMMANDS = {
    "chat": "bot.cli.chat:chat",
    "dialogues": "bot.cli.dialogues:dialogues",
    "transcripts": "bot.cli.transcripts:transcripts",
    "score": "bot.cli.score:score",
    "report": "bot.cli.score:report",
    "eval": "bot.cli.score:eval_cmd",
    "train": "bot.cli.train:train",
    "exam": "bot.cli.exam:exam",
    "rubric": "bot.cli.rubric:rubric",
    "paper": "bot.cli.paper:paper",
    "telegram": "bot.cli.telegram:telegram",
    "user": "bot.cli.user:user",
    "web": "bot.cli.web:web",
    "db": "bot.cli.db:db",
}


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
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
    from bot.services.app import App  # the core and its libraries: not for --version

    ctx.obj = App(Settings.resolve({"db": db, "user": user}))


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
