"""Whole-store comparison for tests: what a crawl stored, in a form free of ids and ports.

An interrupted, resumed, faulty or multi-worker crawl must end with exactly the store one
clean crawl of the same site gives. :func:`dump_store` reads a SQLite or PostgreSQL store
into a :class:`StoreDump`; :func:`store_differences` lists what is missing AND what is extra
in each table (first ``limit`` differences per table); :func:`assert_same_store` fails with
that list.

Only what a clean crawl determines is compared: every article column but the ids, the
times of fetching (first/last seen, changed_at), HTTP validators and the simhash (derived
from the body, which is compared); ``duplicate_of`` as the URL of the original; each URL
variant with the URL of the article it names; every link with its resolved target's URL.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# Columns a clean crawl determines, in the order reported. duplicate_of is read as the
# original's URL (ids differ between stores).
ARTICLE_COLUMNS = (
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
    "wp_post_id",
    "duplicate_of",
)
_ARTICLES_SQL = (
    "SELECT a.url, a.title, a.body, a.summary, a.author, a.section, a.tags, a.published_at,"
    " a.modified_at, a.image_url, a.word_count, a.content_hash, a.wp_post_id, o.url"
    " FROM articles a LEFT JOIN articles o ON o.id = a.duplicate_of"
)
_VARIANTS_SQL = "SELECT u.url, a.url FROM article_urls u JOIN articles a ON a.id = u.article_id"
_LINKS_SQL = (
    "SELECT s.url, l.dst_url, d.url, l.kind, l.anchor_text FROM links l"
    " JOIN articles s ON s.id = l.src_id LEFT JOIN articles d ON d.id = l.dst_id"
)
# Columns holding URLs: the site's own host:port is replaced by SITE in them.
_URL_COLUMNS = frozenset({"url", "image_url", "duplicate_of"})
SITE = "{site}"

Article = dict[str, Any]
# (src url, dst_url, resolved dst article url or None, kind, anchor_text)
Link = tuple[str, str, str | None, str, str]


@dataclass(frozen=True)
class StoreDump:
    articles: dict[str, Article]  # canonical url -> column -> value
    article_rows: int  # rows in articles (more than len(articles) if a URL is stored twice)
    article_urls: dict[str, str]  # variant url -> url of the article it names
    links: frozenset[Link]

    @property
    def urls(self) -> set[str]:
        return set(self.articles)

    def __repr__(self) -> str:
        # Short: pytest prints the arguments of a failing assert_same_store().
        return (
            f"StoreDump({len(self.articles)} articles, {len(self.article_urls)} url variants,"
            f" {len(self.links)} links)"
        )


class _Relativizer:
    """Write the site's host:port as SITE in its URLs (the scheme is kept: an http and an
    https spelling of one page stay two variants).

    Two replicas of the same content on different ports then compare equal; off-site URLs
    are left as they are.
    """

    def __init__(self, base: str | None) -> None:
        self.host = urlsplit(base).netloc if base else ""

    def __call__(self, value: str | None) -> str | None:
        if value is None or not self.host:
            return value
        for scheme in ("http://", "https://"):
            origin = scheme + self.host
            if value == origin or value.startswith(origin + "/"):
                return scheme + SITE + value[len(origin) :]
        return value


def site_relative(url: str, base: str) -> str:
    """``url`` as a dump spells it (the site's host:port written as SITE)."""
    return str(_Relativizer(base)(url))


def _tags(value: Any) -> tuple[str, ...]:
    parsed = json.loads(value) if isinstance(value, str) else value
    return tuple(parsed or ())


def _build(
    articles: Iterable[Sequence[Any]],
    variants: Iterable[Sequence[Any]],
    links: Iterable[Sequence[Any]],
    base: str | None,
) -> StoreDump:
    rel = _Relativizer(base)
    rows = 0
    by_url: dict[str, Article] = {}
    for values in articles:
        rows += 1
        article = dict(zip(ARTICLE_COLUMNS, values, strict=True))
        for name in _URL_COLUMNS:
            article[name] = rel(article[name])
        article["tags"] = _tags(article["tags"])
        by_url[str(article["url"])] = article
    return StoreDump(
        articles=by_url,
        article_rows=rows,
        article_urls={str(rel(v)): str(rel(a)) for v, a in variants},
        links=frozenset(
            (str(rel(s)), str(rel(d)), rel(r), str(k), str(t or "")) for s, d, r, k, t in links
        ),
    )


def dump_store(target: str | Path, base: str | None = None) -> StoreDump:
    """Read a store (a SQLite path or ``sqlite:///...``, or ``postgresql://...``).

    ``base`` is the crawled site's base URL: its host:port is written as SITE in every URL, so
    crawls of two replica processes (different ports) can be compared.
    """
    target = str(target)
    if target.startswith(("postgresql://", "postgres://")):
        import psycopg

        with psycopg.connect(target) as conn:
            return _build(
                conn.execute(_ARTICLES_SQL).fetchall(),
                conn.execute(_VARIANTS_SQL).fetchall(),
                conn.execute(_LINKS_SQL).fetchall(),
                base,
            )
    path = target.removeprefix("sqlite:///") if target.startswith("sqlite:///") else target
    # Read-only: comparing must never create or change a store.
    con = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    try:
        return _build(
            con.execute(_ARTICLES_SQL).fetchall(),
            con.execute(_VARIANTS_SQL).fetchall(),
            con.execute(_LINKS_SQL).fetchall(),
            base,
        )
    finally:
        con.close()


def _short(value: Any, width: int = 100) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 5] + "...'" + f" ({len(text)} chars)"


def _section(title: str, lines: list[str], limit: int) -> list[str]:
    if not lines:
        return []
    shown = [f"  {line}" for line in lines[:limit]]
    more = [f"  ... and {len(lines) - limit} more"] if len(lines) > limit else []
    return [f"{title} ({len(lines)}):", *shown, *more]


def _set_section(name: str, expected: set[Any], got: set[Any], limit: int) -> list[str]:
    missing = sorted(expected - got, key=repr)
    extra = sorted(got - expected, key=repr)
    return _section(f"{name} missing", [_short(x, 300) for x in missing], limit) + _section(
        f"{name} extra", [_short(x, 300) for x in extra], limit
    )


TABLES = ("articles", "article_urls", "links")


def store_differences(
    expected: StoreDump, got: StoreDump, limit: int = 10, tables: Sequence[str] = TABLES
) -> list[str]:
    """Every difference between two dumps in ``tables``, both directions, ``limit`` shown
    per kind."""
    unknown = set(tables) - set(TABLES)
    assert not unknown, f"no such table in a dump: {sorted(unknown)}"
    out: list[str] = []
    if "articles" in tables:
        if got.article_rows != len(got.articles):
            out.append(f"articles: {got.article_rows} rows for {len(got.articles)} distinct URLs")
        out += _set_section("articles", expected.urls, got.urls, limit)
        changed = []
        for url in sorted(expected.urls & got.urls):
            want, have = expected.articles[url], got.articles[url]
            for name in ARTICLE_COLUMNS:
                if want[name] != have[name]:
                    changed.append(
                        f"{url} {name}: expected {_short(want[name])}, got {_short(have[name])}"
                    )
        out += _section("article fields differing", changed, limit)
    if "article_urls" in tables:
        out += _set_section(
            "article_urls",
            set(expected.article_urls.items()),
            set(got.article_urls.items()),
            limit,
        )
    if "links" in tables:
        out += _set_section("links", set(expected.links), set(got.links), limit)
    return out


def assert_same_store(
    got: StoreDump, expected: StoreDump, limit: int = 10, tables: Sequence[str] = TABLES
) -> None:
    """Fail with a readable diff (missing, extra, differing) unless the stores are equal."""
    differences = store_differences(expected, got, limit, tables)
    assert not differences, "store differs from a clean crawl's:\n" + "\n".join(differences)


def assert_no_extra_variants(got: StoreDump, expected: StoreDump, limit: int = 10) -> None:
    """Every URL variant stored names the article a clean crawl says it names (none extra,
    none pointing elsewhere); for runs known to lose some variants (see LOST_VARIANTS)."""
    extra = set(got.article_urls.items()) - set(expected.article_urls.items())
    lines = _section("article_urls extra", [_short(x, 300) for x in sorted(extra)], limit)
    assert not lines, "store differs from a clean crawl's:\n" + "\n".join(lines)


# The product bug that makes killed runs lose URL variants.
LOST_VARIANTS = (
    "The spellings an article's links use are stored in that article's transaction"
    " (Article.link_variants); those met on listings, feeds and sitemaps wait in the spider's"
    " memory (IfpSpider.variant_pairs, pending_variants) before store.add_url_variants writes"
    " them: a SIGKILLed worker loses those, unless a later walk meets them again"
)
