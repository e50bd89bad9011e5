"""``python -m tests.replica``: serve the offline replica of ifpnews.com on 127.0.0.1.

The first line on stdout is the base URL (``http://127.0.0.1:PORT/``), flushed before
serving; the server then runs until SIGTERM or SIGINT and prints its request and fault
counts to stderr on the way out. ``--manifest`` prints the manifest JSON and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import logging
import signal
import sys
import time
from collections.abc import Sequence

from tests.replica.content import THEMES, Site, build_site
from tests.replica.faults import FaultPlan, parse_faults
from tests.replica.routes import App
from tests.replica.server import ReplicaHttpServer

logger = logging.getLogger("tests.replica")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.replica",
        description="Serve an offline replica of ifpnews.com (a WordPress news site).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=0, help="port (0: any free port)")
    parser.add_argument("--articles", type=int, default=500, help="number of base articles")
    parser.add_argument("--seed", type=int, default=0, help="content seed")
    parser.add_argument("--add", type=int, default=0, help="articles published after the base")
    parser.add_argument("--edit", type=int, default=0, help="base articles edited later")
    parser.add_argument("--theme", choices=THEMES, default="tagdiv")
    parser.add_argument("--no-sitemap", action="store_true", help="answer 404 for sitemaps")
    parser.add_argument("--no-rest", action="store_true", help="answer 404 for /wp-json/")
    parser.add_argument("--faults", default="", help="fault spec, e.g. rate=0.1,seed=7")
    parser.add_argument("--manifest", action="store_true", help="print the manifest and exit")
    return parser


def site_from_args(args: argparse.Namespace) -> Site:
    return build_site(
        articles=args.articles,
        seed=args.seed,
        add=args.add,
        edit=args.edit,
        theme=args.theme,
        sitemap=not args.no_sitemap,
        rest=not args.no_rest,
    )


async def _serve(server: ReplicaHttpServer, app: App, faults: FaultPlan | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await server.serve(app, faults, stop)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    try:
        if not ipaddress.ip_address(args.host).is_loopback:
            parser.error("the replica binds loopback addresses only (e.g. 127.0.0.1)")
    except ValueError:
        parser.error(f"--host must be an IP address, not {args.host!r}")
    try:
        faults = FaultPlan(parse_faults(args.faults)) if args.faults else None
        started = time.perf_counter()
        site = site_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    if args.manifest:
        json.dump(site.manifest(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    server = ReplicaHttpServer(args.host, args.port)
    app = App(site, server.base_url)
    logger.info(
        "replica: %d articles (%d added, %d edited), theme %s, built in %.2fs",
        len(site.articles),
        args.add,
        args.edit,
        args.theme,
        time.perf_counter() - started,
    )
    print(server.base_url, flush=True)
    asyncio.run(_serve(server, app, faults))
    sys.stderr.write("replica stats: " + json.dumps(server.stats_dict()) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
