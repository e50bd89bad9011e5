"""`scrapy graph --dot/--picture` (a neighbourhood, the most-linked articles) and the note
that explains GraphML edges against CSV rows; a real store, the real CLI."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest

from ifpcrawl.items import Article, Link

REPO = Path(__file__).resolve().parents[1]
U = "https://ifpnews.com"
N = 30


def url(n: int) -> str:
    return f"{U}/story-{n}/"


def article(n: int) -> Article:
    body = " ".join(f"word{n}x{i}" for i in range(40 + n))
    links = [Link(url=url(d), kind="body") for d in range(2, n) if n % d == 0]
    if n < N:
        links.append(Link(url=url(n + 1), kind="related"))
        if n % 5 == 0:  # the same target from the body too: two rows, one GraphML edge
            links.append(Link(url=url(n + 1), kind="body"))
    links += [Link(url=url(k), kind="recent") for k in (1, 2, 3) if k != n]
    return Article(
        url=url(n),
        title=f"Story {n}: a headline long enough to be wrapped on two lines",
        body=body,
        section="Politics",
        published_at="2025-01-01T10:00:00+03:30",
        word_count=len(body.split()),
        content_hash=hashlib.sha256(body.encode()).hexdigest(),
        links=links,
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from ifpcrawl.store import open_store

    path = tmp_path_factory.mktemp("graph") / "ifp.db"
    db = open_store(str(path))
    try:
        for _ in range(2):  # the second pass resolves every link to its stored target
            for n in range(1, N + 1):
                db.upsert_article(article(n), "2025-01-02T00:00:00+00:00")
    finally:
        db.close()
    yield path


def graph_cli(store: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "graph", "--store", str(store), *argv],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def reader_edges(store: Path) -> set[tuple[str, str]]:
    """(source URL, target URL) of every body/related link between stored articles."""
    with sqlite3.connect(store) as db:
        rows = db.execute(
            "SELECT s.url, d.url FROM links l JOIN articles s ON s.id = l.src_id"
            " JOIN articles d ON d.id = l.dst_id"
            " WHERE l.kind IN ('body', 'related') AND l.src_id != l.dst_id"
        ).fetchall()
    return {(src, dst) for src, dst in rows}


def read_dot(path: Path) -> tuple[set[str], set[tuple[str, str]]]:
    """(node URLs, edges as URL pairs) of a DOT file, as Graphviz itself reads it."""
    dot = shutil.which("dot")
    if dot is None:
        if os.environ.get("IFP_REQUIRE_SERVICES"):
            pytest.fail("graphviz is not installed (.ci/run installs it)")
        pytest.skip("graphviz is not installed (apt-get install graphviz)")
    laid_out = subprocess.run(
        [dot, "-Tjson0", str(path)], capture_output=True, text=True, check=True, timeout=60
    )
    graph = json.loads(laid_out.stdout)
    urls = {node["_gvid"]: node["tooltip"] for node in graph.get("objects", [])}
    edges = {(urls[e["tail"]], urls[e["head"]]) for e in graph.get("edges", [])}
    return set(urls.values()), edges


def test_graphml_edges_against_csv_rows_explained(store: Path, tmp_path: Path) -> None:
    result = graph_cli(store, "-o", str(tmp_path / "g.graphml"), "--edges", str(tmp_path / "e.csv"))
    assert result.returncode == 0, result.stderr
    graph = nx.read_graphml(tmp_path / "g.graphml")
    with (tmp_path / "e.csv").open(newline="") as fp:
        rows = list(csv.DictReader(fp))
    pairs = Counter((row["src_id"], row["dst_id"]) for row in rows)
    merged = {pair: count for pair, count in pairs.items() if count > 1}
    # The truth: one GraphML edge per pair of articles, one CSV row per link.
    assert graph.number_of_edges() == len(pairs)
    assert len(rows) - graph.number_of_edges() == sum(merged.values()) - len(merged)
    several = sum(1 for _, _, d in graph.edges(data=True) if "," in d["kind"])
    lines = result.stderr.splitlines()
    assert lines[0] == f"wrote {N} nodes and {len(pairs)} edges to {tmp_path / 'g.graphml'}"
    assert lines[1] == (
        f"  ({len(rows)} link rows: GraphML keeps one edge per pair of articles, so "
        f"{len(merged)} edges stand for {sum(merged.values())} rows: {several} link by "
        f"several kinds (the edge's kind lists them, e.g. 'body,related'), "
        f"{len(merged) - several} by one kind through several URLs of the target; each "
        "edge's count says how many rows; --edges writes one row per link)"
    )
    assert several == len(merged) > 0  # the fixture's n % 5 == 0 pairs (and 1/2/3 recents)
    assert lines[2] == f"wrote {len(rows)} links to {tmp_path / 'e.csv'}"


def test_most_linked_as_dot_and_picture(store: Path, tmp_path: Path) -> None:
    top = 8
    result = graph_cli(
        store,
        "--top",
        str(top),
        "--dot",
        str(tmp_path / "top.dot"),
        "--picture",
        str(tmp_path / "top.svg"),
    )
    assert result.returncode == 0, result.stderr
    edges = reader_edges(store)
    inbound = Counter(dst for _, dst in edges)
    ranked = sorted(
        {u for pair in edges for u in pair} | {url(n) for n in range(1, N + 1)},
        key=lambda u: (-inbound[u], int(u.rsplit("-", 1)[1].strip("/"))),
    )
    expected_nodes = set(ranked[:top])
    nodes, dot_edges = read_dot(tmp_path / "top.dot")
    assert nodes == expected_nodes
    assert dot_edges == {(s, d) for s, d in edges if s in nodes and d in nodes}
    svg = (tmp_path / "top.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert svg.count("<path") > 50  # nodes, arrows and the titles drawn as paths
    assert (
        f"wrote a picture of the {top} most-linked articles (inbound body and related links)"
        f" to {tmp_path / 'top.svg'} ({top} articles, {len(dot_edges)} links)"
    ) in result.stderr


def test_a_neighbourhood(store: Path, tmp_path: Path) -> None:
    centre = url(12)
    result = graph_cli(
        store,
        "--around",
        centre,
        "--depth",
        "1",
        "--dot",
        str(tmp_path / "n.dot"),
        "--picture",
        str(tmp_path / "n.png"),
    )
    assert result.returncode == 0, result.stderr
    edges = reader_edges(store)
    near = {centre} | {d for s, d in edges if s == centre} | {s for s, d in edges if d == centre}
    nodes, dot_edges = read_dot(tmp_path / "n.dot")
    # 12 links to 2, 3, 4, 6 (divisors) and 13 (related); 11 (related) and 24 (body) link to it.
    assert nodes == near == {url(n) for n in (2, 3, 4, 6, 11, 12, 13, 24)}
    assert dot_edges == {(s, d) for s, d in edges if s in near and d in near}

    import numpy as np
    from matplotlib.image import imread

    pixels = np.asarray(imread(tmp_path / "n.png"))[..., :3]
    assert float(pixels.std()) > 0.05  # not a blank image


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--around", f"{U}/nope/", "--dot", "x.dot"), f"no article with URL {U}/nope/"),
        (("--top", "0", "--dot", "x.dot"), "--top must be between 1 and 120"),
        (("--picture", "x.gif"), "--picture must end in .svg or .png, not '.gif'"),
        (("--around", url(1), "--depth", "0", "--dot", "x.dot"), "--depth must be at least 1"),
    ],
)
def test_bad_selections_are_one_line(
    store: Path, tmp_path: Path, argv: tuple[str, ...], message: str
) -> None:
    argv = tuple(str(tmp_path / a) if a.startswith("x.") else a for a in argv)
    result = graph_cli(store, *argv)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].startswith(f"scrapy graph: error: {message}")
    assert not list(tmp_path.glob("x.*"))
