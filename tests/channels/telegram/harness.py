"""Helpers for running the real ``kefu telegram`` process against the loopback Bot API server.

``KefuBot`` starts ``python -m bot.cli``-equivalent (the installed ``kefu`` entry point) as a
subprocess with a temporary SQLite database, fast polling and fast pacing, and can stop it with
SIGTERM or kill it with SIGKILL. ``Candidate`` plays one candidate's chat.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

KEFU = str(Path(sys.executable).with_name("kefu"))
# What makes the bot quick in tests: a 1 s long poll, almost no per-chat pacing, no nudges.
FAST = {
    "KEFU_TELEGRAM_POLL_TIMEOUT": "1",
    "KEFU_TELEGRAM_CHAT_INTERVAL": "0.01",
    "KEFU_TELEGRAM_RATE": "1000",
    "KEFU_NUDGE_SECONDS": "0",
    "PTB_TIMEDELTA": "true",
}

# A conversation that orders (dialogues/presale/dress-size.test.yaml, first case).
DRESS = "presale-dress-size"
DRESS_TURNS = (
    "亲，您好～欢迎光临小鹿女装，我是客服小鹿，有什么可以帮您的呢？",
    "亲，请问您的身高体重大概是多少呢？平时穿衣喜欢宽松一点还是合身一点？",
    "根据您的身材推荐您拍M码，这款是收腰A字版型，腰部有松紧，宽松舒适又显瘦哦",
    "亲，这已经是活动价了，不过下单可以送您运费险，还包邮哦，收到不合适也没有后顾之忧",
    "感谢支持！跟您核对一下：雾蓝色M码一件，收货地址和电话以订单为准，请您确认哦",
    "48小时内给您发出，发货后会第一时间通知您。感谢您的支持，祝您生活愉快，欢迎下次光临～",
)


class KefuBot:
    """One ``kefu telegram`` subprocess at a time, on one database."""

    def __init__(self, env: dict[str, str], db_url: str, log_path: Path) -> None:
        self.env = {**env, **FAST, "KEFU_DB": db_url}
        self.db_url = db_url
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self._log = None

    def start(self, **extra_env: str) -> KefuBot:
        assert self.proc is None
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (kept open while the bot runs)
        self.proc = subprocess.Popen(
            [KEFU, "telegram"],
            env={**self.env, **extra_env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        """Stop the process (SIGTERM: gracefully; SIGKILL: a crash); return its exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.proc = None
        self._log.close()
        self._log = None
        return code

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


ADMIN = "考务"  # access codes are an admin's (issue 16)


def as_admin(db_url: str, *args: str) -> subprocess.CompletedProcess:
    """Run ``kefu ARGS`` as the admin, who is added on first use."""
    kefu(db_url, "--as", ADMIN, "user", "add", ADMIN, "--role", "admin")  # fails once added
    return kefu(db_url, "--as", ADMIN, *args)


def kefu(db_url: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run a ``kefu`` command on the test database (``env``: more environment variables)."""
    return subprocess.run(
        [KEFU, *args],
        env={**os.environ, "KEFU_DB": db_url, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )
