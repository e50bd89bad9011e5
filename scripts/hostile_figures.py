"""Figures of issue 15: a crawl of the hostile test site, and the endless case stopped.

Prints the whole crawl's exit status, time, peak RSS (``os.wait4``), requests per trap and
the stop/refusal stats; then the endless case (5,000,000 pages claimed, new articles on
every page) ended by ``CLOSESPIDER_TIMEOUT=20`` and by one SIGINT: how long the stop took,
the run's row, the queue left and the articles stored.

    .venv/bin/python scripts/hostile_figures.py
"""

from __future__ import annotations

import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.hostile_site import HostileSite
from tests.test_hostile import SETTINGS, Run, start_crawl, wait_child

TRAPS = (
    "/category/endless/",
    "/category/claims/",
    "/category/fresh/",
    "/wp-json/",
    "/tokened/",
    "/events/",
    "/category/deep-",
)
COUNTED = ("ifp/trap", "ifp/offsite", "ifp/refused", "ifp/text/surrogates")


def whole_site() -> None:
    with HostileSite() as site, tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        proc, db, log = start_crawl(site, Path(tmp), SETTINGS)
        code, elapsed, rss = wait_child(proc, started, 300)
        run = Run(code, elapsed, rss, log.read_text(errors="replace"), db)
        print(
            f"hostile site: exit {code}, {elapsed:.1f} s, peak RSS {rss:.0f} MB, "
            f"{len(site.requests)} requests, {len(site.other_hits)} to the other origin, "
            f"{len(run.articles())} articles stored"
        )
        for prefix in TRAPS:
            print(f"  requests {prefix}: {len(site.hits(prefix))}")
        for key, value in sorted(run.stats().items()):
            if key.startswith(COUNTED):
                print(f"  {key} = {value}")


def endless(how: str) -> None:
    settings = {
        "IFP_SECTION_PATHS": "[]",
        "IFP_FEEDS_ENABLED": "False",
        "IFP_SITEMAPS_ENABLED": "False",
    }
    if how == "closespider_timeout":
        settings["CLOSESPIDER_TIMEOUT"] = "20"
    with HostileSite(endless=True) as site, tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        proc, db, log = start_crawl(site, Path(tmp), settings)
        if how == "sigint":
            time.sleep(15)
            sent = time.monotonic()
            proc.send_signal(signal.SIGINT)
            code, _, rss = wait_child(proc, sent, 60)
            took = time.monotonic() - sent
        else:
            code, elapsed, rss = wait_child(proc, started, 80)
            took = elapsed - 20
        run = Run(code, 0, 0, log.read_text(errors="replace"), db)
        row, stats = run.last_run(), run.stats()
        queued = stats["scheduler/enqueued"] - stats["scheduler/dequeued"]
        print(
            f"endless, {how}: exit {code}, ended {took:.1f} s after the stop, peak RSS "
            f"{rss:.0f} MB, {row['finish_reason']} at {row['finished_at']}, "
            f"{len(site.requests)} requests, {queued} left queued, "
            f"{len(run.articles())} articles stored of {stats.get('ifp/articles_valid')} valid"
        )


if __name__ == "__main__":
    whole_site()
    endless("closespider_timeout")
    endless("sigint")
