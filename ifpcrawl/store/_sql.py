"""The store algorithm shared by the SQLite and PostgreSQL backends.

Backends differ in connection handling, DDL, locking and error types; the upsert
decision (identity by URL, exact alias, near-duplicate, new), the link handling and
every query live here once, written with ``?`` placeholders (the PostgreSQL backend
rewrites them to ``%s``). So both backends behave identically by construction and
the same test suite runs against both.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, TypeVar

from ifpcrawl import dedup
from ifpcrawl.items import LINK_KINDS, Article
from ifpcrawl.store.base import (
    ArticleState,
    FailureRecord,
    StoreError,
    UpsertResult,
    UpsertStatus,
    one_line,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Columns of `articles` returned by iter_articles (internal sort keys are left out).
ARTICLE_COLUMNS: tuple[str, ...] = (
    "id",
    "url",
    "title",
    "body",
    "summary",
    "author",
    "section",
    "tags",
    "published_at",
    "modified_at",
    "image_url",
    "word_count",
    "content_hash",
    "simhash",
    "duplicate_of",
    "wp_post_id",
    "etag",
    "last_modified",
    "fetched_url",
    "first_seen_at",
    "last_seen_at",
    "changed_at",
)
_FAILURE_COLUMNS = "url, kind, reason, error, attempts, first_seen_at, last_seen_at"
LINK_COLUMNS: tuple[str, ...] = ("src_id", "dst_url", "dst_id", "kind", "anchor_text")
_STATE_COLUMNS = (
    "a.id, a.url, a.content_hash, a.modified_at, a.last_seen_at, a.etag, a.last_modified"
)

# Bound on bound parameters per statement (SQLite's default limit is 32766).
CHUNK = 500
# Rows fetched per round trip while iterating (keyset pagination, no open cursor).
PAGE = 500
# Rows read per sentence key: a boilerplate sentence shared by thousands of
# articles must not make the lookup grow with the store.
KEY_FANOUT = 20
# Candidates whose bodies are compared word by word, best first.
MAX_CANDIDATES = 3

# Schema step shared by both backends (same DDL in SQLite and PostgreSQL):
# - failures: what kind of page failed (the next run retries it as that kind), the error;
# - pending_urls: URL variants met for an article that is not stored yet (it failed, or the
#   run stopped first); the article adopts them when it is stored, in whichever run.
SCHEMA_V4 = """
ALTER TABLE failures ADD COLUMN kind TEXT NOT NULL DEFAULT 'article';
ALTER TABLE failures ADD COLUMN error TEXT;
CREATE TABLE pending_urls (url TEXT PRIMARY KEY, canonical TEXT NOT NULL);
CREATE INDEX pending_urls_canonical ON pending_urls (canonical);
"""
# Failure reasons that say the page is gone or forbidden: recorded (and retried), but not
# an article this run left unstored.
PERMANENT_REASONS = ("http_401", "http_403", "http_404", "http_410", "robots")

_warned: set[str] = set()


def _warn_once(key: str, message: str, *args: object) -> None:
    if key not in _warned:
        _warned.add(key)
        logger.warning(message, *args)


def clean_text(value: str) -> str:
    """Strip NUL characters: PostgreSQL TEXT cannot hold them, and both backends
    must return identical values. Nothing else is changed."""
    return value.replace("\x00", "") if "\x00" in value else value


def safe_text(value: str) -> str:
    """``clean_text``, and lone surrogates replaced: for text that must be written even
    when it came from a broken page (failure records, error messages)."""
    value = clean_text(value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def _clean_opt(value: str | None) -> str | None:
    return None if value is None else clean_text(value)


def utc_key(timestamp: str | None) -> str | None:
    """A sortable UTC form of an ISO 8601 time, for range filters.

    Stored times keep the offset they came with (+03:30 from the site, UTC from the
    crawler); comparing those strings directly would be wrong across offsets.
    Naive times are taken as UTC; unparseable ones get no key (never match a filter).
    """
    if not timestamp:
        return None
    try:
        moment = datetime.fromisoformat(timestamp.strip())
    except ValueError:
        _warn_once("utc_key", "unparseable timestamp %r is stored but not filterable", timestamp)
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _filter_key(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    key = utc_key(value)
    if key is None:
        raise ValueError(f"{name}={value!r} is not an ISO 8601 time")
    return key


def _chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _marks(count: int) -> str:
    return ", ".join("?" * count)


class PreparedArticle:
    """An Article cleaned for the database; fingerprints are computed on first use.

    Most articles of an incremental run are known and unchanged: they never need
    their tokens, sentence keys or SimHash, which are the costly part.
    """

    def __init__(self, article: Article) -> None:
        url = clean_text(article.url).strip()
        if not url:
            raise ValueError("article has no url")
        urls: list[str] = []
        for candidate in (url, *article.url_variants, article.fetched_url):
            candidate = clean_text(candidate).strip()
            if candidate and candidate not in urls:
                urls.append(candidate)
        self.article = article
        self.urls = urls  # canonical first, then variants and the fetched URL
        self.title = clean_text(article.title)
        self.body = clean_text(article.body)
        self.content_hash = article.content_hash or hashlib.sha256(self.body.encode()).hexdigest()
        self.tags_json = json.dumps([clean_text(tag) for tag in article.tags], ensure_ascii=False)
        self.links = _prepare_links(article, set(urls))
        self.published_utc = utc_key(article.published_at)

    @cached_property
    def sentences(self) -> list[list[bytes]]:
        return dedup.sentence_tokens(self.body)

    @cached_property
    def tokens(self) -> list[bytes]:
        return [token for sentence in self.sentences for token in sentence]

    @cached_property
    def keys(self) -> list[int]:
        """Sentence keys to index; none for short bodies (never near-dup-flagged)."""
        if len(self.tokens) < dedup.MIN_WORDS:
            return []
        return dedup.keys_of_sentences(self.sentences)

    @cached_property
    def simhash(self) -> str:
        return dedup.simhash_hex(dedup.simhash(self.body))

    @cached_property
    def word_count(self) -> int:
        return self.article.word_count or len(self.tokens)


def prepare(article: Article) -> PreparedArticle:
    """Clean one article (pure; done before any lock is taken)."""
    return PreparedArticle(article)


def _prepare_links(article: Article, own_urls: set[str]) -> list[tuple[str, str, str]]:
    """One row per (dst_url, kind), first anchor text wins.

    Self-links (to any URL of the article itself) are dropped: on a news page they
    are share buttons, the AMP/canonical switch or the article listed in its own
    "Recent Posts" box, never an editorial reference, and they would be loops in
    the link graph.
    """
    seen: set[tuple[str, str]] = set()
    rows: list[tuple[str, str, str]] = []
    for link in article.links:
        dst_url = clean_text(link.url).strip()
        if link.kind not in LINK_KINDS:
            _warn_once("kind:" + link.kind, "link kind %r is not one of %s", link.kind, LINK_KINDS)
            continue
        if not dst_url or dst_url in own_urls or (dst_url, link.kind) in seen:
            continue
        seen.add((dst_url, link.kind))
        rows.append((dst_url, link.kind, clean_text(link.anchor_text)))
    return rows


class SqlStore:
    """Store logic over a DB-API-like connection; subclasses supply the plumbing."""

    # --- plumbing each backend provides ------------------------------------------
    def _execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        raise NotImplementedError

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        raise NotImplementedError

    def _begin(self) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        raise NotImplementedError

    def _rollback(self) -> None:
        raise NotImplementedError

    def _store_error(self, error: Exception) -> StoreError | None:
        """The StoreError for a backend exception, or None if it is not a database error."""
        raise NotImplementedError

    def _is_retryable(self, error: Exception) -> bool:
        """Deadlocks and serialization failures: the transaction may simply run again."""
        return False

    def _lock_identities(self, identities: Sequence[str]) -> None:
        """Serialize concurrent writers deciding about the same URLs / contents."""

    # --- transactions -------------------------------------------------------------
    def _init_core(self) -> None:
        self._mutex = threading.RLock()  # one connection, possibly several threads
        self._depth = 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside are committed together or not at all (nestable)."""
        with self._mutex, self._guard():
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._begin()
            self._depth = 1
            try:
                yield
            except BaseException:
                self._depth = 0
                self._rollback()
                raise
            self._depth = 0
            try:
                self._commit()
            except BaseException:
                self._rollback()
                raise

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn backend errors into StoreError with a clear message."""
        try:
            yield
        except StoreError:
            raise
        except UnicodeError as error:
            # Text no database can hold (a lone surrogate from a page, say): a store
            # error of this one write, with the offending value's place in the message.
            raise StoreError(f"text that is not valid Unicode: {error}") from error
        except Exception as error:
            mapped = self._store_error(error)
            if mapped is None:
                raise
            raise mapped from error

    def _write(self, work: Callable[[], T], identities: Sequence[str] = ()) -> T:
        attempts = 5
        for attempt in range(1, attempts + 1):
            try:
                with self.transaction():
                    if identities:
                        self._lock_identities(identities)
                    return work()
            except StoreError as error:
                cause = error.__cause__
                if attempt == attempts or not isinstance(cause, Exception):
                    raise
                if not self._is_retryable(cause):
                    raise
                logger.info("write conflict (%s), retrying (attempt %d)", cause, attempt)
        raise AssertionError("unreachable")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._mutex, self._guard():
            return self._query(sql, params)

    # --- articles -----------------------------------------------------------------
    def upsert_article(self, article: Article, seen_at: str) -> UpsertResult:
        return self.upsert_many([article], seen_at)[0]

    def upsert_many(self, articles: Iterable[Article], seen_at: str) -> list[UpsertResult]:
        prepared = [prepare(article) for article in articles]
        if not prepared:
            return []
        changed_utc = _filter_key("seen_at", seen_at)
        # "near-dup" serializes the dedup decision across concurrent writers: two workers
        # storing two near-copies at the same moment would otherwise both see no original.
        # Only batch writes wait on it; fetching and extraction stay parallel.
        identities = sorted(
            {url for item in prepared for url in item.urls}
            | {"hash:" + item.content_hash for item in prepared}
            | {"near-dup"}
        )

        def work() -> list[UpsertResult]:
            results = []
            for item in prepared:
                result = self._upsert_one(item, seen_at, changed_utc)
                self._adopt_pending(result.article_id, item.urls)
                results.append(result)
            return results

        results = self._write(work, identities)
        self._after_upsert(prepared, results)
        return results

    def upsert_each(
        self, articles: Sequence[Article], seen_at: str
    ) -> list[UpsertResult | Exception]:
        """A batch in one transaction; when that fails, each article in its own.

        The batch transaction is the fast path. Any exception in it (a trigger refusing
        one article, text the database cannot hold, a bug in one article's preparation)
        rolls all of it back; each article is then stored alone, and only those that fail
        again come back as their error. A store that refuses everything (disk full, gone)
        fails every article: the caller tells that apart when it cannot even record the
        failures.
        """
        if not articles:
            return []
        try:
            return list(self.upsert_many(articles, seen_at))
        except Exception as error:  # contained: each article is redone below
            if len(articles) == 1:
                self._keep_variants(articles[0])
                return [error]
            logger.warning(
                "A batch of %d articles was refused (%s); storing them one by one",
                len(articles),
                one_line(error),
            )
        outcomes: list[UpsertResult | Exception] = []
        for article in articles:
            try:
                outcomes.append(self.upsert_many([article], seen_at)[0])
            except Exception as error:  # returned to the caller, per article
                outcomes.append(error)
                self._keep_variants(article)
        return outcomes

    def _keep_variants(self, article: Article) -> None:
        """The URL variants a refused article came with wait for its next try."""
        pairs = [(variant, article.url) for variant in article.url_variants]
        try:
            self.add_url_variants(pairs)
        except Exception as error:  # the store is failing anyway: the caller will know
            logger.debug("Could not keep the variants of %s: %s", article.url, error)

    def stored_rows(self, article_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        wanted = sorted(set(article_ids))
        rows: dict[int, dict[str, Any]] = {}
        columns = ", ".join(f"a.{name}" for name in ARTICLE_COLUMNS)
        for chunk in _chunks(wanted):
            found = self._read(
                f"SELECT {columns}, o.url FROM articles a"
                " LEFT JOIN articles o ON o.id = a.duplicate_of"
                f" WHERE a.id IN ({_marks(len(chunk))})",
                chunk,
            )
            for row in found:
                record = dict(zip(ARTICLE_COLUMNS, row[:-1], strict=True))
                record["tags"] = json.loads(record["tags"])
                record["duplicate_of_url"] = row[-1]
                rows[int(record["id"])] = record
        return rows

    def _after_upsert(self, prepared: list[PreparedArticle], results: list[UpsertResult]) -> None:
        """Hook run after the batch committed (see the PostgreSQL backend)."""

    def _upsert_one(
        self, item: PreparedArticle, seen_at: str, changed_utc: str | None
    ) -> UpsertResult:
        known_urls = self._url_owners(item.urls)
        for url in item.urls:
            if url in known_urls:
                return self._refresh_known(item, known_urls[url], known_urls, seen_at, changed_utc)
        exact_id = self._exact_match(item)
        if exact_id is not None:
            self._record_urls(exact_id, item.urls)
            self._execute(
                "UPDATE articles SET last_seen_at = ? WHERE id = ?",
                (seen_at, exact_id),
            )
            self._clear_failures(item.urls)
            return UpsertResult("alias", exact_id)
        duplicate_of = self._near_duplicate_of(item)
        earlier = duplicate_of is not None and self._published_before(item, duplicate_of)
        article_id = self._insert_article(
            item, seen_at, changed_utc, None if earlier else duplicate_of
        )
        if earlier:
            # Crawl order is not publication order (retries, concurrency, many workers):
            # the stored "original" is the later republication, so this one takes its place
            # and the whole group points here. Still a 'duplicate' result (with no
            # duplicate_of): a run counts one per near-copy pair, whichever came first.
            self._execute(
                "UPDATE articles SET duplicate_of = ? WHERE id = ? OR duplicate_of = ?",
                (article_id, duplicate_of, duplicate_of),
            )
        self._record_urls(article_id, item.urls)
        self._insert_keys(article_id, item.keys)
        self._replace_links(article_id, item.links, fresh=True)
        self._clear_failures(item.urls)
        if earlier:
            return UpsertResult("duplicate", article_id)
        if duplicate_of is not None:
            return UpsertResult("duplicate", article_id, duplicate_of)
        return UpsertResult("new", article_id)

    def _published_before(self, item: PreparedArticle, original_id: int) -> bool:
        """Whether ``item`` was published before the stored original ``original_id``."""
        if not item.published_utc:
            return False
        rows = self._query("SELECT published_utc FROM articles WHERE id = ?", (original_id,))
        stored = rows[0][0] if rows else None
        return bool(stored) and str(item.published_utc) < str(stored)

    def _url_owners(self, urls: Sequence[str]) -> dict[str, int]:
        owners: dict[str, int] = {}
        for chunk in _chunks(urls):
            sql = f"SELECT url, article_id FROM article_urls WHERE url IN ({_marks(len(chunk))})"
            owners.update((url, article_id) for url, article_id in self._query(sql, chunk))
        return owners

    def _refresh_known(
        self,
        item: PreparedArticle,
        article_id: int,
        known_urls: dict[str, int],
        seen_at: str,
        changed_utc: str | None,
    ) -> UpsertResult:
        rows = self._query("SELECT content_hash, title FROM articles WHERE id = ?", (article_id,))
        stored_hash, stored_title = rows[0]
        article = item.article
        if stored_hash == item.content_hash and stored_title == item.title:
            status: UpsertStatus = "unchanged"
            self._execute(
                "UPDATE articles SET last_seen_at = ?, etag = COALESCE(?, etag),"
                " last_modified = COALESCE(?, last_modified),"
                " fetched_url = COALESCE(?, fetched_url) WHERE id = ?",
                (
                    seen_at,
                    _clean_opt(article.etag),
                    _clean_opt(article.last_modified),
                    clean_text(article.fetched_url) or None,
                    article_id,
                ),
            )
        else:
            status = "updated"
            self._save_revision(article_id, seen_at)
            self._update_article(article_id, item, seen_at, changed_utc)
            self._execute("DELETE FROM dedup_keys WHERE article_id = ?", (article_id,))
            self._insert_keys(article_id, item.keys)
        self._record_urls(article_id, [url for url in item.urls if url not in known_urls])
        self._replace_links(article_id, item.links, fresh=False)
        self._clear_failures(item.urls)
        return UpsertResult(status, article_id)

    def _save_revision(self, article_id: int, seen_at: str) -> None:
        # The previous version, as last seen; superseded_at says when it was replaced.
        self._execute(
            "INSERT INTO revisions (article_id, seen_at, superseded_at, content_hash,"
            " title, body, modified_at)"
            " SELECT id, last_seen_at, ?, content_hash, title, body, modified_at"
            " FROM articles WHERE id = ?",
            (seen_at, article_id),
        )

    def _exact_match(self, item: PreparedArticle) -> int | None:
        rows = self._query(
            "SELECT id, title FROM articles WHERE content_hash = ? ORDER BY id LIMIT 1",
            (item.content_hash,),
        )
        if not rows:
            return None
        article_id, title = rows[0]
        # An empty or one-line body (photo and video posts) is shared by unrelated
        # posts: only call it the same article when the title matches too.
        if item.word_count < dedup.MIN_WORDS and title != item.title:
            return None
        return int(article_id)

    def _near_duplicate_of(self, item: PreparedArticle) -> int | None:
        if not item.keys:
            return None
        parts = [
            f"SELECT article_id FROM (SELECT article_id FROM dedup_keys WHERE key = ?"
            f" ORDER BY article_id DESC LIMIT {KEY_FANOUT}) AS k{index}"
            for index in range(len(item.keys))
        ]
        shared: dict[int, int] = {}
        for (article_id,) in self._query(" UNION ALL ".join(parts), item.keys):
            shared[article_id] = shared.get(article_id, 0) + 1
        needed = dedup.min_shared_keys(len(item.keys))
        ranked = sorted(
            (article_id for article_id, count in shared.items() if count >= needed),
            key=lambda article_id: (-shared[article_id], article_id),
        )[:MAX_CANDIDATES]
        if not ranked:
            return None
        rows = self._query(
            f"SELECT id, body, duplicate_of FROM articles WHERE id IN ({_marks(len(ranked))})",
            ranked,
        )
        by_id = {row[0]: row for row in rows}
        for candidate_id in ranked:
            _, body, duplicate_of = by_id[candidate_id]
            if dedup.is_near_duplicate(item.tokens, dedup.words(body)):
                # Point at the original, not at another copy: no chains.
                return int(duplicate_of if duplicate_of is not None else candidate_id)
        return None

    def _insert_article(
        self,
        item: PreparedArticle,
        seen_at: str,
        changed_utc: str | None,
        duplicate_of: int | None,
    ) -> int:
        article = item.article
        rows = self._query(
            "INSERT INTO articles (url, title, body, summary, author, section, tags,"
            " published_at, modified_at, image_url, word_count, content_hash, simhash,"
            " duplicate_of, wp_post_id, etag, last_modified, fetched_url, first_seen_at,"
            " last_seen_at, changed_at, published_utc, changed_utc)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (url) DO NOTHING RETURNING id",
            (
                item.urls[0],
                item.title,
                item.body,
                _clean_opt(article.summary),
                _clean_opt(article.author),
                _clean_opt(article.section),
                item.tags_json,
                _clean_opt(article.published_at),
                _clean_opt(article.modified_at),
                _clean_opt(article.image_url),
                item.word_count,
                item.content_hash,
                item.simhash,
                duplicate_of,
                article.wp_post_id,
                _clean_opt(article.etag),
                _clean_opt(article.last_modified),
                clean_text(article.fetched_url) or None,
                seen_at,
                seen_at,
                seen_at,
                item.published_utc,
                changed_utc,
            ),
        )
        if not rows:
            # The canonical URL is always in article_urls, so the lookup should have
            # found it; reaching here means the two tables disagree.
            raise StoreError(f"article {item.urls[0]} exists but its URL is not recorded")
        return int(rows[0][0])

    def _update_article(
        self, article_id: int, item: PreparedArticle, seen_at: str, changed_utc: str | None
    ) -> None:
        article = item.article
        # Metadata the new page lacks keeps its stored value: one failed extraction
        # must not erase a date or an author found before.
        self._execute(
            "UPDATE articles SET title = ?, body = ?, summary = COALESCE(?, summary),"
            " author = COALESCE(?, author), section = COALESCE(?, section),"
            " tags = CASE WHEN ? = '[]' THEN tags ELSE ? END,"
            " published_at = COALESCE(?, published_at), modified_at = COALESCE(?, modified_at),"
            " image_url = COALESCE(?, image_url), word_count = ?, content_hash = ?,"
            " simhash = ?, wp_post_id = COALESCE(?, wp_post_id), etag = ?, last_modified = ?,"
            " fetched_url = COALESCE(?, fetched_url), last_seen_at = ?, changed_at = ?,"
            " published_utc = COALESCE(?, published_utc), changed_utc = ?"
            " WHERE id = ?",
            (
                item.title,
                item.body,
                _clean_opt(article.summary),
                _clean_opt(article.author),
                _clean_opt(article.section),
                item.tags_json,
                item.tags_json,
                _clean_opt(article.published_at),
                _clean_opt(article.modified_at),
                _clean_opt(article.image_url),
                item.word_count,
                item.content_hash,
                item.simhash,
                article.wp_post_id,
                _clean_opt(article.etag),
                _clean_opt(article.last_modified),
                clean_text(article.fetched_url) or None,
                seen_at,
                seen_at,
                item.published_utc,
                changed_utc,
                article_id,
            ),
        )

    def _record_urls(self, article_id: int, urls: Sequence[str]) -> None:
        """Record URLs of an article and resolve earlier links that pointed at them.

        A URL already owned by another article keeps its owner (first seen wins).
        """
        if not urls:
            return
        self._executemany(
            "INSERT INTO article_urls (url, article_id) VALUES (?, ?) ON CONFLICT (url) DO NOTHING",
            [(url, article_id) for url in urls],
        )
        for chunk in _chunks(urls):
            self._execute(
                f"UPDATE links SET dst_id = ? WHERE dst_url IN ({_marks(len(chunk))})"
                " AND dst_id IS NULL AND src_id <> ?",
                (article_id, *chunk, article_id),
            )

    def _adopt_pending(self, article_id: int, urls: Sequence[str]) -> None:
        """Record the variants met for this article before it was stored."""
        for chunk in _chunks(urls):
            marks = _marks(len(chunk))
            rows = self._query(f"SELECT url FROM pending_urls WHERE canonical IN ({marks})", chunk)
            if rows:
                self._record_urls(article_id, [url for (url,) in rows])
                self._execute(f"DELETE FROM pending_urls WHERE canonical IN ({marks})", chunk)

    def _insert_keys(self, article_id: int, keys: Sequence[int]) -> None:
        if keys:
            self._executemany(
                "INSERT INTO dedup_keys (key, article_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [(key, article_id) for key in keys],
            )

    def _replace_links(
        self, article_id: int, links: Sequence[tuple[str, str, str]], fresh: bool
    ) -> None:
        if not fresh:
            self._execute("DELETE FROM links WHERE src_id = ?", (article_id,))
        if not links:
            return
        targets = self._url_owners(sorted({dst_url for dst_url, _, _ in links}))
        rows = []
        for dst_url, kind, anchor_text in links:
            dst_id = targets.get(dst_url)
            if dst_id == article_id:
                continue  # a URL recorded as this article's own: a self-link
            rows.append((article_id, dst_url, dst_id, kind, anchor_text))
        self._executemany(
            "INSERT INTO links (src_id, dst_url, dst_id, kind, anchor_text) VALUES (?, ?, ?, ?, ?)",
            rows,
        )

    def _clear_failures(self, urls: Sequence[str]) -> None:
        for chunk in _chunks(urls):
            self._execute(f"DELETE FROM failures WHERE url IN ({_marks(len(chunk))})", chunk)

    # --- reads ----------------------------------------------------------------------
    def article_state(self, url: str) -> ArticleState | None:
        return self.article_states([url]).get(url)

    def article_states(self, urls: Iterable[str]) -> dict[str, ArticleState]:
        wanted = sorted({clean_text(url) for url in urls})
        states: dict[str, ArticleState] = {}
        for chunk in _chunks(wanted):
            rows = self._read(
                f"SELECT au.url, {_STATE_COLUMNS} FROM article_urls au"
                " JOIN articles a ON a.id = au.article_id"
                f" WHERE au.url IN ({_marks(len(chunk))})",
                chunk,
            )
            for looked_up, *state in rows:
                states[looked_up] = ArticleState(*state)
        return states

    def touch(self, url: str, seen_at: str) -> None:
        def work() -> None:
            self._execute(
                "UPDATE articles SET last_seen_at = ?"
                " WHERE id = (SELECT article_id FROM article_urls WHERE url = ?)",
                (seen_at, clean_text(url)),
            )

        self._write(work)

    def add_url_variants(self, variants: Sequence[tuple[str, str]]) -> int:
        """Record (variant, canonical URL) pairs; returns how many were recorded now.

        A pair whose article is not stored yet waits in ``pending_urls`` and is recorded
        when the article is (this run or a later one): a variant met on another page is
        never lost because its article failed or the run stopped before it.
        """
        if not variants:
            return 0

        def work() -> int:
            recorded = 0
            waiting = []
            for variant, url in variants:
                rows = self._query(
                    "SELECT article_id FROM article_urls WHERE url = ?", (clean_text(url),)
                )
                if rows:
                    self._record_urls(int(rows[0][0]), [clean_text(variant)])
                    recorded += 1
                else:
                    waiting.append((clean_text(variant), clean_text(url)))
            if waiting:
                self._executemany(
                    "INSERT INTO pending_urls (url, canonical) VALUES (?, ?)"
                    " ON CONFLICT (url) DO NOTHING",
                    waiting,
                )
            return recorded

        return self._write(work)

    def count_articles(self, include_duplicates: bool = True) -> int:
        where = "" if include_duplicates else " WHERE duplicate_of IS NULL"
        return int(self._read("SELECT COUNT(*) FROM articles" + where)[0][0])

    def iter_articles(
        self,
        since: str | None = None,
        changed_since: str | None = None,
        include_duplicates: bool = True,
    ) -> Iterator[dict[str, Any]]:
        conditions = ["id > ?"]
        params: list[Any] = []
        if since is not None:
            conditions.append("published_utc >= ?")
            params.append(_filter_key("since", since))
        if changed_since is not None:
            conditions.append("changed_utc >= ?")
            params.append(_filter_key("changed_since", changed_since))
        if not include_duplicates:
            conditions.append("duplicate_of IS NULL")
        sql = (
            f"SELECT {', '.join(ARTICLE_COLUMNS)} FROM articles"
            f" WHERE {' AND '.join(conditions)} ORDER BY id LIMIT {PAGE}"
        )
        for row in self._pages(sql, params):
            record = dict(zip(ARTICLE_COLUMNS, row, strict=True))
            record["tags"] = json.loads(record["tags"])
            yield record

    def iter_links(
        self,
        kinds: Iterable[str] | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Links ordered by id; since is inclusive, until exclusive."""
        conditions = ["l.id > ?"]
        params: list[Any] = []
        join = ""
        if kinds is not None:
            kind_list = sorted(set(kinds))
            if not kind_list:
                return
            conditions.append(f"l.kind IN ({_marks(len(kind_list))})")
            params.extend(kind_list)
        if since is not None or until is not None:
            join = " JOIN articles a ON a.id = l.src_id"
        if since is not None:
            conditions.append("a.published_utc >= ?")
            params.append(_filter_key("since", since))
        if until is not None:
            conditions.append("a.published_utc < ?")
            params.append(_filter_key("until", until))
        columns = ", ".join("l." + name for name in LINK_COLUMNS)
        sql = (
            f"SELECT l.id, {columns} FROM links l{join}"
            f" WHERE {' AND '.join(conditions)} ORDER BY l.id LIMIT {PAGE}"
        )
        for row in self._pages(sql, params):
            yield dict(zip(LINK_COLUMNS, row[1:], strict=True))

    def _pages(self, sql: str, params: list[Any]) -> Iterator[tuple[Any, ...]]:
        """Keyset pagination on the first column: no cursor stays open between pages,
        so a slow consumer never blocks writers or checkpoints."""
        last_id = 0
        while True:
            rows = self._read(sql, [last_id, *params])
            yield from rows
            if len(rows) < PAGE:
                return
            last_id = rows[-1][0]

    def search(self, text: str, limit: int = 20) -> list[int]:
        """Article ids matching all words of ``text`` (full-text index), best first."""
        raise NotImplementedError

    # --- failures -------------------------------------------------------------------
    def record_failure(
        self,
        url: str,
        reason: str,
        seen_at: str,
        kind: str = "article",
        error: str | None = None,
    ) -> None:
        def work() -> None:
            self._execute(
                "INSERT INTO failures (url, kind, reason, error, attempts, first_seen_at,"
                " last_seen_at) VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (url) DO UPDATE SET"
                " kind = excluded.kind, reason = excluded.reason, error = excluded.error,"
                " attempts = failures.attempts + 1, last_seen_at = excluded.last_seen_at",
                (
                    safe_text(url),
                    kind,
                    safe_text(reason),
                    None if error is None else safe_text(one_line(error)),
                    seen_at,
                    seen_at,
                ),
            )

        self._write(work)

    def clear_failure(self, url: str) -> None:
        self._write(lambda: self._clear_failures([clean_text(url)]))

    def failed_urls(self, limit: int = 10_000) -> list[str]:
        """Least recently tried first, so every failure gets its turn."""
        rows = self._read(
            "SELECT url FROM failures ORDER BY last_seen_at, url LIMIT ?", (int(limit),)
        )
        return [url for (url,) in rows]

    def failures(self, limit: int = 10_000) -> list[FailureRecord]:
        rows = self._read(
            f"SELECT {_FAILURE_COLUMNS} FROM failures ORDER BY last_seen_at, url LIMIT ?",
            (int(limit),),
        )
        return [FailureRecord(*row) for row in rows]

    def unstored_since(self, since: str) -> list[FailureRecord]:
        rows = self._read(
            f"SELECT {_FAILURE_COLUMNS} FROM failures WHERE kind = 'article'"
            f" AND last_seen_at >= ? AND reason NOT IN ({_marks(len(PERMANENT_REASONS))})"
            " AND url NOT IN (SELECT url FROM article_urls) ORDER BY last_seen_at, url",
            (since, *PERMANENT_REASONS),
        )
        return [FailureRecord(*row) for row in rows]

    # --- run history ----------------------------------------------------------------
    def start_run(self, site: str, mode: str, started_at: str) -> int:
        def work() -> int:
            rows = self._query(
                "INSERT INTO crawl_runs (started_at, site, mode) VALUES (?, ?, ?) RETURNING id",
                (started_at, clean_text(site), clean_text(mode)),
            )
            return int(rows[0][0])

        return self._write(work)

    def finish_run(
        self, run_id: int, finished_at: str, finish_reason: str, stats: dict[str, Any]
    ) -> None:
        # default=str: Scrapy stats hold datetimes; sort_keys: stable, diffable JSON.
        stats_json = clean_text(json.dumps(stats, default=str, sort_keys=True))

        def work() -> None:
            self._execute(
                "UPDATE crawl_runs SET finished_at = ?, finish_reason = ?, stats = ? WHERE id = ?",
                (finished_at, clean_text(finish_reason), stats_json, run_id),
            )

        self._write(work)

    def last_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        columns = ("id", "started_at", "finished_at", "site", "mode", "finish_reason", "stats")
        rows = self._read(
            f"SELECT {', '.join(columns)} FROM crawl_runs ORDER BY id DESC LIMIT ?", (int(limit),)
        )
        runs = []
        for row in rows:
            run = dict(zip(columns, row, strict=True))
            run["stats"] = json.loads(run["stats"]) if run["stats"] else {}
            runs.append(run)
        return runs

    # --- key/value state ----------------------------------------------------------------
    def get_state(self, key: str) -> str | None:
        rows = self._read("SELECT value FROM state WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_state(self, key: str, value: str) -> None:
        def work() -> None:
            self._execute(
                "INSERT INTO state (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (clean_text(key), clean_text(value)),
            )

        self._write(work)
