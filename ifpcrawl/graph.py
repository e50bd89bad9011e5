"""The article link graph: which article links to which, and how (body / related / recent).

Built from plain rows (``Store.iter_articles`` and ``Store.iter_links``), so it can be
tested and reused without a store. Nodes are article ids; with ``include_external`` the
unresolved targets (off-site URLs, on-site pages not stored) are nodes too, keyed by URL.

One DiGraph edge per (source, target): when an article links to the same target from
several places (its body and its related block), the edge's ``kind`` lists them all
(``"body,related"``), ``count`` says how many link rows were merged, and ``anchor_text``
is the first non-empty one. The CSV edge list keeps one line per link row instead.
"""

from __future__ import annotations

import csv
import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

from ifpcrawl.exports import neutralize_cell, parse_stored_time

if TYPE_CHECKING:
    import networkx as nx

logger = logging.getLogger(__name__)

NODE_FIELDS = ("title", "url", "section", "published_at")
EDGE_COLUMNS = ("src_id", "src_url", "dst_id", "dst_url", "kind", "anchor_text")


@dataclass(frozen=True)
class Window:
    """Which source articles count: published in [since, until) (None: open end).

    Articles without a usable ``published_at`` are kept only when no bound is set.
    """

    since: datetime | None = None
    until: datetime | None = None

    def contains(self, published_at: Any) -> bool:
        if self.since is None and self.until is None:
            return True
        moment = parse_stored_time(published_at)
        if moment is None:
            return False
        if self.since is not None and moment < self.since:
            return False
        return self.until is None or moment < self.until


def index_articles(articles: Iterable[Mapping[str, Any]]) -> dict[int, dict[str, Any]]:
    """id -> node attributes; bodies are dropped as rows stream by."""
    return {
        int(row["id"]): {name: row.get(name) for name in NODE_FIELDS}
        for row in articles
        if row.get("id") is not None
    }


def select_links(
    index: Mapping[int, Mapping[str, Any]],
    links: Iterable[Mapping[str, Any]],
    kinds: Iterable[str] | None = None,
    window: Window | None = None,
    include_external: bool = False,
) -> Iterator[dict[str, Any]]:
    """Edge rows (``EDGE_COLUMNS``) for the links that pass the filters.

    A link counts when its kind is wanted, its source is a known article published in
    the window, and its target resolved to a known article (or ``include_external``).
    Self links (an article pointing at its own URL) carry nothing and are skipped.
    """
    wanted = set(kinds) if kinds is not None else None
    window = window or Window()
    for link in links:
        kind = str(link.get("kind") or "")
        if wanted is not None and kind not in wanted:
            continue
        src_id = _as_id(link.get("src_id"))
        source = index.get(src_id) if src_id is not None else None
        if src_id is None or source is None or not window.contains(source.get("published_at")):
            continue
        dst_id = _as_id(link.get("dst_id"))
        target = index.get(dst_id) if dst_id is not None else None
        if target is None and not (include_external and link.get("dst_url")):
            continue
        if dst_id == src_id:
            continue
        yield {
            "src_id": src_id,
            "src_url": source.get("url"),
            "dst_id": dst_id if target is not None else None,
            "dst_url": link.get("dst_url") or (target or {}).get("url"),
            "kind": kind,
            "anchor_text": link.get("anchor_text") or "",
        }


def _as_id(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def build_graph(
    articles: Iterable[Mapping[str, Any]],
    links: Iterable[Mapping[str, Any]],
    kinds: Iterable[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    include_external: bool = False,
) -> nx.DiGraph[Any]:
    """The link graph of the articles published in [since, until).

    Nodes: every article in the window, plus the targets of its links (which may be
    older or newer). Node attributes: title, url, section, published_at, ``node_kind``
    ("article" or "external"). Edge attributes: kind, anchor_text, count.
    """
    import networkx as nx  # imported when used: ~90 ms every crawl's start-up

    index = index_articles(articles)
    window = Window(since, until)
    graph: nx.DiGraph[Any] = nx.DiGraph()
    for article_id, attrs in index.items():
        if window.contains(attrs.get("published_at")):
            graph.add_node(article_id, node_kind="article", **attrs)
    for row in select_links(index, links, kinds, window, include_external):
        src, dst = row["src_id"], row["dst_id"]
        if dst is None:
            dst = row["dst_url"]
            if dst not in graph:
                graph.add_node(dst, node_kind="external", url=dst)
        elif dst not in graph:
            graph.add_node(dst, node_kind="article", **index[dst])
        _add_edge(graph, src, dst, row["kind"], row["anchor_text"])
    return graph


def _add_edge(graph: nx.DiGraph[Any], src: Any, dst: Any, kind: str, anchor_text: str) -> None:
    if not graph.has_edge(src, dst):
        graph.add_edge(src, dst, kind=kind, anchor_text=anchor_text, count=1)
        return
    data = graph.edges[src, dst]
    kinds = data["kind"].split(",")
    if kind not in kinds:
        data["kind"] = ",".join(sorted([*kinds, kind]))
    if not data["anchor_text"]:
        data["anchor_text"] = anchor_text
    data["count"] += 1


def _graphml_safe(value: Any) -> Any:
    """GraphML has no null and only scalar types: None -> "", others -> str."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def graphml_ready(graph: nx.DiGraph[Any]) -> nx.DiGraph[Any]:
    """A copy whose attribute values GraphML can hold.

    Every node gets every node attribute (``""`` when missing): the GraphML writer infers
    one type per attribute key, and a key that is a string on one node must not be
    missing-then-typed-otherwise on another.
    """
    import networkx as nx  # imported when used: ~90 ms every crawl's start-up

    node_keys = sorted({key for _, data in graph.nodes(data=True) for key in data})
    ready: nx.DiGraph[Any] = nx.DiGraph()
    for node, data in graph.nodes(data=True):
        ready.add_node(node, **{key: _graphml_safe(data.get(key)) for key in node_keys})
    for src, dst, data in graph.edges(data=True):
        ready.add_edge(src, dst, **{key: _graphml_safe(value) for key, value in data.items()})
    return ready


def write_graphml(graph: nx.DiGraph[Any], path: str | os.PathLike[str] | IO[bytes]) -> None:
    """Write GraphML that ``networkx.read_graphml`` (and Gephi, yEd) load back."""
    import networkx as nx  # imported when used: ~90 ms every crawl's start-up

    nx.write_graphml(graphml_ready(graph), path, encoding="utf-8")


def write_edges_csv(rows: Iterable[Mapping[str, Any]], fp: IO[str]) -> int:
    """CSV edge list (``EDGE_COLUMNS``), one line per link row; returns the row count.

    ``fp`` must be opened with ``newline=""``. Text cells are neutralized against
    spreadsheet formulas like the article CSV (see :mod:`ifpcrawl.exports`).
    """
    writer = csv.writer(fp, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(EDGE_COLUMNS)
    count = 0
    for row in rows:
        writer.writerow([_edge_cell(name, row.get(name)) for name in EDGE_COLUMNS])
        count += 1
    return count


def _edge_cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in ("src_id", "dst_id") and isinstance(value, int):
        return str(value)
    return neutralize_cell(str(value))
