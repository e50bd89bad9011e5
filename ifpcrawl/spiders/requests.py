"""How the spider asks: request priorities, the REST query, what a retried request drops.

Kept apart from the spider so that code that only needs these (bench/bare_spider.py) does
not import the extractor with it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urljoin

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
