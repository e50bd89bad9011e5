"""Date parsing: tables of what pages write -> ISO 8601 with offset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from ifpcrawl.dates import (
    parse_datetime,
    parse_instant,
    parse_relative,
    site_timezone,
    to_iso,
    valid_timezone,
)

NOW = datetime(2025, 3, 15, 12, 0, 0, tzinfo=UTC)  # an HTTP Date header


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # ISO 8601 as WordPress and schema.org write it: offset kept as given
        ("2022-09-15T14:30:00+04:30", "2022-09-15T14:30:00+04:30"),
        ("2022-09-15T14:30:00+0430", "2022-09-15T14:30:00+04:30"),
        ("2022-09-15T10:00:00Z", "2022-09-15T10:00:00+00:00"),
        ("2022-09-15T10:00:00.123456+00:00", "2022-09-15T10:00:00+00:00"),
        ("  2022-09-15T10:00:00-05:00 ", "2022-09-15T10:00:00-05:00"),
        # naive: the site zone, Asia/Tehran (+04:30 in summer 2022, +03:30 since 2023)
        ("2022-09-15 14:30:00", "2022-09-15T14:30:00+04:30"),
        ("2023-09-15T14:30:00", "2023-09-15T14:30:00+03:30"),
        # a day stays a day: not midnight in some zone
        ("2022-12-01", "2022-12-01"),
        ("2022-12-01T00:00:00", "2022-12-01T00:00:00+03:30"),  # midnight written out
        # Persian and Arabic-Indic digits
        ("۲۰۲۲-۰۹-۱۵T۱۴:۳۰:۰۰+۰۴:۳۰", "2022-09-15T14:30:00+04:30"),
        ("٢٠٢٢-٠٩-١٥ ١٤:٣٠", "2022-09-15T14:30:00+04:30"),
        # RFC 2822 (feeds, HTTP)
        ("Thu, 15 Sep 2022 10:00:00 +0000", "2022-09-15T10:00:00+00:00"),
        ("Thu, 15 Sep 2022 10:00:00 GMT", "2022-09-15T10:00:00+00:00"),
        # free-form text: dateparser
        ("September 15, 2022", "2022-09-15"),
        ("15 Sep 2022 12am", "2022-09-15T00:00:00+04:30"),
        ("15 Sep 2022 14:30", "2022-09-15T14:30:00+04:30"),
        ("۷ April ۲۰۲۳", "2023-04-07"),
        # relative times (AMP for WP human_time_diff) against the HTTP Date, site zone
        ("48 minutes ago", "2025-03-15T14:42:00+03:30"),
        ("1 min ago", "2025-03-15T15:29:00+03:30"),
        ("3 hours ago", "2025-03-15T12:30:00+03:30"),
        ("2 days ago", "2025-03-13T15:30:00+03:30"),
        ("1 week ago", "2025-03-08T15:30:00+03:30"),
        ("an hour ago", "2025-03-15T14:30:00+03:30"),
        ("۳ hours ago", "2025-03-15T12:30:00+03:30"),
        # not dates
        ("", None),
        ("   ", None),
        ("Thursday", None),
        ("Thursday morning", None),
        ("Share", None),
        ("2023-13-45", None),
        ("0000-00-00 00:00:00", None),
        ("1970-01-01T00:00:00+00:00", None),  # epoch zero: an unset date, not a publication
        ("2999-01-01T00:00:00+00:00", None),  # the future beyond next year
    ],
)
def test_parse_datetime(value: str, expected: str | None) -> None:
    assert parse_datetime(value, now=NOW) == expected


@pytest.mark.parametrize(
    ("value", "tz", "expected"),
    [
        ("2024-05-14 09:15", "Europe/Berlin", "2024-05-14T09:15:00+02:00"),
        ("2024-01-14 09:15", "Europe/Berlin", "2024-01-14T09:15:00+01:00"),
        ("2021-03-04T10:00:00", "America/New_York", "2021-03-04T10:00:00-05:00"),
        ("2021-03-04T10:00:00", "+05:30", "2021-03-04T10:00:00+05:30"),
        ("2021-03-04T10:00:00", "-04:30", "2021-03-04T10:00:00-04:30"),
        ("2021-03-04T10:00:00", "UTC", "2021-03-04T10:00:00+00:00"),
        ("2021-03-04T10:00:00+01:00", "Asia/Tokyo", "2021-03-04T10:00:00+01:00"),  # given
        ("March 4, 2021 10:00", "+02:00", "2021-03-04T10:00:00+02:00"),
        ("March 4, 2021", "+02:00", "2021-03-04"),
        ("2 hours ago", "UTC", "2025-03-15T10:00:00+00:00"),
        ("2 hours ago", "+05:30", "2025-03-15T15:30:00+05:30"),
        ("2021-03-04T10:00:00", "Not/AZone", "2021-03-04T10:00:00+00:00"),  # warned, UTC
    ],
)
def test_parse_datetime_other_zone(value: str, tz: str, expected: str) -> None:
    assert parse_datetime(value, now=NOW, tz=tz) == expected


@pytest.mark.parametrize(
    ("rest_root", "expected"),
    [
        ({"timezone_string": "Europe/Berlin", "gmt_offset": 1}, "Europe/Berlin"),
        ({"timezone_string": "", "gmt_offset": 3.5}, "+03:30"),
        ({"timezone_string": "", "gmt_offset": "-4.5"}, "-04:30"),
        ({"timezone_string": "", "gmt_offset": 0}, "+00:00"),
        ({"timezone_string": "", "gmt_offset": 5.75}, "+05:45"),
        ({"timezone_string": "Mars/Olympus", "gmt_offset": 2}, "+02:00"),
        ({"timezone_string": "", "gmt_offset": 99}, None),
        ({"timezone_string": "", "gmt_offset": "x"}, None),
        ({"timezone_string": None, "gmt_offset": None}, None),
        ({"gmt_offset": True}, None),
        ({"name": "A site"}, None),
        ([], None),
        ("Europe/Berlin", None),
    ],
)
def test_site_timezone_from_rest_root(rest_root: object, expected: str | None) -> None:
    assert site_timezone(rest_root) == expected


@pytest.mark.parametrize(
    ("tz", "valid"),
    [("Asia/Tehran", True), ("UTC", True), ("+03:30", True), ("-05:00", True), ("Nope/X", False)],
)
def test_valid_timezone(tz: str, valid: bool) -> None:
    assert valid_timezone(tz) is valid


@pytest.mark.parametrize(
    ("value", "delta"),
    [
        ("1 second ago", timedelta(seconds=1)),
        ("30 secs ago", timedelta(seconds=30)),
        ("1 min ago", timedelta(minutes=1)),
        ("5 mins ago", timedelta(minutes=5)),
        ("48 minutes ago", timedelta(minutes=48)),
        ("1 hour ago", timedelta(hours=1)),
        ("3 hours ago", timedelta(hours=3)),
        ("2 days ago", timedelta(days=2)),
        ("2 weeks ago", timedelta(weeks=2)),
        ("1 month ago", timedelta(days=30)),
        ("3 years ago", timedelta(days=3 * 365)),
        ("a day ago", timedelta(days=1)),
        ("  4  HOURS  ago ", timedelta(hours=4)),
        ("just now", timedelta(0)),
    ],
)
def test_parse_relative(value: str, delta: timedelta) -> None:
    assert parse_relative(value, NOW) == NOW - delta


@pytest.mark.parametrize(
    "value", ["", "ago", "3 hours", "in 3 hours", "hours ago", "3 fortnights ago"]
)
def test_parse_relative_rejects(value: str) -> None:
    assert parse_relative(value, NOW) is None


def test_parse_relative_naive_now_is_utc_and_default_is_current_time() -> None:
    naive = datetime(2025, 3, 15, 12, 0, 0)
    assert parse_relative("1 hour ago", naive) == datetime(2025, 3, 15, 11, 0, tzinfo=UTC)
    before = datetime.now(UTC)
    resolved = parse_relative("1 hour ago", None)
    assert resolved is not None
    assert resolved <= before  # at least an hour before a moment taken earlier, minus one hour
    assert resolved.tzinfo is not None


@pytest.mark.parametrize(
    ("dt", "expected"),
    [
        (datetime(2022, 9, 15, 14, 30, 5, 999999, tzinfo=UTC), "2022-09-15T14:30:05+00:00"),
        (
            datetime(2022, 9, 15, 14, 30, tzinfo=timezone(timedelta(hours=4, minutes=30))),
            "2022-09-15T14:30:00+04:30",
        ),
        (datetime(2022, 9, 15, 14, 30), "2022-09-15T14:30:00+04:30"),  # naive: Asia/Tehran
    ],
)
def test_to_iso(dt: datetime, expected: str) -> None:
    assert to_iso(dt) == expected


@pytest.mark.parametrize(
    "value",
    [
        "2022-09-15T14:30:00+04:30",
        "2022-09-15T14:30:00.123456+04:30",
        "2022-09-15T10:00:00Z",
        "2022-09-15T10:00:00+00:00",
        "2022-09-15 14:30:00",
        "2022-09-15",
        " 2022-09-15T14:30:00+04:30 ",
        "Thu, 15 Sep 2022 10:00:00 GMT",
        "September 15, 2022",
        "۲۰۲۲-۰۹-۱۵T14:30:00+04:30",
        "1850-01-01T00:00:00+00:00",
        "2999-01-01T00:00:00+00:00",
        "not a date",
        "",
    ],
)
def test_parse_instant_is_the_instant_parse_datetime_reads(value: str) -> None:
    iso = parse_datetime(value)
    expected = datetime.fromisoformat(iso) if iso else None
    if expected is not None and expected.tzinfo is None:  # a bare day: its start, site zone
        expected = expected.replace(tzinfo=ZoneInfo("Asia/Tehran"))
    assert parse_instant(value) == expected
    assert parse_instant(None) is None
