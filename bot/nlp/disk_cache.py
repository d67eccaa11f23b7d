"""Files in the per-user cache folder, named by a hash of what went into them.

The language resources kefu builds at start-up (jieba's dictionary with our words, the parsed
lexicons) take longer to build than to read back, so each is kept in ``~/.cache/kefu`` under a
name holding the hash of its inputs: an edited lexicon gets a new file and the old one is never
read again (the newest few of each kind are kept). Writing is atomic, since several kefu
processes may start at once; a folder that cannot be written only means building every time.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from bot.services.paths import cache_dir

KEEP = 6  # files kept per kind (a trainer's edits each make a new one)


def digest(parts: Iterable[bytes | str]) -> str:
    """A short hash of the inputs, in order (strings as UTF-8)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()[:32]


def path_for(kind: str, key: str, suffix: str, folder: Path | None = None) -> Path:
    """Where the ``kind`` file for ``key`` lives."""
    return (folder or cache_dir()) / f"{kind}-{key}.{suffix}"


def read(path: Path) -> bytes | None:
    """The file's bytes, or None when it is not there (or cannot be read)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def write(path: Path, data: bytes) -> None:
    """Write atomically, then drop all but the newest ``KEEP`` files of the same kind."""
    kind = path.name.rsplit("-", 1)[0]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        # A process reading an older file has read it whole already.
        files = sorted(path.parent.glob(f"{kind}-*{path.suffix}"), key=lambda p: p.stat().st_mtime)
        for old in files[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only home or cache, or another process pruned first: build next time too
