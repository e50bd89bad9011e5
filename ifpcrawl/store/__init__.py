"""Where articles go: ``open_store(IFP_STORE)`` picks the backend from the target.

* a path, ``sqlite:///relative.db``, ``sqlite:////abs/path.db`` or
  ``sqlite:///:memory:`` -> :class:`~ifpcrawl.store.sqlite.SQLiteStore` (default);
* ``postgresql://...`` or ``postgres://...`` ->
  :class:`~ifpcrawl.store.postgres.PostgresStore`.

Opening creates the schema and runs forward migrations.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ifpcrawl.extras import require
from ifpcrawl.store.base import (
    ArticleState,
    Store,
    StoreError,
    StoreLocked,
    UpsertResult,
    UpsertStatus,
)

__all__ = [
    "ArticleState",
    "Store",
    "StoreError",
    "StoreLocked",
    "UpsertResult",
    "UpsertStatus",
    "open_store",
]

_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def open_store(target: str) -> Store:
    """Open (and create or upgrade) the store named by ``target``."""
    target = target.strip()
    if not target:
        raise StoreError("no store given: set IFP_STORE to a path or a postgresql:// URL")
    match = _SCHEME_RE.match(target)
    scheme = match.group(1).lower() if match else ""
    if scheme in ("postgresql", "postgres"):
        # Imported here: SQLite users need no PostgreSQL driver (the `postgres` extra).
        require("postgres", f"the store {_without_credentials(target)}")
        from ifpcrawl.store.postgres import PostgresStore

        return PostgresStore(target)
    if scheme in ("", "sqlite"):
        from ifpcrawl.store.sqlite import SQLiteStore, parse_sqlite_target

        return SQLiteStore(parse_sqlite_target(target))
    raise StoreError(
        f"unsupported store {target!r}: use a file path, sqlite:///path or postgresql://..."
    )


def _without_credentials(url: str) -> str:
    """``scheme://host[:port]/path`` of a server URL: no user, password or query in messages."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"
