"""Item pipelines: normalize text → validate → deduplicate (in-run) → store.

Cross-run deduplication (URL variants, same body, near-copies) lives in the store, so it holds
across runs and across workers; the in-run step only drops a page met twice in one run.
Components talk through ``crawler.stats`` (keys listed in README.md).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro

from ifpcrawl import text
from ifpcrawl.clock import iso_now
from ifpcrawl.config import ifp_setting
from ifpcrawl.dates import parse_datetime
from ifpcrawl.exports import COLUMNS
from ifpcrawl.fingerprints import FingerprintSet
from ifpcrawl.items import Article
from ifpcrawl.logs import OnceLog
from ifpcrawl.runtime import fatal_errors, store_for
from ifpcrawl.store.base import Store, StoreError, UpsertResult, one_line

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


#: Columns a feed takes from the stored row once the item is stored (``duplicate_of``
#: is set apart: the feed gives the original's URL, not its internal id).
FEED_FROM_STORE = tuple(name for name in COLUMNS if name != "duplicate_of")


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


def repair_unicode(article: Article) -> list[str]:
    """Replace lone surrogates in every text the article carries (columns, URL variants,
    links, sources); returns the names of the fields repaired.

    JSON-LD or a REST answer can spell a lone surrogate (``"\\ud800"``); no store can encode
    one, and one such string used to roll back a whole batch. This sweep is the single gate
    between extraction and the store, so it covers fields normalization leaves alone too.
    """
    repaired: list[str] = []
    for name, value in vars(article).items():
        if isinstance(value, str):
            if text.has_surrogates(value):
                setattr(article, name, text.valid_unicode(value))
                repaired.append(name)
        elif isinstance(value, list) and name != "links":
            if any(isinstance(v, str) and text.has_surrogates(v) for v in value):
                setattr(article, name, [text.valid_unicode(v) for v in value])
                repaired.append(name)
        elif isinstance(value, dict) and any(
            text.has_surrogates(f"{k}{v}") for k, v in value.items()
        ):
            repaired_dict = {
                text.valid_unicode(str(k)): text.valid_unicode(str(v)) for k, v in value.items()
            }
            setattr(article, name, repaired_dict)
            repaired.append(name)
    for link in article.links:
        if text.has_surrogates(link.url) or text.has_surrogates(link.anchor_text):
            link.url = text.valid_unicode(link.url)
            link.anchor_text = text.valid_unicode(link.anchor_text)
            if "links" not in repaired:
                repaired.append("links")
    return repaired


class NormalizePipeline:
    """Unicode NFC, entities, whitespace, control characters; content hash and word count.

    Also the gate that makes every string valid Unicode (``repair_unicode``), counted in
    ``ifp/text/surrogates_repaired`` (articles) and ``.../<field>``.
    """

    def __init__(self, stats: StatsCollector | None = None) -> None:
        self.stats = stats
        self.log_once = OnceLog(logger)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalizePipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Article):
            repaired = repair_unicode(item)
            if repaired and self.stats is not None:
                self.stats.inc_value("ifp/text/surrogates_repaired")
                for name in repaired:
                    self.stats.inc_value(f"ifp/text/surrogates_repaired/{name}")
                self.log_once(
                    "surrogates",
                    "Replaced lone surrogates (invalid Unicode) in %s of %s",
                    ", ".join(repaired),
                    item.url,
                )
            normalize_article(item)
        return item


class ValidatePipeline:
    """Drops (and counts) articles that would be stored half-filled; records field coverage."""

    REQUIRED = ("url", "title", "body")

    def __init__(self, stats: StatsCollector, min_words: int) -> None:
        self.stats = stats
        self.min_words = min_words
        self.log_once = OnceLog(logger)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        assert crawler.stats is not None
        return cls(
            crawler.stats,
            ifp_setting(crawler.settings, "IFP_MIN_BODY_WORDS"),
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
    """Writes articles (with URL variants and links) to the store in batched transactions.

    Containment: a batch the store refuses is stored again article by article
    (``Store.upsert_each``), and an article refused alone is recorded in ``failures``
    (retried by the next run) and counted; the others are kept. Only a store that cannot
    even record that (disk full, gone) stops the crawl, with exit status 2.

    A batch is written when it is full and at least every ``IFP_STORE_FLUSH_INTERVAL``
    seconds, so progress lines and a killed run lag the crawl by seconds, not a batch.
    Once stored, each item carries the store's row (id, duplicate_of as the original's
    URL, first/last seen), which is what ``-O`` feeds write.
    """

    def __init__(self, crawler: Crawler, batch_size: int, flush_interval: float) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.batch_size = max(1, batch_size)
        self.flush_interval = flush_interval
        self.pending: list[Article] = []
        self.store: Store | None = None
        self.failed = False
        self.closing = False
        self.log_once = OnceLog(logger)
        self.timer: Any = None
        # -O / -o / FEEDS: the items are written to a feed, which shows the stored rows.
        self.feeds = bool(crawler.settings.getdict("FEEDS"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        if not ifp_setting(crawler.settings, "IFP_STORE_ENABLED"):
            raise NotConfigured("IFP_STORE_ENABLED is off")
        return cls(
            crawler,
            ifp_setting(crawler.settings, "IFP_STORE_BATCH_SIZE"),
            ifp_setting(crawler.settings, "IFP_STORE_FLUSH_INTERVAL"),
        )

    def open_spider(self) -> None:
        self.store = store_for(self.crawler)
        if self.flush_interval > 0:
            self.timer = create_looping_call(self.flush)
            self.timer.start(self.flush_interval, now=False)

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
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.flush()

    def flush(self) -> None:
        if not self.pending or self.store is None or self.failed:
            return
        batch, self.pending = self.pending, []
        now = iso_now()
        outcomes = self.store.upsert_each(batch, now)
        stored: list[tuple[Article, UpsertResult]] = []
        for article, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, Exception):
                if not self._refused(article, outcome, now):
                    return
                continue
            stored.append((article, outcome))
            self.stats.inc_value(f"ifp/articles_{outcome.status}")
            if outcome.status in ("new", "updated", "unchanged", "duplicate"):
                self.stats.inc_value("ifp/articles_stored")
            if outcome.status == "duplicate":
                self.stats.inc_value("ifp/duplicates")
        self._fill_from_store(stored)

    def _refused(self, article: Article, error: Exception, now: str) -> bool:
        """Record one article the store refused; False when the store is unusable."""
        assert self.store is not None
        article.store_status = "refused"
        self.stats.inc_value("ifp/failed/article/store")
        self.log_once(
            f"refused_{type(error).__name__}",
            "Could not store %s: %s; recorded in failures, retried next run",
            article.url,
            one_line(error),
        )
        try:
            self.store.record_failure(article.url, "store", now, error=one_line(error))
        except StoreError as exc:
            self._fatal(exc)
            return False
        return True

    def _fatal(self, exc: StoreError) -> None:
        self.failed = True
        fatal_errors.append(str(exc))
        self.stats.inc_value("ifp/store_errors")
        logger.error("Store write failed, stopping the crawl: %s", exc)
        engine = self.crawler.engine
        if engine is not None and not self.closing:
            self.closing = True
            deferred_from_coro(engine.close_spider_async(reason="store_error"))

    def _fill_from_store(self, stored: list[tuple[Article, UpsertResult]]) -> None:
        """Mark each stored item; with a feed configured, give it the store's row too (feeds
        write what the store holds). Without one, the batch is not read back."""
        for article, result in stored:
            article.store_status = result.status
        if not stored or self.store is None or not self.feeds:
            return
        try:
            rows = self.store.stored_rows(result.article_id for _, result in stored)
        except StoreError as exc:
            logger.warning("Could not read back the stored batch for feeds: %s", exc)
            rows = {}
        for article, result in stored:
            row = rows.get(result.article_id)
            if row is None:
                continue
            for name in FEED_FROM_STORE:
                setattr(article, name, row[name])
            article.duplicate_of = row["duplicate_of_url"]
