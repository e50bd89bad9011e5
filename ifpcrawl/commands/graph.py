"""``scrapy graph``: the article link graph as GraphML and/or a CSV edge list.

Dates select source articles by their publication instant (offsets compared as
instants, not as strings); ``--until DATE`` includes that whole day (UTC).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands import ScrapyCommand

from ifpcrawl.commands._common import (
    CommandError,
    add_store_option,
    atomic_output,
    fail,
    open_existing_store,
    quiet_broken_pipe,
    store_target,
)
from ifpcrawl.exports import parse_when
from ifpcrawl.extras import MissingExtra, require
from ifpcrawl.graph import (
    Window,
    build_graph,
    index_articles,
    select_links,
    write_edges_csv,
    write_graphml,
)
from ifpcrawl.items import LINK_KINDS

if TYPE_CHECKING:
    from types import ModuleType

    import networkx as nx

TOP_DEFAULT = 30


def load_picture_module() -> ModuleType:
    try:
        from ifpcrawl import graphpicture
    except ImportError as exc:
        raise CommandError(
            f"--dot and --picture need matplotlib and pydot ({exc.name} is missing): "
            "pip install 'ifpcrawl[report]'"
        ) from None
    return graphpicture


def merge_note(graph: nx.DiGraph[Any]) -> str:
    """Why the GraphML has fewer edges than the CSV edge list has rows (same filters)."""
    rows = sum(int(data.get("count", 1)) for _, _, data in graph.edges(data=True))
    merged = [data for _, _, data in graph.edges(data=True) if int(data.get("count", 1)) > 1]
    if not merged:
        return f"  (one edge per link row: the CSV edge list has the same {rows} links)"
    merged_rows = sum(int(data["count"]) for data in merged)
    several_kinds = sum(1 for data in merged if "," in str(data.get("kind", "")))
    return (
        f"  ({rows} link rows: GraphML keeps one edge per pair of articles, so {len(merged)} "
        f"edges stand for {merged_rows} rows: "
        f"{several_kinds} link by several kinds (the edge's kind lists them, e.g. "
        f"'body,related'), {len(merged) - several_kinds} by one kind through several URLs "
        f"of the target; each edge's count says how many rows; --edges writes one row per link)"
    )


def parse_kinds(text: str | None) -> list[str] | None:
    """``body,related`` -> ["body", "related"]; None means every kind."""
    if not text:
        return None
    kinds = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [kind for kind in kinds if kind not in LINK_KINDS]
    if unknown or not kinds:
        raise CommandError(
            f"unknown link kind {', '.join(unknown) or text!r} (use {','.join(LINK_KINDS)})"
        )
    return kinds


def parse_window(since: str | None, until: str | None) -> Window:
    try:
        return Window(
            since=parse_when(since) if since else None,
            until=parse_when(until, end_of_day=True) if until else None,
        )
    except ValueError as exc:
        raise CommandError(str(exc)) from None


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return (
            "[-o graph.graphml] [--edges edges.csv] [--dot FILE] [--picture FILE.svg|.png]"
            " [--around URL --depth N | --top N] [options]"
        )

    def short_desc(self) -> str:
        return "Export the article link graph (GraphML, CSV edge list, DOT, a picture)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", metavar="FILE", help="GraphML file to write")
        parser.add_argument("--edges", metavar="FILE", help="CSV edge list to write")
        parser.add_argument(
            "--kind",
            metavar="KINDS",
            help=f"comma-separated link kinds to include ({','.join(LINK_KINDS)}; default all)",
        )
        parser.add_argument("--since", metavar="DATE", help="source articles published since")
        parser.add_argument("--until", metavar="DATE", help="source articles published until")
        parser.add_argument(
            "--external",
            action="store_true",
            help="also include link targets that are not stored articles, as URL nodes",
        )
        parser.add_argument(
            "--dot", metavar="FILE", help="DOT (Graphviz) of the selected articles (--around/--top)"
        )
        parser.add_argument(
            "--picture",
            metavar="FILE",
            help="draw the selected articles to FILE.svg or FILE.png (needs ifpcrawl[report])",
        )
        parser.add_argument(
            "--around",
            metavar="URL",
            help="select the articles near this one (for --dot/--picture)",
        )
        parser.add_argument(
            "--depth", metavar="N", type=int, default=1, help="links away from --around (default 1)"
        )
        parser.add_argument(
            "--top",
            metavar="N",
            type=int,
            default=TOP_DEFAULT,
            help=f"else select the N most-linked articles (default {TOP_DEFAULT})",
        )
        add_store_option(parser)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        with quiet_broken_pipe():
            self._run(args, opts)

    def _run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            if args:
                raise CommandError(f"unexpected arguments: {' '.join(args)}")
            self._graph(opts)
        except (CommandError, MissingExtra) as exc:
            self.exitcode = fail("graph", exc)

    def _graph(self, opts: argparse.Namespace) -> None:
        if not (opts.output or opts.edges or opts.dot or opts.picture):
            raise CommandError(
                "nothing to write: give -o FILE.graphml, --edges FILE.csv, --dot FILE"
                " and/or --picture FILE.svg"
            )
        if opts.output or opts.dot or opts.picture:  # the CSV edge list needs no networkx
            require("graph", "scrapy graph -o/--dot/--picture")
        picture_module = load_picture_module() if (opts.dot or opts.picture) else None
        kinds = parse_kinds(opts.kind)
        window = parse_window(opts.since, opts.until)
        store = open_existing_store(store_target(opts, self.settings))
        try:
            index = index_articles(store.iter_articles())
            if opts.output or picture_module is not None:
                rows = ({"id": key, **attrs} for key, attrs in index.items())
                graph = build_graph(
                    rows,
                    store.iter_links(kinds=kinds),
                    kinds=kinds,
                    since=window.since,
                    until=window.until,
                    include_external=opts.external,
                )
            if opts.output:
                with atomic_output(opts.output, binary=True) as fp:
                    write_graphml(graph, fp)
                print(
                    f"wrote {graph.number_of_nodes()} nodes and {graph.number_of_edges()} "
                    f"edges to {opts.output}",
                    file=sys.stderr,
                )
                print(merge_note(graph), file=sys.stderr)
            if picture_module is not None:
                self._picture(picture_module, graph, opts)
            if opts.edges:
                edge_rows = select_links(
                    index, store.iter_links(kinds=kinds), kinds, window, opts.external
                )
                with atomic_output(opts.edges) as fp:
                    count = write_edges_csv(edge_rows, fp)
                print(f"wrote {count} links to {opts.edges}", file=sys.stderr)
        finally:
            store.close()

    def _picture(
        self, module: ModuleType, graph: nx.DiGraph[Any], opts: argparse.Namespace
    ) -> None:
        if opts.kind is None:
            graph = module.reader_links(graph)  # recent (sidebar) links only with --kind
        try:
            if opts.around:
                selected = module.around(graph, opts.around, opts.depth)
                what = f"articles within {opts.depth} link(s) of {opts.around}"
            else:
                selected = module.most_linked(graph, opts.top)
                what = f"the {opts.top} most-linked articles (inbound body and related links)"
            if opts.dot:
                with atomic_output(opts.dot) as fp:
                    module.write_dot(selected, fp)
                print(f"wrote DOT of {what} to {opts.dot}", file=sys.stderr)
            if opts.picture:
                data = module.write_picture(selected, opts.picture, what)
                with atomic_output(opts.picture, binary=True) as fp:
                    fp.write(data)
                print(
                    f"wrote a picture of {what} to {opts.picture} "
                    f"({selected.number_of_nodes()} articles, {selected.number_of_edges()} links)",
                    file=sys.stderr,
                )
        except module.SelectionError as exc:
            raise CommandError(str(exc)) from None
