"""When to (re)fetch an article: the decision of incremental runs, as a pure function."""

from __future__ import annotations

from datetime import datetime, timedelta

from ifpcrawl.dates import parse_instant
from ifpcrawl.store.base import ArticleState


def refetch_reason(
    state: ArticleState | None,
    lastmod: str | None,
    now: datetime,
    refresh_days: float,
    mode: str,
) -> str | None:
    """Why an article met in a listing, feed, sitemap or API answer must be fetched.

    None means skip it: known, unchanged by every hint, and fetched recently enough.
    ``now`` must be timezone-aware.
    """
    if state is None:
        return "new"
    if mode == "full":
        return "full"
    hinted = parse_instant(lastmod)
    stored = parse_instant(state.modified_at) or parse_instant(state.last_seen_at)
    if hinted is not None and (stored is None or hinted > stored):
        return "changed"
    last_seen = parse_instant(state.last_seen_at)
    if refresh_days > 0 and (last_seen is None or now - last_seen > timedelta(days=refresh_days)):
        return "stale"
    return None
