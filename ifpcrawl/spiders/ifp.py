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

import logging
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urljoin, urlsplit

from scrapy import Request, Spider
from scrapy.http import Response, TextResponse

from ifpcrawl.config import check_settings, ifp_setting
from ifpcrawl.crawlstate import CrawlState, crawl_state
from ifpcrawl.discovery import (
    DiscoveryError,
    Found,
    ListingLinks,
    RestRefused,
    SitemapTooLarge,
    parse_feed,
    parse_rest_posts,
    parse_sitemap,
    sitemap_body,
)
from ifpcrawl.failures import fetch_failure_action, fetch_failure_reason
from ifpcrawl.items import Article
from ifpcrawl.middlewares import OffsiteRefused
from ifpcrawl.pagetext import looks_like_error_page
from ifpcrawl.reader import ArticlePage, PageCrashedError, PageReader
from ifpcrawl.sitemaps import post_sitemaps, sitemap_digest
from ifpcrawl.spiders.articles import ArticlePages
from ifpcrawl.spiders.planner import Fetch, FetchPlanner
from ifpcrawl.spiders.requests import (
    PRIORITY_ARTICLE,
    PRIORITY_DISCOVERY,
    PRIORITY_LISTING,
    conditional_headers,
    error_page_retry,
    rest_posts_url,
)
from ifpcrawl.store.base import ArticleState
from ifpcrawl.urls import Site, canonicalize, is_on_site

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)


class IfpSpider(Spider):
    name = "ifp"

    def __init__(self, site: str | None = None, mode: str = "auto", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.site_arg = site
        self.mode_arg = mode

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
        state = crawl_state(crawler)
        state.begin(spider.site_arg, spider.mode_arg)
        assert state.site is not None
        spider.crawlstate = state
        spider.site = state.site
        spider.allowed_domains = [state.site.host.split(":")[0]]
        spider.planner = FetchPlanner(state, settings)
        spider.reader = PageReader(ifp_setting(settings, "IFP_EXTRACT_PROCESSES"))
        spider.pages = ArticlePages(state)
        spider.use_rest = ifp_setting(settings, "IFP_REST_ENABLED")
        spider.max_size = settings.getint("DOWNLOAD_MAXSIZE", 16 * 1024 * 1024)
        logger.info(
            "Crawling %s in %s mode into %s",
            state.site.base,
            state.mode,
            ifp_setting(settings, "IFP_STORE"),
        )
        return spider

    crawlstate: CrawlState  # not `state`: Scrapy's JOBDIR extension sets spider.state
    site: Site
    allowed_domains: list[str]
    planner: FetchPlanner
    reader: PageReader
    pages: ArticlePages
    use_rest: bool
    max_size: int

    def closed(self, reason: str) -> None:
        processes = self.reader.processes
        worker_cpu = self.reader.close()
        if processes:
            logger.info("Page reader processes (%d) used %.1f s of CPU", processes, worker_cpu)

    # --- requests ---------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return urljoin(self.crawlstate.site_url, path)

    def _request(self, url: str, kind: str, callback: Any, priority: int, **meta: Any) -> Request:
        meta["ifp_kind"] = kind
        return Request(url, callback=callback, errback=self.on_error, priority=priority, meta=meta)

    def listing_request(self, url: str, **meta: Any) -> Request:
        return self._request(url, "listing", self.parse_listing, PRIORITY_LISTING, **meta)

    def feed_request(self, url: str, **meta: Any) -> Request:
        return self._request(url, "feed", self.parse_feed, PRIORITY_DISCOVERY, **meta)

    def sitemap_request(self, url: str, **meta: Any) -> Request:
        return self._request(url, "sitemap", self.parse_sitemap, PRIORITY_DISCOVERY, **meta)

    def rest_request(self, page: int) -> Request:
        url = rest_posts_url(self.site.base, page, self.crawlstate.mode == "incremental")
        # Page 1 is requested by every run: a seed, not a failure to retry.
        return self._request(
            url, "api", self.parse_rest, PRIORITY_DISCOVERY, ifp_page=page, ifp_seed=page == 1
        )

    def article_requests(
        self, found: Iterable[Found], states: Mapping[str, ArticleState] | None = None
    ) -> Iterator[Request]:
        """Requests for the articles among ``found`` that this run must fetch."""
        for fetch in self.planner.fetches(found, states):
            yield self.article_request(fetch)

    def article_request(self, fetch: Fetch, **meta: Any) -> Request:
        request = self._request(
            fetch.url,
            "article",
            self.parse_article,
            PRIORITY_ARTICLE,
            ifp_raw=fetch.raw,
            ifp_reason=fetch.reason,
            handle_httpstatus_list=[304],
            **meta,
        )
        request.headers.update(conditional_headers(fetch.state))
        return request

    def found(self, found: list[Found], source: str, states: Any = None) -> Iterator[Request]:
        """What a feed, sitemap or REST page names: the articles to fetch, their
        spellings noted, off-site entries counted."""
        yield from self.article_requests(found, states)
        self.crawlstate.note_spellings(found)
        offsite = sum(1 for f in found if not is_on_site(f.url, self.site))
        if offsite:
            self.crawlstate.inc(f"ifp/offsite_refused/{source}", offsite)

    def retry_error_page(self, response: Response) -> Request | None:
        """Count a 200 error page and retry it like a 503 (it is the same server trouble);
        None once the retries are used up."""
        self.crawlstate.inc("ifp/error_pages")
        self.crawlstate.log_once("error_page", "Error page served as 200 at %s", response.url)
        assert response.request is not None
        return error_page_retry(response.request, self)

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
        self.crawlstate.inc(stat)
        self.crawlstate.log_once(stat, "Unreadable %s %s: %s", what, response.url, exc)

    # --- seeds ------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        settings = self.crawler.settings
        if self.crawlstate.timezone is None and self.use_rest:
            await self.crawlstate.read_site_timezone(self.url("/wp-json/"))
        for path in ["/", *ifp_setting(settings, "IFP_SECTION_PATHS")]:
            yield self.listing_request(self.url(path), ifp_seed=True)
        if ifp_setting(settings, "IFP_FEEDS_ENABLED"):
            for path in ifp_setting(settings, "IFP_FEED_PATHS"):
                yield self.feed_request(self.url(path), ifp_seed=True)
        if ifp_setting(settings, "IFP_SITEMAPS_ENABLED"):
            for path in ifp_setting(settings, "IFP_SITEMAP_PATHS"):
                yield self.sitemap_request(self.url(path), ifp_seed=True)
        if self.use_rest:
            yield self.rest_request(1)
        for request in self.retry_failures():
            yield request

    def retry_failures(self) -> Iterator[Request]:
        """What earlier runs failed on, each retried as the kind of page it is."""
        for retry in self.planner.retries():
            if isinstance(retry, Fetch):
                yield self.article_request(retry)
            else:
                yield self.retry_page_request(*retry)

    def retry_page_request(self, url: str, kind: str) -> Request:
        """A listing, feed, sitemap or REST page that failed in an earlier run."""
        self.crawlstate.inc(f"ifp/retry_failed/{kind}")
        if kind == "feed":
            return self.feed_request(url)
        if kind == "sitemap":
            return self.sitemap_request(url)
        if kind == "api":
            page = parse_qs(urlsplit(url).query).get("page", ["1"])[0]
            number = int(page) if page.isdigit() else 1
            return self._request(url, "api", self.parse_rest, PRIORITY_DISCOVERY, ifp_page=number)
        return self.listing_request(url)

    # --- listings -----------------------------------------------------------------------------

    async def parse_listing(self, response: Response) -> AsyncIterator[Any]:
        self.crawlstate.inc("ifp/pages/listing")
        if not isinstance(response, TextResponse):
            self.crawlstate.inc("ifp/bad_listing")
            return
        text, utf8 = self.pages.listing_text(response)
        try:
            # ifpcrawl's parser (ifpcrawl.reader), not response.selector: parsel's lxml.html
            # parser picks each element's class in a Python callback (~1 ms a page more).
            links = await self.reader.listing(text, utf8, response.url, self.site)
        except PageCrashedError as error:
            self.pages.reader_crashed(response, error)
            return
        for output in self.listing_output(response, links):
            yield output

    def listing_output(self, response: Response, links: ListingLinks) -> Iterator[Any]:
        if links.offsite_base:
            self.crawlstate.inc("ifp/offsite_refused/base")
        articles = links.loop_articles or links.other_articles
        if not articles and looks_like_error_page(response.body):
            retry = self.retry_error_page(response)
            if retry is not None:
                yield retry
            return
        yield from self.article_requests(links.loop_articles)
        yield from self.article_requests(links.other_articles)
        self.crawlstate.note_spellings(links.loop_articles)
        self.crawlstate.note_spellings(links.other_articles)
        current = canonicalize(response.url, self.site) or response.url
        if self.crawlstate.walk_all:
            depth = int(response.meta.get("ifp_depth", 0))
            for url, at_depth in self.planner.walk_listing(links, current, depth):
                yield self.listing_request(url, ifp_depth=at_depth)
            return
        older = self.planner.listing_back(links, current, response.meta.get("ifp_prev", ()))
        if older is not None:
            yield self.listing_request(older, ifp_prev=[f.url for f in articles])

    # --- feeds, sitemaps, API --------------------------------------------------------------

    def parse_feed(self, response: Response) -> Iterator[Any]:
        self.crawlstate.inc("ifp/pages/feed")
        try:
            found = parse_feed(response.body, response.url, self.site)
        except DiscoveryError as exc:
            yield from self.unreadable(response, exc, "ifp/bad_feed", "feed")
            return
        yield from self.found(found, "feed")

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        self.crawlstate.inc("ifp/pages/sitemap")
        try:
            body = sitemap_body(response.body, self.max_size)
        except SitemapTooLarge as exc:
            self.crawlstate.inc("ifp/bad_sitemap/too_large")
            self.crawlstate.log_once("sitemap_bomb", "Skipped sitemap %s: %s", response.url, exc)
            return
        except DiscoveryError as exc:
            self.crawlstate.inc("ifp/bad_sitemap/gzip")
            self.crawlstate.log_once("sitemap_gzip", "Skipped sitemap %s: %s", response.url, exc)
            return
        digest = sitemap_digest(body)
        if self.crawlstate.sitemap_unchanged(
            response.url, digest, self.planner.now(), self.planner.refresh_days
        ):
            return
        try:
            sitemap = parse_sitemap(body, response.url, self.site)
        except DiscoveryError as exc:
            yield from self.unreadable(response, exc, "ifp/bad_sitemap/xml", "sitemap")
            return
        if sitemap.kind == "sitemapindex":
            subs, offsite = post_sitemaps(sitemap.entries, self.site)
            if offsite:
                self.crawlstate.inc("ifp/offsite_refused/sitemap", offsite)
            for url in subs:
                yield self.sitemap_request(url)
            return
        # One store read serves both the refetch decisions and the sitemap's record.
        states = self.crawlstate.store.article_states(f.url for f in sitemap.entries)
        yield from self.found(sitemap.entries, "sitemap", states)
        record = self.planner.sitemap_read(digest, sitemap.entries, states)
        self.crawlstate.sitemap_read(response.url, record)

    def parse_rest(self, response: Response) -> Iterator[Any]:
        self.crawlstate.inc("ifp/pages/api")
        try:
            found = parse_rest_posts(response.body, response.url, self.site)
        except RestRefused as exc:
            self.crawlstate.inc(f"ifp/refused_json/rest/{exc.reason}")
            self.crawlstate.log_once(
                f"rest_refused_{exc.reason}", "Skipped %s: %s", response.url, exc
            )
            return
        except DiscoveryError as exc:
            yield from self.unreadable(response, exc, "ifp/bad_rest", "REST answer")
            return
        yield from self.found(found, "api")
        try:
            total_pages = int(response.headers.get(b"X-WP-TotalPages") or b"1")
        except ValueError:
            total_pages = 1
        page = int(response.meta.get("ifp_page", 1))
        for number in self.planner.rest_next(page, found, total_pages, response.url):
            yield self.rest_request(number)

    # --- articles ------------------------------------------------------------------------------

    async def parse_article(self, response: Response) -> AsyncIterator[Any]:
        if response.status == 304:
            self.crawlstate.inc("ifp/not_modified")
            request_url = response.request.url if response.request else response.url
            self.crawlstate.touch(canonicalize(request_url, self.site) or response.url)
            return
        self.crawlstate.inc("ifp/pages/article")
        if not isinstance(response, TextResponse):
            self.crawlstate.inc("ifp/non_article/binary")
            return
        text, utf8 = self.pages.article_text(response)
        try:
            page = await self.reader.article(
                text, utf8, response.url, self.pages.date_of(response), self.site,
                self.crawlstate.site_timezone,
            )  # fmt: skip
        except PageCrashedError as error:
            self.pages.reader_crashed(response, error)
            return
        self.pages.note_reader_notes(page, response.url)
        if page.listing is not None:
            self.crawlstate.inc("ifp/pages/listing")
            for output in self.listing_output(response, page.listing):
                yield output
            return
        article = page.extraction.article
        if article is None:
            for output in self.not_stored(response, page):
                yield output
            return
        on_site = self.pages.identify(article, page, response)
        yield self.article_or_rest_fill(article, page)
        for request in self.article_requests(on_site):
            yield request

    def not_stored(self, response: Response, page: ArticlePage) -> Iterator[Any]:
        """A page read as no article: an error page is retried, an article whose desktop
        page failed is read from its AMP copy, the rest counted (and recorded)."""
        kind = page.extraction.kind
        if kind == "error":
            retry = self.retry_error_page(response)
            if retry is not None:
                yield retry
            else:
                self.pages.record(response, "error_page")
            return
        if kind in ("page", "attachment", "author", "protected"):
            self.crawlstate.inc(f"ifp/non_article/{kind}")
            return
        amp_url = self.pages.amp_fallback_url(response, page)
        if amp_url is not None:
            self.crawlstate.inc("ifp/amp_fallback")
            fetch = Fetch(amp_url, response.url, "amp_fallback", None)
            request = self.article_request(fetch, ifp_amp_fallback=True)
            request.dont_filter = True
            yield request
            return
        self.pages.not_extracted(response, kind, page.extraction.error)

    def article_or_rest_fill(self, article: Article, page: ArticlePage) -> Article | Request:
        """The article; or, when its page shows no author or no date, a request for the
        post's REST item that carries the article and yields it, filled (ifpcrawl.extract.
        rest): WordPress states both there. One request, only for such pages."""
        url = self.pages.rest_fill_url(article, page) if self.use_rest else None
        if url is None:
            return article
        self.crawlstate.inc("ifp/rest_fill/requested")
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
        self.pages.fill_from_rest(article, response.body)
        yield article

    def rest_fill_failed(self, failure: Failure) -> Iterator[Article]:
        # the REST item is a bonus: without it the article is stored as its page showed it
        request: Request = failure.request  # type: ignore[attr-defined]
        self.crawlstate.inc("ifp/rest_fill/failed")
        yield request.meta["ifp_article"]

    # --- failures -------------------------------------------------------------------------------

    def on_error(self, failure: Failure) -> None:
        request: Request = failure.request  # type: ignore[attr-defined]
        kind = request.meta.get("ifp_kind", "other")
        exc = failure.value
        if exc is None or isinstance(exc, OffsiteRefused):
            return  # counted by the site guard; another origin's page is never ours to retry
        reason = fetch_failure_reason(exc)
        self.crawlstate.inc(f"ifp/failed/{kind}/{reason}")
        action = fetch_failure_action(kind, reason, bool(request.meta.get("ifp_seed")))
        if action == "not_offered":
            logger.debug("%s not offered at %s (%s)", kind, request.url, reason)
            return
        if kind == "article" and action == "record":
            url = canonicalize(request.url, self.site) or request.url
            self.crawlstate.log_once(
                f"fail_{reason}", "Failed to fetch article %s: %s", request.url, reason
            )
            self.crawlstate.record_failure(url, reason, error=str(exc))
            return
        self.crawlstate.log_once(
            f"fail_{kind}_{reason}", "Failed to fetch %s %s: %s", kind, request.url, reason
        )
        if action == "record":
            self.crawlstate.record_failure(request.url, reason, kind=kind, error=str(exc))
