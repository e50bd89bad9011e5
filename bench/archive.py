"""Archive figures of issue 17 on one replica: WARC vs store size, checks after a SIGKILL.

    python -m bench.archive --articles 500

1. A crawl with ``IFP_WARC_DIR`` on: pages, wall time, WARC bytes and files, store bytes,
   ``warcio check`` on every file.
2. A second crawl into a fresh store, killed with SIGKILL once a third of the articles are
   stored, then rerun to completion: recovered files, ``warcio check`` on every file.
3. ``scrapy reextract`` over the first store: wall time, and the replica's request count
   before and after (it must not move but for the two stats reads).

Pages/s with and without WARC side by side are in ``make bench`` (the ``+ WARC`` row).
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.local import crawl_command, crawl_env
from tests.replica.testing import ReplicaServer


def size_mb(paths: list[Path]) -> float:
    return round(sum(p.stat().st_size for p in paths) / 2**20, 2)


def warcio_check(directory: Path) -> dict[str, Any]:
    files = sorted(directory.glob("*.warc.gz"))
    warcio = Path(sys.executable).parent / "warcio"
    result = subprocess.run(
        [str(warcio), "check", *map(str, files)], capture_output=True, text=True, check=False
    )
    return {
        "files": len(files),
        "open_files_left": len(list(directory.glob("*.open"))),
        "warcio_check_exit": result.returncode,
        "warcio_check_output": (result.stdout + result.stderr).strip()[-500:],
    }


def articles(db: Path) -> int:
    try:
        con = sqlite3.connect(db, timeout=1)
        try:
            return int(con.execute("SELECT count(*) FROM articles").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def requests_served(replica: ReplicaServer) -> int:
    with urllib.request.urlopen(replica.url("/__replica/stats"), timeout=30) as response:
        return int(json.loads(response.read())["requests"])


def crawl(replica: ReplicaServer, db: Path, warc: Path) -> dict[str, Any]:
    started = time.monotonic()
    result = subprocess.run(
        crawl_command(replica.base_url, str(db), {"IFP_WARC_DIR": str(warc)}),
        env=crawl_env(),
        cwd=db.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.monotonic() - started
    con = sqlite3.connect(db)
    stats = json.loads(con.execute("SELECT stats FROM crawl_runs ORDER BY id DESC").fetchone()[0])
    con.close()
    return {
        "exit": result.returncode,
        "wall_s": round(wall, 1),
        "pages": stats.get("downloader/response_count"),
        "articles": articles(db),
        "warc_records": stats.get("ifp/warc/records"),
        "recovered_files": stats.get("ifp/warc/recovered_files", 0),
        "recovered_cut_bytes": stats.get("ifp/warc/recovered_cut_bytes", 0),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.archive")
    parser.add_argument("--articles", type=int, default=500)
    opts = parser.parse_args(argv)
    out: dict[str, Any] = {"articles": opts.articles}
    with (
        tempfile.TemporaryDirectory(prefix="ifp-archive-") as tmp,
        ReplicaServer("--articles", str(opts.articles)) as replica,
    ):
        work = Path(tmp)
        db, warc = work / "ifp.db", work / "warc"
        out["crawl"] = crawl(replica, db, warc)
        out["crawl"]["warc_mb"] = size_mb(list(warc.glob("*")))
        out["crawl"]["store_mb"] = size_mb(list(work.glob("ifp.db*")))
        out["crawl"].update(warcio_check(warc))

        killed_db, killed_warc = work / "killed.db", work / "killed-warc"
        proc = subprocess.Popen(
            crawl_command(replica.base_url, str(killed_db), {"IFP_WARC_DIR": str(killed_warc)}),
            env=crawl_env(),
            cwd=work,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while proc.poll() is None and articles(killed_db) < opts.articles // 3:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        out["killed"] = {
            "articles_at_kill": articles(killed_db),
            "open_files_at_kill": len(list(killed_warc.glob("*.open"))),
        }
        out["rerun"] = crawl(replica, killed_db, killed_warc)
        out["rerun"].update(warcio_check(killed_warc))

        before = requests_served(replica)
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "scrapy", "reextract", "-L", "WARNING",
             "-s", f"IFP_STORE={db}", "--warc-dir", str(warc)],
            env=crawl_env(), cwd=work, capture_output=True, text=True, check=False,
        )  # fmt: skip
        out["reextract"] = {
            "exit": result.returncode,
            "wall_s": round(time.monotonic() - started, 1),
            "replica_requests_during": requests_served(replica) - before - 1,
            "summary": result.stdout.strip().splitlines()[:2],
        }
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
