"""Times as two columns: the instant in UTC and the UTC offset it was written with.

Neither backend keeps an offset on its own: SQLite's ``DateTime`` drops ``tzinfo`` and
PostgreSQL's ``timestamptz`` keeps the instant but not the offset. A transcript exported from the
database must show ``2026-06-10T09:00:05+08:00`` exactly as it came in, so the offset is stored
beside a naive UTC time (which also sorts correctly across offsets).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

_SECOND = timedelta(seconds=1)


def split_time(moment: datetime) -> tuple[datetime, int | None]:
    """Return ``(naive UTC time, offset in seconds)``; a naive time keeps its wall clock and None."""
    offset = moment.utcoffset()
    if offset is None:
        # An imported transcript may carry times without an offset; keep them as they were
        # rather than guess a zone.
        return moment, None
    if offset % _SECOND:
        raise ValueError(f"UTC offset {offset} of {moment.isoformat()} is not whole seconds")
    return (moment - offset).replace(tzinfo=None), int(offset.total_seconds())


def join_time(utc: datetime, offset: int | None) -> datetime:
    """Rebuild the time that ``split_time`` took apart, at its original offset."""
    if offset is None:
        return utc
    return utc.replace(tzinfo=timezone.utc).astimezone(timezone(timedelta(seconds=offset)))


def aware(moment: datetime) -> datetime:
    """Return ``moment`` with an offset, reading a naive time as the machine's local time."""
    return moment if moment.utcoffset() is not None else moment.astimezone()


def now() -> datetime:
    """Return the current time with the machine's local offset."""
    return datetime.now().astimezone()
