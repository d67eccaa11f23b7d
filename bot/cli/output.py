"""Write a file a user asked for (``--out``): a clear message instead of an OSError traceback."""

from __future__ import annotations

import re
from pathlib import Path

from bot.core.errors import KefuError


def write_text_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` as UTF-8; a missing folder or a refusal is the user's to fix."""
    if not path.parent.is_dir():
        raise KefuError(f"{path}: 文件夹 {path.parent} 不存在。提示：先创建它，或换一个路径。")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise KefuError(f"{path}: 无法写入：{exc.strerror}") from None


_UNSAFE = re.compile(r"[^\w-]+")


def file_stem(name: str) -> str:
    """``name`` made safe as part of a file name: no separators, dots or controls.

    A transcript id such as ``a/../../escaped`` would otherwise write outside the folder.
    """
    return _UNSAFE.sub("_", name).strip("_")[:80] or "transcript"
