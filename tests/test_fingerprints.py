"""FingerprintSet (8 bytes a key) and the dupefilter built on it."""

from __future__ import annotations

import random
import tracemalloc
from pathlib import Path

from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter
from scrapy.settings import Settings

from ifpcrawl.addons import RedisFrontierAddon
from ifpcrawl.fingerprints import MIN_RECENT, CompactDupeFilter, FingerprintSet


def test_behaves_like_a_set_across_merges() -> None:
    rng = random.Random(7)
    keys = [f"https://ifpnews.com/article-{rng.randrange(40_000)}/" for _ in range(30_000)]
    compact, reference = FingerprintSet(), set()
    for key in keys:
        assert compact.add(key) is (key not in reference)
        reference.add(key)
        assert key in compact
    assert len(compact) == len(reference) > 10 * MIN_RECENT  # many merges happened
    assert all(key in compact for key in reference)
    absent = [f"https://ifpnews.com/article-{n}/" for n in range(40_000, 45_000)]
    assert not any(key in compact for key in absent)


def test_str_and_bytes_keys_and_foreign_types() -> None:
    seen = FingerprintSet(["a", b"\x00\x01"])
    assert "a" in seen and b"\x00\x01" in seen
    assert "b" not in seen and 1 not in seen and None not in seen
    assert seen and not FingerprintSet()
    assert repr(seen) == "<FingerprintSet of 2>"


def test_holds_about_eight_bytes_a_key() -> None:
    keys = [f"https://ifpnews.com/{n}/some-article-slug-of-usual-length/" for n in range(20_000)]
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        seen = FingerprintSet(keys)
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    held = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert len(seen) == 20_000
    # A set of those strings would hold ~8 MB beyond them; the array 8 bytes each plus a
    # set of at most an eighth of them as recent ints.
    assert held < 20_000 * 24, held


def _request(n: int) -> Request:
    return Request(f"https://ifpnews.com/{n}/")


def test_dupefilter_filters_and_resumes_from_jobdir(tmp_path: Path) -> None:
    first = CompactDupeFilter(str(tmp_path))
    assert [first.request_seen(_request(n)) for n in (1, 2, 1)] == [False, False, True]
    first.close("finished")
    resumed = CompactDupeFilter(str(tmp_path))
    assert resumed.request_seen(_request(1)) and resumed.request_seen(_request(2))
    assert not resumed.request_seen(_request(3))
    resumed.close("finished")
    # The JOBDIR file stays Scrapy's own: its dupefilter reads what ours wrote.
    scrapy_filter = RFPDupeFilter(str(tmp_path))
    assert all(scrapy_filter.request_seen(_request(n)) for n in (1, 2, 3))
    assert not scrapy_filter.request_seen(_request(4))
    scrapy_filter.close("finished")


def test_dupefilter_without_jobdir_keeps_no_file() -> None:
    dupefilter = CompactDupeFilter()
    assert dupefilter.file is None
    assert not dupefilter.request_seen(_request(1))
    assert dupefilter.request_seen(_request(1))


def test_project_dupefilter_setting_wins_over_the_addon() -> None:
    settings = Settings()
    settings.set("DUPEFILTER_CLASS", "scrapy.dupefilters.RFPDupeFilter", priority="project")
    RedisFrontierAddon().update_settings(settings)
    assert settings.get("DUPEFILTER_CLASS") == "scrapy.dupefilters.RFPDupeFilter"
