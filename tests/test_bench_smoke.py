"""The bench code, run end to end on a tiny replica so it cannot rot.

Nothing here asserts on a timing: the figures of a 30-article run mean nothing. The tests
check that every crawl ran, that the two crawlers walked the same site, and that the result
file and the report hold what bench/README.md promises.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

# `bench/` is not part of the installed package; `python -m pytest` finds it from the working
# directory, a bare `pytest` run needs the project root on the path.
PROJECT_ROOT = str(Path(__file__).resolve().parent.parent)
if PROJECT_ROOT not in sys.path:
    sys.path.insert(0, PROJECT_ROOT)

from bench import bare_spider  # noqa: E402
from bench.proc import run_measured  # noqa: E402
from bench.run import (  # noqa: E402
    TARGETS,
    crawls_ok,
    format_report,
    run_bench,
    target_checks,
    write_results,
)
from bench.stages import even_sample, percentile, summarize_ms  # noqa: E402

SMOKE_ARTICLES = 30


def test_bare_spider_takes_the_spiders_request_shapes_without_the_extractor() -> None:
    """The limit asks as the spider asks (same priorities, REST query, sitemap filter), by
    importing them, and importing them loads neither the extractor nor the spider."""
    code = (
        "import sys, bench.bare_spider; "
        "print(sorted(m for m in sys.modules if m.startswith(('trafilatura', 'dateparser',"
        " 'ifpcrawl.extract', 'ifpcrawl.spiders.ifp'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT
    ).stdout
    assert out.strip() == "[]"


def test_bare_settings_share_the_fetch_settings_of_ifpcrawl() -> None:
    from ifpcrawl import settings as ifp_settings
    from tests.local import LOCAL_SETTINGS

    settings = bare_spider.bare_settings()
    assert settings["ROBOTSTXT_OBEY"] == ifp_settings.ROBOTSTXT_OBEY
    assert settings["USER_AGENT"] == ifp_settings.USER_AGENT
    assert settings["CONCURRENT_REQUESTS"] == LOCAL_SETTINGS["CONCURRENT_REQUESTS"]
    assert "ITEM_PIPELINES" not in settings and "EXTENSIONS" not in settings
    assert not any(key.startswith("IFP_") and key in LOCAL_SETTINGS for key in settings)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, {"category", "section"}),
        (False, set()),
        (["tag"], {"tag"}),
        ("category,author", {"category", "author"}),
    ],
)
def test_follow_archive_kinds(value: object, expected: set[str]) -> None:
    assert bare_spider.follow_archive_kinds(value) == expected


def test_percentile_and_sample() -> None:
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 0.9) == 9.0
    assert percentile(values, 0.5) == 5.0
    assert percentile([3.0], 0.9) == 3.0
    assert even_sample(list(range(10)), 5) == [0, 2, 4, 6, 8]
    assert even_sample([1, 2], 5) == [1, 2]
    assert summarize_ms([1_000_000, 3_000_000])["median_ms"] == 2.0


def test_target_checks_know_which_way_is_better() -> None:
    checks = {
        c["name"]: c["met"]
        for c in target_checks(
            {
                "pages_per_s_ratio": 0.9,
                "pipeline_cpu_ms_median": 6.0,
                "rss_large_ratio": None,
                "incremental_speedup": 19.0,
            }
        )
    }
    assert checks == {
        "pages_per_s_ratio": True,
        "pipeline_cpu_ms_median": False,
        "rss_large_ratio": None,
        "incremental_speedup": False,
    }
    assert set(checks) == set(TARGETS)


def test_run_measured_reports_the_childs_own_peak_rss(tmp_path: Path) -> None:
    # The child holds 200 MiB; this process holds far less, so a figure mixing the two up
    # (getrusage of self, or the sum over children) could not land in this window.
    code = "b = bytearray(200 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])"
    usage = run_measured([sys.executable, "-c", code], tmp_path / "child.log")
    assert usage.returncode == 0
    assert 190 < usage.peak_rss_mb < 400
    failed = run_measured([sys.executable, "-c", "raise SystemExit(3)"], tmp_path / "f.log")
    assert failed.returncode == 3


def test_run_measured_leaves_out_the_spawning_process(tmp_path: Path) -> None:
    # Linux folds the spawning process's RSS into a child's ru_maxrss: the bench process
    # holding 300 MiB must not make a small child look that large.
    ballast = bytearray(300 * 1024 * 1024)
    ballast[::4096] = b"x" * len(ballast[::4096])
    usage = run_measured([sys.executable, "-c", "pass"], tmp_path / "small.log")
    assert usage.returncode == 0
    assert usage.peak_rss_mb < 100, usage.peak_rss_mb
    del ballast


def test_run_measured_timeout_kills_the_child(tmp_path: Path) -> None:
    usage = run_measured(
        [sys.executable, "-c", "import time; time.sleep(60)"], tmp_path / "t.log", timeout=1.0
    )
    assert usage.timed_out and usage.returncode != 0
    assert usage.wall_s < 30


def latest_ratio_names() -> set[str]:
    return {"incremental_speedup_engine", "incremental_over_floor_s", "pages_per_s_ratio_inline"}


@pytest.mark.e2e
def test_bench_smoke_run(tmp_path: Path) -> None:
    workdir = tmp_path / "work"
    workdir.mkdir()
    result = run_bench(SMOKE_ARTICLES, stage_sample=10, workdir=workdir, timeout=300)
    main: dict[str, Any] = result["main"]
    assert crawls_ok(result), {k: main[k].get("log") for k in ("limit", "ifpcrawl")}
    # Measured as deployed: ifpcrawl's bytecode written before the crawls.
    assert result["config"]["bytecode_compiled"] is True
    assert list(Path(PROJECT_ROOT, "ifpcrawl", "spiders", "__pycache__").glob("ifp.*.pyc"))

    # Both crawlers walked the whole replica.
    assert main["limit"]["articles"] >= SMOKE_ARTICLES
    assert main["ifpcrawl"]["articles"] >= SMOKE_ARTICLES
    assert main["ifpcrawl"]["mode"] == "full"
    # The rerun is incremental: nothing new, and far fewer pages than the first crawl.
    assert main["incremental"]["mode"] == "incremental"
    assert main["incremental"]["articles_new"] == 0
    assert main["incremental"]["pages"] < main["ifpcrawl"]["pages"]
    # The capacity probe replayed every page the warm-up crawl fetched, without errors.
    fetched = (workdir / f"urls-n{SMOKE_ARTICLES}.txt").read_text().split()
    assert main["capacity"]["requests"] == len(fetched) > SMOKE_ARTICLES
    assert main["capacity"]["errors"] == 0
    # The floor run fetched the home page (and robots.txt) and nothing else.
    assert 1 <= main["floor"]["pages"] <= 3
    assert latest_ratio_names() <= set(result["ratios"])
    # The measured crawl reads pages in a worker process; the r=0 crawl in its own.
    assert main["ifpcrawl"]["reader_processes"] == 1
    assert main["ifpcrawl_inline"]["reader_processes"] == 0
    assert main["ifpcrawl_inline"]["articles"] == main["ifpcrawl"]["articles"]
    # The WARC row: the same crawl with capture on, and what it wrote.
    assert main["ifpcrawl_warc"]["articles"] == main["ifpcrawl"]["articles"]
    assert main["ifpcrawl_warc"]["warc_files"] >= 1
    assert main["ifpcrawl_warc"]["warc_mb"] > 0
    for run in ("limit", "ifpcrawl", "incremental", "ifpcrawl_inline", "ifpcrawl_warc"):
        assert main[run]["peak_rss_mb"] > 10
        assert main[run]["cpu_s"] > 0

    stages = main["stages"]
    assert stages["articles"] == 10 and stages["not_articles"] == 0
    assert set(stages["store_statuses"]) <= {"new", "duplicate", "alias"}
    for name in ("extract", "normalize", "dedup", "store"):
        assert stages["stages"][name]["count"] == 10
    assert stages["pipeline_total"]["count"] == 10

    results_dir = tmp_path / "results"
    path = write_results(result, results_dir)
    latest = json.loads((results_dir / "latest.json").read_text())
    assert json.loads(path.read_text()) == latest
    assert latest["ratios"]["pages_per_s_ratio"] is not None
    assert latest["ratios"]["pages_per_cpu_s_ratio"] is not None
    assert latest["ratios"]["pages_per_s_ratio_inline"] is not None
    report = format_report(latest)
    for text in (
        "limit (bare)",
        "ifpcrawl incremental",
        "replica raw capacity",
        "targets",
        "WARC capture:",
    ):
        assert text in report
    for name in TARGETS:
        assert name in report
