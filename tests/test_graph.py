"""The link graph from plain rows; GraphML and CSV edge lists on real files."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from ifpcrawl.graph import (
    EDGE_COLUMNS,
    Window,
    build_graph,
    index_articles,
    select_links,
    write_edges_csv,
    write_graphml,
)

U = "https://ifpnews.com"


def art(article_id: int, published_at: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "id": article_id,
        "url": f"{U}/a{article_id}/",
        "title": f"Article {article_id}",
        "section": "Politics" if article_id % 2 else None,
        "published_at": published_at,
        "body": "long text " * 50,
        **extra,
    }


ARTICLES = [
    art(1, "2024-05-01T10:00:00+04:30"),
    art(2, "2024-05-02T10:00:00+04:30"),
    art(3, "2024-06-01T10:00:00+04:30"),
    art(4, None),  # no date: only in unbounded graphs
    art(5, "2024-04-30T23:00:00+00:00"),  # 2024-05-01T03:30 in Tehran, still April in UTC
]


def link(src: int, dst: int | None, kind: str, anchor: str = "", url: str | None = None) -> dict:
    return {
        "src_id": src,
        "dst_id": dst,
        "dst_url": url or (f"{U}/a{dst}/" if dst is not None else None),
        "kind": kind,
        "anchor_text": anchor,
    }


LINKS = [
    link(1, 2, "body", "second story"),
    link(1, 2, "related", "Article 2"),
    link(1, 3, "recent"),
    link(2, 1, "body", "first"),
    link(2, None, "body", "Reuters", url="https://reuters.com/x"),
    link(3, None, "body", "", url=f"{U}/not-stored-yet/"),
    link(3, 3, "body", "self"),
    link(4, 1, "related"),
    link(99, 1, "body"),  # source unknown (e.g. deleted): ignored
]


def test_build_graph_nodes_edges_and_merged_kinds() -> None:
    graph = build_graph(ARTICLES, LINKS)
    assert set(graph.nodes) == {1, 2, 3, 4, 5}
    assert set(graph.edges) == {(1, 2), (1, 3), (2, 1), (4, 1)}
    edge = graph.edges[1, 2]
    assert edge == {"kind": "body,related", "anchor_text": "second story", "count": 2}
    assert graph.edges[1, 3]["kind"] == "recent"
    assert graph.nodes[1]["title"] == "Article 1"
    assert graph.nodes[1]["url"] == f"{U}/a1/"
    assert "body" not in graph.nodes[1]
    assert not graph.has_edge(3, 3)


def test_build_graph_kind_filter() -> None:
    graph = build_graph(ARTICLES, LINKS, kinds=["related"])
    assert set(graph.edges) == {(1, 2), (4, 1)}
    assert graph.edges[1, 2] == {"kind": "related", "anchor_text": "Article 2", "count": 1}


def test_build_graph_date_window_compares_instants_not_strings() -> None:
    since = datetime(2024, 5, 1, tzinfo=UTC)
    until = datetime(2024, 5, 31, tzinfo=UTC)
    graph = build_graph(ARTICLES, LINKS, since=since, until=until)
    # 1 and 2 are in May; 3 (June) joins as a link target; 5 is April in UTC; 4 has no date
    assert set(graph.nodes) == {1, 2, 3}
    assert set(graph.edges) == {(1, 2), (1, 3), (2, 1)}


def test_build_graph_external_nodes() -> None:
    graph = build_graph(ARTICLES, LINKS, include_external=True)
    assert graph.has_edge(2, "https://reuters.com/x")
    assert graph.has_edge(3, f"{U}/not-stored-yet/")
    assert graph.nodes["https://reuters.com/x"]["node_kind"] == "external"
    assert graph.nodes[1]["node_kind"] == "article"


@pytest.mark.parametrize(
    ("published_at", "expected"),
    [
        ("2024-05-01T00:00:00+00:00", True),
        ("2024-05-01T03:59:59+04:30", False),
        ("2024-05-01T04:30:00+04:30", True),
        ("2024-05-02T00:00:00+00:00", False),
        ("2024-05-01T12:00:00", True),
        (None, False),
        ("garbage", False),
    ],
)
def test_window(published_at: str | None, expected: bool) -> None:
    window = Window(datetime(2024, 5, 1, tzinfo=UTC), datetime(2024, 5, 2, tzinfo=UTC))
    assert window.contains(published_at) is expected


def test_graphml_round_trip_with_none_values(tmp_path: Path) -> None:
    graph = build_graph(ARTICLES, LINKS, include_external=True)
    assert any(data.get("section") is None for _, data in graph.nodes(data=True))
    path = tmp_path / "graph.graphml"
    write_graphml(graph, path)
    loaded = nx.read_graphml(path)
    assert loaded.number_of_nodes() == graph.number_of_nodes()
    assert loaded.number_of_edges() == graph.number_of_edges()
    assert loaded.nodes["4"]["published_at"] == ""
    assert loaded.edges["1", "2"]["kind"] == "body,related"
    assert loaded.edges["1", "2"]["count"] == 2


def test_graphml_of_an_empty_graph(tmp_path: Path) -> None:
    path = tmp_path / "empty.graphml"
    write_graphml(build_graph([], []), path)
    assert nx.read_graphml(path).number_of_nodes() == 0


def test_edges_csv_one_line_per_link(tmp_path: Path) -> None:
    index = index_articles(ARTICLES)
    rows = list(select_links(index, LINKS, include_external=True))
    path = tmp_path / "edges.csv"
    with path.open("w", encoding="utf-8", newline="") as fp:
        assert write_edges_csv(rows, fp) == len(rows) == 7
    with path.open(encoding="utf-8", newline="") as fp:
        records = list(csv.DictReader(fp))
    assert list(records[0]) == list(EDGE_COLUMNS)
    assert records[0] == {
        "src_id": "1",
        "src_url": f"{U}/a1/",
        "dst_id": "2",
        "dst_url": f"{U}/a2/",
        "kind": "body",
        "anchor_text": "second story",
    }
    external = [r for r in records if r["dst_url"] == "https://reuters.com/x"]
    assert external == [
        {
            "src_id": "2",
            "src_url": f"{U}/a2/",
            "dst_id": "",
            "dst_url": "https://reuters.com/x",
            "kind": "body",
            "anchor_text": "Reuters",
        }
    ]


def test_edges_csv_neutralizes_anchor_text() -> None:
    fp = io.StringIO(newline="")
    rows = [
        {
            "src_id": 1,
            "src_url": "u",
            "dst_id": 2,
            "dst_url": "v",
            "kind": "body",
            "anchor_text": "=cmd|' /C calc'!A0",
        }
    ]
    write_edges_csv(rows, fp)
    assert "'=cmd" in fp.getvalue()
