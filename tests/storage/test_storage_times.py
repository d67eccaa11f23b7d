"""Times keep both their instant and their offset through the two columns."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.storage.times import aware, join_time, split_time


@pytest.mark.parametrize(
    "text",
    [
        "2026-06-10T09:00:05+08:00",
        "2026-06-10T09:00:05.123456+08:00",
        "2026-01-01T00:30:00-05:30",
        "2026-06-10T01:00:05+00:00",
        "2026-06-10T09:00:05",  # no offset: kept as written
    ],
)
def test_split_and_join_give_back_the_same_time(text: str) -> None:
    moment = datetime.fromisoformat(text)
    utc, offset = split_time(moment)
    assert utc.tzinfo is None
    back = join_time(utc, offset)
    assert back.isoformat() == text
    assert back == moment


def test_split_time_stores_the_instant_in_utc() -> None:
    utc, offset = split_time(datetime.fromisoformat("2026-06-10T09:00:05+08:00"))
    assert (utc, offset) == (datetime(2026, 6, 10, 1, 0, 5), 8 * 3600)


def test_an_offset_with_a_fraction_of_a_second_is_refused() -> None:
    odd = datetime(2026, 1, 1, tzinfo=timezone(timedelta(seconds=1, microseconds=5)))
    with pytest.raises(ValueError, match="not whole seconds"):
        split_time(odd)


def test_aware_reads_a_naive_time_as_local_and_leaves_others_alone() -> None:
    given = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert aware(given) is given
    assert aware(datetime(2026, 1, 1)).utcoffset() is not None
