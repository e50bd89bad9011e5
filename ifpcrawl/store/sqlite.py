"""SQLite backend: one file, WAL, FTS5; the default store.

Concurrency model: one crawl writes (the run lock says so), readers (exports,
reports) may read at the same time thanks to WAL. Writes use ``BEGIN IMMEDIATE``
so a second writer waits up to ``busy_timeout`` instead of failing mid-transaction.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import sqlite3
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from ifpcrawl import dedup
from ifpcrawl.store._sql import SCHEMA_V4, SqlStore, utc_key
from ifpcrawl.store.base import StoreError, StoreLocked

logger = logging.getLogger(__name__)

MEMORY = ":memory:"
DEFAULT_BUSY_TIMEOUT = 30.0  # seconds: a reader's checkpoint or an export may hold the lock

Migration = Callable[[sqlite3.Connection], None]

_WORD_RE = re.compile(r"\w+")

# Version 1: the tables of DESIGN.md.
_SCHEMA_V1 = """
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    summary TEXT,
    author TEXT,
    section TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    published_at TEXT,
    modified_at TEXT,
    image_url TEXT,
    word_count INTEGER NOT NULL DEFAULT 0,
    content_hash TEXT NOT NULL,
    duplicate_of INTEGER REFERENCES articles (id) ON DELETE SET NULL,
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX articles_content_hash ON articles (content_hash);
CREATE INDEX articles_duplicate_of ON articles (duplicate_of);
CREATE TABLE article_urls (
    url TEXT PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX article_urls_article_id ON article_urls (article_id);
CREATE TABLE links (
    id INTEGER PRIMARY KEY,
    src_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    dst_url TEXT NOT NULL,
    dst_id INTEGER REFERENCES articles (id) ON DELETE SET NULL,
    kind TEXT NOT NULL CHECK (kind IN ('body', 'related', 'recent')),
    anchor_text TEXT NOT NULL DEFAULT '',
    UNIQUE (src_id, dst_url, kind)
);
CREATE INDEX links_dst_url ON links (dst_url);
-- Partial: the resolving UPDATE (dst_url IN (...) AND dst_id IS NULL) must use
-- links_dst_url, never scan the NULLs of this index.
CREATE INDEX links_dst_id ON links (dst_id) WHERE dst_id IS NOT NULL;
CREATE TABLE revisions (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    seen_at TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    modified_at TEXT
);
CREATE INDEX revisions_article_id ON revisions (article_id);
CREATE TABLE crawl_runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    site TEXT NOT NULL,
    mode TEXT NOT NULL,
    finish_reason TEXT,
    stats TEXT
);
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    title, body, content = 'articles', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, body)
    VALUES ('delete', old.id, old.title, old.body);
END;
-- Only a change of the indexed text touches the index (not last_seen_at moves).
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, body)
    VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO articles_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
"""

# Version 2: what the crawler needs beyond DESIGN.md (incremental runs, dedup, filters).
_SCHEMA_V2 = """
ALTER TABLE articles ADD COLUMN simhash TEXT;
ALTER TABLE articles ADD COLUMN wp_post_id INTEGER;
ALTER TABLE articles ADD COLUMN etag TEXT;
ALTER TABLE articles ADD COLUMN last_modified TEXT;
ALTER TABLE articles ADD COLUMN fetched_url TEXT;
ALTER TABLE articles ADD COLUMN changed_at TEXT;
ALTER TABLE articles ADD COLUMN published_utc TEXT;
ALTER TABLE articles ADD COLUMN changed_utc TEXT;
CREATE INDEX articles_published_utc ON articles (published_utc);
CREATE INDEX articles_changed_utc ON articles (changed_utc);
ALTER TABLE revisions ADD COLUMN superseded_at TEXT;
CREATE TABLE dedup_keys (
    key INTEGER NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (key, article_id)
) WITHOUT ROWID;
CREATE INDEX dedup_keys_article_id ON dedup_keys (article_id);
CREATE TABLE failures (
    url TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1,
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX failures_last_seen_at ON failures (last_seen_at);
CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""


def _script(sql: str) -> Migration:
    def step(conn: sqlite3.Connection) -> None:
        # executescript() would COMMIT first; run statement by statement instead so
        # the step stays inside the migration transaction.
        for statement in _split_statements(sql):
            conn.execute(statement)

    return step


def _split_statements(sql: str) -> list[str]:
    """Split a DDL script on ';' outside trigger bodies (BEGIN ... END)."""
    statements: list[str] = []
    current = ""
    for line in sql.splitlines():
        if line.strip().startswith("--") or not line.strip():
            continue
        current += line + "\n"
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        raise ValueError(f"incomplete SQL statement: {current!r}")
    return statements


def _backfill_v2(conn: sqlite3.Connection) -> None:
    """Give rows written by version 1 what version 2 reads: fingerprints, sort keys."""
    rows = conn.execute(
        "SELECT id, body, published_at, last_seen_at FROM articles ORDER BY id"
    ).fetchall()
    for article_id, body, published_at, last_seen_at in rows:
        tokens = dedup.words(body)
        conn.execute(
            "UPDATE articles SET simhash = ?, changed_at = last_seen_at, published_utc = ?,"
            " changed_utc = ? WHERE id = ?",
            (
                dedup.simhash_hex(dedup.simhash(body)),
                utc_key(published_at),
                utc_key(last_seen_at),
                article_id,
            ),
        )
        if len(tokens) >= dedup.MIN_WORDS:
            conn.executemany(
                "INSERT OR IGNORE INTO dedup_keys (key, article_id) VALUES (?, ?)",
                [(key, article_id) for key in dedup.sentence_keys(body)],
            )


# Forward-only, applied in order; PRAGMA user_version = number of steps applied.
MIGRATIONS: list[Migration] = [
    _script(_SCHEMA_V1),
    _script(_SCHEMA_V2),
    _backfill_v2,
    _script(SCHEMA_V4),
]
SCHEMA_VERSION = len(MIGRATIONS)

_MESSAGES: list[tuple[str, str]] = [
    ("database or disk is full", "the disk is full (or the database reached its size limit)"),
    ("database is locked", "the database is locked by another process (waited busy_timeout)"),
    ("file is not a database", "the file is not an SQLite database (corrupt or another file)"),
    ("database disk image is malformed", "the database file is corrupt"),
    ("unable to open database file", "cannot open the file (missing directory or no permission)"),
    ("readonly database", "the database is read-only (file or directory not writable)"),
    ("disk i/o error", "a disk I/O error occurred"),
]


def describe_sqlite_error(path: str, error: sqlite3.Error) -> StoreError:
    text = str(error)
    lowered = text.lower()
    for needle, meaning in _MESSAGES:
        if needle in lowered:
            return StoreError(f"SQLite store {path}: {meaning} ({text})")
    return StoreError(f"SQLite store {path}: {text}")


def parse_sqlite_target(target: str) -> str:
    """``sqlite:///relative.db``, ``sqlite:////abs/path.db``, ``sqlite:///:memory:`` or a path."""
    if target.startswith("sqlite:///"):
        return target[len("sqlite:///") :]
    if target.startswith("sqlite://"):
        raise StoreError(f"bad SQLite URL {target!r}: use sqlite:///relative or sqlite:////abs")
    return target


class SQLiteStore(SqlStore):
    """The SQLite store (see module docstring)."""

    def __init__(self, path: str, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self._init_core()
        self.path = path
        self._lock_file: IO[str] | None = None
        self._memory_lock_owner: str | None = None
        self._check_path(path)
        try:
            self.conn = sqlite3.connect(
                path,
                isolation_level=None,  # transactions are explicit (BEGIN IMMEDIATE)
                check_same_thread=False,  # the mutex serializes threads
                cached_statements=512,
            )
        except sqlite3.Error as error:
            raise describe_sqlite_error(path, error) from error
        try:
            self._configure(busy_timeout)
            self._migrate()
        except BaseException:
            self.conn.close()
            raise

    @staticmethod
    def _check_path(path: str) -> None:
        if path == MEMORY:
            return
        target = Path(path)
        if target.is_dir():
            raise StoreError(f"SQLite store {path}: is a directory, not a database file")
        parent = target.parent
        if not parent.is_dir():
            raise StoreError(f"SQLite store {path}: directory {parent} does not exist")
        if not target.exists() and not os.access(parent, os.W_OK):
            raise StoreError(f"SQLite store {path}: directory {parent} is not writable")

    def _configure(self, busy_timeout: float) -> None:
        with self._guard():
            self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            # Reading the schema here makes a non-database file fail now, clearly.
            self.conn.execute("PRAGMA user_version").fetchone()
            if self.path != MEMORY:
                mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    logger.warning("%s: WAL unavailable, journal mode is %s", self.path, mode)
            # NORMAL with WAL: a power cut may lose the last commits, never corrupt.
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA temp_store = MEMORY")
            # A fixed page cache (32 MiB): memory does not grow with the store.
            self.conn.execute("PRAGMA cache_size = -32768")

    def _migrate(self) -> None:
        with self.transaction():
            version = int(self.conn.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"SQLite store {self.path}: schema version {version} is newer than this"
                    f" ifpcrawl understands ({SCHEMA_VERSION}); upgrade ifpcrawl"
                )
            for number in range(version, SCHEMA_VERSION):
                logger.info("%s: migrating schema to version %d", self.path, number + 1)
                MIGRATIONS[number](self.conn)
                # user_version lives in the file header, written in this transaction.
                self.conn.execute(f"PRAGMA user_version = {number + 1}")

    # --- plumbing ------------------------------------------------------------------
    def _execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(sql, params)

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def _begin(self) -> None:
        # IMMEDIATE takes the write lock now: waiting happens here (busy_timeout),
        # not as a failure in the middle of the transaction.
        self.conn.execute("BEGIN IMMEDIATE")

    def _commit(self) -> None:
        self.conn.execute("COMMIT")

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def _store_error(self, error: Exception) -> StoreError | None:
        if isinstance(error, sqlite3.Error):
            return describe_sqlite_error(self.path, error)
        return None

    # --- full text --------------------------------------------------------------------
    def search(self, text: str, limit: int = 20) -> list[int]:
        # Each word quoted: user text never becomes FTS5 query syntax.
        terms = [f'"{word}"' for word in _WORD_RE.findall(text)]
        if not terms:
            return []
        rows = self._read(
            "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?",
            (" ".join(terms), int(limit)),
        )
        return [int(rowid) for (rowid,) in rows]

    # --- run lock ----------------------------------------------------------------------
    @property
    def lock_path(self) -> str:
        return self.path + ".lock"

    def acquire_run_lock(self, owner: str, wait: bool = False, timeout: float = 0.0) -> None:
        """An flock on ``<db>.lock``: the kernel drops it when the process dies, so a
        killed crawl never leaves a stale lock behind."""
        if self.path == MEMORY:
            # Nobody else can open an in-memory database: only this object can hold it.
            if self._memory_lock_owner is not None:
                raise StoreLocked(f"another crawl ({self._memory_lock_owner}) is using {MEMORY}")
            self._memory_lock_owner = owner
            return
        if self._lock_file is not None:
            raise StoreLocked(f"this store already holds the run lock of {self.path}")
        handle = self._open_lock_file()
        deadline = time.monotonic() + (timeout if wait else 0.0)
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = self._describe_holder(handle)
                    handle.close()
                    raise StoreLocked(f"another crawl ({holder}) is using {self.path}") from None
                time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
        started = datetime.now(UTC).isoformat(timespec="seconds")
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "started_at": started, "owner": owner}))
        handle.flush()
        self._lock_file = handle

    def _open_lock_file(self) -> IO[str]:
        try:
            # "a+" never truncates: the holder's details stay readable for others.
            return open(self.lock_path, "a+", encoding="utf-8")
        except OSError as error:
            raise StoreError(f"cannot create lock file {self.lock_path}: {error}") from error

    @staticmethod
    def _describe_holder(handle: IO[str]) -> str:
        handle.seek(0)
        try:
            holder = json.loads(handle.read() or "{}")
        except ValueError:
            holder = {}
        return f"pid {holder.get('pid', '?')}, started at {holder.get('started_at', '?')}"

    def release_run_lock(self, owner: str) -> None:
        if self.path == MEMORY:
            if self._memory_lock_owner == owner:
                self._memory_lock_owner = None
            return
        if self._lock_file is None:
            return
        # The file stays: deleting it would let two processes lock different inodes.
        fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)
        self._lock_file.close()
        self._lock_file = None

    # --- life cycle -----------------------------------------------------------------
    def close(self) -> None:
        if self._lock_file is not None:
            self.release_run_lock("")
        with self._mutex:
            # Only planner statistics: never fail a close over them.
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("PRAGMA optimize")
            self.conn.close()
