"""The `ifp` spider: discovers and routes; extraction, dedup and storage live elsewhere.

Routes every response by the kind its request was made for (``meta["ifp_kind"]``):
listing | article | feed | sitemap | api. Article pages go through the extractor once;
listings, feeds, sitemaps and the REST API only yield requests.

Meta keys (all picklable, so JOBDIR resumes work):
- ``ifp_kind``: what the request is for (above).
- ``ifp_raw``: the URL as written where it was found, before canonicalization.
- ``ifp_reason``: why an article is fetched (new, changed, stale, full, retry_failed, link).
- ``ifp_prev``: article URLs of the previous page of the same listing walk (incremental stop).
- ``ifp_depth``: archive hops from a seed listing (IFP_LISTING_MAX_DEPTH bounds it).
- ``ifp_amp_fallback``: this is the AMP copy of a page whose desktop extraction failed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from w3lib.encoding import html_body_declared_encoding, resolve_encoding

from ifpcrawl.config import ConfigError, check_settings, check_site, default, ifp_setting
from ifpcrawl.dates import (
    SITE_TZ,
    parse_instant,
    site_timezone,
    timezone_problem,
    valid_timezone,
)
from ifpcrawl.discovery import (
    DiscoveryError,
    Found,
    ListingLinks,
    RestRefused,
    SitemapTooLarge,
    archive_kind,
    listing_page_url,
    listing_root,
    page_number,
    parse_feed,
    parse_rest_posts,
    parse_sitemap,
    sitemap_body,
)
from ifpcrawl.extract.rest import fill_from_rest
from ifpcrawl.fingerprints import FingerprintSet
from ifpcrawl.incremental import refetch_reason
from ifpcrawl.items import Article
from ifpcrawl.middlewares import OffsiteRefused
from ifpcrawl.reader import ArticlePage, PageCrashedError, PageReader
from ifpcrawl.runtime import store_for
from ifpcrawl.store.base import ArticleState, Store, StoreError
from ifpcrawl.text import has_mojibake
from ifpcrawl.traps import Walks
from ifpcrawl.urls import (
    Site,
    canonicalize,
    classify_url,
    is_on_site,
    join_url,
    unknown_query_key,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

PRIORITY_ARTICLE = 20
PRIORITY_DISCOVERY = 10  # feeds, sitemaps, API
PRIORITY_LISTING = 0
REST_PER_PAGE = 100
VARIANT_BATCH = 2000
REST_FIELDS = "id,link,modified,modified_gmt,status,type"
# Sub-sitemaps that never list posts (WordPress core, Yoast, Rank Math names).
NON_POST_SITEMAPS = (
    "taxonom", "user", "author", "categor", "tag", "attachment", "page-sitemap", "posts-page",
)  # fmt: skip
MODES = ("auto", "full", "incremental", "resume")
# Pages besides articles whose failure is recorded and retried by the next run.
RETRIED_KINDS = ("listing", "feed", "sitemap", "api")


def transient_failure(reason: str, request: Request) -> bool:
    """A failure worth retrying next run: server or network trouble on a page that the next
    run would not request anyway (seeds are requested every run; 4xx pages are gone)."""
    if request.meta.get("ifp_seed") or reason in ("robots", "ignored", "redirect_loop"):
        return False
    return not (reason.startswith("http_4") and reason != "http_429")


def walk_state_key(site_base: str) -> str:
    """Store state key set when a full (or resume) walk of a site's archive completes."""
    return f"walk_complete:{site_base}"


def resolve_mode(mode: str, store: Store, site_base: str) -> str:
    """`auto`: full on an empty store; incremental once a whole-archive walk has completed;
    resume (walk everything, fetch only what is new or hinted changed) after a walk that
    was interrupted, so a hard-killed first crawl is completed by the next plain run."""
    if mode != "auto":
        return mode
    if store.count_articles() == 0:
        return "full"
    if store.get_state(walk_state_key(site_base)):
        return "incremental"
    return "resume"


def list_setting(settings: Any, name: str, default: list[str]) -> list[str]:
    """A list setting given in settings.py, or on the command line as JSON or a comma list.

    Scrapy's ``getlist`` splits "-s NAME=[]" on commas into ``["[]"]``; JSON is accepted here.
    """
    value = settings.get(name, default)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                loaded = json.loads(text)
            except ValueError as exc:
                raise ValueError(f"{name} is not a JSON list: {text!r}") from exc
            return [str(v) for v in loaded]
        return [part.strip() for part in text.split(",") if part.strip()]
    return [str(v) for v in value]


def _http_date(response: Response) -> datetime | None:
    raw = response.headers.get(b"Date")
    if not raw:
        return None
    try:
        return parsedate_to_datetime(raw.decode("latin-1"))
    except (TypeError, ValueError):
        return None


# A 200 that is a WordPress wp_die() screen (or nothing) where a page was expected.
_ERROR_PAGE_MARKERS = (b"error establishing a database connection", b"wp-die-message")
_ERROR_PAGE_MAX_BYTES = 20_000  # error screens are short; real pages may quote the phrase
ERROR_PAGE_RETRIES = 2
# Downloader bookkeeping that a retried request must not carry over (Scrapy's
# MetaCopyDetectionMiddleware warns about it); retry_times is get_retry_request's own count.
_DOWNLOADER_META = (
    "download_latency",
    "download_slot",
    "redirect_reasons",
    "redirect_times",
    "redirect_ttl",
    "redirect_urls",
    "_dont_cache",
    "cache_timestamp",
)


def looks_like_error_page(body: bytes) -> bool:
    """An empty body or a short WordPress error screen served with status 200."""
    if not body.strip():
        return True
    if len(body) > _ERROR_PAGE_MAX_BYTES:
        return False
    lowered = body.lower()
    return any(marker in lowered for marker in _ERROR_PAGE_MARKERS)


def page_text(response: TextResponse) -> tuple[str, str | None]:
    """The page's text, and the charset used when the Content-Type header's was wrong.

    Servers often send a default charset whatever the page is written in. When decoding by
    the header left replacement characters and the page declares another charset itself
    (``<meta charset>``), the page's own declaration is the better guess.
    """
    text = response.text
    if "\ufffd" not in text:
        return text, None
    declared = html_body_declared_encoding(response.body)
    encoding = resolve_encoding(declared) if declared else None
    if not encoding or encoding == resolve_encoding(response.encoding):
        return text, None
    try:
        return response.body.decode(encoding), encoding
    except (LookupError, UnicodeDecodeError):
        return text, None


def _is_clean_utf8(response: TextResponse, text: str) -> bool:
    """The body is the UTF-8 encoding of ``text`` (so the parser may take the bytes)."""
    return resolve_encoding(response.encoding) == "utf-8" and "\ufffd" not in text


def may_have_mojibake(response: TextResponse, corrected: str | None) -> bool:
    """False when the page cannot hold mojibake: a cheap gate before the regex scan.

    Mojibake starts with a character in U+00C2..U+00F4, which UTF-8 writes with a 0xC3
    lead byte: a UTF-8 page without that byte has none (``bytes.find`` is a memchr, the
    regex scan of a 150 KB page ~0.6 ms). Pages in other charsets always get the scan.
    """
    if corrected is None and resolve_encoding(response.encoding) == "utf-8":
        return b"\xc3" in response.body
    return True


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


class IfpSpider(Spider):
    name = "ifp"

    def __init__(self, site: str | None = None, mode: str = "auto", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.site_arg = site
        if mode not in MODES:
            raise ConfigError(f"-a mode={mode} is not allowed: expected one of {', '.join(MODES)}")
        self.mode = mode
        # Per-URL state that grows with the archive: 8 bytes a URL (ifpcrawl.fingerprints).
        self.scheduled = FingerprintSet()
        self.parsed = FingerprintSet()
        # Known articles left alone this run, so `ifp/skipped_known` counts articles, not the
        # many listings, feeds and links that mention each one.
        self.skipped = FingerprintSet()
        # URL variants met in links, before (pending) or after their article was fetched.
        self.pending_variants: dict[str, set[str]] = {}
        self.variant_pairs: list[tuple[str, str]] = []
        self.variants_seen = FingerprintSet()
        self.logged: set[str] = set()
        # Sitemaps read in full this run: recorded at a clean finish (sitemap_state_key).
        self.sitemaps_read: dict[str, SitemapRecord] = {}
        # Article URLs with parameters the site has not shown to matter, per page they share.
        self.query_variants: dict[str, int] = {}

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        # Every `scrapy crawl` passes here (scrapyd too), before the store is opened: a
        # misspelt IFP_STORE must not crawl into the default one.
        check_settings(settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> IfpSpider:
        spider: IfpSpider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        if spider.site_arg is not None:
            check_site(spider.site_arg)
        site_url = spider.site_arg or ifp_setting(settings, "IFP_SITE")
        try:
            spider.site = Site.from_url(site_url)
        except ValueError as exc:
            raise ConfigError(f"site {site_url}: {exc}") from None
        spider.site_url = spider.site.base
        host = spider.site.host.split(":")[0]
        spider.allowed_domains = [host]
        spider.store = store_for(crawler)
        spider.mode = resolve_mode(spider.mode, spider.store, spider.site.base)
        spider.refresh_days = ifp_setting(settings, "IFP_REFRESH_DAYS")
        spider.follow_archives = {
            str(k)
            for k in list_setting(settings, "IFP_FOLLOW_ARCHIVES", default("IFP_FOLLOW_ARCHIVES"))
        }
        spider.section_paths = list_setting(
            settings, "IFP_SECTION_PATHS", default("IFP_SECTION_PATHS")
        )
        spider.feed_paths = list_setting(settings, "IFP_FEED_PATHS", default("IFP_FEED_PATHS"))
        spider.sitemap_paths = list_setting(
            settings, "IFP_SITEMAP_PATHS", default("IFP_SITEMAP_PATHS")
        )
        spider.use_feeds = ifp_setting(settings, "IFP_FEEDS_ENABLED")
        spider.use_sitemaps = ifp_setting(settings, "IFP_SITEMAPS_ENABLED")
        spider.use_rest = ifp_setting(settings, "IFP_REST_ENABLED")
        spider.max_size = settings.getint("DOWNLOAD_MAXSIZE", 16 * 1024 * 1024)
        spider.reader = PageReader(ifp_setting(settings, "IFP_EXTRACT_PROCESSES"))
        spider.timezone = _configured_timezone(ifp_setting(settings, "IFP_TIMEZONE") or "")
        window = ifp_setting(settings, "IFP_LISTING_WINDOW")
        min_bound = ifp_setting(settings, "IFP_LISTING_MAX_PAGES")
        spider.listing_walks = Walks(window, min_bound)
        spider.rest_walks = Walks(window, min_bound)
        spider.max_depth = ifp_setting(settings, "IFP_LISTING_MAX_DEPTH")
        spider.query_variants_cap = ifp_setting(settings, "IFP_QUERY_VARIANTS_PER_PATH")
        stored = spider.store.count_articles()
        spider.listing_walks.note_evidence(stored)
        spider.rest_walks.note_evidence(stored)
        logger.info(
            "Crawling %s in %s mode into %s",
            spider.site.base,
            spider.mode,
            ifp_setting(settings, "IFP_STORE"),
        )
        return spider

    # set in from_crawler
    allowed_domains: list[str]
    site: Site
    site_url: str
    store: Store
    refresh_days: float
    follow_archives: set[str]
    section_paths: list[str]
    feed_paths: list[str]
    sitemap_paths: list[str]
    use_feeds: bool
    use_sitemaps: bool
    use_rest: bool
    max_size: int
    reader: PageReader
    timezone: str | None  # the site's zone; None until the site says (IFP_TIMEZONE unset)
    listing_walks: Walks
    rest_walks: Walks
    max_depth: int
    query_variants_cap: int
    sitemap_entries: int = 0

    @property
    def walk_all(self) -> bool:
        """Walk every listing page and REST page (full and resume), not just the new ones."""
        return self.mode in ("full", "resume")

    @property
    def refetch_mode(self) -> str:
        """Only `full` refetches known articles without a reason."""
        return "full" if self.mode == "full" else "incremental"

    # --- helpers --------------------------------------------------------------------------

    def inc(self, key: str, count: int = 1) -> None:
        # Crawler.stats exists only once the crawl starts, after from_crawler.
        self.crawler.stats.inc_value(key, count)

    def log_once(self, key: str, msg: str, *args: object) -> None:
        if key not in self.logged:
            self.logged.add(key)
            logger.warning(msg + " (further cases are only counted in stats)", *args)

    def trap_stop(self, reason: str, url: str) -> None:
        """A walk or a link not followed because it looks like a crawler trap."""
        self.inc(f"ifp/trap/{reason}")
        self.log_once(f"trap_{reason}", "Not following %s further: %s", url, reason)

    def too_many_variants(self, url: str) -> bool:
        """True (counted) once a page was scheduled under IFP_QUERY_VARIANTS_PER_PATH spellings
        with unknown query parameters: a session id or a counter in every link."""
        key = unknown_query_key(url)
        if key is None:
            return False
        count = self.query_variants.get(key, 0)
        if count >= self.query_variants_cap:
            self.trap_stop("query_variants", url)
            return True
        self.query_variants[key] = count + 1
        return False

    def url(self, path: str) -> str:
        return urljoin(self.site.base, path)

    def now(self) -> datetime:
        return datetime.now(UTC)

    def _request(self, url: str, kind: str, callback: Any, priority: int, **meta: Any) -> Request:
        meta["ifp_kind"] = kind
        return Request(url, callback=callback, errback=self.on_error, priority=priority, meta=meta)

    def listing_request(self, url: str, **meta: Any) -> Request:
        return self._request(url, "listing", self.parse_listing, PRIORITY_LISTING, **meta)

    def article_requests(
        self,
        found: Iterable[Found],
        source: str,
        states: Mapping[str, ArticleState] | None = None,
    ) -> Iterator[Request]:
        """Requests for the articles among ``found`` that this run must fetch (``states``:
        their stored states, when the caller has already read them)."""
        candidates = [
            f
            for f in found
            if f.url not in self.scheduled
            and classify_url(f.url, self.site) == "article"
            and not self.too_many_variants(f.url)
        ]
        if not candidates:
            return
        if states is None:
            states = self.store.article_states(f.url for f in candidates)
        now = self.now()
        for f in candidates:
            if f.url in self.scheduled:
                continue
            state = states.get(f.url)
            reason = refetch_reason(state, f.lastmod, now, self.refresh_days, self.refetch_mode)
            if reason is None:
                if f.url not in self.skipped:
                    self.skipped.add(f.url)
                    self.inc("ifp/skipped_known")
                continue
            self.scheduled.add(f.url)
            self.inc(f"ifp/fetch_reason/{reason}")
            yield self.article_request(f.url, raw=f.raw_url, reason=reason, state=state)

    def article_request(
        self, url: str, raw: str, reason: str, state: ArticleState | None
    ) -> Request:
        request = self._request(
            url,
            "article",
            self.parse_article,
            PRIORITY_ARTICLE,
            ifp_raw=raw,
            ifp_reason=reason,
            handle_httpstatus_list=[304],
        )
        if state is not None:
            if state.etag:
                request.headers[b"If-None-Match"] = state.etag
            if state.last_modified:
                request.headers[b"If-Modified-Since"] = state.last_modified
        return request

    def known_unchanged(self, found: list[Found]) -> bool:
        states = self.store.article_states(f.url for f in found)
        now = self.now()
        return all(
            refetch_reason(states.get(f.url), f.lastmod, now, self.refresh_days, self.refetch_mode)
            is None
            for f in found
        )

    def new_variants(self, found: Iterable[Found]) -> list[tuple[str, str]]:
        """(raw, canonical) for each on-site spelling of an article URL not met before."""
        pairs = []
        for f in found:
            raw = f.raw_url.split("#", 1)[0]
            if raw == f.url or raw in self.variants_seen or not is_on_site(raw, self.site):
                continue
            self.variants_seen.add(raw)
            pairs.append((raw, f.url))
        return pairs

    def note_variants(self, found: Iterable[Found]) -> None:
        """Remember every on-site spelling of an article URL, for `article_urls`."""
        for raw, url in self.new_variants(found):
            if url in self.scheduled and url not in self.parsed:
                self.pending_variants.setdefault(url, set()).add(raw)
            else:
                self.variant_pairs.append((raw, url))
        if len(self.variant_pairs) >= VARIANT_BATCH:
            self.flush_variants()

    def note_redirect(self, from_url: str, to_url: str) -> None:
        """A redirect: the old URL is a variant of the article the new one is (issue: 301s
        for renamed slugs merge into the article they point to)."""
        target = canonicalize(to_url, self.site)
        if target is None or not is_on_site(from_url, self.site):
            return
        if classify_url(target, self.site) == "article":
            self.note_variants([Found(url=target, raw_url=from_url)])

    def flush_variants(self) -> None:
        """Write the variants met: the store keeps those whose article is not stored yet
        until it is (``pending_urls``)."""
        pairs, self.variant_pairs = self.variant_pairs, []
        if pairs:
            self.inc("ifp/url_variants", self.store.add_url_variants(pairs))

    def closed(self, reason: str) -> None:
        processes = self.reader.processes
        worker_cpu = self.reader.close()
        if processes:
            logger.info("Page reader processes (%d) used %.1f s of CPU", processes, worker_cpu)
        # Runs after the pipelines flushed their last batch, so every article is stored.
        for url, raws in self.pending_variants.items():
            self.variant_pairs.extend((raw, url) for raw in raws)
        self.pending_variants.clear()
        if self.variant_pairs:
            self.flush_variants()
        if reason == "finished":
            # Only a run that finished fetched everything its sitemaps called for.
            try:
                for url, record in self.sitemaps_read.items():
                    self.store.set_state(sitemap_state_key(url), record.to_json())
            except StoreError as exc:  # the next run reads its sitemaps again: no harm
                logger.error("Could not record the sitemaps read: %s", exc)

    def retry_error_page(self, response: Response) -> Request | None:
        """Count a 200 error page and retry it like a 503 (it is the same server trouble);
        None once the retries are used up."""
        self.inc("ifp/error_pages")
        self.log_once("error_page", "Error page served as 200 at %s", response.url)
        assert response.request is not None
        retry = get_retry_request(
            response.request, spider=self, reason="error_page", max_retry_times=ERROR_PAGE_RETRIES
        )
        if retry is not None:
            for key in _DOWNLOADER_META:
                retry.meta.pop(key, None)
        return retry

    def unreadable(
        self, response: Response, exc: Exception, stat: str, what: str
    ) -> Iterator[Request]:
        """A feed, sitemap or API answer that cannot be read: a 200 error page in its place
        is retried like a 503; anything else is counted and logged once."""
        if looks_like_error_page(response.body):
            retry = self.retry_error_page(response)
            if retry is not None:
                yield retry
            return
        self.inc(stat)
        self.log_once(stat, "Unreadable %s %s: %s", what, response.url, exc)

    # --- seeds ------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        if self.timezone is None and self.use_rest:
            await self.read_site_timezone()
        for path in ["/", *self.section_paths]:
            yield self.listing_request(self.url(path), ifp_seed=True)
        if self.use_feeds:
            for path in self.feed_paths:
                yield self._request(
                    self.url(path), "feed", self.parse_feed, PRIORITY_DISCOVERY, ifp_seed=True
                )
        if self.use_sitemaps:
            for path in self.sitemap_paths:
                yield self._request(
                    self.url(path), "sitemap", self.parse_sitemap, PRIORITY_DISCOVERY, ifp_seed=True
                )
        if self.use_rest:
            yield self.rest_request(1)
        for request in self.retry_failures():
            yield request

    def retry_failures(self) -> Iterator[Request]:
        """What earlier runs failed on, each retried as the kind of page it is."""
        for failure in self.store.failures():
            if failure.kind != "article":
                yield self.retry_page_request(failure.url, failure.kind)
                continue
            canonical = canonicalize(failure.url, self.site)
            if canonical is None or canonical in self.scheduled:
                continue
            self.scheduled.add(canonical)
            self.inc("ifp/fetch_reason/retry_failed")
            state = self.store.article_state(canonical)
            yield self.article_request(
                canonical, raw=failure.url, reason="retry_failed", state=state
            )

    def retry_page_request(self, url: str, kind: str) -> Request:
        """A listing, feed, sitemap or REST page that failed in an earlier run."""
        self.inc(f"ifp/retry_failed/{kind}")
        if kind == "feed":
            return self._request(url, "feed", self.parse_feed, PRIORITY_DISCOVERY)
        if kind == "sitemap":
            return self._request(url, "sitemap", self.parse_sitemap, PRIORITY_DISCOVERY)
        if kind == "api":
            page = parse_qs(urlsplit(url).query).get("page", ["1"])[0]
            return self._request(
                url,
                "api",
                self.parse_rest,
                PRIORITY_DISCOVERY,
                ifp_page=int(page) if page.isdigit() else 1,
            )
        return self.listing_request(url)

    async def read_site_timezone(self) -> None:
        """The site's time zone from its REST root (``timezone_string``/``gmt_offset``).

        Fetched before any seed is queued, past the scheduler (downloader middlewares
        still apply: site guard, robots.txt, redirects), so every article page is read in
        the site's zone, and every worker of a distributed group asks for itself (its
        shared dupefilter would hand the answer to one worker only).
        """
        url = self.url("/wp-json/") + "?_fields=timezone_string,gmt_offset"
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
                "Site time zone not stated; times without an offset read as %s", self.site_timezone
            )
            return
        self.timezone = zone
        logger.info("Site time zone %s (from %s)", zone, url)

    @property
    def site_timezone(self) -> str:
        """The zone for times a page writes without an offset (until the site says: the
        ifpnews.com default, or UTC)."""
        if self.timezone is not None:
            return self.timezone
        return SITE_TZ if self.site.host.removeprefix("www.").startswith("ifpnews.com") else "UTC"

    def rest_request(self, page: int) -> Request:
        params: dict[str, Any] = {"per_page": REST_PER_PAGE, "page": page, "_fields": REST_FIELDS}
        if self.mode == "incremental":
            params.update(orderby="modified", order="desc")
        url = self.url("/wp-json/wp/v2/posts") + "?" + urlencode(params)
        # Page 1 is requested by every run: a seed, not a failure to retry.
        return self._request(
            url, "api", self.parse_rest, PRIORITY_DISCOVERY, ifp_page=page, ifp_seed=page == 1
        )

    # --- listings -----------------------------------------------------------------------------

    async def parse_listing(self, response: Response) -> AsyncIterator[Any]:
        self.inc("ifp/pages/listing")
        if not isinstance(response, TextResponse):
            self.inc("ifp/bad_listing")
            return
        text = response.text
        utf8 = response.body if _is_clean_utf8(response, text) else None
        try:
            # ifpcrawl's parser (ifpcrawl.reader), not response.selector: parsel's lxml.html
            # parser picks each element's class in a Python callback (~1 ms a page more).
            links = await self.reader.listing(text, utf8, response.url, self.site)
        except PageCrashedError as error:
            self._reader_crashed(response, error)
            return
        for output in self._listing_output(response, links):
            yield output

    def _listing_output(self, response: Response, links: ListingLinks) -> Iterator[Any]:
        if links.offsite_base:
            self.inc("ifp/offsite_refused/base")
        articles = links.loop_articles or links.other_articles
        if not articles and looks_like_error_page(response.body):
            retry = self.retry_error_page(response)
            if retry is not None:
                yield retry
            return
        yield from self.article_requests(links.loop_articles, "listing")
        yield from self.article_requests(links.other_articles, "listing")
        self.note_variants(links.loop_articles)
        self.note_variants(links.other_articles)
        current = canonicalize(response.url, self.site) or response.url
        number = page_number(current)
        depth = int(response.meta.get("ifp_depth", 0))
        if self.walk_all:
            # Page a window ahead of the last page read, and only while pages give new
            # items (ifpcrawl.traps): the page count a site claims is not trusted.
            root = listing_root(current)
            claimed = [links.last_page or 0, *(page_number(url) for url in links.next_pages)]
            step = self.listing_walks.page_read(
                root, number, (f.url for f in articles), max(claimed) or None
            )
            if step.stop:
                self.trap_stop(step.stop, current)
            for n in step.pages:
                yield self.listing_request(listing_page_url(root, n), ifp_depth=depth)
            for url in links.next_pages:
                if page_number(url) in step.pages:  # another URL shape of the same page
                    yield self.listing_request(url, ifp_depth=depth)
            for url in links.archives:
                kind = archive_kind(url)
                if kind not in self.follow_archives:
                    continue
                if depth + 1 > self.max_depth:
                    self.trap_stop("max_depth", url)
                    continue
                if not self.too_many_variants(url):
                    yield self.listing_request(url, ifp_depth=depth + 1)
            return
        # Incremental: page back until a page holds only articles stored and unchanged.
        previous = set(response.meta.get("ifp_prev", ()))
        fresh = [f for f in articles if f.url not in previous]
        if not fresh or self.known_unchanged(fresh):
            self.inc("ifp/listing_stop")
            return
        if links.next_pages and self.listing_walks.at_bound(
            listing_root(current), number, len(articles)
        ):
            # New articles on every page, none ever stored (they 404, or fail): still bounded.
            self.trap_stop("max_pages", current)
            return
        for url in links.next_pages[:1]:
            yield self.listing_request(url, ifp_prev=[f.url for f in articles])

    # --- feeds, sitemaps, API --------------------------------------------------------------

    def parse_feed(self, response: Response) -> Iterator[Any]:
        self.inc("ifp/pages/feed")
        try:
            found = parse_feed(response.body, response.url, self.site)
        except DiscoveryError as exc:
            yield from self.unreadable(response, exc, "ifp/bad_feed", "feed")
            return
        yield from self.article_requests(found, "feed")
        self.note_variants(found)
        self.count_offsite(found, "feed")

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        self.inc("ifp/pages/sitemap")
        try:
            body = sitemap_body(response.body, self.max_size)
        except SitemapTooLarge as exc:
            self.inc("ifp/bad_sitemap/too_large")
            self.log_once("sitemap_bomb", "Skipped sitemap %s: %s", response.url, exc)
            return
        except DiscoveryError as exc:
            self.inc("ifp/bad_sitemap/gzip")
            self.log_once("sitemap_gzip", "Skipped sitemap %s: %s", response.url, exc)
            return
        digest = sitemap_digest(body)
        if self.sitemap_unchanged(response.url, digest):
            return
        try:
            sitemap = parse_sitemap(body, response.url, self.site)
        except DiscoveryError as exc:
            yield from self.unreadable(response, exc, "ifp/bad_sitemap/xml", "sitemap")
            return
        if sitemap.kind == "sitemapindex":
            for entry in sitemap.entries:
                name = entry.url.rsplit("/", 1)[-1].lower()
                if any(word in name for word in NON_POST_SITEMAPS):
                    continue
                if not is_on_site(entry.url, self.site):
                    self.inc("ifp/offsite_refused/sitemap")
                    continue
                yield self._request(entry.url, "sitemap", self.parse_sitemap, PRIORITY_DISCOVERY)
            return
        # One store read serves both the refetch decisions and the sitemap's record.
        states = self.store.article_states(f.url for f in sitemap.entries)
        yield from self.article_requests(sitemap.entries, "sitemap", states)
        self.note_variants(sitemap.entries)
        self.count_offsite(sitemap.entries, "sitemap")
        self.sitemap_entries += len(sitemap.entries)
        self.listing_walks.note_evidence(self.sitemap_entries)
        self.rest_walks.note_evidence(self.sitemap_entries)
        self.sitemaps_read[response.url] = SitemapRecord(
            digest,
            len(sitemap.entries),
            first_stale_moment(
                states, (f.url for f in sitemap.entries), self.refresh_days, self.now()
            ),
            self.refresh_days,
        )

    def sitemap_unchanged(self, url: str, digest: str) -> bool:
        """True when an incremental run may skip this sitemap: a run that finished read the
        very same bytes, scheduled what they called for, and none of their stored articles
        has turned stale since. (A `full` or `resume` run reads every sitemap.)"""
        if self.mode != "incremental":
            return False
        record = SitemapRecord.from_json(self.store.get_state(sitemap_state_key(url)))
        if record is None or not record.still_valid(digest, self.now(), self.refresh_days):
            return False
        self.inc("ifp/sitemap_unchanged")
        self.inc("ifp/sitemap_unchanged_entries", record.entries)
        logger.info(
            "Sitemap %s unchanged since the last finished run (%d entries not re-read)",
            url,
            record.entries,
        )
        return True

    def parse_rest(self, response: Response) -> Iterator[Any]:
        self.inc("ifp/pages/api")
        try:
            found = parse_rest_posts(response.body, response.url, self.site)
        except RestRefused as exc:
            self.inc(f"ifp/refused_json/rest/{exc.reason}")
            self.log_once(f"rest_refused_{exc.reason}", "Skipped %s: %s", response.url, exc)
            return
        except DiscoveryError as exc:
            yield from self.unreadable(response, exc, "ifp/bad_rest", "REST answer")
            return
        page = int(response.meta.get("ifp_page", 1))
        yield from self.article_requests(found, "api")
        self.note_variants(found)
        self.count_offsite(found, "api")
        try:
            total_pages = int(response.headers.get(b"X-WP-TotalPages") or b"1")
        except ValueError:
            total_pages = 1
        if self.walk_all:
            # X-WP-TotalPages is a claim: page a window ahead while pages give new posts.
            step = self.rest_walks.page_read("api", page, (f.url for f in found), total_pages)
            # Posts seen here raise the listings' bound, never the API's own: a walk that
            # vouched for itself would have no bound at all.
            self.listing_walks.note_evidence(len(self.rest_walks.seen))
            if step.stop:
                self.trap_stop(step.stop, response.url)
            for n in step.pages:
                yield self.rest_request(n)
            return
        # Incremental: newest-modified first; stop at the first page with an unchanged post.
        if page < total_pages and found and not self.known_unchanged(found[-1:]):
            if self.rest_walks.at_bound("api", page, len(found)):
                self.trap_stop("max_pages", response.url)
                return
            yield self.rest_request(page + 1)

    def count_offsite(self, found: Iterable[Found], source: str) -> None:
        """Entries of a feed, sitemap or REST answer that point to another origin: refused."""
        offsite = sum(1 for f in found if not is_on_site(f.url, self.site))
        if offsite:
            self.inc(f"ifp/offsite_refused/{source}", offsite)

    # --- articles ------------------------------------------------------------------------------

    async def parse_article(self, response: Response) -> AsyncIterator[Any]:
        request_url = (
            canonicalize(response.request.url if response.request else response.url, self.site)
            or response.url
        )
        if response.status == 304:
            self.inc("ifp/not_modified")
            self.store.touch(request_url, self.now().replace(microsecond=0).isoformat())
            return
        self.inc("ifp/pages/article")
        if not isinstance(response, TextResponse):
            self.inc("ifp/non_article/binary")
            return
        text, corrected = page_text(response)
        if corrected:
            self.inc("ifp/encoding/header_mismatch")
            self.log_once(
                "charset_mismatch",
                "Page %s is not %s as its Content-Type header says: read as %s, the charset"
                " it declares itself",
                response.url,
                response.encoding,
                corrected,
            )
        elif "\ufffd" in text:
            self.inc("ifp/encoding/replacement_chars")
            self.log_once(
                "replacement_chars", "Undecodable bytes in %s (%s)", response.url, response.encoding
            )
        if may_have_mojibake(response, corrected) and has_mojibake(text):
            self.inc("ifp/text/mojibake_repaired")
            self.log_once(
                "mojibake", "Repaired mojibake (UTF-8 read as windows-1252) in %s", response.url
            )
        utf8 = response.body if corrected is None and _is_clean_utf8(response, text) else None
        try:
            page = await self.reader.article(
                text, utf8, response.url, _http_date(response), self.site, self.site_timezone
            )
        except PageCrashedError as error:
            self._reader_crashed(response, error)
            return
        extraction = page.extraction
        for reason in page.jsonld_refused:
            self.inc(f"ifp/refused_json/jsonld/{reason}")
            self.log_once(
                f"jsonld_refused_{reason}",
                "Skipped a JSON-LD block of %s: %s",
                response.url,
                reason,
            )
        if page.jsonld_surrogates:
            self.inc("ifp/text/surrogates_repaired/jsonld")
            self.log_once(
                "jsonld_surrogates", "Replaced lone surrogates in the JSON-LD of %s", response.url
            )
        if page.listing is not None:
            self.inc("ifp/pages/listing")
            for output in self._listing_output(response, page.listing):
                yield output
            return
        if extraction.article is None:
            for output in self._not_stored(response, page, extraction.kind, extraction.error):
                yield output
            return
        article = extraction.article
        self._identify(article, page, response)
        on_site = self._resolve_links(article)
        if extraction.missing:
            for name in extraction.missing:
                self.inc(f"ifp/missing/{name}")
        for name in extraction.conflicts:
            # JSON-LD/meta contradicted the page; the page's value was kept
            self.inc(f"ifp/conflict/{name}")
        # The spellings its links use are stored with the article, in its transaction: a
        # killed run cannot lose them (the store keeps those of unstored targets pending).
        article.link_variants = self.new_variants(on_site)
        yield self.article_or_rest_fill(article, page)
        for request in self.article_requests(on_site, "link"):
            yield request

    def article_or_rest_fill(self, article: Article, page: ArticlePage) -> Article | Request:
        """The article; or, when its page shows no author or no date, a request for the
        post's REST item that carries the article and yields it, filled (ifpcrawl.extract.
        rest): WordPress states both there. One request, only for such pages."""
        link = page.rest_link
        if (article.author and article.published_at) or not self.use_rest or not link:
            return article
        if not is_on_site(link, self.site):
            return article
        self.inc("ifp/rest_fill/requested")
        url = link + ("&" if "?" in link else "?") + "_embed=author,wp:term"
        return Request(
            url,
            callback=self.parse_rest_fill,
            errback=self.rest_fill_failed,
            priority=PRIORITY_ARTICLE + 1,  # the article waits on it: finish it first
            meta={"ifp_kind": "rest_fill", "ifp_article": article},
            dont_filter=True,
        )

    def parse_rest_fill(self, response: Response) -> Iterator[Article]:
        article: Article = response.meta["ifp_article"]
        try:
            record = json.loads(response.body)
        except (ValueError, RecursionError):
            record = None
        filled = fill_from_rest(article, record)
        for name in filled:
            self.inc(f"ifp/rest_fill/{name}")
        if not filled:
            self.inc("ifp/rest_fill/nothing")
        yield article

    def rest_fill_failed(self, failure: Failure) -> Iterator[Article]:
        # the REST item is a bonus: without it the article is stored as its page showed it
        request: Request = failure.request  # type: ignore[attr-defined]
        self.inc("ifp/rest_fill/failed")
        yield request.meta["ifp_article"]

    def _reader_crashed(self, response: Response, error: PageCrashedError) -> None:
        url = canonicalize(response.url, self.site) or response.url
        self.inc("ifp/reader_crashed")
        logger.error("%s; recorded as a failure, the crawl goes on", error)
        self.store.record_failure(url, "reader_crashed", self.now().isoformat())

    def _not_stored(
        self, response: Response, page: ArticlePage, kind: str, error: str | None
    ) -> Iterator[Any]:
        url = canonicalize(response.url, self.site) or response.url
        if kind == "error":
            retry = self.retry_error_page(response)
            if retry is not None:
                yield retry
            else:
                self.store.record_failure(url, "error_page", self.now().isoformat())
            return
        if kind in ("page", "attachment", "author", "protected"):
            self.inc(f"ifp/non_article/{kind}")
            return
        amp = page.amphtml_link
        if amp and not response.meta.get("ifp_amp_fallback"):
            amp_url = join_url(response.url, amp)
            if amp_url and is_on_site(amp_url, self.site):
                self.inc("ifp/amp_fallback")
                yield Request(
                    amp_url,
                    callback=self.parse_article,
                    errback=self.on_error,
                    priority=PRIORITY_ARTICLE,
                    dont_filter=True,
                    meta={
                        "ifp_kind": "article",
                        "ifp_raw": response.url,
                        "ifp_amp_fallback": True,
                        "ifp_reason": "amp_fallback",
                    },
                )
                return
        self.inc(f"ifp/extract_failed/{kind}")
        self.log_once(
            f"extract_failed_{kind}",
            "No article extracted from %s (%s): %s",
            response.url,
            kind,
            error,
        )
        if kind == "article":
            self.store.record_failure(url, f"extract: {error}", self.now().isoformat())

    def _identify(self, article: Article, page: ArticlePage, response: Response) -> None:
        """Canonical URL and every variant met for this page."""
        fetched = canonicalize(response.url, self.site) or response.url
        canonical = fetched
        if page.canonical_link:
            joined = join_url(response.url, page.canonical_link)
            hinted = canonicalize(joined, self.site) if joined else None
            if hinted is None or not is_on_site(hinted, self.site):
                self.inc("ifp/bad_canonical/offsite")
                self.log_once(
                    "canonical_offsite",
                    "Ignored rel=canonical %r on %s (off-site)",
                    page.canonical_link,
                    response.url,
                )
            elif classify_url(hinted, self.site) != "article":
                self.inc("ifp/bad_canonical/not_article")
                self.log_once(
                    "canonical_listing",
                    "Ignored rel=canonical %r on %s (not an article URL)",
                    page.canonical_link,
                    response.url,
                )
            else:
                canonical = hinted
        if response.meta.get("ifp_amp_fallback") and canonical == fetched:
            canonical = canonicalize(str(response.meta.get("ifp_raw")), self.site) or canonical
        variants: list[str] = []
        raw_candidates = [
            str(response.meta.get("ifp_raw") or ""),
            *[str(u) for u in response.meta.get("redirect_urls", [])],
            response.request.url if response.request else "",
            response.url,
            join_url(response.url, page.amphtml_link) or "" if page.amphtml_link else "",
        ]
        for raw in raw_candidates:
            if raw and is_on_site(raw, self.site) and raw not in variants:
                variants.append(raw)
        for raw in list(variants):
            folded = canonicalize(raw, self.site)
            if folded and folded not in variants:
                variants.append(folded)
        if canonical != fetched:
            self.scheduled.add(canonical)
        for url in (canonical, fetched):
            self.parsed.add(url)
            for raw in sorted(self.pending_variants.pop(url, ())):
                if raw not in variants:
                    variants.append(raw)
        article.url = canonical
        article.fetched_url = response.url
        article.url_variants = [v for v in variants if v != canonical]
        article.fetched_at = self.now().replace(microsecond=0).isoformat()
        etag = response.headers.get(b"ETag")
        last_modified = response.headers.get(b"Last-Modified")
        article.etag = etag.decode("latin-1") if etag else None
        article.last_modified = last_modified.decode("latin-1") if last_modified else None

    def _resolve_links(self, article: Article) -> list[Found]:
        """Canonical targets for every outgoing link (unparseable ones are counted and
        dropped); returns the on-site ones with their spelling on the page."""
        kept = []
        on_site_found: list[Found] = []
        for link in article.links:
            on_site = is_on_site(link.url, self.site)
            target = canonicalize(link.url, self.site if on_site else None)
            if target is None:
                self.inc("ifp/bad_link_url")
                continue
            if on_site:
                on_site_found.append(Found(url=target, raw_url=link.url))
            link.url = target
            kept.append(link)
        article.links = kept
        return on_site_found

    # --- failures -------------------------------------------------------------------------------

    def on_error(self, failure: Failure) -> None:
        request: Request = failure.request  # type: ignore[attr-defined]
        kind = request.meta.get("ifp_kind", "other")
        exc = failure.value
        if isinstance(exc, OffsiteRefused):
            return  # counted by the site guard; another origin's page is never ours to retry
        if isinstance(exc, HttpError):
            reason = f"http_{exc.response.status}"
        elif isinstance(exc, IgnoreRequest):
            text = str(exc)
            reason = "redirect_loop" if "redirect" in text.lower() else "ignored"
            if "robots" in text.lower() or "Forbidden by robots.txt" in text:
                reason = "robots"
        else:
            reason = type(exc).__name__
        self.inc(f"ifp/failed/{kind}/{reason}")
        if kind == "article" and reason != "robots":
            url = canonicalize(request.url, self.site) or request.url
            self.log_once(f"fail_{reason}", "Failed to fetch article %s: %s", request.url, reason)
            self.store.record_failure(url, reason, self.now().isoformat(), error=str(exc))
        elif kind in ("sitemap", "api", "feed") and reason in (
            "http_404",
            "http_401",
            "http_403",
            "http_410",
        ):
            logger.debug("%s not offered at %s (%s)", kind, request.url, reason)
        else:
            self.log_once(
                f"fail_{kind}_{reason}", "Failed to fetch %s %s: %s", kind, request.url, reason
            )
            if kind in RETRIED_KINDS and transient_failure(reason, request):
                self.store.record_failure(
                    request.url, reason, self.now().isoformat(), kind=kind, error=str(exc)
                )


def _configured_timezone(value: str) -> str | None:
    """IFP_TIMEZONE checked at start (a one-line error for a zone that does not exist)."""
    if not value.strip():
        return None
    if not valid_timezone(value.strip()):
        raise ValueError(timezone_problem(value))
    return value.strip()
