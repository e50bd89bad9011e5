"""How the spider asks: request priorities, the REST query, what a retried request drops.

Kept apart from the spider so that code that only needs these (bench/bare_spider.py) does
not import the extractor with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urljoin

if TYPE_CHECKING:
    from scrapy import Request, Spider

    from ifpcrawl.store.base import ArticleState

PRIORITY_ARTICLE = 20
PRIORITY_DISCOVERY = 10  # feeds, sitemaps, API
PRIORITY_LISTING = 0
REST_PER_PAGE = 100
REST_FIELDS = "id,link,modified,modified_gmt,status,type"
ERROR_PAGE_RETRIES = 2
# Downloader bookkeeping that a retried request must not carry over (Scrapy's
# MetaCopyDetectionMiddleware warns about it); retry_times is get_retry_request's own count.
DOWNLOADER_META = (
    "download_latency",
    "download_slot",
    "redirect_reasons",
    "redirect_times",
    "redirect_ttl",
    "redirect_urls",
    "_dont_cache",
    "cache_timestamp",
)


def rest_posts_url(site_base: str, page: int, newest_modified_first: bool) -> str:
    """Page ``page`` of the site's posts from the WordPress REST API, only the fields the
    spider reads (incremental runs ask for the most recently modified first)."""
    params: dict[str, Any] = {"per_page": REST_PER_PAGE, "page": page, "_fields": REST_FIELDS}
    if newest_modified_first:
        params.update(orderby="modified", order="desc")
    return urljoin(site_base, "/wp-json/wp/v2/posts") + "?" + urlencode(params)


def conditional_headers(state: ArticleState | None) -> dict[bytes, str]:
    """If-None-Match / If-Modified-Since from what the store kept of the article's last
    answer: an unchanged page then costs a 304."""
    headers: dict[bytes, str] = {}
    if state is not None and state.etag:
        headers[b"If-None-Match"] = state.etag
    if state is not None and state.last_modified:
        headers[b"If-Modified-Since"] = state.last_modified
    return headers


def error_page_retry(request: Request, spider: Spider) -> Request | None:
    """A 200 error page is retried like a 503 (the same server trouble), without the
    downloader's bookkeeping; None once ERROR_PAGE_RETRIES are used up."""
    from scrapy.downloadermiddlewares.retry import get_retry_request

    retry = get_retry_request(
        request, spider=spider, reason="error_page", max_retry_times=ERROR_PAGE_RETRIES
    )
    if retry is not None:
        for key in DOWNLOADER_META:
            retry.meta.pop(key, None)
    return retry
