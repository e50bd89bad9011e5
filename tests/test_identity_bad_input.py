"""Bad identity input at crawl level: unparseable URLs, canonicals pointing off-site or at a
listing, redirect loops. Each is logged and counted, merges nothing, crashes nothing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.local import run_crawl
from tests.minisite import HTML, MiniSite, wp_article

pytestmark = pytest.mark.e2e


def test_bad_identity_input_is_counted_and_merges_nothing(tmp_path: Path) -> None:
    pages = {
        "/": (
            200,
            HTML,
            (
                b'<html><body class="home blog"><main>'
                b'<article><h2 class="entry-title"><a rel="bookmark" href="/offsite-canonical/">a</a></h2></article>'
                b'<article><h2 class="entry-title"><a rel="bookmark" href="/listing-canonical/">b</a></h2></article>'
                b'<article><h2 class="entry-title"><a rel="bookmark" href="/bad-links/">c</a></h2></article>'
                b'<article><h2 class="entry-title"><a rel="bookmark" href="/looping/">d</a></h2></article>'
                b'<article><h2 class="entry-title"><a rel="bookmark" href="http://[::1/broken">e</a></h2></article>'
                b"</main></body></html>"
            ),
        ),
        "/offsite-canonical/": (
            200,
            HTML,
            wp_article(
                "Canonical points off-site", canonical="https://evil.example.org/offsite-canonical/"
            ),
        ),
        "/listing-canonical/": (
            200,
            HTML,
            wp_article(
                "Canonical points at a listing",
                ["A different body about a listing canonical. " * 5],
                canonical="/category/news/",
            ),
        ),
        "/bad-links/": (
            200,
            HTML,
            wp_article(
                "Links that cannot be parsed",
                ["Yet another body with broken links inside. " * 5],
                links='<a href="http://[::1/x">broken</a> <a href="http://exa mple.com:99999/">port</a>',
            ),
        ),
        "/looping/": (302, {"Location": "/looping/"}, b""),
    }
    with MiniSite(pages) as site:
        result = run_crawl(
            site.base_url,
            str(tmp_path / "ifp.db"),
            cwd=tmp_path,
            settings={
                "IFP_SECTION_PATHS": "[]",
                "ROBOTSTXT_OBEY": "False",
                "REDIRECT_MAX_TIMES": "3",
            },
            timeout=300,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    con = sqlite3.connect(tmp_path / "ifp.db")
    urls = sorted(u.removeprefix(site.base_url) for (u,) in con.execute("SELECT url FROM articles"))
    assert urls == ["bad-links/", "listing-canonical/", "offsite-canonical/"]
    stats = json.loads(con.execute("SELECT stats FROM crawl_runs").fetchone()[0])
    assert stats["ifp/bad_canonical/offsite"] == 1
    assert stats["ifp/bad_canonical/not_article"] == 1
    assert stats["ifp/bad_link_url"] >= 1
    assert stats["ifp/failed/article/redirect_loop"] == 1
    assert "Ignored rel=canonical" in result.stderr
    failures = [r for (r,) in con.execute("SELECT reason FROM failures")]
    assert failures == ["redirect_loop"]
    con.close()
