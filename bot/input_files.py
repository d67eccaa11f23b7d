"""Read a file a user named, refusing what would hang or swamp kefu: the one door for input files.

``/dev/zero`` and ``/dev/urandom`` never end, a FIFO blocks its reader until someone writes, a
folder is not a file, and a file of gigabytes is not a script or a chat. Every input file
(dialogue scripts, rubric forms, lexicons, transcripts, rosters, answer files) is read through
``read_bytes_bounded``: only regular files, and never more than a stated number of bytes, so
that a mistake or an attack gets a clear message instead of a hang.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class InputFileError(Exception):
    """The file cannot be read as input; the message (Chinese) says why, without the path."""


def read_bytes_bounded(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``; raise ``InputFileError`` above ``limit`` bytes."""
    try:
        # stat before open: opening a FIFO for reading blocks until a writer appears.
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputFileError("文件不存在") from None
    except OSError as exc:
        raise InputFileError(f"无法读取：{exc.strerror}") from None
    if stat.S_ISDIR(mode):
        raise InputFileError("这是一个文件夹，不是文件")
    if not stat.S_ISREG(mode):
        raise InputFileError("不是普通文件（设备、管道或套接字），不能作为输入")
    try:
        with open(path, "rb") as f:
            # One byte more than allowed tells "exactly at the limit" from "over it", and a file
            # that grows while being read is still cut off.
            data = f.read(limit + 1)
    except OSError as exc:
        raise InputFileError(f"无法读取：{exc.strerror}") from None
    if len(data) > limit:
        raise InputFileError(f"文件超过 {_size(limit)}，不像是 kefu 的输入文件")
    return data


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / 1024 / 1024:g} MB"
    return f"{limit / 1024:g} KB"


# A folder of scripts holds dozens of files; a walk this long was pointed at the wrong place.
MAX_FOLDER_ENTRIES = 10_000


def files_below(folder: Path, limit: int = MAX_FOLDER_ENTRIES) -> list[Path]:
    """Every entry below ``folder``, sorted; raise ``InputFileError`` past ``limit`` entries.

    ``kefu dialogues check /`` would otherwise walk the whole disk. Symbolic links to folders are
    not followed (a link loop would never end).
    """
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        found.extend(Path(root, name) for name in (*dirs, *files))
        if len(found) > limit:
            raise InputFileError(
                f"文件夹里超过 {limit} 个文件和子文件夹，不像是剧本文件夹。提示：检查路径是否写对"
            )
    return sorted(found)
