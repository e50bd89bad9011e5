"""End-to-end: crawl the replica (a real HTTP server on 127.0.0.1:0) into a real SQLite file.

One full crawl per module; every test below asserts on the store it produced, compared with
the replica's own ground truth (its manifest).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ifpcrawl.urls import Site, canonicalize
from tests.local import run_crawl
from tests.replica.testing import ReplicaServer

pytestmark = pytest.mark.e2e

SEED_TITLE = "Putin in meeting with Raisi: NATO threats beyond Europe"
# The real page's text, from the team's shared folder beside the checkout (as on CI); the
# replica's copy (tests/replica/data) stands in when that folder is absent.
_SHARED_SEED = Path(__file__).resolve().parents[2] / "shared" / "seed-article.txt"
_REPLICA_SEED = Path(__file__).resolve().parent / "replica" / "data" / "seed-article.txt"
SEED_FILE = _SHARED_SEED if _SHARED_SEED.exists() else _REPLICA_SEED
BOILERPLATE = (
    "The IFP Editorial Staff is composed of dozens",
    "Published by",
    "Recent Posts",
    "Please enter your comment",
    "Please enter your name here",
    "RELATED ARTICLES",
    "minutes ago",
    "hours ago",
)


@dataclass
class Crawl:
    base: str
    site: Site
    manifest: dict[str, Any]
    db: sqlite3.Connection
    returncode: int
    log: str

    def expected_url(self, path: str) -> str:
        url = canonicalize(self.base.rstrip("/") + path, self.site)
        assert url is not None
        return url

    def stats(self) -> dict[str, Any]:
        row = self.db.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        return dict(json.loads(row[0]))


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    tmp = tmp_path_factory.mktemp("e2e")
    db_path = tmp / "ifp.db"
    with ReplicaServer("--articles", "150") as replica:
        result = run_crawl(replica.base_url, str(db_path), cwd=tmp, timeout=600)
        manifest = replica.manifest()
        db = sqlite3.connect(db_path)
        db.row_factory = sqlite3.Row
        yield Crawl(
            replica.base_url,
            Site.from_url(replica.base_url),
            manifest,
            db,
            result.returncode,
            result.stderr,
        )
        db.close()


def test_crawl_finishes_cleanly(crawl: Crawl) -> None:
    assert crawl.returncode == 0, crawl.log[-3000:]
    stats = crawl.stats()
    assert stats.get("finish_reason", "finished") == "finished"
    assert stats.get("log_count/ERROR", 0) == 0, crawl.log[-3000:]


def test_every_article_stored_exactly_once(crawl: Crawl) -> None:
    rows = crawl.db.execute("SELECT url FROM articles").fetchall()
    stored = [r["url"] for r in rows]
    assert len(stored) == len(set(stored))
    expected = {crawl.expected_url(a["path"]) for a in crawl.manifest["articles"]}
    assert set(stored) == expected


def test_non_articles_never_stored(crawl: Crawl) -> None:
    stored = {r["url"] for r in crawl.db.execute("SELECT url FROM articles")}
    for path in crawl.manifest["non_articles"]:
        assert crawl.expected_url(path) not in stored, path


def test_fields_match_the_manifest(crawl: Crawl) -> None:
    mismatches = []
    for expected in crawl.manifest["articles"]:
        row = crawl.db.execute(
            "SELECT * FROM articles WHERE url = ?", (crawl.expected_url(expected["path"]),)
        ).fetchone()
        assert row is not None, expected["path"]
        for name in ("title", "body", "author", "section", "published_at"):
            assert row[name], (expected["path"], name)
            if row[name] != expected[name]:
                mismatches.append((expected["path"], name, row[name][:80], expected[name][:80]))
        if json.loads(row["tags"]) != expected["tags"]:
            mismatches.append((expected["path"], "tags", row["tags"], expected["tags"]))
    assert not mismatches, mismatches[:10]


def test_no_boilerplate_in_bodies(crawl: Crawl) -> None:
    for phrase in BOILERPLATE:
        count = crawl.db.execute(
            "SELECT count(*) FROM articles WHERE instr(body, ?) > 0", (phrase,)
        ).fetchone()[0]
        assert count == 0, phrase


def test_seed_article_extracted_exactly(crawl: Crawl) -> None:
    row = crawl.db.execute("SELECT * FROM articles WHERE title = ?", (SEED_TITLE,)).fetchone()
    assert row is not None
    assert row["section"] == "IFP Exclusive"
    assert row["author"] == "IFP Editorial Staff"
    text = SEED_FILE.read_text(encoding="utf-8")
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    start = next(i for i, p in enumerate(paragraphs) if p.startswith("Russia’s President"))
    end = next(i for i, p in enumerate(paragraphs) if p.endswith("can be further expanded."))
    assert row["body"] == "\n\n".join(paragraphs[start : end + 1])


def test_page_metadata_matches_the_manifest(crawl: Crawl) -> None:
    """summary, modified_at, image_url and wp_post_id, which every tagDiv article page shows
    (meta description / JSON-LD, itemprop dateModified, the featured image, article#post-ID),
    compared as whole records on every article."""
    names = ("summary", "modified_at", "image_url", "wp_post_id")
    expected = {}
    for article in crawl.manifest["articles"]:
        image = article["image_url"]
        expected[article["path"]] = {
            **{name: article[name] for name in names},
            "image_url": crawl.base.rstrip("/") + image if image else None,
        }
    stored = {}
    for article in crawl.manifest["articles"]:
        row = crawl.db.execute(
            "SELECT summary, modified_at, image_url, wp_post_id FROM articles WHERE url = ?",
            (crawl.expected_url(article["path"]),),
        ).fetchone()
        stored[article["path"]] = None if row is None else dict(row)
    wrong = [(path, want, stored[path]) for path, want in expected.items() if stored[path] != want]
    assert wrong == [], f"{len(wrong)} of {len(expected)} articles differ: {wrong[:5]}"


def manifest_link(crawl: Crawl, link: dict[str, Any]) -> tuple[str, str, str]:
    target = link["path_or_url"]
    dst = crawl.expected_url(target) if target.startswith("/") else canonicalize(target) or target
    return dst, link["kind"], link["anchor_text"]


def test_body_and_related_links_are_the_manifests_exactly(crawl: Crawl) -> None:
    """Every body / related link, as (source, target, kind, anchor): none missing, none
    extra. Recent Posts links are the site's latest posts at fetch time: checked below."""
    expected = {
        (crawl.expected_url(article["path"]), *manifest_link(crawl, link))
        for article in crawl.manifest["articles"]
        for link in article["links"]
    }
    # A body image linked to its attachment page is an in-body link with no text; the
    # manifest lists those pages among non_articles (<article path>attachment/<name>/).
    for article in crawl.manifest["articles"]:
        for path in crawl.manifest["non_articles"]:
            if path.startswith(article["path"].rstrip("/") + "/attachment/"):
                src = crawl.expected_url(article["path"])
                expected.add((src, crawl.expected_url(path), "body", ""))
    stored = {
        (r["url"], r["dst_url"], r["kind"], r["anchor_text"])
        for r in crawl.db.execute(
            "SELECT a.url, l.dst_url, l.kind, l.anchor_text FROM links l"
            " JOIN articles a ON a.id = l.src_id WHERE l.kind != 'recent'"
        )
    }
    missing, extra = sorted(expected - stored), sorted(stored - expected)
    assert (missing, extra) == ([], []), f"missing {missing[:10]}, extra {extra[:10]}"


def test_recent_posts_links_recorded(crawl: Crawl) -> None:
    count = crawl.db.execute("SELECT count(*) FROM links WHERE kind = 'recent'").fetchone()[0]
    assert count > 0


def test_article_links_resolve_to_stored_articles(crawl: Crawl) -> None:
    on_site = crawl.db.execute(
        "SELECT count(*), sum(dst_id IS NOT NULL) FROM links WHERE dst_url LIKE ?",
        (crawl.base + "%",),
    ).fetchone()
    total, resolved = on_site[0], on_site[1] or 0
    assert total > 0
    assert resolved / total >= 0.99


def test_no_request_left_the_site(crawl: Crawl) -> None:
    stats = crawl.stats()
    hosts = {k.removeprefix("ifp/host/") for k in stats if k.startswith("ifp/host/")}
    assert hosts == {"127.0.0.1"}
    assert stats.get("ifp/offsite_blocked", 0) == 0


def test_run_history_row(crawl: Crawl) -> None:
    row = crawl.db.execute("SELECT * FROM crawl_runs ORDER BY id DESC").fetchone()
    assert row["finished_at"] and row["finish_reason"] == "finished"
    assert row["mode"] == "full"
    stats = json.loads(row["stats"])
    assert stats["ifp/articles_new"] >= len(crawl.manifest["articles"]) - 5
    assert stats["ifp/coverage/title"] == 1.0


def test_store_integrity(crawl: Crawl) -> None:
    assert crawl.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_url_variants_met_in_links_are_recorded(crawl: Crawl) -> None:
    """Every on-site spelling of an article link (http/https, /amp, utm_*, no slash) met on
    article pages is in article_urls, pointing at the one row of that article."""
    import urllib.request

    from parsel import Selector

    from ifpcrawl.urls import is_on_site

    checked = 0
    for expected in crawl.manifest["articles"][:40]:
        url = crawl.expected_url(expected["path"])
        with urllib.request.urlopen(url, timeout=30) as response:
            html = response.read().decode("utf-8")
        for href in Selector(text=html).css(".td-post-content p a::attr(href)").getall():
            raw = href.split("#", 1)[0]
            canonical = canonicalize(raw, crawl.site)
            if canonical is None or raw == canonical or not is_on_site(raw, crawl.site):
                continue
            owner = crawl.db.execute(
                "SELECT a.url FROM article_urls u JOIN articles a ON a.id = u.article_id"
                " WHERE u.url = ?",
                (raw,),
            ).fetchone()
            assert owner is not None, raw
            assert owner["url"] == canonical
            checked += 1
    assert checked > 0
    amp = crawl.db.execute("SELECT count(*) FROM article_urls WHERE url LIKE '%/amp'").fetchone()[0]
    assert amp >= len(crawl.manifest["articles"]) - 5


def test_near_copies_flagged_and_nothing_else(crawl: Crawl) -> None:
    expected = {
        crawl.expected_url(a["path"]): crawl.expected_url(a["duplicate_of"])
        for a in crawl.manifest["articles"]
        if a["duplicate_of"]
    }
    assert expected, "the replica serves at least one republished near-copy"
    flagged = {
        row["url"]: row["original"]
        for row in crawl.db.execute(
            "SELECT a.url, o.url AS original FROM articles a JOIN articles o"
            " ON o.id = a.duplicate_of"
        )
    }
    assert flagged == expected


def test_graph_export_loads_in_networkx(crawl: Crawl, tmp_path: Path) -> None:
    import subprocess
    import sys

    import networkx as nx

    from tests.local import crawl_env

    db_path = crawl.db.execute("PRAGMA database_list").fetchone()["file"]
    graphml, edges = tmp_path / "g.graphml", tmp_path / "edges.csv"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "graph",
            "--store",
            db_path,
            "-o",
            str(graphml),
            "--edges",
            str(edges),
        ],
        env=crawl_env(),
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    graph = nx.read_graphml(graphml)
    articles = crawl.db.execute("SELECT count(*) FROM articles").fetchone()[0]
    pairs = crawl.db.execute(
        "SELECT count(DISTINCT src_id || '>' || dst_id) FROM links"
        " WHERE dst_id IS NOT NULL AND dst_id != src_id"
    ).fetchone()[0]
    assert graph.number_of_nodes() == articles
    assert graph.number_of_edges() == pairs
    some = next(iter(graph.nodes(data=True)))[1]
    assert {"title", "section", "published_at"} <= set(some)
    with edges.open(encoding="utf-8") as fp:
        assert sum(1 for _ in fp) - 1 >= pairs
