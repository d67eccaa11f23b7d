"""``kefu web``: the exam room in a browser, served on the LAN by uvicorn."""

from __future__ import annotations

import os
import socket

import click

from bot.core.errors import KefuError
from bot.services.app import App

# The factory uvicorn's worker processes import; each builds its App from the environment.
FACTORY = "bot.channels.web.server:from_environment"


@click.command()
@click.option(
    "--host",
    metavar="ADDRESS",
    help="监听的地址（默认 127.0.0.1 只有本机能打开；考场用 0.0.0.0）。",
)
@click.option("--port", type=int, metavar="PORT", help="端口（默认 8000）。")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="服务进程数。多于 1 个时请用 PostgreSQL（--db postgresql+psycopg://…）。",
)
@click.pass_obj
def web(app: App, host: str | None, port: int | None, workers: int) -> int:
    """在浏览器里考试和练习：启动考场网页服务。Serve the exam room to browsers on the LAN.

    考生在浏览器打开 http://服务器地址:端口/，输入考试码和准考证号；不输入考试码可以练习。
    数据库用 --db 或 KEFU_DB（默认当前目录的 kefu.db）。按 Ctrl-C 停止。
    """
    import uvicorn

    settings = app.settings
    host = host or settings.web_host
    port = port if port is not None else settings.web_port
    app.db  # noqa: B018  (open the database now: a wrong --db is reported before serving)
    app.library  # noqa: B018  (and the scripts: a broken one is shown now, not to a candidate)
    if workers > 1 and settings.db.startswith("sqlite"):
        click.echo(
            "提示：多个服务进程共用一个 SQLite 文件可以工作，但多个考场或多台服务器请用 PostgreSQL。",
            err=True,
        )
    for line in addresses(host, port):
        click.echo(line, err=True)
    click.echo("按 Ctrl-C 停止。", err=True)
    try:
        if workers == 1:
            from bot.channels.web.server import create_app

            uvicorn.run(
                create_app(app), host=host, port=port, log_level="warning", access_log=False
            )
        else:
            # Worker processes build their own App from the environment: hand them the settings.
            os.environ["KEFU_DB"] = settings.db
            uvicorn.run(
                FACTORY,
                factory=True,
                host=host,
                port=port,
                workers=workers,
                log_level="warning",
                access_log=False,
            )
    except OSError as exc:
        raise KefuError(
            f"无法在 {host}:{port} 上启动网页服务：{exc.strerror or exc}。提示：换一个 --port。"
        ) from None
    return 0


def addresses(host: str, port: int) -> list[str]:
    """Where candidates open the room, as a line for each address of this computer."""
    if host not in ("0.0.0.0", "::", ""):
        shown = f"[{host}]" if ":" in host else host
        lines = [f"kefu 考场已启动：http://{shown}:{port}/"]
        if host.startswith("127.") or host == "localhost":
            lines.append("（只有本机能打开；考场局域网请加 --host 0.0.0.0）")
        return lines
    found = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(str(info[4][0]))
    except OSError:
        pass
    found.discard("127.0.0.1")
    lines = ["kefu 考场已启动，考生在浏览器打开："]
    lines += [f"  http://{ip}:{port}/" for ip in sorted(found)] or [
        f"  http://本机的局域网地址:{port}/"
    ]
    return lines
