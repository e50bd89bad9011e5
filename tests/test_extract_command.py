"""`scrapy extract URL`: an article, a Page, a listing, a broken page: output and exit status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from ifpcrawl.extract.article import FIELD_CHAINS
from tests.replica.testing import ReplicaServer

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.e2e


def extract(*argv: str) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "extract", *argv],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return proc.returncode, proc.stdout, proc.stderr


def article_entry(replica: ReplicaServer, path: str) -> dict[str, Any]:
    return next(a for a in replica.manifest()["articles"] if a["path"] == path)


@pytest.fixture(scope="module")
def article_path(replica: ReplicaServer) -> str:
    # An ordinary article (no seed quirks): the first synthetic one in the manifest.
    path: str = replica.manifest()["articles"][-1]["path"]
    return path


def test_an_article_with_every_fields_source_and_chain(
    replica: ReplicaServer, article_path: str
) -> None:
    url = replica.url(article_path.rstrip("/") + "/")
    code, out, err = extract(url)
    assert (code, err) == (0, "")
    result = json.loads(out)
    expected = article_entry(replica, article_path)
    got = result["article"]
    assert (result["url_kind"], result["kind"], result["missing"]) == ("article", "article", [])
    # The fields the crawl tests compare with the replica's ground truth, all of them.
    for name in ("title", "body", "author", "section", "published_at", "tags"):
        assert got[name] == expected[name], name
    assert got["url"] == url
    assert got["word_count"] == len(got["body"].split())
    # Each field: the winner is the first source of its chain that gave a value, and the
    # chain lists the sources in the order extract_article tries them.
    for name, field in result["fields"].items():
        if name == "word_count" or field["source"] == "computed":
            continue
        order = iter([source for source, _ in FIELD_CHAINS[name]])
        sources = [entry["source"] for entry in field["chain"]]
        # In chain order: a subsequence of it (a source may stand twice in a chain).
        assert all(source in order for source in sources), (name, sources)
        assert field["chain"][0]["source"] == field["source"], name
    # More than one source answers for the main fields on the replica's theme.
    for name in ("title", "author", "published_at"):
        assert len(result["fields"][name]["chain"]) >= 2, name
    title_chain = result["fields"]["title"]["chain"]
    assert title_chain[0] == {"source": "tagdiv", "value": expected["title"]}
    body_chain = result["fields"]["body"]["chain"]
    assert body_chain[0]["source"] == "tagdiv"
    assert body_chain[0]["value"]["words"] == got["word_count"]


def test_html_file_gives_the_same_answer(
    replica: ReplicaServer, article_path: str, tmp_path: Path
) -> None:
    url = replica.url(article_path.rstrip("/") + "/")
    with urllib.request.urlopen(url) as response:
        (tmp_path / "page.html").write_bytes(response.read())
    fetched = json.loads(extract(url)[1])
    code, out, _ = extract(url, "--html", str(tmp_path / "page.html"))
    assert code == 0
    read = json.loads(out)
    assert read == fetched


@pytest.mark.parametrize(
    ("path", "url_kind", "kind", "error"),
    [
        ("/about-us/", "article", "page", "not an article: a WordPress page"),
        (
            "/category/news/politics/",
            "listing",
            "listing",
            "not an article URL: the crawl reads it as a listing page",
        ),
        (
            "/exclusive-interview-former-nuclear-negotiator/",
            "article",
            "protected",
            "password protected",
        ),
    ],
)
def test_not_an_article_says_why(
    replica: ReplicaServer, path: str, url_kind: str, kind: str, error: str
) -> None:
    url = replica.url(path)
    code, out, err = extract(url)
    assert code == 1
    assert json.loads(out) == {
        "url": url,
        "url_kind": url_kind,
        "kind": kind,
        "error": error,
        "missing": [],
    }
    assert err == f"scrapy extract: {url}: {error}\n"


def test_a_broken_page(replica: ReplicaServer, article_path: str, tmp_path: Path) -> None:
    """An article cut off in transfer (the first 5,000 bytes): an error page, no article."""
    url = replica.url(article_path.rstrip("/") + "/")
    with urllib.request.urlopen(url) as response:
        (tmp_path / "cut.html").write_bytes(response.read()[:5000])
    code, out, err = extract(url, "--html", str(tmp_path / "cut.html"))
    assert code == 1
    assert json.loads(out)["kind"] == "error"
    assert err == f"scrapy extract: {url}: error page (WordPress/database error or empty page)\n"


def test_the_replicas_error_page_fault() -> None:
    """The replica's `errorpage` fault: 200 with WordPress's database error page."""
    with ReplicaServer("--articles", "20", "--faults", "errorpage=1.0,seed=1") as faulty:
        path = faulty.manifest()["articles"][-1]["path"]
        url = faulty.url(path.rstrip("/") + "/")
        code, out, err = extract(url)
    assert code == 1, out
    assert json.loads(out)["kind"] == "error"
    assert err.startswith(f"scrapy extract: {url}: error page")


def test_a_missing_page_and_an_unreachable_site(replica: ReplicaServer) -> None:
    url = replica.url("/no-such-article-here/")
    code, out, err = extract(url)
    assert code == 1
    assert json.loads(out) == {"url": url, "kind": None, "error": "HTTP 404 Not Found"}
    code, out, err = extract("http://127.0.0.1:9/some-article/")
    assert (code, out) == (4, "")
    assert err.startswith("scrapy extract: error: cannot fetch http://127.0.0.1:9/some-article/:")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((), "give one page URL"),
        (("ftp://example.org/x",), "not an http(s) URL: 'ftp://example.org/x'"),
        (("https://example.org/x/", "--html", "/nonexistent/page.html"), "cannot read"),
    ],
)
def test_bad_arguments(argv: tuple[str, ...], message: str) -> None:
    code, out, err = extract(*argv)
    assert (code, out) == (2, "")
    assert err.startswith("scrapy extract: error: " + message)
    assert len(err.splitlines()) == 1
