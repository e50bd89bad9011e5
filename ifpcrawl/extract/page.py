"""A fetched page, parsed once: lxml tree, JSON-LD, meta tags, WordPress classes.

Every field extractor reads from a :class:`Page`; nothing parses the HTML again.
:meth:`Page.kind` says what the page is (article, listing, ...), decided from all of
its evidence by :func:`ifpcrawl.extract.kind.decide_kind` (its table is documented there);
this module finds the error and password-protection markers.
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from ifpcrawl.dates import SITE_TZ
from ifpcrawl.extract.jsonld import JsonLd, parse_scripts
from ifpcrawl.extract.kind import PageEvidence, PageKind, decide_kind
from ifpcrawl.extract.selectors import Element, attr, first, is_inside, node_text, xpath

logger = logging.getLogger(__name__)

__all__ = ["Page", "PageKind", "parse_html"]


# Every element becomes an lxml.html.HtmlElement (text_content(), and what trafilatura
# accepts) through a C-level class lookup: lxml.html's own parser picks the class in a
# Python callback per element, which alone cost ~1 ms per 100 KB page. No id index
# (collect_ids): nothing here calls XPath id() or getElementById, and it costs ~5% a parse.
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=False, collect_ids=False)
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment)
)

_JSONLD_TYPE = re.compile(r"ld\+json", re.IGNORECASE)
_POST_DIV = xpath("descendant::div[starts-with(@id, 'post-') and contains(@class, 'type-')][1]")
_WP_DIE_MESSAGE = xpath("descendant::div[contains(@class, 'wp-die-message')]")

_ERROR_PHRASES = (
    "error establishing a database connection",
    "there has been a critical error on this website",
    "briefly unavailable for scheduled maintenance",
)
_EMPTY_BODY_CHARS = 20
_SHORT_PAGE_CHARS = 3000  # WordPress error screens are shorter; long pages may quote them
_TEXT_LENGTH_CAP = _SHORT_PAGE_CHARS + 1
_BIG_BODY_SOURCE = 30_000  # characters of <body> source: a real page, not an error screen


@dataclass(eq=False)
class Page:
    """One HTML page, parsed once."""

    url: str
    response_date: datetime | None
    tree: Element
    base_url: str
    html: str = ""
    """The source, kept (not copied) for cheap substring pre-checks of selectors."""
    meta: dict[str, list[str]] = field(default_factory=dict)
    """``meta`` contents by lowercased ``property``/``name`` (``og:title``, ``author``, ...)."""
    itemprop_meta: dict[str, list[str]] = field(default_factory=dict)
    """``<meta itemprop=...>`` contents (tagDiv hides its microdata in these)."""
    jsonld: JsonLd = field(default_factory=JsonLd)
    body_classes: frozenset[str] = frozenset()
    post_classes: frozenset[str] = frozenset()
    post_element: Element | None = None
    canonical_link: str | None = None
    amphtml_link: str | None = None
    shortlink: str | None = None
    rest_link: str | None = None
    is_amp: bool = False
    tz: str = SITE_TZ
    """The site's zone, for times the page writes without an offset."""

    @classmethod
    def from_html(
        cls,
        html: str,
        url: str,
        response_date: datetime | None = None,
        utf8: bytes | None = None,
        tz: str = SITE_TZ,
    ) -> Page:
        """Parse ``html``; ``utf8`` is the same document as UTF-8 bytes, when the caller
        has them (a UTF-8 response body), so the parser does not re-encode the text;
        ``tz`` is the site's zone."""
        tree = parse_html(html, utf8)
        base_url = url
        for base in tree.iter("base"):
            if base.get("href"):
                with contextlib.suppress(ValueError):  # a broken <base href> is ignored
                    base_url = urljoin(url, base.get("href").strip())
                break
        page = cls(
            url=url, response_date=response_date, tree=tree, base_url=base_url, html=html, tz=tz
        )
        page._read_head()
        body = page.body
        if body is not None:
            page.body_classes = frozenset((body.get("class") or "").split())
        post = _find_post_element(tree)
        if post is not None:
            page.post_element = post
            page.post_classes = frozenset((post.get("class") or "").split())
        root_attrs = tree.attrib
        page.is_amp = "amp" in root_attrs or "⚡" in root_attrs or _loads_amp_runtime(tree)
        return page

    @property
    def body(self) -> Element | None:
        return self.tree.find("body")

    def _read_head(self) -> None:
        # One C-filtered walk for the three tags (iter(tags) beats XPath for these).
        # <link>s count only in <head> (the body's are stylesheets and the like).
        head = self.tree.find("head")
        scripts: list[str] = []
        for node in self.tree.iter("meta", "link", "script"):
            tag = node.tag
            if tag == "meta":
                self._read_meta(node)
            elif tag == "link":
                if head is None or is_inside(node, head):
                    self._read_link(node)
            elif _JSONLD_TYPE.search(node.get("type") or ""):
                scripts.append(node.text or "")
        if scripts:
            self.jsonld = parse_scripts(scripts)

    def _read_meta(self, node: Element) -> None:
        content = node.get("content")
        if content is None:
            return
        key = node.get("property") or node.get("name")
        if key:
            self.meta.setdefault(key.strip().lower(), []).append(content)
        prop = node.get("itemprop")
        if prop:
            # tagDiv writes itemprop="headline " (trailing space): compare by token
            for token in prop.split():
                self.itemprop_meta.setdefault(token, []).append(content)

    def _read_link(self, node: Element) -> None:
        href = attr(node, "href")
        if not href:
            return
        rel = (node.get("rel") or "").lower().split()
        if "canonical" in rel and self.canonical_link is None:
            self.canonical_link = self.absolute(href)
        elif "amphtml" in rel and self.amphtml_link is None:
            self.amphtml_link = self.absolute(href)
        elif "shortlink" in rel and self.shortlink is None:
            self.shortlink = self.absolute(href)
        elif "alternate" in rel and "/wp-json/wp/v2/" in href and self.rest_link is None:
            self.rest_link = self.absolute(href)

    # --- helpers for extractors ----------------------------------------------
    def absolute(self, href: str) -> str:
        """An href made absolute against ``<base href>`` or the page URL (no canonicalization)."""
        try:
            return urljoin(self.base_url, href.strip())
        except ValueError:  # e.g. "http://[::1/x": untrusted page content
            return ""

    def meta_first(self, *keys: str) -> str | None:
        for key in keys:
            for value in self.meta.get(key, ()):
                if value.strip():
                    return value.strip()
        return None

    def meta_all(self, key: str) -> list[str]:
        return [value.strip() for value in self.meta.get(key, ()) if value.strip()]

    def site_name(self) -> str | None:
        """The site's name as the page states it (og:site_name, JSON-LD WebSite, header)."""
        return self._site_name

    @cached_property
    def _site_name(self) -> str | None:
        name = self.meta_first("og:site_name", "application-name") or self.jsonld.site_name()
        if name:
            return name
        header = first(_SITE_TITLE, self.tree)
        return node_text(header) or None

    @cached_property
    def body_text_length(self) -> int:
        """Non-space characters of text in <body>, counted up to a cap (cheap on big pages).

        Only thresholds far below the cap use it (empty page, short error screen), so the
        count stops early instead of walking the whole text of a 100 KB page.
        """
        body = self.body
        if body is None:
            return 0
        start = self.html.find("<body")
        if start >= 0 and len(self.html) - start > _BIG_BODY_SOURCE:
            return _TEXT_LENGTH_CAP  # that much markup is never an error screen or blank page
        count = 0
        for text in body.itertext():
            count += len(text) - text.count(" ") - text.count("\n") - text.count("\t")
            if count >= _TEXT_LENGTH_CAP:
                break
        return count

    @cached_property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    # --- page kind -------------------------------------------------------------
    def kind(self) -> PageKind:
        return self._kind

    @cached_property
    def _kind(self) -> PageKind:
        return _classify(self)


_SITE_TITLE = xpath(
    "(descendant::*[self::p or self::div or self::h1 or self::span][contains(@class, 'site-title')"
    " or @id='site-title' or contains(@class, 'td-logo-text')])[1]"
)


def parse_html(html: str, utf8: bytes | None = None) -> Element:
    """The lxml tree of a page (``utf8``: the same text as UTF-8 bytes, if at hand)."""
    # Bytes + an explicit encoding: lxml refuses str input carrying an XML encoding
    # declaration, and a <meta charset> must not re-decode text that is already str.
    data = utf8 if utf8 is not None else html.encode("utf-8", errors="replace")
    root = None
    if data and not data.isspace():
        try:
            root = etree.fromstring(data, _PARSER)
        except (etree.ParserError, etree.XMLSyntaxError, ValueError):
            logger.debug("unparsable HTML (%d bytes)", len(data))
    if root is None:
        root = etree.fromstring(b"<html><head></head><body></body></html>", _PARSER)
    return root


def _classify(page: Page) -> PageKind:
    evidence = PageEvidence(page, error=_is_error(page), protected=_is_protected(page))
    return decide_kind(evidence)


def _find_post_element(tree: Element) -> Element | None:
    """The ``post_class()`` element of a singular page: ``article#post-N`` (or a div)."""
    for node in tree.iter("article"):
        if (node.get("id") or "").startswith("post-"):
            return node
    return first(_POST_DIV, tree)


def _loads_amp_runtime(tree: Element) -> bool:
    head = tree.find("head")
    if head is None:
        return False
    return any("cdn.ampproject.org/v0" in (s.get("src") or "") for s in head.iter("script"))


def _is_error(page: Page) -> bool:
    if "error404" in page.body_classes:
        return True
    body = page.body
    if body is not None and body.get("id") == "error-page":  # wp_die()
        return True
    length = page.body_text_length
    if length < _EMPTY_BODY_CHARS:
        return True
    if length < _SHORT_PAGE_CHARS:
        if first(_WP_DIE_MESSAGE, page.tree) is not None:
            return True
        text = node_text(body).lower()
        return any(phrase in text for phrase in _ERROR_PHRASES)
    return False


def _is_protected(page: Page) -> bool:
    if "post-password-required" in page.body_classes | page.post_classes:
        return True
    for form in page.tree.iter("form"):
        if "postpass" in (form.get("action") or "") or "post-password-form" in (
            form.get("class") or ""
        ):
            return True
    return False
