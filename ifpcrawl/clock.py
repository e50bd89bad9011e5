"""The crawl's one clock: every timestamp ifpcrawl writes is UTC, to the second."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Now, in UTC, to the second (what the store and the run history record)."""
    return datetime.now(UTC).replace(microsecond=0)


def iso_now() -> str:
    """:func:`utc_now` as ISO 8601 text, e.g. ``2026-12-08T01:02:03+00:00``."""
    return utc_now().isoformat()
