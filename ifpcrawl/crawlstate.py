"""What one crawl knows, owned by its crawler: every component reaches it with
:func:`crawl_state`, none reaches into another.

The state holds the store handle, the site and the resolved mode, the site's time zone,
the article URLs this run has scheduled, parsed or left alone, the URL spellings met
(written to the store in batches, adopted by their article when it is stored), the
sitemaps read in full, and the failures to record. The spider fills it and routes; the
redirect middleware notes spellings in it; the run history and the distributed scheduler
read the site and the mode from it. It is written back when the spider closes, after the
pipelines stored their last batch.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from scrapy import Request, signals

from ifpcrawl.clock import iso_now
from ifpcrawl.config import ConfigError, check_site, ifp_setting
from ifpcrawl.dates import SITE_TZ, site_timezone
from ifpcrawl.discovery import Found
from ifpcrawl.fingerprints import FingerprintSet
from ifpcrawl.identity import redirect_spelling, spelling_of
from ifpcrawl.logs import OnceLog
from ifpcrawl.runtime import store_for
from ifpcrawl.sitemaps import SitemapRecord, sitemap_state_key
from ifpcrawl.store.base import Store, StoreError
from ifpcrawl.urls import Site

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

MODES = ("auto", "full", "incremental", "resume")
VARIANT_BATCH = 2000
_ATTR = "_ifp_crawl_state"


def walk_state_key(site_base: str) -> str:
    """Store state key set when a full (or resume) walk of a site's archive completes."""
    return f"walk_complete:{site_base}"


def resolve_mode(mode: str, stored_articles: int, walk_completed: bool) -> str:
    """`auto`: full on an empty store; incremental once a whole-archive walk has completed;
    resume (walk everything, fetch only what is new or hinted changed) after a walk that
    was interrupted, so a hard-killed first crawl is completed by the next plain run."""
    if mode != "auto":
        return mode
    if stored_articles == 0:
        return "full"
    return "incremental" if walk_completed else "resume"


def default_zone(site: Site) -> str:
    """The zone for times a page writes without an offset until the site says: ifpnews.com's
    own, or UTC."""
    return SITE_TZ if site.host.removeprefix("www.").startswith("ifpnews.com") else "UTC"


class UrlBook:
    """Article URLs this run has scheduled, parsed or left alone (8 bytes a URL,
    ifpcrawl.fingerprints), and the spellings met for them.

    A spelling of an article that is scheduled but not parsed yet waits here and goes
    into that article's own row (:meth:`parsed`); any other is queued for the store's
    ``article_urls`` (or its ``pending_urls`` when the article is not stored yet).
    """

    def __init__(self, site: Site) -> None:
        self.site = site
        self.scheduled = FingerprintSet()
        self.parsed_urls = FingerprintSet()
        self.skipped = FingerprintSet()
        self.seen = FingerprintSet()
        self.pending: dict[str, set[str]] = {}
        self.pairs: list[tuple[str, str]] = []

    def new_pairs(self, found: Iterable[Found]) -> list[tuple[str, str]]:
        """(spelling, canonical) for each on-site spelling of an article URL not met before."""
        pairs = []
        for f in found:
            raw = spelling_of(f, self.site)
            if raw is None or raw in self.seen:
                continue
            self.seen.add(raw)
            pairs.append((raw, f.url))
        return pairs

    def note(self, found: Iterable[Found]) -> None:
        for raw, url in self.new_pairs(found):
            if url in self.scheduled and url not in self.parsed_urls:
                self.pending.setdefault(url, set()).add(raw)
            else:
                self.pairs.append((raw, url))

    def parsed(self, *urls: str) -> list[str]:
        """Mark ``urls`` (an article's canonical and fetched URL) parsed; returns the
        spellings that waited for them, sorted."""
        waiting: list[str] = []
        for url in urls:
            self.parsed_urls.add(url)
            waiting.extend(sorted(self.pending.pop(url, ())))
        return waiting

    def take_pairs(self, everything: bool = False) -> list[tuple[str, str]]:
        """The queued pairs (with ``everything``, the ones still waiting too), emptied."""
        if everything:
            for url, raws in self.pending.items():
                self.pairs.extend((raw, url) for raw in raws)
            self.pending.clear()
        pairs, self.pairs = self.pairs, []
        return pairs


class CrawlState:
    """One crawl's state; see the module's docstring. Built by :func:`crawl_state`."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.site: Site | None = None
        self.mode = ""
        self.timezone: str | None = None  # the site's, once known (IFP_TIMEZONE or REST)
        self.urls: UrlBook
        self.sitemaps_read: dict[str, SitemapRecord] = {}
        self.log_once = OnceLog(logging.getLogger("ifpcrawl.spiders.ifp"))

    # --- set-up ---------------------------------------------------------------------------

    def begin(self, site_arg: str | None, mode: str) -> None:
        """Take the crawl's site (``-a site=`` or IFP_SITE) and resolve its mode; raises
        :class:`ConfigError` with one line for a bad argument."""
        if mode not in MODES:
            raise ConfigError(f"-a mode={mode} is not allowed: expected one of {', '.join(MODES)}")
        if site_arg is not None:
            check_site(site_arg)
        site_url = site_arg or ifp_setting(self.crawler.settings, "IFP_SITE")
        try:
            self.site = Site.from_url(site_url)
        except ValueError as exc:
            raise ConfigError(f"site {site_url}: {exc}") from None
        self.urls = UrlBook(self.site)
        store = self.store
        walked = bool(store.get_state(walk_state_key(self.site.base)))
        self.mode = resolve_mode(mode, store.count_articles(), walked)
        self.timezone = configured_timezone(ifp_setting(self.crawler.settings, "IFP_TIMEZONE"))

    def adopt_mode(self, mode: str, why: str) -> None:
        """Crawl in ``mode`` after all (a distributed group's, joined late)."""
        if mode != self.mode:
            logger.info("Crawling in %s mode, not %s: %s", mode, self.mode, why)
            self.mode = mode

    # --- what components read -------------------------------------------------------------

    @property
    def store(self) -> Store:
        return store_for(self.crawler)

    @property
    def site_url(self) -> str:
        return self.site.base if self.site is not None else ""

    @property
    def walk_all(self) -> bool:
        """Walk every listing page and REST page (full and resume), not just the new ones."""
        return self.mode in ("full", "resume")

    @property
    def refetch_mode(self) -> str:
        """Only `full` refetches known articles without a reason."""
        return "full" if self.mode == "full" else "incremental"

    @property
    def site_timezone(self) -> str:
        """The zone for times a page writes without an offset."""
        if self.timezone is not None:
            return self.timezone
        assert self.site is not None
        return default_zone(self.site)

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    def inc(self, key: str, count: int = 1) -> None:
        self.stats.inc_value(key, count)

    # --- what components write ------------------------------------------------------------

    def note_spellings(self, found: Iterable[Found]) -> None:
        """Remember every on-site spelling of an article URL, for ``article_urls``."""
        self.urls.note(found)
        if len(self.urls.pairs) >= VARIANT_BATCH:
            self.flush_spellings()

    def note_redirect(self, from_url: str, to_url: str) -> None:
        """A redirect: the old URL is a spelling of the article the new one is (301s for
        renamed slugs merge into the article they point to)."""
        if self.site is None:
            return
        found = redirect_spelling(from_url, to_url, self.site)
        if found is not None:
            self.note_spellings([found])

    def flush_spellings(self, everything: bool = False) -> None:
        """Write the spellings met: the store keeps those whose article is not stored yet
        until it is (``pending_urls``)."""
        pairs = self.urls.take_pairs(everything)
        if pairs:
            self.inc("ifp/url_variants", self.store.add_url_variants(pairs))

    def record_failure(
        self, url: str, reason: str, kind: str = "article", error: str | None = None
    ) -> None:
        """A page that failed: recorded in ``failures``, retried by the next run."""
        self.store.record_failure(url, reason, iso_now(), kind=kind, error=error)

    def touch(self, url: str) -> None:
        """An article the site says is unchanged (304): seen now."""
        self.store.touch(url, iso_now())

    def sitemap_read(self, url: str, record: SitemapRecord) -> None:
        self.sitemaps_read[url] = record

    def sitemap_record(self, url: str) -> SitemapRecord | None:
        """What a run that finished recorded of the sitemap at ``url``."""
        return SitemapRecord.from_json(self.store.get_state(sitemap_state_key(url)))

    def sitemap_unchanged(self, url: str, digest: str, now: datetime, refresh_days: float) -> bool:
        """True when an incremental run may skip this sitemap: a run that finished read the
        very same bytes, scheduled what they called for, and none of their stored articles
        has turned stale since. (A `full` or `resume` run reads every sitemap.)"""
        if self.mode != "incremental":
            return False
        record = self.sitemap_record(url)
        if record is None or not record.still_valid(digest, now, refresh_days):
            return False
        self.inc("ifp/sitemap_unchanged")
        self.inc("ifp/sitemap_unchanged_entries", record.entries)
        logger.info(
            "Sitemap %s unchanged since the last finished run (%d entries not re-read)",
            url,
            record.entries,
        )
        return True

    async def read_site_timezone(self, rest_root: str) -> None:
        """The site's time zone from its REST root (``timezone_string``/``gmt_offset``).

        Fetched before any seed is queued, past the scheduler (downloader middlewares
        still apply: site guard, robots.txt, redirects), so every article page is read in
        the site's zone, and every worker of a distributed group asks for itself (its
        shared dupefilter would hand the answer to one worker only).
        """
        url = rest_root + "?_fields=timezone_string,gmt_offset"
        request = Request(url, meta={"ifp_kind": "api", "dont_retry": True}, dont_filter=True)
        zone = None
        try:
            response = await self.crawler.engine.download_async(request)
            if response.status == 200:
                zone = site_timezone(json.loads(response.body))
        except ValueError:  # not JSON: a site without the REST API (or a login wall)
            zone = None
        except Exception as exc:
            logger.debug("No REST root at %s: %r", url, exc)
        if zone is None:
            logger.info(
                "Site time zone not stated; times without an offset read as %s",
                self.site_timezone,
            )
            return
        self.timezone = zone
        logger.info("Site time zone %s (from %s)", zone, url)

    def spider_closed(self, reason: str) -> None:
        """Runs after the pipelines stored their last batch: every article is stored, so
        every spelling still waiting can be written."""
        if self.site is None:
            return
        try:
            self.flush_spellings(everything=True)
            if reason == "finished":
                # Only a run that finished fetched everything its sitemaps called for.
                for url, record in self.sitemaps_read.items():
                    self.store.set_state(sitemap_state_key(url), record.to_json())
        except StoreError as exc:  # the next run reads its sitemaps again: no harm
            logger.error("Could not record the spellings or sitemaps read: %s", exc)


def configured_timezone(value: str | None) -> str | None:
    """IFP_TIMEZONE checked at start (a one-line error for a zone that does not exist)."""
    from ifpcrawl.dates import timezone_problem, valid_timezone

    value = (value or "").strip()
    if not value:
        return None
    if not valid_timezone(value):
        raise ConfigError(timezone_problem(value))
    return value


def crawl_state(crawler: Crawler) -> CrawlState:
    """The crawl's state, made on first use and kept on the crawler (tests run several
    crawlers in one process, so never in a module global)."""
    state: CrawlState | None = getattr(crawler, _ATTR, None)
    if state is None:
        state = CrawlState(crawler)
        setattr(crawler, _ATTR, state)
        crawler.signals.connect(state.spider_closed, signal=signals.spider_closed)
    return state
