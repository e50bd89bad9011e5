"""Crawl a real WordPress under every theme and permalink structure and print the figures.

    python -m tests.wordpress.report [THEME ...]

The table (theme x permalink structure -> posts stored/expected, fields equal per field,
min body F1, body links recorded/expected) and then every distinct failure with examples.
The e2e tests (tests/test_wordpress_e2e.py) assert the same figures with ``crawl_case``.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.local import run_crawl
from tests.wordpress.compare import CASES, LISTINGS_CASE, Case, Comparison, failures, table
from tests.wordpress.harness import WordPress, missing


@dataclass
class CaseCrawl:
    comparison: Comparison
    result: subprocess.CompletedProcess[str]
    stats: dict[str, object]
    seconds: float


def crawl_case(wp: WordPress, case: Case, workdir: Path) -> CaseCrawl:
    """Switch the WordPress to ``case``, crawl it into a fresh store, compare with the truth."""
    wp.configure(case.theme, case.permalink_structure, case.listings_only)
    truth = wp.truth()
    workdir.mkdir(parents=True, exist_ok=True)
    store = workdir / "ifp.db"
    started = time.monotonic()
    result = run_crawl(wp.url, str(store), cwd=workdir, timeout=600)
    seconds = time.monotonic() - started
    (workdir / "truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    (workdir / "crawl.log").write_text(result.stderr, encoding="utf-8")
    db = sqlite3.connect(store)
    try:
        comparison = Comparison.build(case, truth, db)
        row = db.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        stats = dict(json.loads(row[0])) if row else {}
    finally:
        db.close()
    return CaseCrawl(comparison, result, stats, seconds)


def main() -> int:
    reason = missing()
    if reason:
        print(f"wordpress: {reason}", file=sys.stderr)
        return 1
    themes = set(sys.argv[1:])
    cases = [case for case in [*CASES, LISTINGS_CASE] if not themes or case.theme in themes]
    with tempfile.TemporaryDirectory(prefix="ifp-wp-report-") as tmp, WordPress(Path(tmp)) as wp:
        crawls = []
        for case in cases:
            crawled = crawl_case(wp, case, Path(tmp) / case.name)
            print(
                f"{case.name}: exit {crawled.result.returncode}, {crawled.seconds:.1f} s",
                file=sys.stderr,
            )
            crawls.append(crawled)
        print(table([crawled.comparison for crawled in crawls]))
        print()
        for crawled in crawls:
            for line in failures(crawled.comparison):
                print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
