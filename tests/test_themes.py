"""Other WordPress themes, and discovery without sitemaps or the REST API.

The replica's second renderer serves stock WordPress: the block theme Twenty Twenty-Four
(``--theme wp``) and the classic Twenty Twenty-One (``--theme wp-classic``), with core
markup only (no td-* classes, no JSON-LD, no OpenGraph, no AMP). The issue's bar: title,
author, published_at, body, section, tags, modified_at and summary match the manifest
for EVERY article, as the theme shows them (see ``shown``), and non-articles (pages,
attachments, password-protected posts) are never stored. ``--no-sitemap --no-rest`` leaves listings and feeds as the
only ways in; discovery must still find every article, on both renderers.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from ifpcrawl.urls import Site, canonicalize
from tests.local import run_crawl
from tests.replica.testing import ReplicaServer

pytestmark = pytest.mark.e2e

ARTICLES = "80"
BAR_FIELDS = ("title", "author", "published_at", "body")
# Both stock themes print the categories and tags of a post (post-terms blocks in
# Twenty Twenty-Four, the entry footer in Twenty Twenty-One), so both are checked too.
SHOWN_FIELDS = ("section",)

CASES = {
    "wp": ("--theme", "wp"),
    "wp-classic": ("--theme", "wp-classic"),
    "wp-no-sitemap-no-rest": ("--theme", "wp", "--no-sitemap", "--no-rest"),
    "wp-classic-no-sitemap-no-rest": ("--theme", "wp-classic", "--no-sitemap", "--no-rest"),
    "tagdiv-no-sitemap-no-rest": ("--no-sitemap", "--no-rest"),
}


@dataclass
class ThemeCrawl:
    case: str
    base: str
    site: Site
    manifest: dict[str, Any]
    protected_paths: list[str]
    db: sqlite3.Connection
    returncode: int
    log: str

    def url(self, path: str) -> str:
        url = canonicalize(self.base.rstrip("/") + path, self.site)
        assert url is not None
        return url

    def stats(self) -> dict[str, Any]:
        row = self.db.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        return dict(json.loads(row[0]))

    def rows(self) -> dict[str, sqlite3.Row]:
        return {row["url"]: row for row in self.db.execute("SELECT * FROM articles")}


@pytest.fixture(scope="module", params=list(CASES))
def crawl(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ThemeCrawl]:
    case = str(request.param)
    tmp = tmp_path_factory.mktemp(case)
    with ReplicaServer("--articles", ARTICLES, *CASES[case]) as replica:
        result = run_crawl(replica.base_url, str(tmp / "ifp.db"), cwd=tmp, timeout=600)
        manifest = replica.manifest()
        protected = [post.path for post in replica.site().posts if post.status == "protected"]
    db = sqlite3.connect(tmp / "ifp.db")
    db.row_factory = sqlite3.Row
    yield ThemeCrawl(
        case,
        replica.base_url,
        Site.from_url(replica.base_url),
        manifest,
        protected,
        db,
        result.returncode,
        result.stderr,
    )
    db.close()


def test_crawl_finishes_cleanly(crawl: ThemeCrawl) -> None:
    assert crawl.returncode == 0, crawl.log[-3000:]
    stats = crawl.stats()
    assert stats["finish_reason"] == "finished"
    assert stats.get("log_count/ERROR", 0) == 0, crawl.log[-3000:]


def test_every_article_found_and_stored_once(crawl: ThemeCrawl) -> None:
    stored = [row["url"] for row in crawl.db.execute("SELECT url FROM articles")]
    assert len(stored) == len(set(stored))
    expected = {crawl.url(a["path"]) for a in crawl.manifest["articles"]}
    assert set(stored) == expected, sorted(expected ^ set(stored))[:10]


def test_discovery_used_only_what_the_site_offers(crawl: ThemeCrawl) -> None:
    stats = crawl.stats()
    if "no-sitemap" in crawl.case:
        # Nothing came from a sitemap or the REST API: listings and feeds found it all.
        assert stats.get("ifp/pages/sitemap", 0) == 0
        assert stats.get("ifp/pages/api", 0) == 0
        assert stats["ifp/pages/listing"] > 0
    else:
        assert stats.get("ifp/pages/sitemap", 0) > 0 and stats.get("ifp/pages/api", 0) > 0


COMPARED = (*BAR_FIELDS, *SHOWN_FIELDS, "tags", "modified_at", "summary")


def shown(case: str, article: dict[str, Any]) -> dict[str, Any]:
    """The manifest's article as its theme shows it on the post's own page.

    Stock WordPress themes print neither the modified time nor the excerpt on a single
    post (Twenty Twenty-One's posted_on prints the publish date, Twenty Twenty-Four's
    post-date block too; neither calls the_excerpt()), and core adds no meta description:
    the crawler must store no modified time and the lead paragraph as the summary, not a
    guess. tagDiv with Yoast shows both.
    """
    fields = {name: article[name] for name in COMPARED}
    if case.startswith("wp"):
        fields["modified_at"] = None
        fields["summary"] = article["body"].split("\n\n", 1)[0]
    return fields


def test_fields_match_the_manifest_for_every_article(crawl: ThemeCrawl) -> None:
    rows = crawl.rows()
    stored = {}
    expected = {}
    for article in crawl.manifest["articles"]:
        row = rows[crawl.url(article["path"])]
        stored[article["path"]] = {
            name: json.loads(row[name]) if name == "tags" else row[name] for name in COMPARED
        }
        expected[article["path"]] = shown(crawl.case, article)
    mismatches = {
        path: {name: (stored[path][name], value) for name, value in fields.items()
               if stored[path][name] != value}
        for path, fields in expected.items()
        if stored[path] != fields
    }  # fmt: skip
    assert stored == expected, list(mismatches.items())[:5]


def test_non_articles_never_stored(crawl: ThemeCrawl) -> None:
    stored = set(crawl.rows())
    leaked = [path for path in crawl.manifest["non_articles"] if crawl.url(path) in stored]
    assert leaked == []
    titles = {row["title"] for row in crawl.rows().values()}
    assert not {"About Us", "Contact Us"} & titles


def test_protected_post_recognised_not_stored(crawl: ThemeCrawl) -> None:
    """The password-protected post is listed like any other; its page must be seen and
    counted as protected, not stored and not retried as a failure."""
    stats = crawl.stats()
    assert stats.get("ifp/non_article/protected", 0) >= 1
    failures = {row[0] for row in crawl.db.execute("SELECT url FROM failures")}
    protected = {crawl.url(path) for path in crawl.protected_paths}
    assert protected and not protected & failures
    assert not protected & set(crawl.rows())


def test_near_copy_flagged(crawl: ThemeCrawl) -> None:
    flagged = {
        row["url"]: row["original"]
        for row in crawl.db.execute(
            "SELECT a.url, o.url AS original FROM articles a JOIN articles o"
            " ON o.id = a.duplicate_of"
        )
    }
    expected = {
        crawl.url(a["path"]): crawl.url(a["duplicate_of"])
        for a in crawl.manifest["articles"]
        if a["duplicate_of"]
    }
    assert flagged == expected
