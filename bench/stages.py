"""Per-article CPU cost of each processing stage, measured in this process.

The pages are ones the crawl fetched (a sample of the store's URLs, fetched once more with
urllib), so the cost is that of real replica pages. Each stage is timed per article with
``time.process_time_ns`` (CPU, not wall: another process competing for the core does not
count):

* extract:   ``Page.from_html`` (given the UTF-8 body, as the spider does) + ``extract_article``
* normalize: ``ifpcrawl.pipelines.normalize_article``
* dedup:     the content fingerprints of ``ifpcrawl.dedup`` (words, sentence keys, SimHash)
* store:     ``upsert_many`` in batches of 50 into a fresh SQLite file; the store computes
             the dedup fingerprints itself (``store._sql.prepare``), so "store" includes
             "dedup" and the pipeline total is extract + normalize + store.
"""

from __future__ import annotations

import logging
import math
import statistics
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, TypeVar

from ifpcrawl.items import Article

logger = logging.getLogger(__name__)

STORE_BATCH = 50
FETCH_TIMEOUT = 30.0
T = TypeVar("T")


@dataclass
class FetchedPage:
    url: str  # final URL after redirects
    html: str
    date: datetime | None  # the response's Date header (relative dates are read against it)
    utf8: bytes | None = None  # the body, when it is the UTF-8 encoding of html (as the spider)


def even_sample(items: Sequence[T], size: int) -> list[T]:
    """``size`` items spread evenly over ``items`` (all of them if there are fewer)."""
    if size <= 0 or not items:
        return []
    if len(items) <= size:
        return list(items)
    step = len(items) / size
    return [items[int(index * step)] for index in range(size)]


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(share * len(ordered))))
    return ordered[rank - 1]


def summarize_ms(values_ns: Sequence[int]) -> dict[str, float]:
    """Median, p90, mean and count of per-article CPU times, in milliseconds."""
    if not values_ns:
        return {"median_ms": 0.0, "p90_ms": 0.0, "mean_ms": 0.0, "count": 0}
    values = [value / 1e6 for value in values_ns]
    return {
        "median_ms": statistics.median(values),
        "p90_ms": percentile(values, 0.9),
        "mean_ms": statistics.fmean(values),
        "count": len(values),
    }


def fetch_pages(urls: Sequence[str]) -> list[FetchedPage]:
    """GET each URL once (sequentially: this is sample collection, not a load test)."""
    pages: list[FetchedPage] = []
    for url in urls:
        try:
            with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT) as response:
                body = response.read()
                charset = response.headers.get_content_charset() or "utf-8"
                raw_date = response.headers.get("Date")
                final_url = response.geturl()
        except OSError as exc:
            logger.warning("Could not fetch %s for the stage sample: %s", url, exc)
            continue
        try:
            date = parsedate_to_datetime(raw_date) if raw_date else None
        except (TypeError, ValueError):
            date = None
        html = body.decode(charset, "replace")
        utf8 = body if charset.lower() in ("utf-8", "utf8") and "\ufffd" not in html else None
        pages.append(FetchedPage(final_url, html, date, utf8))
    return pages


def _timed(fn: Callable[[], T]) -> tuple[T, int]:
    started = time.process_time_ns()
    value = fn()
    return value, time.process_time_ns() - started


def _prepare_for_store(article: Article, page: FetchedPage, site: Any) -> None:
    """What the spider does between extraction and the pipelines (untimed: not a stage)."""
    from ifpcrawl.urls import canonicalize, is_on_site

    fetched = canonicalize(page.url, site) or page.url
    article.url = fetched
    article.fetched_url = page.url
    article.fetched_at = datetime.now().astimezone().replace(microsecond=0).isoformat()
    kept = []
    for link in article.links:
        target = canonicalize(link.url, site if is_on_site(link.url, site) else None)
        if target is not None:
            link.url = target
            kept.append(link)
    article.links = kept


def measure_stages(pages: Sequence[FetchedPage], site_url: str) -> dict[str, Any]:
    """Per-article CPU ms (median, p90) of each stage over ``pages``."""
    from ifpcrawl import dedup
    from ifpcrawl.extract.article import extract_article
    from ifpcrawl.extract.page import Page
    from ifpcrawl.pipelines import normalize_article
    from ifpcrawl.store import UpsertResult, open_store
    from ifpcrawl.urls import Site

    site = Site.from_url(site_url)
    extract_ns: list[int] = []
    normalize_ns: list[int] = []
    dedup_ns: list[int] = []
    articles: list[Article] = []
    per_article_ns: list[int] = []  # extract + normalize (+ store share below), per article
    not_articles = 0
    for page in pages:

        def extract(page: FetchedPage = page) -> Any:
            return extract_article(Page.from_html(page.html, page.url, page.date, page.utf8))

        extraction, extract_spent = _timed(extract)
        extract_ns.append(extract_spent)
        article = extraction.article
        if article is None:
            not_articles += 1
            continue
        _prepare_for_store(article, page, site)

        def normalize(article: Article = article) -> Article:
            return normalize_article(article)

        _, spent = _timed(normalize)
        normalize_ns.append(spent)
        per_article_ns.append(extract_spent + spent)

        def fingerprint(body: str = article.body) -> None:
            dedup.words(body)
            dedup.sentence_keys(body)
            dedup.simhash(body)

        _, spent = _timed(fingerprint)
        dedup_ns.append(spent)
        articles.append(article)

    store_ns: list[int] = []
    statuses: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="ifpbench-stages-") as tmp:
        store = open_store(str(Path(tmp) / "stages.db"))
        try:
            seen_at = datetime.now().astimezone().replace(microsecond=0).isoformat()
            for start in range(0, len(articles), STORE_BATCH):
                batch = articles[start : start + STORE_BATCH]

                def upsert(batch: list[Article] = batch) -> list[UpsertResult]:
                    return store.upsert_many(batch, seen_at)

                results, spent = _timed(upsert)
                # One transaction per batch: its cost is shared evenly by its articles.
                store_ns.extend([spent // len(batch)] * len(batch))
                for result in results:
                    statuses[result.status] = statuses.get(result.status, 0) + 1
        finally:
            store.close()

    stages = {
        "extract": summarize_ms(extract_ns),
        "normalize": summarize_ms(normalize_ns),
        "dedup": summarize_ms(dedup_ns),
        "store": summarize_ms(store_ns),
    }
    total_ns = [own + stored for own, stored in zip(per_article_ns, store_ns, strict=True)]
    return {
        "pages": len(pages),
        "articles": len(articles),
        "not_articles": not_articles,
        "store_statuses": statuses,
        "stages": stages,
        # Per article: extract + normalize + its share of the store batch. The store computes
        # the dedup fingerprints itself, so dedup is shown for attribution, not added twice.
        "pipeline_total": summarize_ms(total_ns),
    }
