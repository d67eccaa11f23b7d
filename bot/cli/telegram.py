"""``kefu telegram``: run the Telegram channel with long polling (contract section 6)."""

from __future__ import annotations

import dataclasses
import logging
import os

import click

from bot.app import App
from bot.core.errors import KefuError

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
BASE_URL_ENV = "TELEGRAM_API_BASE_URL"


@click.command("telegram")
@click.option(
    "--nudge-seconds", type=float, help="考生沉默多少秒后顾客催一句（默认 120；0 关闭）。"
)
@click.option("--exam-minutes", type=float, help="考试对话的时限，分钟（默认 20；0 不限时）。")
@click.option(
    "--max-chars", "max_message_chars", type=int, help="一条消息的最多字数（默认 1000）。"
)
@click.option("--poll-timeout", type=float, help="getUpdates 长轮询秒数（默认 10）。")
@click.option("--typing/--no-typing", default=None, help="回复前显示“正在输入”（默认关闭）。")
@click.option("-v", "--verbose", is_flag=True, help="输出更详细的日志。")
@click.pass_obj
def telegram(app: App, verbose: bool, **flags: object) -> None:
    """运行 Telegram 机器人（长轮询）。Run the Telegram bot.

    令牌来自环境变量 TELEGRAM_BOT_TOKEN；设置了 TELEGRAM_API_BASE_URL 时使用该 Bot API 地址
    （例如 http://127.0.0.1:8081/bot，令牌接在后面），否则使用 Telegram 官方地址。
    """
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise KefuError(
            f"缺少 Telegram 机器人令牌：请设置环境变量 {TOKEN_ENV}"
            "（在 Telegram 里找 @BotFather 创建机器人即可得到令牌）。"
        )
    base_url = os.environ.get(BASE_URL_ENV, "").strip() or None
    chosen = {k: v for k, v in flags.items() if v is not None}
    if chosen:
        app = App(dataclasses.replace(app.settings, **chosen))
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request at INFO: one line per getUpdates is noise.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("transitions").setLevel(logging.WARNING)
    from bot.channels.telegram.app import run

    run(app, token, base_url)
