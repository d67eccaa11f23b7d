"""Times in transcript files read the same on every Python version kefu runs on (3.10 and up)."""

from datetime import datetime, timedelta, timezone

import pytest

from bot.core.transcript import parse_time

EIGHT = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-06-10T09:00:05+08:00", datetime(2026, 6, 10, 9, 0, 5, tzinfo=EIGHT)),
        ("2026-06-10 09:00:05+08:00", datetime(2026, 6, 10, 9, 0, 5, tzinfo=EIGHT)),
        ("2026-06-10T01:00:05Z", datetime(2026, 6, 10, 1, 0, 5, tzinfo=timezone.utc)),
        ("2026-06-10T01:00:05.5Z", datetime(2026, 6, 10, 1, 0, 5, 500000, tzinfo=timezone.utc)),
        ("2026-06-10T09:00:05.123+08:00", datetime(2026, 6, 10, 9, 0, 5, 123000, tzinfo=EIGHT)),
        ("2026-06-10T09:00:05,25+08:00", datetime(2026, 6, 10, 9, 0, 5, 250000, tzinfo=EIGHT)),
        (
            "2026-06-10T09:00:05.123456789+08:00",
            datetime(2026, 6, 10, 9, 0, 5, 123456, tzinfo=EIGHT),
        ),
        ("2026-06-10T09:00:05+0800", datetime(2026, 6, 10, 9, 0, 5, tzinfo=EIGHT)),
        ("2026-06-10T09:00:05+08", datetime(2026, 6, 10, 9, 0, 5, tzinfo=EIGHT)),
        ("2026-06-10T09:00+08:00", datetime(2026, 6, 10, 9, 0, tzinfo=EIGHT)),
        ("2026-06-10T09:00:05", datetime(2026, 6, 10, 9, 0, 5)),
        ("2026-06-10", datetime(2026, 6, 10)),
    ],
)
def test_iso_times_in_their_common_spellings(text, expected):
    parsed = parse_time(text)
    assert parsed == expected and parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("text", ["", "昨天", "2026-13-01T09:00:00+08:00", "09:00"])
def test_what_is_not_a_time_is_refused(text):
    with pytest.raises(ValueError):
        parse_time(text)
