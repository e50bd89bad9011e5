"""Pages read in worker processes (IFP_EXTRACT_PROCESSES) give what inline reading gives.

Real worker processes throughout: the reader's pool, a real replica and real crawls.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ifpcrawl.reader import PageCrashedError, PageReader
from ifpcrawl.store import open_store
from ifpcrawl.urls import Site
from tests.local import run_crawl
from tests.replica.testing import ReplicaServer

GOLDEN = Path(__file__).parent / "golden"
SITE = Site.from_url("https://ifpnews.com/")
RESPONSE_DATE = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _golden_pages() -> list[Path]:
    return sorted(GOLDEN.glob("*.html"))


def test_worker_reads_every_golden_page_as_inline_does() -> None:
    pages = _golden_pages()
    assert len(pages) >= 10
    inline, pooled = PageReader(0), PageReader(1, inline_pages=0)

    async def read_all(reader: PageReader) -> list[Any]:
        out = []
        for index, path in enumerate(pages):
            html = path.read_text(encoding="utf-8")
            url = "https://ifpnews.com/" + path.stem + "/"
            # Half as text, half as UTF-8 bytes: the two ways the spider hands pages over.
            utf8 = html.encode("utf-8") if index % 2 else None
            # A fixed response date: relative dates ("2 hours ago") are read against it.
            out.append(await reader.article(html, utf8, url, RESPONSE_DATE, SITE))
        return out

    try:
        expected = asyncio.run(read_all(inline))
        got = asyncio.run(read_all(pooled))
    finally:
        pooled.close()
    assert got == expected
    assert any(page.extraction.article is not None for page in got)


def test_listing_read_in_a_worker_equals_inline(tmp_path: Path) -> None:
    with ReplicaServer("--articles", "30") as replica:
        import urllib.request

        with urllib.request.urlopen(replica.base_url) as response:
            body = response.read()
    site = Site.from_url(replica.base_url)
    inline, pooled = PageReader(0), PageReader(1, inline_pages=0)
    try:
        expected = asyncio.run(inline.listing(None, body, replica.base_url, site))
        got = asyncio.run(pooled.listing(None, body, replica.base_url, site))
    finally:
        pooled.close()
    assert got == expected
    assert expected.loop_articles


def die_unless_marked(marker: str) -> str:
    """Kill this worker process the first time (a crash in native code), then answer."""
    path = Path(marker)
    if not path.exists():
        path.write_text("died once")
        os._exit(3)
    return "read"


def always_die(marker: str) -> str:
    os._exit(3)


def test_a_dead_worker_is_replaced_and_the_page_read_again(tmp_path: Path) -> None:
    reader = PageReader(1, inline_pages=0)
    try:
        assert asyncio.run(reader._run("https://ifpnews.com/", int)) == 0  # workers start
        marker = str(tmp_path / "marker")
        result = asyncio.run(reader._run("https://ifpnews.com/a/", die_unless_marked, marker))
        assert result == "read"
        assert reader.restarts == 1
        # The new pool keeps working.
        assert asyncio.run(reader._run("https://ifpnews.com/b/", die_unless_marked, marker)) == (
            "read"
        )
    finally:
        reader.close()


def test_a_page_that_kills_workers_twice_is_a_clear_error(tmp_path: Path) -> None:
    reader = PageReader(1, inline_pages=0)
    try:
        assert asyncio.run(reader._run("https://ifpnews.com/", int)) == 0  # workers start
        with pytest.raises(PageCrashedError, match=r"https://ifpnews\.com/bad/"):
            asyncio.run(reader._run("https://ifpnews.com/bad/", always_die, "x"))
        assert reader.restarts == 2
    finally:
        reader.close()


def test_workers_that_cannot_start_turn_the_reader_inline() -> None:
    """No worker ever answered: reading goes on in this process, not page failures."""
    reader = PageReader(1, inline_pages=0)
    try:
        result = asyncio.run(reader._run("https://ifpnews.com/a/", dies_before_answering))
    finally:
        reader.close()
    assert result == "read inline"
    assert reader.inline


def dies_before_answering() -> str:
    """A worker that dies on its first task, before any answer; inline it answers."""
    import multiprocessing

    if multiprocessing.parent_process() is not None:
        os._exit(3)
    return "read inline"


def test_a_runs_first_pages_are_read_inline_then_by_workers() -> None:
    """A small rerun never pays for worker processes; a big crawl moves to them."""
    reader = PageReader(1, inline_pages=4)

    async def pids(count: int) -> list[int]:
        return [await reader._run("https://ifpnews.com/", os.getpid) for _ in range(count)]

    try:
        seen = asyncio.run(pids(6))
    finally:
        reader.close()
    assert seen[:4] == [os.getpid()] * 4
    assert all(pid != os.getpid() for pid in seen[4:])


def test_negative_process_count_is_refused() -> None:
    with pytest.raises(ValueError, match="IFP_EXTRACT_PROCESSES"):
        PageReader(-1)


def _stored(db_path: Path) -> dict[str, tuple[Any, ...]]:
    db = sqlite3.connect(db_path)
    try:
        rows = db.execute(
            "SELECT url, title, body, author, section, published_at, tags, content_hash,"
            " (SELECT COUNT(*) FROM links WHERE src_id = articles.id) FROM articles"
        ).fetchall()
        return {row[0]: tuple(row[1:]) for row in rows}
    finally:
        db.close()


def _stats(db_path: Path) -> dict[str, Any]:
    store = open_store(str(db_path))
    try:
        return dict(store.last_runs(1)[0]["stats"])
    finally:
        store.close()


@pytest.mark.e2e
def test_crawl_with_a_worker_process_stores_what_an_inline_crawl_stores(tmp_path: Path) -> None:
    with ReplicaServer("--articles", "60") as replica:
        inline = run_crawl(replica.base_url, str(tmp_path / "inline.db"), cwd=tmp_path)
        pooled = run_crawl(
            replica.base_url,
            str(tmp_path / "pooled.db"),
            settings={"IFP_EXTRACT_PROCESSES": "1"},
            cwd=tmp_path,
        )
        expected_count = len(replica.manifest()["articles"])
    assert inline.returncode == 0, inline.stderr[-3000:]
    assert pooled.returncode == 0, pooled.stderr[-3000:]
    expected, got = _stored(tmp_path / "inline.db"), _stored(tmp_path / "pooled.db")
    assert len(got) == expected_count
    assert got == expected
    stats = _stats(tmp_path / "pooled.db")
    assert stats.get("ifp/pages/listing", 0) > 0
    assert "ifp/reader_crashed" not in stats
    assert "Traceback" not in pooled.stderr
    assert "Page reader processes (1) used" in pooled.stderr  # the workers did read pages
