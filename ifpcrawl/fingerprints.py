"""Compact in-process sets of seen keys: 8 bytes a URL instead of a whole string.

A crawl remembers every URL it scheduled, parsed or met as a variant, and Scrapy's dupefilter
every request fingerprint. Held as Python sets of strings (or 20-byte digests) that state
costs 100-200 bytes per entry and grows with the archive: about 1 KB an article over the
four sets, 20 MB at 20,000 articles. :class:`FingerprintSet` keeps only a 64-bit hash of
each key, in a sorted ``array('q')`` plus a small set of recent additions that is merged
into the array when it grows past an eighth of it (so merges cost O(1) amortized per key,
and a lookup is a set probe plus a C bisect).

Written by hand because nothing in the standard library or in our dependencies is a compact
exact set of integers (a Bloom filter would be smaller, but its false positives would skip
articles). Hashes come from :func:`hash`, which is randomized per process: a
``FingerprintSet`` never leaves its process (the dupefilter's JOBDIR file keeps the full
digests). Two different keys share a 64-bit hash with odds of about n^2 / 2^65, one in
30 million for a million keys.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from typing import Any

from scrapy.dupefilters import RFPDupeFilter

Key = str | bytes

# Recent keys are merged into the sorted array once they are this many, or an eighth of it.
MIN_RECENT = 1024


class FingerprintSet:
    """A set of str/bytes keys that stores a 64-bit hash of each (add, ``in``, ``len``)."""

    __slots__ = ("_recent", "_sorted")

    def __init__(self, keys: Iterable[Key] = ()) -> None:
        self._sorted = array("q")
        self._recent: set[int] = set()
        for key in keys:
            self.add(key)

    def _has(self, fingerprint: int) -> bool:
        if fingerprint in self._recent:
            return True
        merged = self._sorted
        i = bisect_left(merged, fingerprint)
        return i < len(merged) and merged[i] == fingerprint

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str | bytes) and self._has(hash(key))

    def add(self, key: Key) -> bool:
        """Add ``key``; True if it was not in the set yet."""
        fingerprint = hash(key)
        if self._has(fingerprint):
            return False
        self._recent.add(fingerprint)
        if len(self._recent) >= max(MIN_RECENT, len(self._sorted) >> 3):
            self._merge()
        return True

    def _merge(self) -> None:
        # heapq.merge streams: no list of Python ints the size of the whole set.
        self._sorted = array("q", heapq.merge(self._sorted, sorted(self._recent)))
        self._recent = set()

    def __len__(self) -> int:
        return len(self._sorted) + len(self._recent)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __repr__(self) -> str:
        return f"<FingerprintSet of {len(self)}>"


class CompactDupeFilter(RFPDupeFilter):
    """Scrapy's request dupefilter, holding each request fingerprint in 8 bytes.

    Same fingerprints (the crawler's ``REQUEST_FINGERPRINTER_CLASS``), same JOBDIR file
    (``requests.seen``, full 20-byte digests, written and read back by Scrapy's own code):
    only the in-memory set is replaced, under Scrapy's ``request_seen``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not isinstance(getattr(self, "_fingerprints", None), set):
            raise TypeError("scrapy.dupefilters.RFPDupeFilter no longer keeps _fingerprints")
        # Scrapy read a resumed job's file into its own set: fold it in, then let it go.
        self._fingerprints = FingerprintSet(self._fingerprints)  # type: ignore[assignment]
