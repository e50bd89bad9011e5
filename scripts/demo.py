"""`make demo`: serve the replica, crawl it into the demo's own store, print what it got.

    .venv/bin/python scripts/demo.py [--articles N] [--store demo.db]

The demo writes ``demo.db`` and nothing else: ``ifp.db`` is the default store of a real
crawl, a user's archive. A store the demo did not make itself is never removed; the demo
marks its own with the ``DEMO_STATE`` key of the ``state`` table. It runs from the checkout
(the replica is test code under tests/, not part of the installed package).
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import time
from pathlib import Path

# Run as a script, Python puts scripts/ first on sys.path; the replica lives in the checkout.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.local import run_crawl
from tests.replica.testing import ReplicaServer

DEMO_STATE = "made_by_demo"
SQLITE_FILES = ("", "-wal", "-shm", ".lock")


def is_demo_store(path: Path) -> bool:
    """Whether ``path`` is a store an earlier demo made (and so the demo may replace)."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        row = con.execute("SELECT value FROM state WHERE key = ?", (DEMO_STATE,)).fetchone()
    except sqlite3.Error:
        return False
    finally:
        con.close()
    return row is not None


def mark_demo_store(path: Path) -> None:
    con = sqlite3.connect(path)
    try:
        with con:
            con.execute(
                "INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", (DEMO_STATE, "1")
            )
    finally:
        con.close()


FIELDS = ("title", "body", "author", "section", "published_at", "modified_at", "tags", "image_url")


def summary(db_path: Path, seconds: float, expected: int) -> str:
    con = sqlite3.connect(db_path)
    try:
        total = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        dups = con.execute(
            "SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL"
        ).fetchone()[0]
        lines = [
            f"articles stored: {total} ({dups} flagged as near-copies; replica serves {expected})",
            "URL variants recorded: "
            f"{con.execute('SELECT count(*) FROM article_urls').fetchone()[0]}",
        ]
        for kind, count, resolved in con.execute(
            "SELECT kind, count(*), sum(dst_id IS NOT NULL) FROM links GROUP BY kind ORDER BY kind"
        ):
            lines.append(f"links[{kind}]: {count} ({resolved} resolve to stored articles)")
        lines.append("field coverage:")
        for name in FIELDS:
            empty = "'[]'" if name == "tags" else "''"
            filled = con.execute(
                f"SELECT count(*) FROM articles WHERE {name} IS NOT NULL AND {name} != {empty}"
            ).fetchone()[0]
            share = filled / total if total else 0.0
            lines.append(f"  {name:<13} {share:7.1%}")
        lines.append(f"time taken: {seconds:.1f} s")
        return "\n".join(lines)
    finally:
        con.close()


def scrapy_command() -> str:
    """`scrapy` as the user's shell can run it: bare when this virtualenv's is the one on
    PATH (activated), else its path (relative to here when it is under here)."""
    bin_dir = Path(sys.executable).parent
    on_path = shutil.which("scrapy")
    if on_path is not None and Path(on_path).parent.resolve() == bin_dir.resolve():
        return "scrapy"
    scrapy = bin_dir / "scrapy"
    try:
        return str(scrapy.relative_to(Path.cwd()))
    except ValueError:
        return str(scrapy)


def closing_note(store: Path, replica_url: str) -> str:
    scrapy = scrapy_command()
    lines = [
        "",
        f"{store.resolve()} is a demo store: a crawl of the local replica (the offline copy",
        f"of ifpnews.com in the ifpcrawl checkout), served at {replica_url} while the demo ran",
        "and stopped now; its article URLs name that address, not ifpnews.com.",
        "Look at it:",
        f"  {scrapy} report --store {store}",
        f"  {scrapy} report --store {store} --html report.html",
        f"  {scrapy} export --store {store} -o articles.csv",
    ]
    if scrapy != "scrapy":
        lines.append(f"(or `. {Path(scrapy).parent}/activate` first, then plain `scrapy ...`)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--store", default="demo.db", help="the demo's own SQLite file")
    args = parser.parse_args(argv)
    store = Path(args.store).resolve()
    if store.exists():
        if not is_demo_store(store):
            print(
                f"demo: {store} was not made by the demo; leaving it alone (give another --store)",
                file=sys.stderr,
            )
            return 1
        for suffix in SQLITE_FILES:
            Path(f"{store}{suffix}").unlink(missing_ok=True)
    with ReplicaServer("--articles", str(args.articles)) as replica:
        expected = len(replica.manifest()["articles"])
        print(f"replica serving {expected} articles at {replica.base_url}", flush=True)
        started = time.monotonic()
        result = run_crawl(replica.base_url, str(store), capture=False)
        seconds = time.monotonic() - started
    if store.exists():
        mark_demo_store(store)
    if result.returncode != 0:
        print(f"crawl exited with status {result.returncode}", file=sys.stderr)
        return result.returncode
    print()
    print(summary(store, seconds, expected))
    print(closing_note(store, replica.base_url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
