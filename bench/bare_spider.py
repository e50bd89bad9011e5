"""The limit: a bare Scrapy spider that fetches what `ifp` fetches and does nothing else.

It starts from the same seeds (home, section listings, feeds, sitemaps, the REST API),
walks listings the way :func:`ifpcrawl.discovery.listing_links` does (article links, fan-out
from page 1 to the last page, following pages, followed archives), follows the on-site
article links of article pages, and canonicalizes every URL with :mod:`ifpcrawl.urls`. It
has no pipelines, no ifpcrawl middlewares or extensions and no store, and it never parses
an article: its pages per second is what Scrapy itself reaches on this machine against the
same server.

The walk reads hrefs with plain lxml and resolves each absolute href once (menus, widgets
and pagination repeat on every page): the limit should cost what Scrapy costs, not what a
particular discovery implementation costs. Feeds, sitemaps and the REST API (a handful of
pages) go through the ifpcrawl.discovery parsers.

Run it on its own (``bench.run`` does)::

    python -m bench.bare_spider --site http://127.0.0.1:8123/ --stats-out stats.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urljoin

from scrapy import Request, Spider, signals
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response, TextResponse

from ifpcrawl import settings as ifp_settings
from ifpcrawl.discovery import (
    DiscoveryError,
    Found,
    archive_kind,
    listing_page_url,
    listing_root,
    page_number,
    parse_feed,
    parse_rest_posts,
    parse_sitemap,
)

# The spider's own request shapes: ifpcrawl.spiders.requests and ifpcrawl.sitemaps are kept
# apart from the spider so that importing them does not load the extractor (trafilatura,
# dateparser), which would inflate the limit's start-up time and memory with code it never runs.
from ifpcrawl.sitemaps import NON_POST_SITEMAPS
from ifpcrawl.spiders.requests import (
    PRIORITY_ARTICLE,
    PRIORITY_DISCOVERY,
    PRIORITY_LISTING,
    REST_FIELDS,
    REST_PER_PAGE,
)
from ifpcrawl.urls import Site, canonicalize, classify_url, is_on_site
from tests.local import LOCAL_SETTINGS

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

DEFAULT_FOLLOW_ARCHIVES = ("category", "section")
# As ifpcrawl.discovery.listing_links reads a theme's "Page 1 of N".
PAGES_OF_RE = re.compile(r"Page\s+\d+\s+of\s+([\d,]+)", re.I)
PAGES_TEXT_XPATH = "//*[contains(concat(' ', normalize-space(@class), ' '), ' pages ')]/text()"

# Scrapy settings of ifpcrawl that change what or how fast it fetches, or how Scrapy handles a
# callback's output (CONCURRENT_ITEMS); the limit uses the same values (and the same
# LOCAL_SETTINGS) so the two differ only in what they do with a page.
MIRRORED_SETTINGS = (
    "USER_AGENT",
    "ROBOTSTXT_OBEY",
    "COOKIES_ENABLED",
    "REFERER_ENABLED",
    "DOWNLOAD_TIMEOUT",
    "DOWNLOAD_MAXSIZE",
    "DOWNLOAD_WARNSIZE",
    "RETRY_ENABLED",
    "RETRY_TIMES",
    "RETRY_HTTP_CODES",
    "REDIRECT_MAX_TIMES",
    "CONCURRENT_ITEMS",
    "SCHEDULER_DISK_QUEUE",
    "SCHEDULER_MEMORY_QUEUE",
    "IFP_SECTION_PATHS",
    "IFP_FEED_PATHS",
    "IFP_SITEMAP_PATHS",
    "IFP_FEEDS_ENABLED",
    "IFP_SITEMAPS_ENABLED",
    "IFP_REST_ENABLED",
    "IFP_FOLLOW_ARCHIVES",
)


def bare_settings(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Scrapy's defaults plus the fetch-relevant settings ifpcrawl uses for a local crawl."""
    settings: dict[str, Any] = {
        name: getattr(ifp_settings, name)
        for name in MIRRORED_SETTINGS
        if hasattr(ifp_settings, name)
    }
    # IFP_* values of LOCAL_SETTINGS configure ifpcrawl components the limit does not have.
    settings.update({k: v for k, v in LOCAL_SETTINGS.items() if not k.startswith("IFP_")})
    settings["TELNETCONSOLE_ENABLED"] = False
    settings.update(overrides or {})
    return settings


@dataclass(frozen=True)
class Target:
    """A link target as the walk needs it (resolved once per absolute href)."""

    url: str  # canonical; "" when the href is off-site or unusable
    kind: str  # classify_url kind, "offsite" for unusable hrefs
    listing_root: str = ""  # listings only: the listing without its /page/N
    page: int = 1  # listings only: the page number
    archive: str = ""  # listings only: category | tag | author | date | section


def resolve_target(absolute: str, site: Site) -> Target:
    url = canonicalize(absolute, site)
    if url is None or not is_on_site(url, site):
        return Target("", "offsite")
    kind = classify_url(url, site)
    if kind != "listing":
        return Target(url, kind)
    return Target(url, kind, listing_root(url), page_number(url), archive_kind(url))


def follow_archive_kinds(value: Any) -> set[str]:
    """Archive kinds to follow: a list of kinds, or a bool (True: the spider's default kinds)."""
    if isinstance(value, bool):
        return set(DEFAULT_FOLLOW_ARCHIVES) if value else set()
    if isinstance(value, str):
        return {part.strip() for part in value.split(",") if part.strip()}
    if value is None:
        return set(DEFAULT_FOLLOW_ARCHIVES)
    return {str(kind) for kind in value}


class BareSpider(Spider):
    name = "bare"

    def __init__(self, site: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.site = Site.from_url(site)
        self.allowed_domains = [self.site.host.split(":")[0]]
        self.scheduled: set[str] = set()
        # Pages repeat the same menu, widget and pagination links: resolving each absolute
        # href once keeps the limit from paying canonicalization again for every page.
        self.targets: dict[str, Target] = {}

    # set in from_crawler
    section_paths: list[str]
    feed_paths: list[str]
    sitemap_paths: list[str]
    use_feeds: bool
    use_sitemaps: bool
    use_rest: bool
    follow_archives: set[str]

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> BareSpider:
        spider: BareSpider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.section_paths = settings.getlist("IFP_SECTION_PATHS", [])
        spider.feed_paths = settings.getlist("IFP_FEED_PATHS", ["/feed/"])
        spider.sitemap_paths = settings.getlist("IFP_SITEMAP_PATHS", ["/wp-sitemap.xml"])
        spider.use_feeds = settings.getbool("IFP_FEEDS_ENABLED", True)
        spider.use_sitemaps = settings.getbool("IFP_SITEMAPS_ENABLED", True)
        spider.use_rest = settings.getbool("IFP_REST_ENABLED", True)
        spider.follow_archives = follow_archive_kinds(settings.get("IFP_FOLLOW_ARCHIVES"))
        return spider

    def url(self, path: str) -> str:
        return urljoin(self.site.base, path)

    def count(self, kind: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"bare/pages/{kind}")

    def listing_request(self, url: str, fanout: bool = False) -> Request:
        return Request(
            url, self.parse_listing, priority=PRIORITY_LISTING, meta={"bare_fanout": fanout}
        )

    def discovery_request(self, url: str, callback: Any, **meta: Any) -> Request:
        return Request(url, callback, priority=PRIORITY_DISCOVERY, meta=meta)

    def article_requests(self, urls: Iterable[str]) -> Iterator[Request]:
        for url in urls:
            if url in self.scheduled or classify_url(url, self.site) != "article":
                continue  # (classify_url: feeds, sitemaps and the API list any kind of URL)
            self.scheduled.add(url)
            yield Request(url, self.parse_article, priority=PRIORITY_ARTICLE)

    def rest_request(self, page: int) -> Request:
        params = {"per_page": REST_PER_PAGE, "page": page, "_fields": REST_FIELDS}
        url = self.url("/wp-json/wp/v2/posts") + "?" + urlencode(params)
        return self.discovery_request(url, self.parse_rest, bare_page=page)

    one_page = False  # --one-page: fetch the home page, follow nothing (start-up floor)

    async def start(self) -> AsyncIterator[Any]:
        if self.one_page:
            yield Request(self.url("/"), callback=self.ignore)
            return
        for path in ["/", *self.section_paths]:
            yield self.listing_request(self.url(path))
        if self.use_feeds:
            for path in self.feed_paths:
                yield self.discovery_request(self.url(path), self.parse_feed)
        if self.use_sitemaps:
            for path in self.sitemap_paths:
                yield self.discovery_request(self.url(path), self.parse_sitemap)
        if self.use_rest:
            yield self.rest_request(1)

    def ignore(self, response: Response) -> None:
        self.count("floor")

    def page_links(self, response: TextResponse) -> list[Target]:
        """Canonical on-site targets of every ``<a href>`` of a page, each once."""
        root = response.selector.root
        base = next(iter(root.xpath("//base/@href")), None) or response.url
        targets: list[Target] = []
        seen: set[str] = set()
        # lxml directly: parsel would wrap each of the page's hundreds of hrefs in a Selector.
        for href in root.xpath("//a/@href"):
            raw = str(href).strip()
            if raw in seen:
                continue
            seen.add(raw)
            key = raw if raw.startswith(("http://", "https://")) else urljoin(base, raw)
            target = self.targets.get(key)
            if target is None:
                target = resolve_target(key, self.site)
                self.targets[key] = target
            if target.kind in ("article", "listing"):
                targets.append(target)
        return targets

    def parse_listing(self, response: Response) -> Iterator[Any]:
        self.count("listing")
        if not isinstance(response, TextResponse):
            return
        current = resolve_target(response.url, self.site)
        root, number = current.listing_root, current.page
        last = number
        articles: list[str] = []
        next_pages: list[str] = []
        archives: list[str] = []
        for target in self.page_links(response):
            if target.kind == "article":
                articles.append(target.url)
            elif target.listing_root == root:
                last = max(last, target.page)
                if target.page > number:
                    next_pages.append(target.url)
            elif target.page == 1 and target.archive in self.follow_archives:
                archives.append(target.url)
        pages_text = " ".join(response.selector.root.xpath(PAGES_TEXT_XPATH))
        match = PAGES_OF_RE.search(pages_text)
        if match:
            last = max(last, int(match.group(1).replace(",", "")))
        yield from self.article_requests(articles)
        fanout = bool(response.meta["bare_fanout"])
        if number == 1 and last > 1 and not fanout:
            for page in range(2, last + 1):
                yield self.listing_request(listing_page_url(root, page), fanout=True)
        for url in next_pages:
            yield self.listing_request(url, fanout=fanout)
        for url in archives:
            yield self.listing_request(url)

    def parse_article(self, response: Response) -> Iterator[Any]:
        self.count("article")
        if not isinstance(response, TextResponse):
            return
        yield from self.article_requests(
            target.url for target in self.page_links(response) if target.kind == "article"
        )

    def parse_feed(self, response: Response) -> Iterator[Any]:
        self.count("feed")
        try:
            found = parse_feed(response.body, response.url, self.site)
        except DiscoveryError:
            return
        yield from self.article_requests(f.url for f in found)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        self.count("sitemap")
        try:
            sitemap = parse_sitemap(response.body, response.url, self.site)
        except DiscoveryError:
            return
        if sitemap.kind == "sitemapindex":
            for entry in sitemap.entries:
                name = entry.url.rsplit("/", 1)[-1].lower()
                if any(word in name for word in NON_POST_SITEMAPS):
                    continue
                if is_on_site(entry.url, self.site):
                    yield self.discovery_request(entry.url, self.parse_sitemap)
            return
        yield from self.article_requests(f.url for f in sitemap.entries)

    def parse_rest(self, response: Response) -> Iterator[Any]:
        self.count("api")
        try:
            found: list[Found] = parse_rest_posts(response.body, response.url, self.site)
        except DiscoveryError:
            return
        yield from self.article_requests(f.url for f in found)
        if int(response.meta.get("bare_page", 1)) != 1:
            return
        try:
            total_pages = int(response.headers.get(b"X-WP-TotalPages") or b"1")
        except ValueError:
            total_pages = 1
        for number in range(2, total_pages + 1):
            yield self.rest_request(number)


def jsonable(stats: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in stats.items()
        if isinstance(value, (int, float, str, bool, datetime)) or value is None
    }


def run(
    site: str,
    overrides: Mapping[str, Any] | None = None,
    fetched: list[str] | None = None,
    one_page: bool = False,
) -> dict[str, Any]:
    """Crawl ``site`` with the bare spider in this process; its final Scrapy stats.

    With ``fetched``, the URL of every response is appended to it (the bench replays them
    against the server to measure its raw capacity).
    """
    process = CrawlerProcess(bare_settings(overrides))
    crawler = process.create_crawler(BareSpider)
    if fetched is not None:

        def record(response: Response, **_: Any) -> None:
            fetched.append(response.url)

        crawler.signals.connect(record, signal=signals.response_received, weak=False)
    process.crawl(crawler, site=site, one_page=one_page)
    process.start()
    assert crawler.stats is not None
    return jsonable(crawler.stats.get_stats())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", required=True, help="base URL of the site to crawl")
    parser.add_argument("--stats-out", help="write the final stats here as JSON")
    parser.add_argument("--urls-out", help="write the URL of every response here, one a line")
    parser.add_argument(
        "--one-page",
        action="store_true",
        help="fetch the home page and stop: what any Scrapy run costs (start-up, shut-down)",
    )
    parser.add_argument(
        "-s",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a Scrapy setting (as for scrapy crawl)",
    )
    args = parser.parse_args(argv)
    overrides = dict(item.split("=", 1) for item in args.settings)
    fetched: list[str] | None = [] if args.urls_out else None
    stats = run(args.site, overrides, fetched, args.one_page)
    if args.urls_out and fetched is not None:
        with open(args.urls_out, "w", encoding="utf-8") as out:
            out.writelines(f"{url}\n" for url in fetched)
    if args.stats_out:
        with open(args.stats_out, "w", encoding="utf-8") as out:
            json.dump(stats, out, indent=1, sort_keys=True)
    return 0 if stats.get("finish_reason") == "finished" else 1


if __name__ == "__main__":
    sys.exit(main())
