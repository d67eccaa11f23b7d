"""Where the bundled data folders are: beside the package in a checkout, inside it in a wheel."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def data_dir(name: str) -> Path:
    """Return the bundled ``dialogues`` or ``rubric`` folder."""
    installed = PACKAGE_DIR / "_data" / name
    return installed if installed.is_dir() else PACKAGE_DIR.parent / name


def dialogues_dir() -> Path:
    return data_dir("dialogues")


def rubric_dir() -> Path:
    return data_dir("rubric")


def cache_dir() -> Path:
    """A folder the user can write, for jieba's dictionary cache."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kefu"
