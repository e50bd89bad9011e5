"""Pictures of the link graph a person can read: a neighbourhood or the most-linked articles.

A whole archive (thousands of nodes) is a hairball; these select a small part of the graph
built by :func:`ifpcrawl.graph.build_graph` and write it as DOT (pydot, for Graphviz) or draw
it with networkx and matplotlib (SVG or PNG). Both are in the optional extra
``ifpcrawl[report]``; this module is imported only when a picture or DOT is asked for.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import matplotlib

matplotlib.use("Agg")  # no display: render to files only

import networkx as nx
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

#: Kinds that say one article points a reader at another (``recent`` is the site sidebar,
#: the same on every page: it would make every recent article "most linked").
READER_KINDS = ("body", "related")
#: More articles than this make a picture nobody can read.
MAX_NODES = 120
LABEL_WIDTH = 28
LABEL_CHARS = 60
KIND_COLOURS = {"body": "tab:blue", "related": "tab:orange", "recent": "tab:gray"}


class SelectionError(ValueError):
    """The selection names nothing in the graph (one line for the user)."""


def node_for_url(graph: nx.DiGraph[Any], url: str) -> Any:
    for node, data in graph.nodes(data=True):
        if data.get("url") == url:
            return node
    raise SelectionError(f"no article with URL {url} in the graph (check --kind/--since)")


def around(graph: nx.DiGraph[Any], url: str, depth: int) -> nx.DiGraph[Any]:
    """The articles within ``depth`` links of ``url``, whichever way the links point."""
    if depth < 1:
        raise SelectionError("--depth must be at least 1")
    centre = node_for_url(graph, url)
    nodes = nx.ego_graph(graph.to_undirected(as_view=True), centre, radius=depth).nodes
    if len(nodes) > MAX_NODES:
        raise SelectionError(
            f"{len(nodes)} articles within {depth} link(s) of {url}: too many to draw"
            f" readably (at most {MAX_NODES}); lower --depth or narrow --kind"
        )
    sub: nx.DiGraph[Any] = graph.subgraph(nodes).copy()
    sub.graph["centre"] = centre
    return sub


def reader_links(graph: nx.DiGraph[Any]) -> nx.DiGraph[Any]:
    """The graph without edges that are only ``recent`` (sidebar) links: those join every
    article to the latest few and would make every neighbourhood the whole archive."""
    kept: nx.DiGraph[Any] = graph.copy()
    kept.remove_edges_from(
        [
            (src, dst)
            for src, dst, data in graph.edges(data=True)
            if not set(str(data.get("kind", "")).split(",")) & set(READER_KINDS)
        ]
    )
    return kept


def inbound(graph: nx.DiGraph[Any], node: Any, kinds: Iterable[str] = READER_KINDS) -> int:
    wanted = set(kinds)
    return sum(
        1
        for _, _, data in graph.in_edges(node, data=True)
        if wanted & set(str(data.get("kind", "")).split(","))
    )


def most_linked(graph: nx.DiGraph[Any], top: int) -> nx.DiGraph[Any]:
    """The ``top`` articles with the most inbound body/related links, and the links
    between them (ties: the lower node id first, so the picture is stable)."""
    if not 1 <= top <= MAX_NODES:
        raise SelectionError(f"--top must be between 1 and {MAX_NODES}")
    ranked = sorted(
        (node for node, data in graph.nodes(data=True) if data.get("node_kind") != "external"),
        key=lambda node: (-inbound(graph, node), _order(node)),
    )
    chosen = ranked[:top]
    sub: nx.DiGraph[Any] = graph.subgraph(chosen).copy()
    for node in chosen:
        sub.nodes[node]["inbound"] = inbound(graph, node)
    return sub


def primary_kind(kinds: str) -> str:
    """The kind an edge is drawn as: body over related over recent."""
    present = set(kinds.split(","))
    return next((kind for kind in KIND_COLOURS if kind in present), "")


def _order(node: Any) -> tuple[int, int, str]:
    """Article ids in number order (the older article first), then URLs."""
    return (0, node, "") if isinstance(node, int) else (1, 0, str(node))


def label(data: dict[str, Any]) -> str:
    title = str(data.get("title") or data.get("url") or "?")
    if len(title) > LABEL_CHARS:
        title = title[: LABEL_CHARS - 3] + "..."
    text = "\n".join(textwrap.wrap(title, LABEL_WIDTH))
    if "inbound" in data:
        text += f"\n({data['inbound']} in)"
    return text


def write_dot(graph: nx.DiGraph[Any], fp: IO[str]) -> None:
    """DOT for Graphviz (``dot -Tsvg graph.dot > graph.svg``): nodes labelled with their
    titles, edges with their kinds."""
    dot = nx.DiGraph()
    dot.graph["graph"] = {"rankdir": "LR", "overlap": "false"}
    dot.graph["node"] = {"shape": "box", "style": "rounded", "fontsize": "10"}
    centre = graph.graph.get("centre")
    for node, data in graph.nodes(data=True):
        attrs = {"label": label(data), "tooltip": str(data.get("url") or node)}
        if node == centre:
            attrs["penwidth"] = "2.5"
        dot.add_node(f"n{node}" if isinstance(node, int) else str(node), **_quoted(attrs))
    for src, dst, data in graph.edges(data=True):
        kinds = str(data.get("kind", ""))
        dot.add_edge(
            f"n{src}" if isinstance(src, int) else str(src),
            f"n{dst}" if isinstance(dst, int) else str(dst),
            **_quoted({"label": kinds, "color": _dot_colour(kinds)}),
        )
    fp.write(nx.nx_pydot.to_pydot(dot).to_string())


def _quoted(attrs: dict[str, str]) -> dict[str, str]:
    # pydot writes values as given: quote them so titles with spaces and colons stay one value.
    return {
        key: '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        for key, value in attrs.items()
    }


def _dot_colour(kinds: str) -> str:
    colours = {"body": "#1f77b4", "related": "#ff7f0e", "recent": "#7f7f7f"}
    return colours.get(primary_kind(kinds), "black")


def draw(graph: nx.DiGraph[Any], title: str) -> Figure:
    """The graph drawn with a force-directed layout, titles as labels, edges by kind."""
    size = max(6.0, min(16.0, 2.2 * graph.number_of_nodes() ** 0.5))
    figure = Figure(figsize=(size * 1.4, size), layout="constrained")
    axes = figure.subplots()
    axes.set_axis_off()
    axes.set_title(title, fontsize=11)
    if graph.number_of_nodes() == 0:
        axes.text(0.5, 0.5, "no articles selected", ha="center", va="center")
        return figure
    # A fixed seed: the same graph is drawn the same way every time.
    layout = nx.spring_layout(graph, seed=7, k=1.5 / max(1, graph.number_of_nodes()) ** 0.5)
    centre = graph.graph.get("centre")
    sizes = [
        600 if node == centre else 120 + 40 * int(data.get("inbound", 0))
        for node, data in graph.nodes(data=True)
    ]
    colours = ["tab:red" if node == centre else "tab:blue" for node in graph.nodes]
    nx.draw_networkx_nodes(graph, layout, ax=axes, node_size=sizes, node_color=colours, alpha=0.8)
    for kind, colour in KIND_COLOURS.items():
        edges = [
            (src, dst)
            for src, dst, data in graph.edges(data=True)
            if primary_kind(str(data.get("kind", ""))) == kind
        ]
        if edges:
            nx.draw_networkx_edges(
                graph,
                layout,
                edgelist=edges,
                ax=axes,
                edge_color=colour,
                arrows=True,
                arrowsize=10,
                width=1.2,
                alpha=0.7,
            )
    nx.draw_networkx_labels(
        graph,
        layout,
        labels={node: label(data) for node, data in graph.nodes(data=True)},
        ax=axes,
        font_size=7,
        verticalalignment="bottom",
    )
    # Arrows carry no legend labels: one line handle per kind drawn.
    drawn = {primary_kind(str(data.get("kind", ""))) for _, _, data in graph.edges(data=True)}
    handles = [
        Line2D([], [], color=colour, label=kind)
        for kind, colour in KIND_COLOURS.items()
        if kind in drawn
    ]
    if handles:
        axes.legend(
            handles=handles, loc="lower right", fontsize=8, frameon=False, title="link kind"
        )
    return figure


def write_picture(graph: nx.DiGraph[Any], path: str, title: str) -> bytes:
    """The drawing as SVG or PNG (by ``path``'s extension); returns the bytes."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".svg", ".png"):
        raise SelectionError(f"--picture must end in .svg or .png, not {suffix or path!r}")
    figure = draw(graph, title)
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "ifpcrawl"}):
        figure.savefig(buffer, format=suffix[1:], dpi=110, metadata=_metadata(suffix))
    return buffer.getvalue()


def _metadata(suffix: str) -> dict[str, Any]:
    # No creation date: the same graph gives the same file.
    return {"Date": None} if suffix == ".svg" else {"Software": None}
