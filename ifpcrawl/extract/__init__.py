"""Extraction: a fetched page parsed once, every article field through a fallback chain.

Scrapy-free: the spider hands over the HTML, the URL and the HTTP Date.

>>> page = Page.from_html(html, url, response_date)   # doctest: +SKIP
>>> result = extract_article(page)                     # doctest: +SKIP
"""

from __future__ import annotations

from ifpcrawl.extract.article import REQUIRED_FIELDS, Extraction, extract_article
from ifpcrawl.extract.page import Page, PageKind

__all__ = ["REQUIRED_FIELDS", "Extraction", "Page", "PageKind", "extract_article"]
