"""What the spider fetches next: which article URLs (and why), and how far a listing or
REST walk goes. No Scrapy here: the spider turns each decision into a request.

- :class:`FetchPlanner` picks, among the article URLs a page names, those this run must
  fetch, with the reason (``ifpcrawl.incremental.refetch_reason``), once each; it caps the
  spellings with unknown query parameters a page may be reached by (a session id in every
  link) and counts what it leaves alone.
- :meth:`~FetchPlanner.walk_listing`, :meth:`~FetchPlanner.listing_back` and
  :meth:`~FetchPlanner.rest_next` decide the walks: full and resume runs page a window
  ahead while pages give new items (``ifpcrawl.traps``); incremental runs page back until
  a page holds only articles stored and unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ifpcrawl.crawlstate import CrawlState
from ifpcrawl.discovery import (
    Found,
    ListingLinks,
    archive_kind,
    listing_page_url,
    listing_root,
    page_number,
)
from ifpcrawl.incremental import refetch_reason
from ifpcrawl.sitemaps import SitemapRecord, first_stale_moment
from ifpcrawl.store.base import ArticleState
from ifpcrawl.traps import Walks
from ifpcrawl.urls import canonicalize, classify_url, unknown_query_key


@dataclass(frozen=True)
class Fetch:
    """An article to fetch: its canonical URL, the spelling met, why, its stored state."""

    url: str
    raw: str
    reason: str
    state: ArticleState | None


class FetchPlanner:
    def __init__(self, state: CrawlState, settings: Any) -> None:
        from ifpcrawl.config import ifp_setting

        self.state = state
        self.refresh_days = float(ifp_setting(settings, "IFP_REFRESH_DAYS"))
        self.follow_archives = {str(k) for k in ifp_setting(settings, "IFP_FOLLOW_ARCHIVES")}
        self.max_depth = int(ifp_setting(settings, "IFP_LISTING_MAX_DEPTH"))
        self.query_variants_cap = int(ifp_setting(settings, "IFP_QUERY_VARIANTS_PER_PATH"))
        window = int(ifp_setting(settings, "IFP_LISTING_WINDOW"))
        bound = int(ifp_setting(settings, "IFP_LISTING_MAX_PAGES"))
        self.listing_walks = Walks(window, bound)
        self.rest_walks = Walks(window, bound)
        self.query_variants: dict[str, int] = {}
        self.sitemap_entries = 0
        stored = state.store.count_articles()
        self.listing_walks.note_evidence(stored)
        self.rest_walks.note_evidence(stored)

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    def trap_stop(self, reason: str, url: str) -> None:
        """A walk or a link not followed because it looks like a crawler trap."""
        self.state.inc(f"ifp/trap/{reason}")
        self.state.log_once(f"trap_{reason}", "Not following %s further: %s", url, reason)

    def too_many_variants(self, url: str) -> bool:
        """True (counted) once a page was scheduled under IFP_QUERY_VARIANTS_PER_PATH
        spellings with unknown query parameters: a session id or a counter in every link."""
        key = unknown_query_key(url)
        if key is None:
            return False
        count = self.query_variants.get(key, 0)
        if count >= self.query_variants_cap:
            self.trap_stop("query_variants", url)
            return True
        self.query_variants[key] = count + 1
        return False

    def fetches(
        self, found: Iterable[Found], states: Mapping[str, ArticleState] | None = None
    ) -> Iterator[Fetch]:
        """The articles among ``found`` this run must fetch (``states``: their stored
        states, when the caller has already read them), each once."""
        urls = self.state.urls
        site = self.state.site
        assert site is not None
        candidates = [
            f
            for f in found
            if f.url not in urls.scheduled
            and classify_url(f.url, site) == "article"
            and not self.too_many_variants(f.url)
        ]
        if not candidates:
            return
        if states is None:
            states = self.state.store.article_states(f.url for f in candidates)
        now = self.now()
        for f in candidates:
            if f.url in urls.scheduled:
                continue
            state = states.get(f.url)
            reason = refetch_reason(
                state, f.lastmod, now, self.refresh_days, self.state.refetch_mode
            )
            if reason is None:
                if f.url not in urls.skipped:
                    urls.skipped.add(f.url)
                    self.state.inc("ifp/skipped_known")
                continue
            urls.scheduled.add(f.url)
            self.state.inc(f"ifp/fetch_reason/{reason}")
            yield Fetch(f.url, f.raw_url, reason, state)

    def retries(self) -> Iterator[Fetch | tuple[str, str]]:
        """What earlier runs failed on: articles as a :class:`Fetch` (once each), other
        pages as (url, kind) to request as the kind of page they are."""
        urls = self.state.urls
        for failure in self.state.store.failures():
            if failure.kind != "article":
                yield failure.url, failure.kind
                continue
            canonical = canonicalize(failure.url, self.state.site)
            if canonical is None or canonical in urls.scheduled:
                continue
            urls.scheduled.add(canonical)
            self.state.inc("ifp/fetch_reason/retry_failed")
            stored = self.state.store.article_state(canonical)
            yield Fetch(canonical, failure.url, "retry_failed", stored)

    def known_unchanged(self, found: list[Found]) -> bool:
        states = self.state.store.article_states(f.url for f in found)
        now = self.now()
        mode = self.state.refetch_mode
        return all(
            refetch_reason(states.get(f.url), f.lastmod, now, self.refresh_days, mode) is None
            for f in found
        )

    def sitemap_read(
        self, digest: str, entries: list[Found], states: Mapping[str, ArticleState]
    ) -> SitemapRecord:
        """A sitemap read in full: its entries are evidence of how many pages the walks may
        need; returns its record (kept if the run finishes)."""
        self.sitemap_entries += len(entries)
        self.listing_walks.note_evidence(self.sitemap_entries)
        self.rest_walks.note_evidence(self.sitemap_entries)
        urls = (f.url for f in entries)
        recheck = first_stale_moment(states, urls, self.refresh_days, self.now())
        return SitemapRecord(digest, len(entries), recheck, self.refresh_days)

    # --- walks ---------------------------------------------------------------------------

    def walk_listing(self, links: ListingLinks, current: str, depth: int) -> list[tuple[str, int]]:
        """Full and resume runs: the listing pages (url, depth) to request after reading
        ``current`` (canonical) at ``depth``.

        Page a window ahead of the last page read, and only while pages give new items
        (ifpcrawl.traps): the page count a site claims is not trusted."""
        articles = links.loop_articles or links.other_articles
        root = listing_root(current)
        number = page_number(current)
        claimed = [links.last_page or 0, *(page_number(url) for url in links.next_pages)]
        step = self.listing_walks.page_read(
            root, number, (f.url for f in articles), max(claimed) or None
        )
        if step.stop:
            self.trap_stop(step.stop, current)
        pages = [(listing_page_url(root, n), depth) for n in step.pages]
        # Another URL shape of the same page
        pages += [(url, depth) for url in links.next_pages if page_number(url) in step.pages]
        for url in links.archives:
            if archive_kind(url) not in self.follow_archives:
                continue
            if depth + 1 > self.max_depth:
                self.trap_stop("max_depth", url)
            elif not self.too_many_variants(url):
                pages.append((url, depth + 1))
        return pages

    def listing_back(
        self, links: ListingLinks, current: str, previous: Iterable[str]
    ) -> str | None:
        """Incremental: the next (older) listing page while this one holds an article not
        stored or changed; None to stop."""
        articles = links.loop_articles or links.other_articles
        seen = set(previous)
        fresh = [f for f in articles if f.url not in seen]
        if not fresh or self.known_unchanged(fresh):
            self.state.inc("ifp/listing_stop")
            return None
        if links.next_pages and self.listing_walks.at_bound(
            listing_root(current), page_number(current), len(articles)
        ):
            # New articles on every page, none ever stored (they 404, or fail): still bounded.
            self.trap_stop("max_pages", current)
            return None
        return links.next_pages[0] if links.next_pages else None

    def rest_next(self, page: int, found: list[Found], total_pages: int, url: str) -> list[int]:
        """REST pages to request after reading ``page`` of ``total_pages`` (a claim)."""
        if self.state.walk_all:
            # Page a window ahead while pages give new posts.
            step = self.rest_walks.page_read("api", page, (f.url for f in found), total_pages)
            # Posts seen here raise the listings' bound, never the API's own: a walk that
            # vouched for itself would have no bound at all.
            self.listing_walks.note_evidence(len(self.rest_walks.seen))
            if step.stop:
                self.trap_stop(step.stop, url)
            return list(step.pages)
        # Incremental: newest-modified first; stop at the first page with an unchanged post.
        if page < total_pages and found and not self.known_unchanged(found[-1:]):
            if self.rest_walks.at_bound("api", page, len(found)):
                self.trap_stop("max_pages", url)
                return []
            return [page + 1]
        return []
