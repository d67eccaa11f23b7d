"""The audit log's hashes: one entry's digest in the chain, and a finalised sheet's locked values.

Pure functions, so that the storage layer and the migration that chains an older log compute
exactly the same hashes (``bot.storage.audit_chain`` says how the chain is used).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

# What the first entry follows.
GENESIS = "0" * 64
FIELDS = (
    "at_utc",
    "actor",
    "action",
    "exam_id",
    "sheet_id",
    "exam_number",
    "row_id",
    "before",
    "after",
    "reason",
    "locks_hash",
)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value


def entry_digest(prev_hash: str, fields: dict[str, Any]) -> str:
    """The hash of one entry: its predecessor's hash and its fields, in a fixed order."""
    payload = json.dumps(
        [prev_hash, *(_canonical(fields[name]) for name in FIELDS)],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def locks_digest(sheet_id: int, values: dict[str, float] | None) -> str:
    """The digest of a finalised sheet's locked row values."""
    rows = {k: float(v) for k, v in (values or {}).items()}
    payload = json.dumps([sheet_id, rows], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
