"""The replica: a real server in a subprocess, fetched with the standard library."""

from __future__ import annotations

import http.client
import json
import math
import re
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from parsel import Selector

from tests.replica.common import human_time_diff, topbar_date
from tests.replica.content import EDITORIAL_BIO, RECENT_POSTS, SEED_TITLE, build_site
from tests.replica.faults import FaultPlan, parse_faults
from tests.replica.routes import App
from tests.replica.testing import ReplicaServer, load_manifest

ARTICLES = "120"
SEED_PATH = "/putin-in-meeting-with-raisi-nato-threats-beyond-europe/"
RSS_NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "content": "http://purl.org/rss/1.0/modules/content/",
}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with OPENER.open(request, timeout=20) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def page(url: str) -> Selector:
    status, _, body = fetch(url)
    assert status == 200, url
    return Selector(text=body.decode("utf-8"))


def texts(selector: Selector, css: str) -> list[str]:
    return [" ".join("".join(node.css("*::text").getall()).split()) for node in selector.css(css)]


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer("--articles", ARTICLES, "--seed", "3") as server:
        yield server


@pytest.fixture(scope="module")
def manifest(replica: ReplicaServer) -> dict[str, Any]:
    return replica.manifest()


def by_path(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["path"]: a for a in manifest["articles"]}


# ----------------------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (5, "1 min ago"),
        (89, "1 min ago"),
        (90, "2 mins ago"),
        (48 * 60, "48 mins ago"),
        (3600, "1 hour ago"),
        (3 * 3600 + 1700, "3 hours ago"),
        (86400 * 2, "2 days ago"),
        (86400 * 8, "1 week ago"),
        (86400 * 45, "2 months ago"),
        (86400 * 365 * 3, "3 years ago"),
    ],
)
def test_human_time_diff_follows_wordpress(seconds: int, expected: str) -> None:
    assert human_time_diff(1_000_000.0, 1_000_000.0 + seconds) == expected


def test_fault_plan_is_deterministic_and_lets_retries_through() -> None:
    spec = parse_faults("rate=0.9,seed=11")
    first, second = FaultPlan(spec), FaultPlan(spec)
    targets = [f"/post-{i}/" for i in range(200)]
    runs = [[plan.decide(t) for t in targets for _ in range(3)] for plan in (first, second)]
    assert runs[0] == runs[1]
    assert sum(kind is not None for kind in runs[0]) > 150
    # Third attempts are never faulty (max_attempts=2 by default).
    assert all(kind is None for kind in runs[0][2::3])
    with pytest.raises(ValueError):
        parse_faults("bogus=0.1")


# ----------------------------------------------------------------------------- content model


def test_same_arguments_give_the_same_site_and_cli_manifest_matches() -> None:
    one = build_site(150, seed=4).manifest()
    assert one == build_site(150, seed=4).manifest()
    assert one != build_site(150, seed=5).manifest()
    assert load_manifest("--articles", "150", "--seed", "4") == json.loads(json.dumps(one))


def test_seed_article_is_verbatim_in_the_manifest() -> None:
    site = build_site(60)
    seed = by_path(site.manifest())[SEED_PATH]
    paragraphs = seed["body"].split("\n\n")
    assert seed["title"] == SEED_TITLE
    assert seed["section"] == "IFP Exclusive"
    assert seed["author"] == "IFP Editorial Staff"
    assert seed["published_at"] == "2022-09-15T14:30:00+04:30"
    # The seed page's text, from "Russia’s President ..." to "... can be further expanded."
    # (14 paragraphs), then the author box.
    seed_file = (Path(__file__).parents[1] / "tests/replica/data/seed-article.txt").read_text()
    blocks = [" ".join(b.split()) for b in seed_file.split("\n\n") if b.strip()]
    assert paragraphs == blocks[2 : blocks.index("IFP Editorial Staff")]
    assert len(paragraphs) == 14
    assert paragraphs[0].startswith("Russia’s President Vladimir Putin says")
    assert paragraphs[-1].endswith("can be further expanded.")


def test_quirks_are_present_in_the_manifest() -> None:
    articles = build_site(400).manifest()["articles"]
    titles = {a["title"] for a in articles}
    assert "Danish Members of ISIS Still Receiving Welfare Payments" in titles
    assert any("at the end of the 123movies." in a["body"] for a in articles)
    copies = [a for a in articles if a["duplicate_of"]]
    assert len(copies) == 1 and copies[0]["duplicate_of"] in {a["path"] for a in articles}
    paths = {a["path"] for a in articles}
    assert {
        "/iranian-newspaper-front-pages-march-15",
        "/iranian-newspaper-front-pages-march-15-2",
        "/iranian-newspaper-front-pages-march-15-3/",
    } <= paths
    words = [len(a["body"].split()) for a in articles]
    assert min(words) >= 100 and max(words) <= 1600
    assert any(v.startswith("/larijani-reelected") for a in articles for v in a["variants"])


def test_add_and_edit_change_only_what_they_say() -> None:
    base = build_site(200, seed=2).manifest()["articles"]
    changed = build_site(200, seed=2, add=5, edit=3).manifest()["articles"]
    assert len(changed) == len(base) + 5
    added = [a for a in changed if a["added"]]
    assert len(added) == 5 and changed[-5:] == added
    assert min(a["published_at"] for a in added) > max(a["published_at"] for a in base)
    old = {a["path"]: a for a in base}
    edited = [a for a in changed if a["edited"]]
    assert len(edited) == 3 and SEED_PATH not in {a["path"] for a in edited}
    for article in edited:
        before = old[article["path"]]
        assert article["title"] == before["title"]
        assert article["body"] != before["body"]
        assert article["modified_at"] > before["modified_at"]
    unchanged = [a for a in changed if not a["edited"] and not a["added"]]
    assert unchanged == [a for a in base if a["path"] in {u["path"] for u in unchanged}]


def test_edit_moves_etag_and_last_modified() -> None:
    plain = App(build_site(200, seed=2), "http://127.0.0.1:9/")
    edited_site = build_site(200, seed=2, edit=3)
    edited = App(edited_site, "http://127.0.0.1:9/")
    post = next(p for p in edited_site.articles if p.edited)
    old = dict(plain.handle("GET", post.path, {}).headers)
    new = dict(edited.handle("GET", post.path, {}).headers)
    assert old["ETag"] != new["ETag"]
    assert parsedate_to_datetime(new["Last-Modified"]) > parsedate_to_datetime(old["Last-Modified"])


def test_large_site_builds_and_is_consistent() -> None:
    site = build_site(5_000)
    assert len(site.articles) == 5_000
    assert len({p.slug for p in site.posts}) == len(site.posts)
    assert [p.published for p in site.posts] == sorted(p.published for p in site.posts)


# ----------------------------------------------------------------------------- served pages


def test_home_and_top_bar_date(replica: ReplicaServer) -> None:
    before = topbar_date(time.time())
    status, headers, body = fetch(replica.url("/"))
    after = topbar_date(time.time())
    assert status == 200
    html = Selector(text=body.decode())
    assert texts(html, "div.td_data_time")[0] in {before, after}
    hrefs = html.css("a::attr(href)").getall()
    assert replica.url("/all-stories/") in hrefs and replica.url("/iran-news/") in hrefs
    served = parsedate_to_datetime(headers["Date"]).timestamp()
    assert abs(served - time.time()) < 120


def test_every_article_is_reachable_through_listing_paging(
    replica: ReplicaServer, manifest: dict[str, Any]
) -> None:
    first = page(replica.url("/all-stories/"))
    total = len(manifest["articles"]) + 1  # + the password-protected post
    pages = math.ceil(total / 10)
    assert texts(first, "div.page-nav span.pages") == [f"Page 1 of {pages}"]
    assert first.css('div.page-nav a[aria-label="next-page"] i.td-icon-menu-right')
    found: set[str] = set()
    for number in range(1, pages + 1):
        suffix = "" if number == 1 else f"page/{number}" + ("/" if number % 2 else "")
        html = page(replica.url("/all-stories/" + suffix))
        links = html.css("div.td-ss-main-content h3.entry-title a::attr(href)").getall()
        assert len(links) == (10 if number < pages else total - 10 * (pages - 1))
        found.update(link.removeprefix(replica.base_url.rstrip("/")) for link in links)
        assert html.css("div.td_module_wrap time.entry-date::attr(datetime)").get()
        assert html.css("div.td-module-thumb img::attr(data-img-url)").get()
    assert {a["path"] for a in manifest["articles"]} <= found
    assert fetch(replica.url(f"/all-stories/page/{pages + 1}/"))[0] == 404


def test_category_filter_reorders_the_same_posts(replica: ReplicaServer) -> None:
    def items(query: str) -> list[str]:
        html = page(replica.url("/category/news/" + query))
        return html.css("div.td-ss-main-content h3.entry-title a::attr(href)").getall()

    plain, featured = items(""), items("?filter_by=featured")
    assert len(plain) == 10 and len(featured) == 10
    assert plain != featured
    assert page(replica.url("/category/news/page/2")).css("span.current::text").get() == "2"


def test_seed_article_desktop_page(replica: ReplicaServer, manifest: dict[str, Any]) -> None:
    truth = by_path(manifest)[SEED_PATH]
    status, headers, body = fetch(replica.url(SEED_PATH))
    assert status == 200 and 30_000 <= len(body) <= 200_000
    html = Selector(text=body.decode())
    paragraphs = texts(html, "div.td-post-content > p")
    assert "\n\n".join(paragraphs) == truth["body"]
    assert html.css("div.td-post-content div.td-a-rec")
    assert texts(html, "div.td-post-content figcaption.wp-caption-text")
    assert html.css("h1.entry-title::text").get() == SEED_TITLE
    assert html.css("link[rel=canonical]::attr(href)").get() == replica.url(SEED_PATH)
    assert html.css("link[rel=amphtml]::attr(href)").get() == replica.url(SEED_PATH + "amp")
    article_class = html.css("article::attr(class)").get() or ""
    assert (
        f"post-{truth['wp_post_id']}" in article_class and "category-ifp-exclusive" in article_class
    )
    assert f"postid-{truth['wp_post_id']}" in (html.css("body::attr(class)").get() or "")
    assert html.css("span.td-post-date time::attr(datetime)").get() == truth["published_at"]
    assert html.css("meta[itemprop=datePublished]::attr(content)").get() == truth["published_at"]
    assert texts(html, "ul.td-category li.entry-category a")[-1] == truth["section"]
    assert texts(html, "div.author-box-wrap div.td-author-description") == [EDITORIAL_BIO]
    assert texts(html, "ul.td-tags li a") == truth["tags"]
    graph = json.loads(html.css("script.yoast-schema-graph::text").get() or "{}")["@graph"]
    types = {node["@type"] for node in graph}
    assert {"NewsArticle", "WebPage", "Person", "BreadcrumbList"} <= types
    published = html.css('meta[property="article:published_time"]::attr(content)').get()
    assert published == "2022-09-15T10:00:00+00:00"
    related = html.css("div.td_block_related_posts h3.entry-title a::attr(href)").getall()
    assert 3 <= len(related) <= 5
    assert "Please enter your comment!" in body.decode()
    assert headers["ETag"] and headers["Last-Modified"]


def test_seed_article_amp_page_and_recent_posts(
    replica: ReplicaServer, manifest: dict[str, Any]
) -> None:
    truth = by_path(manifest)[SEED_PATH]
    status, headers, body = fetch(replica.url(SEED_PATH + "amp"))
    assert status == 200 and 30_000 <= len(body) <= 200_000
    html = Selector(text=body.decode())
    assert "\n\n".join(texts(html, "div.cntn-wrp.artl-cnt > p")) == truth["body"]
    assert texts(html, "span.amp-cat > a") == ["IFP Exclusive"]
    assert texts(html, "h1.amp-post-title") == [SEED_TITLE]
    assert texts(html, "div.ss-ic span.shr-txt") == ["Share"]
    assert texts(html, "span.athr-tx") == ["Published by"]
    assert texts(html, "div.amp-author span.author-name a") == ["IFP Editorial Staff"]
    assert html.css("link[rel=canonical]::attr(href)").get() == replica.url(SEED_PATH)
    recent = html.css("div.r-pf div.fsp")
    assert texts(html, "div.r-pf h3") == ["Recent Posts"]
    assert [texts(item, "h2.loop-title a")[0] for item in recent] == [r[0] for r in RECENT_POSTS]
    excerpts = [texts(item, "p.loop-excerpt")[0] for item in recent]
    assert excerpts[0] == (
        "Ukrainian President Volodymyr Zelensky has urged an international coalition to "
        "intensify pressure on Moscow and…"
    )
    served = parsedate_to_datetime(headers["Date"]).timestamp()
    published = {a["title"]: a["published_at"] for a in manifest["articles"]}
    for item in recent:
        when = published[texts(item, "h2.loop-title a")[0]]
        then = datetime.fromisoformat(when).timestamp()
        expected = {human_time_diff(then, served + delta) for delta in (-1, 0, 1, 2)}
        assert texts(item, "div.loop-date")[0] in expected


def test_variants_redirects_and_404s(replica: ReplicaServer, manifest: dict[str, Any]) -> None:
    sample = manifest["articles"][::17]
    for article in sample:
        for variant in article["variants"]:
            status, headers, body = fetch(replica.url(variant))
            if status == 301:
                assert headers["Location"].startswith(replica.url(article["path"]))
                continue
            assert status == 200, variant
            html = Selector(text=body.decode())
            assert html.css("link[rel=canonical]::attr(href)").get() == replica.url(article["path"])
            is_amp = "amp" in variant.replace("noamp", "").replace("nonamp", "")
            assert bool(html.css("h1.amp-post-title")) == is_amp, variant
    renamed = next(
        a
        for a in manifest["articles"]
        if "/larijani-reelected-parliament-speaker/" in a["variants"]
    )
    status, headers, _ = fetch(replica.url("/larijani-reelected-parliament-speaker"))
    assert status == 301 and headers["Location"] == replica.url(renamed["path"])
    assert fetch(replica.url("/no-such-article/"))[0] == 404
    assert fetch(replica.url(SEED_PATH + "feed/nonsense/"))[0] == 404


def test_conditional_get_and_head(replica: ReplicaServer) -> None:
    status, headers, _ = fetch(replica.url(SEED_PATH))
    assert status == 200
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert fetch(replica.url(SEED_PATH), {"If-None-Match": etag})[0] == 304
    assert fetch(replica.url(SEED_PATH), {"If-Modified-Since": modified})[0] == 304
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert fetch(replica.url(SEED_PATH), {"If-Modified-Since": old})[0] == 200
    assert fetch(replica.url(SEED_PATH), {"If-None-Match": '"other"'})[0] == 200
    connection = http.client.HTTPConnection(replica.host_port, timeout=10)
    connection.request("HEAD", SEED_PATH)
    response = connection.getresponse()
    assert response.status == 200 and int(response.headers["Content-Length"]) > 30_000
    assert response.read() == b""
    # Keep-alive: the same connection answers again.
    connection.request("GET", "/robots.txt")
    assert b"Disallow: /wp-admin/" in connection.getresponse().read()
    connection.close()


def test_manifest_matches_served_pages(replica: ReplicaServer, manifest: dict[str, Any]) -> None:
    for article in manifest["articles"][::9]:
        html = page(replica.url(article["path"]))
        body = "\n\n".join(texts(html, "div.td-post-content > p"))
        assert body == article["body"], article["path"]
        hrefs = " ".join(html.css("div.td-post-content a::attr(href)").getall())
        for link in article["links"]:
            if link["kind"] == "body" and link["path_or_url"].startswith("http"):
                assert link["path_or_url"] in hrefs
        related = html.css("div.td_block_related_posts h3 a::attr(href)").getall()
        expected = [
            replica.url(x["path_or_url"]) for x in article["links"] if x["kind"] == "related"
        ]
        assert related == expected
        image = html.css('meta[property="og:image"]::attr(content)').get()
        assert image == (replica.url(article["image_url"]) if article["image_url"] else None)
    kinds = set()
    for path in manifest["non_articles"]:
        status, _, raw = fetch(replica.url(path))
        assert status in (200, 404), path
        text = raw.decode()
        kind = re.search(r'<body class="(\S+)', text)
        kinds.add((status, kind.group(1) if kind else ""))
        assert "type-post status-publish" not in text or "post-password-required" in text, path
    assert {(404, "error404"), (200, "attachment"), (200, "post-template-default")} <= kinds


def test_feeds_sitemaps_and_rest(replica: ReplicaServer, manifest: dict[str, Any]) -> None:
    status, headers, body = fetch(replica.url("/feed/"))
    assert status == 200 and "rss" in headers["Content-Type"]
    items = ET.fromstring(body).findall("./channel/item")
    assert len(items) == 20
    for item in items:
        assert item.findtext("pubDate") and item.findtext("dc:creator", namespaces=RSS_NS)
        assert item.findtext("content:encoded", namespaces=RSS_NS)
    newest = sorted(manifest["articles"], key=lambda a: a["published_at"])[-1]
    assert items[0].findtext("link") == replica.url(newest["path"])
    category = ET.fromstring(fetch(replica.url("/category/news/politics/feed/"))[2])
    assert category.findall("./channel/item")
    robots = fetch(replica.url("/robots.txt"))[2].decode()
    assert f"Sitemap: {replica.url('/wp-sitemap.xml')}" in robots
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    index = ET.fromstring(fetch(replica.url("/wp-sitemap.xml"))[2])
    locs = [loc.text for loc in index.findall("s:sitemap/s:loc", ns)]
    posts = ET.fromstring(fetch(replica.url("/wp-sitemap-posts-post-1.xml"))[2])
    urls = posts.findall("s:url", ns)
    assert replica.url("/wp-sitemap-posts-post-1.xml") in locs
    assert len(urls) == len(manifest["articles"]) and urls[0].find("s:lastmod", ns) is not None
    status, headers, body = fetch(replica.url("/wp-json/wp/v2/posts?page=2&per_page=50"))
    assert status == 200 and headers["X-WP-Total"] == str(len(manifest["articles"]) + 1)
    assert headers["X-WP-TotalPages"] == "3"
    posts_json = json.loads(body)
    assert len(posts_json) == 50
    assert {"id", "date_gmt", "modified", "slug", "link", "title", "content", "excerpt"} <= set(
        posts_json[0]
    )
    assert fetch(replica.url("/wp-json/wp/v2/posts?per_page=101"))[0] == 400
    assert fetch(replica.url("/wp-json/"))[0] == 200


def test_sitemap_and_rest_can_be_switched_off() -> None:
    with ReplicaServer("--articles", "40", "--no-sitemap", "--no-rest") as server:
        assert fetch(server.url("/wp-sitemap.xml"))[0] == 404
        assert fetch(server.url("/wp-json/wp/v2/posts"))[0] == 404
        assert "Sitemap:" not in fetch(server.url("/robots.txt"))[2].decode()


def test_page_weights(replica: ReplicaServer, manifest: dict[str, Any]) -> None:
    longest = max(manifest["articles"], key=lambda a: len(a["body"]))
    for path in [
        "/",
        "/all-stories/",
        "/category/news/politics/",
        "/tag/nato/",
        longest["path"],
        longest["path"].rstrip("/") + "/amp",
        "/about-us/",
        "/nope/",
    ]:
        status, _, body = fetch(replica.url(path))
        assert status == (404 if path == "/nope/" else 200)
        assert 30_000 <= len(body) <= 200_000, (path, len(body))


# ----------------------------------------------------------------------------- other themes


def test_wordpress_block_theme() -> None:
    with ReplicaServer("--articles", "40", "--theme", "wp") as server:
        truth = by_path(server.manifest())[SEED_PATH]
        status, _, body = fetch(server.url(SEED_PATH))
        text = body.decode()
        html = Selector(text=text)
        assert status == 200 and 30_000 <= len(body) <= 200_000
        assert texts(html, "h1.wp-block-post-title") == [SEED_TITLE]
        assert "\n\n".join(texts(html, "div.wp-block-post-content > p")) == truth["body"]
        assert (
            html.css("div.wp-block-post-date time::attr(datetime)").get() == truth["published_at"]
        )
        assert texts(html, "div.wp-block-post-author-name a") == ["IFP Editorial Staff"]
        assert texts(html, "div.taxonomy-category a") == truth["categories"]
        assert not re.search(r'class="[^"]*\btd[-_]', text)
        assert "yoast" not in text and "amphtml" not in text and "og:title" not in text
        assert fetch(server.url(SEED_PATH + "amp"))[0] == 404
        listing = page(server.url("/category/news/"))
        assert listing.css("ul.wp-block-post-template li.wp-block-post h2 a")
        assert listing.css("a.wp-block-query-pagination-next")


def test_wordpress_classic_theme() -> None:
    with ReplicaServer("--articles", "40", "--theme", "wp-classic") as server:
        html = page(server.url(SEED_PATH))
        assert texts(html, "h1.entry-title") == [SEED_TITLE]
        assert len(texts(html, "div.entry-content > p")) == 14
        assert html.css("time.entry-date.published::attr(datetime)").get() == (
            "2022-09-15T14:30:00+04:30"
        )
        # Twenty Twenty-One: an author with a biography gets the author box, no byline
        assert texts(html, "span.byline") == []
        assert texts(html, "div.author-bio h2.author-title") == ["By IFP Editorial Staff"]
        assert texts(html, "div.author-bio a.author-link[rel=author]") == [
            "View all of IFP Editorial Staff's posts."
        ]
        assert texts(html, 'span.cat-links a[rel="category tag"]')[0] == "IFP Exclusive"


# ----------------------------------------------------------------------------- faults


def raw_get(host_port: str, path: str) -> str:
    """One attempt without redirects or retries, summarised as an outcome string."""
    connection = http.client.HTTPConnection(host_port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        if response.status == 200 and b"Error establishing a database connection" in body:
            return "errorpage"
        if response.status == 200 and not body:
            return "empty"
        return str(response.status)
    except (http.client.HTTPException, ConnectionError, TimeoutError) as error:
        return type(error).__name__
    finally:
        connection.close()


def fault_run(spec: str, paths: list[str]) -> tuple[list[list[str]], dict[str, Any]]:
    with ReplicaServer("--articles", "60", "--faults", spec) as server:
        outcomes = []
        for path in paths:
            attempts = [raw_get(server.host_port, path) for _ in range(3)]
            outcomes.append(attempts)
        stats = json.loads(fetch(server.url("/__replica/stats"))[2])
        for _ in range(3):
            assert raw_get(server.host_port, "/robots.txt") == "200"
    return outcomes, stats


def test_faults_are_served_deterministically_and_retries_succeed() -> None:
    spec = "500=0.08,503=0.08,429=0.08,reset=0.08,truncate=0.08,loop=0.08,errorpage=0.08,seed=5"
    site = build_site(60)
    paths = [p.path for p in site.articles[:30]] + ["/", "/feed/", "/all-stories/page/2/"]
    first, stats = fault_run(spec, paths)
    second, _ = fault_run(spec, paths)
    assert first == second
    faulty = [o for attempts in first for o in attempts if o != "200"]
    assert len(faulty) >= 10
    assert {"500", "503", "429", "302"} <= set(faulty)
    assert all(attempts[2] == "200" for attempts in first)
    assert stats["faults_total"] == len(faulty)
    assert set(stats["faults"]) <= {"500", "503", "429", "reset", "truncate", "loop", "errorpage"}


def test_slow_faults_stall_and_trickle() -> None:
    outcomes, stats = fault_run(
        "stall=0.5,trickle=0.5,seed=2,stall_seconds=0.3,trickle_seconds=0.3",
        [SEED_PATH, "/about-us/"],
    )
    for attempts in outcomes:
        assert attempts[2] == "200"
    assert stats["faults_total"] == 4
    assert set(stats["faults"]) <= {"stall", "trickle"}
    kinds = [o for attempts in outcomes for o in attempts[:2]]
    # A trickled answer completes (200); a stalled one is cut off without a response.
    assert ("200" in kinds) == ("trickle" in stats["faults"])
    assert any(k != "200" for k in kinds) == ("stall" in stats["faults"])
