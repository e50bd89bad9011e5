"""The items that travel from the spider through the pipelines into the store.

Plain dataclasses (itemadapter understands them), so the core stays Scrapy-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

LinkKind = Literal["body", "related", "recent"]
LINK_KINDS: tuple[LinkKind, ...] = ("body", "related", "recent")


@dataclass
class Link:
    """One outgoing link of an article page."""

    url: str  # canonical absolute URL of the target (on-site or off-site)
    kind: LinkKind
    anchor_text: str = ""


#: Article fields the store pipeline sets once the article is stored (not extraction's).
STORE_FIELDS = ("id", "duplicate_of", "first_seen_at", "last_seen_at", "store_status")


@dataclass
class Article:
    """One article as extracted from one fetched page.

    Field names match the ``articles`` table of DESIGN.md; the extra fields
    (``fetched_url``, ``url_variants``, ``links``, ...) are consumed by the
    pipelines and the store and are not columns of ``articles`` themselves.
    """

    url: str  # canonical URL (identity of the article)
    title: str
    body: str  # normalized plain text, paragraphs separated by one blank line
    summary: str | None = None
    author: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    published_at: str | None = None  # ISO 8601 with UTC offset
    modified_at: str | None = None  # ISO 8601 with UTC offset
    image_url: str | None = None
    word_count: int = 0
    content_hash: str = ""  # sha256 hex of the normalized body (set by the normalize pipeline)
    # --- not columns of `articles` ---
    fetched_url: str = ""  # the URL the page was actually fetched from (after redirects)
    url_variants: list[str] = field(default_factory=list)  # every URL met for this article
    links: list[Link] = field(default_factory=list)
    wp_post_id: int | None = None
    fetched_at: str = ""  # ISO 8601 UTC time of the response
    etag: str | None = None
    last_modified: str | None = None  # HTTP Last-Modified header, verbatim
    sources: dict[str, str] = field(default_factory=dict)  # field -> which extractor gave it
    # --- set by the store pipeline once the article is stored (feeds show the store's row) ---
    id: int | None = None
    duplicate_of: str | None = None  # the original's canonical URL, for a near-copy
    first_seen_at: str | None = None
    last_seen_at: str | None = None
    store_status: str | None = None  # new | updated | unchanged | duplicate | alias | refused


@dataclass
class UrlVariants:
    """URL variants met for articles fetched earlier (or known from earlier runs).

    Variants met before the article is fetched travel in ``Article.url_variants``; these
    are the ones met after, recorded by the store pipeline in ``article_urls``.
    """

    pairs: list[tuple[str, str]] = field(default_factory=list)  # (variant, canonical URL)
