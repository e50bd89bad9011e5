"""`scrapy report --html`: a real store, the real CLI, opened in a real headless Chromium.

IFP_REPORT_SCREENSHOT=docs/report.png keeps the screenshot the test takes (how docs/report.png
was made).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from ifpcrawl.items import Article, Link

REPO = Path(__file__).resolve().parents[1]
U = "https://ifpnews.com"
SECTIONS = ("Politics", "Economy", "Sports")
CHARTS = ("Runs", "Field coverage", "Articles per day", "Articles per section", "Most-linked")


def article(n: int) -> Article:
    body = " ".join(f"word{n}x{i}" for i in range(60 + n))
    # Article n links to the articles before it that divide it: 1 is the most linked.
    links = [Link(url=f"{U}/story-{d}/", kind="body") for d in range(1, n) if n % d == 0]
    links.append(Link(url=f"{U}/story-{(n % 5) + 1}/", kind="recent"))  # not counted
    return Article(
        url=f"{U}/story-{n}/",
        title=f"Story number {n}",
        body=body,
        author="IFP Editorial Staff",
        section=SECTIONS[n % 3],
        published_at=f"2025-0{1 + n % 3}-{1 + n % 27:02d}T10:00:00+03:30",
        word_count=len(body.split()),
        content_hash=hashlib.sha256(body.encode()).hexdigest(),
        links=links,
    )


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from ifpcrawl.store import open_store

    path = tmp_path_factory.mktemp("report") / "ifp.db"
    store = open_store(str(path))
    try:
        # Targets first, so every link resolves to a stored article.
        for n in range(1, 41):
            assert store.upsert_article(article(n), "2025-04-01T00:00:00+00:00").status == "new"
        for n in range(1, 41):  # again with links now resolvable: dst_id is set
            store.upsert_article(article(n), "2025-04-01T00:00:00+00:00")
        for day, (new, author) in enumerate(((40, 1.0), (0, 1.0), (3, 0.4)), start=1):
            run_id = store.start_run(U + "/", "incremental", f"2025-04-0{day}T00:00:00+00:00")
            stats = {
                "downloader/response_count": 100 + day,
                "ifp/articles_new": new,
                "ifp/articles_unchanged": 40 - new,
                "ifp/failures": day,
                **{f"ifp/coverage/{f}": 1.0 for f in ("title", "body", "section")},
                "ifp/coverage/author": author,
                "ifp/coverage/published_at": 0.95,
            }
            store.finish_run(run_id, f"2025-04-0{day}T00:0{day}:00+00:00", "finished", stats)
        store.record_failure(
            f"{U}/broken-1/", "http_500", "2025-04-03T00:01:00+00:00", kind="listing", error="boom"
        )
        store.record_failure(f"{U}/broken-2/", "TimeoutError", "2025-04-02T00:01:00+00:00")
        store.record_failure(f"{U}/broken-2/", "TimeoutError", "2025-04-03T00:02:00+00:00")
    finally:
        store.close()
    yield path


def scrapy(*argv: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    code = f"{prelude}from scrapy.cmdline import execute; execute(['scrapy', *{list(argv)!r}])"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("IFP_REQUIRE_SERVICES"):
            pytest.fail("chromium is not installed (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


def browse(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium with nothing that could reach the network on its own."""
    return subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={profile}",
            *args,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture(scope="module")
def report(store_path: Path) -> Path:
    out = store_path.parent / "report.html"
    result = scrapy("report", "--html", str(out), "--store", str(store_path))
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith(f"wrote {out} (3 runs, 40 articles)")
    return out


def test_the_page_is_self_contained(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    # Nothing is loaded from anywhere: no scripts, stylesheets, images, fonts or frames.
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", html, re.I)
    assert not re.search(r"url\((?!#)|@import|xlink:href=\"http|\bsrc=", html, re.I)
    # The only URLs are the article links a reader may click.
    hrefs = set(re.findall(r'href="([^"#]+)"', html))
    assert hrefs <= {f"{U}/story-{n}/" for n in range(1, 41)}


def test_the_data_are_the_stores(store_path: Path) -> None:
    """What the charts draw, compared whole with what SQL says."""
    import sqlite3

    from ifpcrawl import htmlreport
    from ifpcrawl.store import open_store

    store = open_store(str(store_path))
    try:
        data = htmlreport.collect(
            store.last_runs(10), store.iter_articles(), store.iter_links(), [], {}
        )
    finally:
        store.close()
    with sqlite3.connect(store_path) as db:
        sections = Counter(dict(db.execute("SELECT section, count(*) FROM articles GROUP BY 1")))
        days = Counter(
            {
                day: count
                for day, count in db.execute(
                    "SELECT substr(published_at, 1, 10), count(*) FROM articles GROUP BY 1"
                )
            }
        )
        inbound = db.execute(
            "SELECT a.title, a.url, count(*) FROM links l JOIN articles a ON a.id = l.dst_id"
            " WHERE l.kind IN ('body', 'related') GROUP BY l.dst_id"
            " ORDER BY count(*) DESC, l.dst_id LIMIT 15"
        ).fetchall()
    assert data.per_section == sections
    assert {d.isoformat(): c for d, c in data.per_day.items()} == days
    assert data.most_linked == [tuple(row) for row in inbound]
    assert data.most_linked[0] == ("Story number 1", f"{U}/story-1/", 39)
    assert data.total == 40


def test_chromium_renders_every_chart(report: Path, tmp_path: Path) -> None:
    result = browse(report, tmp_path / "profile", "--dump-dom")
    dom = result.stdout
    assert result.returncode == 0 and "<h1>" in dom, result.stderr[-2000:]
    figures = re.findall(r'<figure class="chart">\s*<svg\b(.*?)</svg>\s*</figure>', dom, re.S)
    assert len(figures) == len(CHARTS)
    # Charts carry drawn marks: bars and lines as paths (text is drawn as paths too).
    assert all(figure.count("<path") > 20 for figure in figures)
    headings = re.findall(r"<h2>(.*?)</h2>", dom)
    assert [h for h in headings if h.startswith(CHARTS)] == [
        "Runs",
        "Field coverage",
        "Articles per day",
        "Articles per section",
        "Most-linked articles",
    ]
    failures = re.findall(
        r"<tr><td>(https?://[^<]+)</td><td>(\w+)</td><td>([^<]+)</td><td[^>]*>(\d+)</td>"
        r"<td>([^<]+)</td><td>([^<]*)</td></tr>",
        dom,
    )
    assert failures == [
        (f"{U}/broken-2/", "article", "TimeoutError", "2", "2025-04-03T00:02:00+00:00", ""),
        (f"{U}/broken-1/", "listing", "http_500", "1", "2025-04-03T00:01:00+00:00", "boom"),
    ]


def test_a_screenshot_is_not_blank(report: Path, tmp_path: Path) -> None:
    import numpy as np
    from matplotlib.image import imread

    shot = tmp_path / "report.png"
    result = browse(
        report,
        tmp_path / "profile",
        f"--screenshot={shot}",
        "--window-size=1200,2400",
        "--hide-scrollbars",
    )
    assert result.returncode == 0 and shot.is_file(), result.stderr[-2000:]
    pixels = np.asarray(imread(shot))[..., :3]
    assert pixels.shape[:2] == (2400, 1200)
    # A blank page is one colour; charts put many coloured pixels on white.
    assert float(pixels.std()) > 0.1
    not_white = (pixels < 0.9).any(axis=2).mean()
    coloured = (pixels.max(axis=2) - pixels.min(axis=2) > 0.3).mean()
    assert not_white > 0.05 and coloured > 0.02, (not_white, coloured)
    keep = os.environ.get("IFP_REPORT_SCREENSHOT")
    if keep:
        shutil.copyfile(shot, keep)


def test_without_matplotlib_one_line_names_the_extra(store_path: Path, tmp_path: Path) -> None:
    result = scrapy(
        "report",
        "--html",
        str(tmp_path / "r.html"),
        "--store",
        str(store_path),
        prelude="import sys; sys.modules['matplotlib'] = None; ",
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "scrapy report: error: --html needs matplotlib (matplotlib is missing): "
        "pip install 'ifpcrawl[report]'"
    )
    assert not (tmp_path / "r.html").exists()


def test_the_text_report_is_still_there(store_path: Path) -> None:
    result = scrapy("report", "--store", str(store_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Last 3 run(s), oldest first:")
    assert "author 40.0% (DROP 60.0 pts)" in result.stdout
