"""``scrapy graph``: the article link graph as GraphML and/or a CSV edge list.

Dates select source articles by their publication instant (offsets compared as
instants, not as strings); ``--until DATE`` includes that whole day (UTC).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, ClassVar

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
from ifpcrawl.graph import (
    Window,
    build_graph,
    index_articles,
    select_links,
    write_edges_csv,
    write_graphml,
)
from ifpcrawl.items import LINK_KINDS


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
        return "[-o graph.graphml] [--edges edges.csv] [options]"

    def short_desc(self) -> str:
        return "Export the article link graph (GraphML, CSV edge list)"

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
        add_store_option(parser)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        with quiet_broken_pipe():
            self._run(args, opts)

    def _run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            if args:
                raise CommandError(f"unexpected arguments: {' '.join(args)}")
            self._graph(opts)
        except CommandError as exc:
            self.exitcode = fail("graph", exc)

    def _graph(self, opts: argparse.Namespace) -> None:
        if not opts.output and not opts.edges:
            raise CommandError("nothing to write: give -o FILE.graphml and/or --edges FILE.csv")
        kinds = parse_kinds(opts.kind)
        window = parse_window(opts.since, opts.until)
        store = open_existing_store(store_target(opts, self.settings))
        try:
            index = index_articles(store.iter_articles())
            if opts.output:
                rows = ({"id": key, **attrs} for key, attrs in index.items())
                graph = build_graph(
                    rows,
                    store.iter_links(kinds=kinds),
                    kinds=kinds,
                    since=window.since,
                    until=window.until,
                    include_external=opts.external,
                )
                with atomic_output(opts.output, binary=True) as fp:
                    write_graphml(graph, fp)
                print(
                    f"wrote {graph.number_of_nodes()} nodes and {graph.number_of_edges()} "
                    f"edges to {opts.output}",
                    file=sys.stderr,
                )
            if opts.edges:
                edge_rows = select_links(
                    index, store.iter_links(kinds=kinds), kinds, window, opts.external
                )
                with atomic_output(opts.edges) as fp:
                    count = write_edges_csv(edge_rows, fp)
                print(f"wrote {count} links to {opts.edges}", file=sys.stderr)
        finally:
            store.close()
