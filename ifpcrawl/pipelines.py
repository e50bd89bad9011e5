"""Item pipelines: normalize text → validate → deduplicate (in-run) → store.

Cross-run deduplication (URL variants, same body, near-copies) lives in the store, so it holds
across runs and across workers; the in-run step only drops a page met twice in one run.
Components talk through ``crawler.stats`` (keys listed in README.md).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from ifpcrawl import text
from ifpcrawl.config import default
from ifpcrawl.dates import parse_datetime
from ifpcrawl.fingerprints import FingerprintSet
from ifpcrawl.items import Article
from ifpcrawl.runtime import fatal_errors, store_for
from ifpcrawl.store.base import Store, StoreError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

#: Fields whose coverage (share of stored articles that have them) each run reports.
COVERAGE_FIELDS = (
    "title",
    "body",
    "author",
    "section",
    "published_at",
    "modified_at",
    "tags",
    "image_url",
    "summary",
)


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class _LogOnce:
    """Log a repetitive event once per key, then only count it (Scrapy's habit)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, key: str, msg: str, *args: object) -> None:
        if key not in self.seen:
            self.seen.add(key)
            logger.warning(msg + " (further cases are only counted in stats)", *args)


def normalize_article(article: Article) -> Article:
    """Normalize every text field in place (pure; shared with exports and tests)."""
    article.title = text.clean_title(text.normalize_text(article.title))
    extracted_body = article.body
    article.body = text.normalize_paragraphs(extracted_body.split("\n\n"))
    for name in ("summary", "author", "section", "image_url"):
        value = getattr(article, name)
        if value is not None:
            cleaned = text.normalize_text(value)
            setattr(article, name, cleaned or None)
    tags: list[str] = []
    for tag in article.tags:
        cleaned = text.normalize_text(tag)
        if cleaned and cleaned not in tags:
            tags.append(cleaned)
    article.tags = tags
    for link in article.links:
        link.anchor_text = text.normalize_text(link.anchor_text)
    if article.body != extracted_body or not article.word_count:
        # The extractor counted the words of the body it built: count again only if
        # normalization changed it (a word count is a regex pass over the whole body).
        article.word_count = text.word_count(article.body)
    article.content_hash = text.content_hash(article.body)
    return article


class NormalizePipeline:
    """Unicode NFC, entities, whitespace, control characters; content hash and word count."""

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Article):
            normalize_article(item)
        return item


class ValidatePipeline:
    """Drops (and counts) articles that would be stored half-filled; records field coverage."""

    REQUIRED = ("url", "title", "body")

    def __init__(self, stats: StatsCollector, min_words: int) -> None:
        self.stats = stats
        self.min_words = min_words
        self.log_once = _LogOnce()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        assert crawler.stats is not None
        return cls(
            crawler.stats,
            crawler.settings.getint("IFP_MIN_BODY_WORDS", default("IFP_MIN_BODY_WORDS")),
        )

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        for name in self.REQUIRED:
            if not getattr(item, name):
                self._drop(item, f"missing_{name}")
        if item.word_count < self.min_words:
            self._drop(item, "short_body")
        for name in ("published_at", "modified_at"):
            value = getattr(item, name)
            if value and parse_datetime(value) is None:
                # A date that cannot be read back is worse than none: keep the article.
                self.log_once(f"bad_{name}", "Unreadable %s %r on %s", name, value, item.url)
                self.stats.inc_value(f"ifp/invalid/{name}")
                setattr(item, name, None)
        self.stats.inc_value("ifp/articles_valid")
        for name in COVERAGE_FIELDS:
            if getattr(item, name):
                self.stats.inc_value(f"ifp/field/{name}")
        return item

    def _drop(self, item: Article, reason: str) -> None:
        self.stats.inc_value(f"ifp/dropped/{reason}")
        self.log_once(f"drop_{reason}", "Dropped %s: %s", item.url, reason)
        raise DropItem(f"{reason}: {item.url}")


class DedupPipeline:
    """Drops a second copy of an article met twice in one run (e.g. desktop, then AMP fallback).

    Holds a 64-bit fingerprint of each canonical URL stored in this run (8 bytes an article,
    :class:`ifpcrawl.fingerprints.FingerprintSet`).
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.seen = FingerprintSet()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        if item.url in self.seen:
            self.stats.inc_value("ifp/duplicates_in_run")
            raise DropItem(f"already stored in this run: {item.url}")
        self.seen.add(item.url)
        return item


class StorePipeline:
    """Writes articles (with URL variants and links) to the store in batched transactions."""

    def __init__(self, crawler: Crawler, batch_size: int) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.batch_size = max(1, batch_size)
        self.pending: list[Article] = []
        self.store: Store | None = None
        self.failed = False
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        if not crawler.settings.getbool("IFP_STORE_ENABLED", True):
            raise NotConfigured("IFP_STORE_ENABLED is off")
        return cls(
            crawler,
            crawler.settings.getint("IFP_STORE_BATCH_SIZE", default("IFP_STORE_BATCH_SIZE")),
        )

    def open_spider(self) -> None:
        self.store = store_for(self.crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        if self.failed:
            raise DropItem("the store failed earlier in this run")
        self.pending.append(item)
        if len(self.pending) >= self.batch_size:
            self.flush()
        return item

    def close_spider(self) -> None:
        self.flush()

    def flush(self) -> None:
        if not self.pending or self.store is None or self.failed:
            return
        batch, self.pending = self.pending, []
        try:
            results = self.store.upsert_many(batch, utc_now())
        except StoreError as exc:
            self.failed = True
            fatal_errors.append(str(exc))
            self.stats.inc_value("ifp/store_errors")
            logger.error("Store write failed, nothing of this batch was kept: %s", exc)
            engine = self.crawler.engine
            if engine is not None and not self.closing:
                self.closing = True
                deferred_from_coro(engine.close_spider_async(reason="store_error"))
            raise DropItem(f"store error: {exc}") from exc
        retried: set[str] = getattr(self.crawler.spider, "failed_urls", set())
        for article, result in zip(batch, results, strict=True):
            self.stats.inc_value(f"ifp/articles_{result.status}")
            if result.status in ("new", "updated", "unchanged", "duplicate"):
                self.stats.inc_value("ifp/articles_stored")
            if result.status == "duplicate":
                self.stats.inc_value("ifp/duplicates")
            if article.url in retried:
                self.store.clear_failure(article.url)
