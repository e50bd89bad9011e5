"""An article's identity, decided once: its canonical URL, the spellings it was reached by,
and where its links point. Plain functions of URLs and the :class:`~ifpcrawl.urls.Site`,
table-tested in tests/test_identity.py; the spider applies them, the store takes the
answer as given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ifpcrawl.discovery import Found
from ifpcrawl.items import Link
from ifpcrawl.urls import Site, canonicalize, classify_url, is_on_site, join_url


@dataclass(frozen=True)
class PageAddress:
    """Where an article page came from, as the response tells it."""

    url: str  # the URL that answered
    request_url: str = ""  # the URL asked for (before redirects: ``redirect_urls`` holds them)
    raw_url: str = ""  # the spelling in the link that led here (``ifp_raw``)
    redirect_urls: tuple[str, ...] = ()
    canonical_link: str | None = None  # the page's rel=canonical
    amphtml_link: str | None = None  # the page's rel=amphtml
    amp_fallback: bool = False  # this is the AMP copy of a page whose desktop read failed


@dataclass(frozen=True)
class Identity:
    """The canonical URL, the fetched URL folded, every on-site spelling met (canonical
    first-seen order, the canonical itself left out by :meth:`variants`), and why a
    rel=canonical was refused (None: taken or absent)."""

    url: str
    fetched: str
    spellings: tuple[str, ...]
    refused_canonical: str | None = None

    def variants(self, pending: Iterable[str] = ()) -> list[str]:
        """Every spelling but the canonical URL, then ``pending`` ones (met in links before
        this page was read) not already among them."""
        spellings = list(self.spellings)
        for raw in pending:
            if raw not in spellings:
                spellings.append(raw)
        return [v for v in spellings if v != self.url]


def canonical_hint(page: PageAddress, site: Site) -> tuple[str | None, str | None]:
    """The page's rel=canonical as a canonical article URL, or (None, why it is refused:
    ``offsite`` | ``not_article``); (None, None) when the page names none."""
    if not page.canonical_link:
        return None, None
    joined = join_url(page.url, page.canonical_link)
    hinted = canonicalize(joined, site) if joined else None
    if hinted is None or not is_on_site(hinted, site):
        return None, "offsite"
    if classify_url(hinted, site) != "article":
        return None, "not_article"
    return hinted, None


def article_identity(page: PageAddress, site: Site) -> Identity:
    """Canonical URL and spellings of an article page.

    The canonical URL is the page's rel=canonical when it names an on-site article URL,
    else the fetched URL canonicalized; an AMP fallback page keeps the desktop URL it
    stands in for. Spellings: the link's, each redirect hop, the request's, the response's
    and the AMP copy's, each also canonicalized, on-site ones only, first-seen order.
    """
    fetched = canonicalize(page.url, site) or page.url
    hinted, refused = canonical_hint(page, site)
    canonical = hinted or fetched
    if page.amp_fallback and canonical == fetched:
        canonical = canonicalize(page.raw_url, site) or canonical
    amp = (join_url(page.url, page.amphtml_link) or "") if page.amphtml_link else ""
    candidates = [page.raw_url, *page.redirect_urls, page.request_url, page.url, amp]
    spellings: list[str] = []
    for raw in candidates:
        if raw and is_on_site(raw, site) and raw not in spellings:
            spellings.append(raw)
    for raw in list(spellings):
        folded = canonicalize(raw, site)
        if folded and folded not in spellings:
            spellings.append(folded)
    return Identity(canonical, fetched, tuple(spellings), refused)


def resolve_links(links: Iterable[Link], site: Site) -> tuple[list[Link], list[Found], int]:
    """Every outgoing link with its target canonicalized (on-site targets by the site's
    rules); returns the kept links, the on-site ones as :class:`Found` with their spelling
    on the page, and how many were dropped as unparseable."""
    kept: list[Link] = []
    on_site_found: list[Found] = []
    dropped = 0
    for link in links:
        on_site = is_on_site(link.url, site)
        target = canonicalize(link.url, site if on_site else None)
        if target is None:
            dropped += 1
            continue
        if on_site:
            on_site_found.append(Found(url=target, raw_url=link.url))
        link.url = target
        kept.append(link)
    return kept, on_site_found, dropped


def redirect_spelling(from_url: str, to_url: str, site: Site) -> Found | None:
    """A redirect between on-site URLs ending at an article: the old URL is a spelling of
    that article (a renamed slug's 301); None otherwise."""
    target = canonicalize(to_url, site)
    if target is None or not is_on_site(from_url, site):
        return None
    if classify_url(target, site) != "article":
        return None
    return Found(url=target, raw_url=from_url)


def spelling_of(found: Found, site: Site) -> str | None:
    """The on-site spelling ``found`` was written with, when it differs from its canonical
    URL (fragment dropped); None when there is no other spelling to record."""
    raw = found.raw_url.split("#", 1)[0]
    if raw == found.url or not is_on_site(raw, site):
        return None
    return raw
