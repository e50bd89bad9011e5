"""Sitemaps between runs: which sub-sitemaps list posts, and the record that lets an
incremental run skip a sitemap whose bytes have not changed since a run that finished."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from ifpcrawl.dates import parse_instant
from ifpcrawl.discovery import Found
from ifpcrawl.store.base import ArticleState
from ifpcrawl.urls import Site, is_on_site

# Sub-sitemaps that never list posts (WordPress core, Yoast, Rank Math names).
NON_POST_SITEMAPS = (
    "taxonom", "user", "author", "categor", "tag", "attachment", "page-sitemap", "posts-page",
)  # fmt: skip


def lists_posts(sitemap_url: str) -> bool:
    """False for a sub-sitemap whose name says it lists no posts (terms, users, pages)."""
    name = sitemap_url.rsplit("/", 1)[-1].lower()
    return not any(word in name for word in NON_POST_SITEMAPS)


def post_sitemaps(entries: Iterable[Found], site: Site) -> tuple[list[str], int]:
    """The sub-sitemaps of a sitemap index worth reading (those that may list posts, on
    the site's origin), and how many were refused as off-site."""
    urls: list[str] = []
    offsite = 0
    for entry in entries:
        if not lists_posts(entry.url):
            continue
        if not is_on_site(entry.url, site):
            offsite += 1
            continue
        urls.append(entry.url)
    return urls, offsite


# XML comments: caching plugins stamp served sitemaps with the time they were served.
_XML_COMMENT = re.compile(rb"<!--.*?-->", re.S)


def sitemap_digest(body: bytes) -> str:
    """The digest that says a sitemap is unchanged: its bytes without XML comments."""
    return hashlib.sha1(_XML_COMMENT.sub(b"", body), usedforsecurity=False).hexdigest()


def sitemap_state_key(url: str) -> str:
    """Store state key of a sitemap read in full by a run that finished."""
    return f"sitemap:{url}"


@dataclass(frozen=True)
class SitemapRecord:
    """A sitemap as a finished run read it: its digest, its entry count, the first moment
    one of its articles turns stale (None: none can), and the IFP_REFRESH_DAYS that says so."""

    digest: str
    entries: int
    recheck_after: str | None
    refresh_days: float

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> SitemapRecord | None:
        try:
            data = json.loads(text or "null")
            recheck = data.get("recheck_after")
            return cls(
                str(data["digest"]),
                int(data["entries"]),
                str(recheck) if recheck else None,
                float(data["refresh_days"]),
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    def still_valid(self, digest: str, now: datetime, refresh_days: float) -> bool:
        if digest != self.digest or refresh_days != self.refresh_days:
            return False
        if self.recheck_after is None:
            return True
        recheck = parse_instant(self.recheck_after)
        return recheck is not None and now < recheck


def first_stale_moment(
    states: Mapping[str, ArticleState], urls: Iterable[str], refresh_days: float, now: datetime
) -> str | None:
    """When the first article of ``urls`` will be due for a stale refetch: an article not
    stored yet is fetched by this run, so it turns stale ``refresh_days`` from ``now``."""
    if refresh_days <= 0:
        return None
    due = now + timedelta(days=refresh_days)
    for url in urls:
        state = states.get(url)
        seen = parse_instant(state.last_seen_at) if state is not None else now
        if seen is None:
            return now.isoformat()  # unreadable: read the sitemap again next time
        due = min(due, seen + timedelta(days=refresh_days))
    return due.isoformat()
