"""The store interface: one contract, two backends (SQLite default, PostgreSQL shared).

Everything here is plain Python; the Scrapy layer (pipelines, extensions,
commands) only talks to a :class:`Store`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from ifpcrawl.items import Article

UpsertStatus = Literal["new", "updated", "unchanged", "duplicate", "alias"]


class StoreError(Exception):
    """A store could not be opened or written (clear message for the user)."""


class StoreLocked(StoreError):
    """Another run holds the store's run lock."""


def one_line(error: BaseException | str, limit: int = 300) -> str:
    """An error as one line a person can read in a table or a log: its type and message."""
    if isinstance(error, BaseException):
        message = str(error)
        text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    else:
        text = error
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class UpsertResult:
    status: UpsertStatus
    # 'new'       a new row was inserted
    # 'updated'   a known article changed (body or title): row updated, old version in `revisions`
    # 'unchanged' a known article, same content: only last_seen_at (and variants) moved
    # 'duplicate' a near-copy: stored with duplicate_of set; or, when this one was published
    #             before the stored copy, stored as the original (duplicate_of None) and the
    #             copy re-pointed at it: either way one 'duplicate' per near-copy pair
    # 'alias'     the same body already stored under another canonical URL: this URL was
    #             recorded in article_urls for that article, no new row
    article_id: int
    duplicate_of: int | None = None


@dataclass
class FailureRecord:
    """A page the crawl could not fetch, read or store: retried by the next run."""

    url: str
    kind: str  # article | listing | feed | sitemap | api
    reason: str  # short and countable: http_503, store, extract, callback, ...
    error: str | None  # the one-line error, when there was one
    attempts: int
    first_seen_at: str
    last_seen_at: str


@dataclass
class ArticleState:
    """What incremental runs need to know about a stored article."""

    article_id: int
    url: str
    content_hash: str
    modified_at: str | None
    last_seen_at: str
    etag: str | None
    last_modified: str | None


class Store(Protocol):
    # --- life cycle -----------------------------------------------------------
    def close(self) -> None: ...

    # --- run lock: one run at a time per store -------------------------------
    def acquire_run_lock(self, owner: str, wait: bool = False, timeout: float = 0.0) -> None:
        """Raise StoreLocked if another live run holds the lock (unless wait)."""

    def release_run_lock(self, owner: str) -> None: ...

    # --- articles ------------------------------------------------------------
    def upsert_article(self, article: Article, seen_at: str) -> UpsertResult:
        """Store one article with its URL variants and outgoing links, atomically.

        Resolves links.dst_id for this article's links, and for earlier links that
        pointed at any URL of this article. Dedup (exact and near) happens here so
        that it is safe across runs and across workers.
        """

    def upsert_many(self, articles: Iterable[Article], seen_at: str) -> list[UpsertResult]:
        """Same as upsert_article for a batch, in one transaction."""

    def upsert_each(
        self, articles: Sequence[Article], seen_at: str
    ) -> list[UpsertResult | Exception]:
        """A batch in one transaction; if that fails, each article in its own, so one
        refused article never loses the others. Per article: its result, or the error
        that refused it (nothing of that article is stored)."""

    def stored_rows(self, article_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """The stored `articles` rows of these ids (tags decoded), with ``duplicate_of``
        given as the original's canonical URL in ``duplicate_of_url``."""

    def article_state(self, url: str) -> ArticleState | None:
        """State of the article known under this canonical URL or any recorded variant."""

    def article_states(self, urls: Iterable[str]) -> dict[str, ArticleState]: ...

    def touch(self, url: str, seen_at: str) -> None:
        """Mark a known article as seen (e.g. after a 304) without refetching it."""

    def add_url_variants(self, variants: Sequence[tuple[str, str]]) -> int:
        """Record (variant URL, canonical URL) pairs for already stored articles; returns
        how many were recorded (pairs for unknown articles are skipped)."""

    def count_articles(self, include_duplicates: bool = True) -> int: ...

    def iter_articles(
        self,
        since: str | None = None,
        changed_since: str | None = None,
        include_duplicates: bool = True,
    ) -> Iterator[dict[str, Any]]:
        """Rows of `articles` as dicts (tags decoded to a list), ordered by id.

        since: published_at >= since; changed_since: last change (insert or update) >= it.
        """

    def iter_links(
        self,
        kinds: Iterable[str] | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Rows of `links` (src_id, dst_url, dst_id, kind, anchor_text); date filters
        apply to the source article's published_at."""

    def search(self, text: str, limit: int = 20) -> list[int]:
        """Ids of articles matching every word of ``text`` (full-text index), best first."""

    # --- failures: retried on the next run ------------------------------------
    def record_failure(
        self,
        url: str,
        reason: str,
        seen_at: str,
        kind: str = "article",
        error: str | None = None,
    ) -> None: ...

    def clear_failure(self, url: str) -> None: ...

    def failed_urls(self, limit: int = 10_000) -> list[str]: ...

    def failures(self, limit: int = 10_000) -> list[FailureRecord]:
        """Recorded failures, least recently tried first (so every one gets its turn)."""

    def unstored_since(self, since: str) -> list[FailureRecord]:
        """Article failures recorded at or after ``since`` and still open (the article is
        not stored), leaving out pages that are gone (404, 410, 401, 403, robots)."""

    # --- run history ----------------------------------------------------------
    def start_run(self, site: str, mode: str, started_at: str) -> int: ...

    def finish_run(
        self, run_id: int, finished_at: str, finish_reason: str, stats: dict[str, Any]
    ) -> None: ...

    def last_runs(self, limit: int = 10) -> list[dict[str, Any]]: ...

    # --- key/value state (e.g. last export time) ---------------------------------
    def get_state(self, key: str) -> str | None: ...

    def set_state(self, key: str, value: str) -> None: ...
