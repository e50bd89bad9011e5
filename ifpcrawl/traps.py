"""How far to page a listing (or the REST API): as far as its pages keep giving new items.

Pure bookkeeping, no Scrapy. A site's own claims (``X-WP-TotalPages``, "Page 1 of N",
a pagination link to page 5,000,000) are trusted only a window at a time: page N of a walk
schedules pages up to N + ``window`` and no further, so the frontier of one walk never
holds more than ``window`` pages whatever the site says. A walk stops, for good, at:

- ``no_new_items``: a page after the first whose items were all met already on earlier
  pages of the same kind (endless pagination repeating the last page, a listing that
  ignores ``/page/N/``);
- ``max_pages``: the page bound, ``max(min_bound, 2 x evidence / items per page)`` where
  evidence is the number of articles known from sources other than listings (the store at
  the start of the run, sitemap entries, REST posts). ifpnews sections run past 1,600
  pages of 10: with its sitemaps read the bound is twice that, and ``min_bound`` (1,000
  pages by default) holds for a site that offers no sitemap and no REST API.

Each stop is reported once per walk; the spider counts ``ifp/trap/<reason>``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from ifpcrawl.fingerprints import FingerprintSet


@dataclass
class Walk:
    """The paging of one listing root."""

    highest: int = 1  # highest page number scheduled so far
    per_page: int = 1  # most items one of its pages held
    stopped: str | None = None


@dataclass(frozen=True)
class Step:
    """What reading one page of a walk calls for: pages to schedule, or why it stopped."""

    pages: tuple[int, ...] = ()
    stop: str | None = None  # set only on the page that stopped the walk


class Walks:
    """Every walk of one kind (listings, or the REST API) in one run."""

    def __init__(self, window: int, min_bound: int) -> None:
        if window < 1 or min_bound < 1:
            raise ValueError("the listing window and page bound must be 1 or more")
        self.window = window
        self.min_bound = min_bound
        self.walks: dict[str, Walk] = {}
        self.seen = FingerprintSet()  # items met on pages of this kind, 8 bytes each
        self.evidence = 0

    def note_evidence(self, articles: int) -> None:
        """Articles known to exist from elsewhere (store, sitemaps, REST): raises the bound."""
        self.evidence = max(self.evidence, articles)

    def bound(self, walk: Walk) -> int:
        return max(self.min_bound, math.ceil(2 * self.evidence / max(1, walk.per_page)))

    def stopped(self, root: str) -> bool:
        walk = self.walks.get(root)
        return walk is not None and walk.stopped is not None

    def page_read(self, root: str, number: int, items: Iterable[str], last: int | None) -> Step:
        """Page ``number`` of the walk ``root`` held ``items``; ``last`` is the last page the
        site claims or links to (None: this page shows no further page)."""
        walk = self.walks.setdefault(root, Walk())
        walk.highest = max(walk.highest, number)
        urls = list(dict.fromkeys(items))
        fresh = [url for url in urls if self.seen.add(url)]
        if walk.stopped is not None:
            return Step()
        # Page 1 may repeat another walk's page 1 (the home page and a section that holds
        # every post): only a later page with nothing new says this walk is going nowhere.
        if not fresh and number > 1:
            walk.stopped = "no_new_items"
            return Step(stop=walk.stopped)
        walk.per_page = max(walk.per_page, len(urls))
        if last is None or last <= number:
            return Step()
        bound = self.bound(walk)
        if number >= bound:
            walk.stopped = "max_pages"
            return Step(stop=walk.stopped)
        target = min(last, number + self.window, bound)
        pages = tuple(range(walk.highest + 1, target + 1))
        walk.highest = max(walk.highest, target)
        return Step(pages=pages)

    def at_bound(self, root: str, number: int, items: int) -> bool:
        """Whether page ``number`` of a walk paged one page at a time (incremental runs,
        which stop at known articles) is at its page bound: True once, then stopped."""
        walk = self.walks.setdefault(root, Walk())
        walk.per_page = max(walk.per_page, items)
        if walk.stopped is None and number >= self.bound(walk):
            walk.stopped = "max_pages"
            return True
        return False
