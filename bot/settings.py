"""kefu's settings, declared once: name, environment variable, default and help.

Precedence, lowest first: the defaults here < a ``kefu.toml`` file in the working folder <
environment variables < command-line flags.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    Setting("dialogues", "KEFU_DIALOGUES", None, "剧本文件夹（默认：内置的 dialogues/）"),
    Setting("lexicon", "KEFU_LEXICON", None, "提示词文件夹（默认：内置的 rubric/lexicon/）"),
)


@dataclass(frozen=True)
class Settings:
    """The resolved settings of one run."""

    db: str
    dialogues: Path | None
    lexicon: Path | None

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
        return cls(
            db=str(values["db"]),
            dialogues=Path(values["dialogues"]) if values["dialogues"] else None,
            lexicon=Path(values["lexicon"]) if values["lexicon"] else None,
        )
