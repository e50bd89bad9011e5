"""Fields a page does not show, from WordPress's own record of the post (its REST item).

Twenty Twenty-One prints no byline, date or terms for a custom post type, and some
themes print no date at all; the page still links its REST item
(``<link rel="alternate" type="application/json" href="/wp-json/wp/v2/<type>/<id>">``),
where WordPress states the post's times (local wall time and the same instant in UTC,
so the site's offset at that moment is their difference) and, embedded, its author.
Only what the page left empty is filled; the page's own values always win.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from ifpcrawl.dates import to_iso
from ifpcrawl.items import Article
from ifpcrawl.text import normalize_text

_MAX_OFFSET = timedelta(hours=14)
_OFFSET_STEP = timedelta(minutes=15)  # every zone's offset is a multiple of it
_MIN_YEAR = 1990


def wordpress_time(local: Any, gmt: Any) -> str | None:
    """A post time from REST's pair (``date`` and ``date_gmt``), with the site's offset.

    >>> wordpress_time("2024-05-11T11:21:31", "2024-05-11T09:21:31")
    '2024-05-11T11:21:31+02:00'
    """
    if not isinstance(local, str) or not isinstance(gmt, str):
        return None
    try:
        wall, utc = datetime.fromisoformat(local), datetime.fromisoformat(gmt)
    except ValueError:
        return None
    if wall.tzinfo is not None or utc.tzinfo is not None or wall.year < _MIN_YEAR:
        return None
    offset = wall - utc
    if abs(offset) > _MAX_OFFSET or offset % _OFFSET_STEP:
        return None  # not one instant written twice: a broken or tampered record
    return to_iso(wall.replace(tzinfo=timezone(offset)))


def rest_author(record: dict[str, Any]) -> str | None:
    """The display name of the post's author, when the record embeds it (``_embed=author``)."""
    embedded = record.get("_embedded")
    authors = embedded.get("author") if isinstance(embedded, dict) else None
    first = authors[0] if isinstance(authors, list) and authors else None
    name = first.get("name") if isinstance(first, dict) else None  # an error has no name
    if not isinstance(name, str):
        return None
    text = normalize_text(name)
    return text if text and len(text) <= 120 else None


def rest_terms(record: dict[str, Any], taxonomy: str) -> list[str]:
    """Names of the post's terms of one taxonomy, when embedded (``_embed=wp:term``)."""
    embedded = record.get("_embedded")
    groups = embedded.get("wp:term") if isinstance(embedded, dict) else None
    names: list[str] = []
    for group in groups if isinstance(groups, list) else []:
        for term in group if isinstance(group, list) else []:
            if isinstance(term, dict) and term.get("taxonomy") == taxonomy:
                name = term.get("name")
                if isinstance(name, str) and normalize_text(name):
                    names.append(normalize_text(name))
    return names


# Sources a REST value may replace: nothing, or a term slug read from post_class().
_WEAK_SOURCES = (None, "post_class")


def fill_from_rest(article: Article, record: Any) -> list[str]:
    """Fill what the page left empty (author, published_at, modified_at) or gave only as
    slugs (section, tags from post_class) from a REST item.

    Returns the names of the fields filled (their source becomes ``rest``).
    """
    if not isinstance(record, dict):
        return []
    categories = rest_terms(record, "category")
    found: dict[str, Any] = {
        "author": rest_author(record),
        "published_at": wordpress_time(record.get("date"), record.get("date_gmt")),
        "modified_at": wordpress_time(record.get("modified"), record.get("modified_gmt")),
    }
    filled = []
    for name, value in found.items():
        if value and not getattr(article, name):
            setattr(article, name, value)
            article.sources[name] = "rest"
            filled.append(name)
    terms: dict[str, Any] = {
        "section": categories[0] if categories else None,
        "tags": rest_terms(record, "post_tag"),
    }
    for name, value in terms.items():
        if value and article.sources.get(name) in _WEAK_SOURCES and getattr(article, name) != value:
            setattr(article, name, value)
            article.sources[name] = "rest"
            filled.append(name)
    return filled
