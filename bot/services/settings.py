"""kefu's settings, declared once: name, environment variable, default and help.

Precedence, lowest first: the defaults here < a ``kefu.toml`` file in the working folder <
environment variables < command-line flags.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser as the tomli package
    import tomli as tomllib

from bot.core.errors import KefuError

SETTINGS_FILE = "kefu.toml"


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: Any
    help: str


TABLE: tuple[Setting, ...] = (
    Setting(
        "db", "KEFU_DB", "sqlite:///kefu.db", "数据库地址（SQLAlchemy URL），默认当前目录的 kefu.db"
    ),
    Setting(
        "sqlite_synchronous",
        "KEFU_SQLITE_SYNCHRONOUS",
        "FULL",
        "SQLite 的写盘方式：FULL（默认，断电也不丢已回复的消息）或 NORMAL（更快，断电可能丢最后几轮）",
    ),
    Setting("dialogues", "KEFU_DIALOGUES", None, "剧本文件夹（默认：内置的 dialogues/）"),
    Setting("lexicon", "KEFU_LEXICON", None, "提示词文件夹（默认：内置的 rubric/lexicon/）"),
    # Exams and grading (kefu exam, kefu user).
    Setting("user", "KEFU_USER", "", "以哪位用户的身份操作（评分、定稿等）；也可用 --as 姓名"),
    Setting(
        "double_mark_threshold",
        "KEFU_DOUBLE_MARK_THRESHOLD",
        2.0,
        "双评时同一行两位评分员相差超过多少分，交第三位评分员仲裁",
    ),
    # The Telegram channel (kefu telegram).
    Setting("nudge_seconds", "KEFU_NUDGE_SECONDS", 120.0, "考生沉默多少秒后顾客催一句“在吗？”"),
    Setting(
        "exam_minutes",
        "KEFU_EXAM_MINUTES",
        20.0,
        "考试对话的时限（分钟，Telegram 和 kefu chat --code），到时自动结束",
    ),
    Setting("max_message_chars", "KEFU_MAX_MESSAGE_CHARS", 1000, "一条消息的最多字数，超出则拒收"),
    # The web exam room (kefu web).
    Setting(
        "web_host", "KEFU_WEB_HOST", "127.0.0.1", "kefu web 监听的地址（考场局域网用 0.0.0.0）"
    ),
    Setting("web_port", "KEFU_WEB_PORT", 8000, "kefu web 监听的端口"),
    Setting(
        "typing_delay",
        "KEFU_WEB_TYPING_DELAY",
        2.5,
        "网页上顾客回复前“正在输入”最多等几秒（按回复长度，0 = 不等）",
    ),
    Setting("poll_timeout", "KEFU_TELEGRAM_POLL_TIMEOUT", 10.0, "getUpdates 长轮询的秒数"),
    Setting(
        "chat_interval", "KEFU_TELEGRAM_CHAT_INTERVAL", 1.0, "同一私聊两条消息之间至少间隔的秒数"
    ),
    Setting("global_rate", "KEFU_TELEGRAM_RATE", 30.0, "机器人每秒最多发送的消息数"),
    Setting(
        "typing", "KEFU_TELEGRAM_TYPING", False, "回复前显示“正在输入”并按长度稍等（默认关闭）"
    ),
    # Webhook mode: on when webhook_url is set (long polling otherwise).
    Setting(
        "webhook_url",
        "KEFU_TELEGRAM_WEBHOOK_URL",
        "",
        "Webhook 的公网 HTTPS 地址；设置后改用 webhook 接收消息（默认空：长轮询）",
    ),
    Setting(
        "webhook_listen", "KEFU_TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1", "Webhook 本地监听的地址"
    ),
    Setting("webhook_port", "KEFU_TELEGRAM_WEBHOOK_PORT", 8080, "Webhook 本地监听的端口"),
    Setting(
        "webhook_secret",
        "KEFU_TELEGRAM_WEBHOOK_SECRET",
        "",
        "Webhook 密钥（X-Telegram-Bot-Api-Secret-Token）；默认空：每次启动随机生成",
    ),
)


@dataclass(frozen=True)
class Settings:
    """The resolved settings of one run."""

    db: str
    dialogues: Path | None
    lexicon: Path | None
    user: str = ""
    double_mark_threshold: float = 2.0
    nudge_seconds: float = 120.0
    exam_minutes: float = 20.0
    max_message_chars: int = 1000
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    typing_delay: float = 2.5
    poll_timeout: float = 10.0
    chat_interval: float = 1.0
    global_rate: float = 30.0
    typing: bool = False
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8080
    webhook_secret: str = ""
    sqlite_synchronous: str = "FULL"

    @classmethod
    def resolve(cls, flags: dict[str, Any] | None = None, cwd: Path | None = None) -> Settings:
        """Combine defaults, the settings file, the environment and flags."""
        values = {s.name: s.default for s in TABLE}
        path = (cwd or Path.cwd()) / SETTINGS_FILE
        if path.exists():
            try:
                from_file = tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise KefuError(f"{path}: 设置文件格式错误：{exc}") from None
            unknown = set(from_file) - set(values)
            if unknown:
                raise KefuError(
                    f"{path}: 未知的设置项 {', '.join(sorted(unknown))}（可用：{', '.join(values)}）"
                )
            values.update(from_file)
        for s in TABLE:
            if os.environ.get(s.env):
                values[s.name] = os.environ[s.env]
        values.update({k: v for k, v in (flags or {}).items() if v is not None})
        typed = {
            s.name: _typed(s, values[s.name])
            for s in TABLE
            if s.name not in ("db", "dialogues", "lexicon")
        }
        return cls(
            db=str(values["db"]),
            dialogues=Path(values["dialogues"]) if values["dialogues"] else None,
            lexicon=Path(values["lexicon"]) if values["lexicon"] else None,
            **typed,
        )


def _typed(setting: Setting, value: Any) -> Any:
    """Convert a value from the file, the environment or a flag to the type of its default."""
    kind = type(setting.default)
    if isinstance(value, kind) and not (kind is not bool and isinstance(value, bool)):
        return value
    text = str(value).strip()
    try:
        if kind is bool:
            if text.lower() in ("1", "true", "yes", "on"):
                return True
            if text.lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(text)
        result = kind(text)
    except ValueError:
        raise KefuError(
            f"设置项 {setting.name}（{setting.env}）的值“{value}”无效，应为"
            f"{'数字' if kind in (int, float) else '是/否（1/0）'}。"
        ) from None
    if kind in (int, float) and result < 0:
        raise KefuError(f"设置项 {setting.name}（{setting.env}）不能是负数：{value}")
    return result
