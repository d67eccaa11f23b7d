"""``kefu telegram``: run the Telegram channel (contract section 6).

Long polling by default; with a webhook URL (``--webhook-url`` / ``KEFU_TELEGRAM_WEBHOOK_URL``)
kefu serves its own webhook on ``--webhook-listen``:``--webhook-port`` behind an HTTPS reverse
proxy. The secret token Telegram sends with every delivery is ``--webhook-secret`` /
``KEFU_TELEGRAM_WEBHOOK_SECRET`` when given, else a random one made for this run (``setWebhook``
is called at every start, so Telegram always has the current one).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import secrets

import click

from bot.core.errors import KefuError
from bot.services.app import App

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
@click.option(
    "--webhook-url", help="改用 webhook：Telegram 投递消息的公网 HTTPS 地址（默认不设：长轮询）。"
)
@click.option(
    "--webhook-listen", help="webhook 本地监听地址（默认 127.0.0.1，反向代理转发到这里）。"
)
@click.option(
    "--webhook-port", type=click.IntRange(1, 65535), help="webhook 本地端口（默认 8080）。"
)
@click.option(
    "--webhook-secret",
    help="webhook 密钥，1–256 个字母、数字、_ 或 -（默认每次启动随机生成）；建议用环境变量传入。",
)
@click.option("-v", "--verbose", is_flag=True, help="输出更详细的日志。")
@click.pass_obj
def telegram(app: App, verbose: bool, **flags: object) -> None:
    """运行 Telegram 机器人（默认长轮询，可选 webhook）。Run the Telegram bot.

    令牌来自环境变量 TELEGRAM_BOT_TOKEN；设置了 TELEGRAM_API_BASE_URL 时使用该 Bot API 地址
    （例如 http://127.0.0.1:8081/bot，令牌接在后面），否则使用 Telegram 官方地址。
    设置 --webhook-url 后改用 webhook：在本地端口接收 Telegram 的推送（前面需有 HTTPS 反向代理）。
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
    secret = _webhook_secret(app) if app.settings.webhook_url else ""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request at INFO: one line per getUpdates is noise.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("transitions").setLevel(logging.WARNING)
    from bot.channels.telegram.app import run

    run(app, token, base_url, secret)


SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _webhook_secret(app: App) -> str:
    """Check the webhook settings; return the secret token (given, or made for this run)."""
    settings = app.settings
    if not settings.webhook_url.startswith("https://"):
        raise KefuError(
            f"webhook 地址必须以 https:// 开头（Telegram 只向 HTTPS 投递）：{settings.webhook_url}"
        )
    if not 1 <= settings.webhook_port <= 65535:
        raise KefuError(f"webhook 端口无效：{settings.webhook_port}（应为 1–65535）")
    if not settings.webhook_secret:
        return secrets.token_urlsafe(32)
    if not SECRET_RE.fullmatch(settings.webhook_secret):
        raise KefuError("webhook 密钥只能由 1–256 个字母、数字、_ 或 - 组成。")
    return settings.webhook_secret
