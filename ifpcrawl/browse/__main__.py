"""``python -m ifpcrawl.browse [STORE] [--port N]``: serve the SQLite store with Datasette.

Binds 127.0.0.1 unless ``--host`` says otherwise (the store is not meant for the internet).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path

from ifpcrawl.browse import metadata_for


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ifpcrawl.browse", description="Browse the store in Datasette."
    )
    parser.add_argument("store", nargs="?", default="ifp.db", help="SQLite store (default ifp.db)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8001, help="port (8001; 0 picks a free one)")
    return parser


def main(argv: list[str] | None = None) -> int:
    opts = build_parser().parse_args(argv)
    store = Path(opts.store.removeprefix("sqlite:///"))
    if "://" in opts.store and not opts.store.startswith("sqlite:///"):
        print("ifpcrawl browse: error: Datasette reads SQLite stores only", file=sys.stderr)
        return 1
    if not store.is_file():
        print(f"ifpcrawl browse: error: store not found: {store}", file=sys.stderr)
        return 1
    if importlib.util.find_spec("datasette") is None:
        print(
            "ifpcrawl browse: error: needs Datasette: pip install 'ifpcrawl[browse]'",
            file=sys.stderr,
        )
        return 1
    # One file per store name, rewritten at each start: nothing piles up in /tmp.
    metadata = Path(tempfile.gettempdir()) / f"ifpcrawl-datasette-{os.getuid()}-{store.stem}.json"
    metadata.write_text(json.dumps(metadata_for(store), indent=1), encoding="utf-8")
    command = [
        sys.executable, "-m", "datasette", "serve", str(store),
        "--metadata", str(metadata), "--host", opts.host, "--port", str(opts.port),
        # A crawl may write meanwhile (WAL): Datasette only reads.
        "--setting", "sql_time_limit_ms", "5000",
    ]  # fmt: skip
    os.execv(sys.executable, command)
    return 0  # not reached: the process is Datasette now


if __name__ == "__main__":
    sys.exit(main())
