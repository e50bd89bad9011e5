"""Date parsing for pages: ISO 8601 out, whatever the page wrote in.

Output is ISO 8601 with a UTC offset at seconds precision
(``2022-09-15T14:30:00+04:30``), or a bare date (``2022-09-15``) when the page gave
only a day: a day is not midnight in some zone. The offset is the one the page gave; a
time without one is taken in the site's zone, which the site states itself (the REST
root's ``timezone_string``/``gmt_offset``: :func:`site_timezone`) or a setting gives;
Asia/Tehran is only ifpnews.com's default. A zone is an IANA name or a fixed offset
(``+03:30``). Relative times ("48 minutes ago", as AMP for WP prints them with
``human_time_diff()``) are resolved against the HTTP Date of the response, else the
current UTC time.

Order of attempts, cheapest and strictest first: relative phrase, ISO 8601,
RFC 2822 (feeds, HTTP), then dateparser for free-form text (slow: only when
the strict parsers fail).
"""

from __future__ import annotations

import email.utils
import logging
import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

logger = logging.getLogger(__name__)

SITE_TZ = "Asia/Tehran"

# Persian (U+06F0-U+06F9) and Arabic-Indic (U+0660-U+0669) digits to ASCII.
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")

# WordPress human_time_diff() units (MONTH_IN_SECONDS is 30 days, YEAR_IN_SECONDS 365 days).
_UNIT_SECONDS = {
    "second": 1,
    "sec": 1,
    "min": 60,
    "minute": 60,
    "hour": 3600,
    "hr": 3600,
    "day": 86400,
    "week": 7 * 86400,
    "month": 30 * 86400,
    "year": 365 * 86400,
}
_RELATIVE_RE = re.compile(
    r"^(?:about\s+|posted\s+)?(?P<n>\d+|an?|one)\s*"
    r"(?P<unit>seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)"
    r"\s+ago\.?$",
    re.IGNORECASE,
)
_NOW_WORDS = frozenset({"just now", "now", "moments ago", "a moment ago", "right now"})
_YEAR_RE = re.compile(r"\b(1[89]\d\d|2\d\d\d)\b")
_MIN_YEAR = 1990  # no news page on the web is older; earlier years are parse errors


_OFFSET_RE = re.compile(r"^(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?$", re.IGNORECASE)
_DATE_ONLY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CLOCK_RE = re.compile(r"\d{1,2}:\d{2}|\d\s*[ap]\.?m\b", re.IGNORECASE)


def _zone(tz: str) -> tzinfo:
    try:
        return _zone_cached(tz)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("unknown time zone %r, using UTC", tz)
        return UTC


@lru_cache(maxsize=16)
def _zone_cached(tz: str) -> tzinfo:
    match = _OFFSET_RE.match(tz.strip())
    if match:
        sign, hours, minutes = match.groups()
        offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
        return timezone(-offset if sign == "-" else offset)
    return ZoneInfo(tz)


def valid_timezone(tz: str) -> bool:
    """``tz`` names a zone (IANA name or fixed offset): for validating a setting."""
    try:
        _zone_cached(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def timezone_problem(tz: str) -> str:
    """The one-line error for a zone setting that names no zone."""
    return (
        f"IFP_TIMEZONE must be a time zone name (Europe/Berlin) or an offset (+03:30), not {tz!r}"
    )


def site_timezone(rest_root: Any) -> str | None:
    """The zone a WordPress site states in its REST root (``/wp-json/``), or None.

    ``timezone_string`` ("Europe/Berlin") when the site picked a city; else
    ``gmt_offset`` (hours, may be fractional: 3.5, "-4.5"), the "UTC+3:30" choice in
    Settings > General, which WordPress stores without daylight saving.
    """
    if not isinstance(rest_root, dict):
        return None
    name = rest_root.get("timezone_string")
    if isinstance(name, str) and name.strip() and valid_timezone(name.strip()):
        return name.strip()
    raw = rest_root.get("gmt_offset")
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        hours = float(raw)
    except (TypeError, ValueError):
        return None
    if not -14 <= hours <= 14:
        return None
    minutes = round(abs(hours) * 60)
    return f"{'-' if hours < 0 else '+'}{minutes // 60:02d}:{minutes % 60:02d}"


def to_iso(dt: datetime, *, tz: str = SITE_TZ) -> str:
    """ISO 8601 at seconds precision; a naive datetime is taken in ``tz``."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        dt = dt.replace(tzinfo=_zone(tz))
    return dt.replace(microsecond=0).isoformat()


def parse_relative(value: str, now: datetime | None) -> datetime | None:
    """Resolve "N units ago" (or "just now") against ``now`` (default: current UTC time).

    The result is as precise as the phrase: "3 hours ago" means 3 to 4 hours ago,
    and the lower bound is returned.
    """
    text = " ".join(value.translate(_DIGITS).split()).lower()
    if not text:
        return None
    base = now if now is not None else datetime.now(UTC)
    if base.tzinfo is None:
        base = base.replace(tzinfo=UTC)  # an HTTP Date is GMT
    if text in _NOW_WORDS:
        return base
    match = _RELATIVE_RE.match(text)
    if match is None:
        return None
    count_text = match.group("n")
    count = 1 if count_text in ("a", "an", "one") else int(count_text)
    unit = match.group("unit").rstrip("s") or "s"
    seconds = _UNIT_SECONDS.get(unit)
    if seconds is None:
        return None
    return base - timedelta(seconds=count * seconds)


def _parse_iso(text: str) -> datetime | None:
    # fromisoformat (3.11) reads every form WordPress and schema.org emit:
    # "2022-09-15T14:30:00+04:30", "...Z", "2022-09-15 14:30:00", "2022-09-15".
    if not text[:4].isdigit():
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _parse_rfc2822(text: str) -> datetime | None:
    if "," not in text and not text[:3].isalpha():
        return None
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _parse_free(text: str, tz: str, now: datetime | None) -> datetime | None:
    # dateparser imports lazily and loads its language data on first use (slow),
    # so it only runs when the strict parsers failed.
    if _YEAR_RE.search(text) is None:
        return None  # "Thursday", "Share": dateparser would guess a date; we want none
    import dateparser

    settings: dict[str, object] = {
        "TIMEZONE": tz,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "REQUIRE_PARTS": ["day", "month", "year"],
        "PREFER_DATES_FROM": "past",
    }
    if now is not None:
        settings["RELATIVE_BASE"] = now.replace(tzinfo=None)
    for languages in (["en"], None):
        try:
            parsed: datetime | None = dateparser.parse(text, languages=languages, settings=settings)
        except (ValueError, TypeError, OverflowError):
            parsed = None
        if parsed is not None:
            return parsed
    return None


def _plausible(dt: datetime, now: datetime | None) -> bool:
    ceiling = (now or datetime.now(UTC)).year + 1
    return _MIN_YEAR <= dt.year <= ceiling


def parse_instant(value: str | None, *, tz: str = SITE_TZ) -> datetime | None:
    """The instant :func:`parse_datetime` reads in ``value``, as an aware datetime.

    Incremental runs compare thousands of sitemap ``lastmod`` and stored timestamps a run,
    nearly all ISO 8601 with an offset: those take one ``fromisoformat`` (~1 us) instead of
    the whole :func:`parse_datetime` and a second parse of its answer (~25 us).
    """
    if not value:
        return None
    try:
        parsed: datetime | None = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is not None and parsed.utcoffset() is not None:
        return parsed.replace(microsecond=0) if _plausible(parsed, None) else None
    iso = parse_datetime(value, tz=tz)
    if iso is None:
        return None
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    # a bare day: its start in the site's zone, for comparisons with instants
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=_zone(tz))


def parse_datetime(value: str, *, now: datetime | None = None, tz: str = SITE_TZ) -> str | None:
    """Parse a date as pages write it; ISO 8601 with offset, or None if it is not a date."""
    if not value:
        return None
    text = " ".join(value.translate(_DIGITS).split())
    if not text:
        return None
    parsed = parse_relative(text, now)
    if parsed is not None:
        return to_iso(parsed.astimezone(_zone(tz)), tz=tz)
    parsed = _parse_iso(text) or _parse_rfc2822(text) or _parse_free(text, tz, now)
    if parsed is None or not _plausible(parsed, now):
        return None
    if _is_day_only(text, parsed):
        return date(parsed.year, parsed.month, parsed.day).isoformat()
    return to_iso(parsed, tz=tz)


def _is_day_only(text: str, parsed: datetime) -> bool:
    """The text names a day and no time of day ("2022-12-01", "September 15, 2022")."""
    if _DATE_ONLY_RE.match(text):
        return True
    if parsed.hour or parsed.minute or parsed.second or text[:4].isdigit():
        return False  # ISO 8601 with a time, or a clock dateparser read
    return _CLOCK_RE.search(text) is None and _parse_rfc2822(text) is None
