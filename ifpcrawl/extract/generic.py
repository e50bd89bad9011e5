"""The generic extractor: trafilatura, for pages no site or WordPress rule understood.

Slow (it cleans and scores a copy of the tree), so it runs at most once per page
and only when an earlier chain came up empty. It works on the tree the page was
already parsed into; a deep copy is handed over because trafilatura prunes the
tree it is given, and other extractors may still read the original.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from typing import Any

from ifpcrawl.extract.selectors import Element

logger = logging.getLogger(__name__)


@dataclass
class GenericResult:
    title: str | None = None
    author: str | None = None
    date: str | None = None  # as trafilatura/htmldate gives it (a date, or date and time)
    paragraphs: list[str] = field(default_factory=list)
    description: str | None = None


def run_trafilatura(tree: Element, url: str) -> GenericResult:
    import trafilatura

    try:
        document: Any = trafilatura.bare_extraction(
            copy.deepcopy(tree),
            url=url,
            favor_precision=True,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            date_extraction_params={"extensive_search": True, "original_date": True},
        )
    except Exception:  # trafilatura raises a wide range of errors on hostile markup
        logger.warning("trafilatura failed on %s", url, exc_info=True)
        return GenericResult()
    if document is None:
        return GenericResult()
    text = getattr(document, "text", None) or ""
    return GenericResult(
        title=getattr(document, "title", None),
        author=getattr(document, "author", None),
        date=getattr(document, "date", None),
        paragraphs=[line for line in text.split("\n") if line.strip()],
        description=getattr(document, "description", None),
    )
