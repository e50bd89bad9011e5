"""`make bench`: ifpcrawl against the framework's own limit, side by side in one run.

    python -m bench.run --articles 2000 [--articles-large 20000] [--stage-sample 300]

1. The replica serves N articles from its own process. A bare-spider crawl warms it (the
   replica renders each page once, then serves it from its cache) and records every URL a
   crawl fetches; a tight asyncio GET loop over those URLs then measures the server's raw
   capacity, so a replica-bound result is recognized as such.
2. The limit: ``bench/bare_spider.py`` fetches the same pages with the same concurrency and
   does nothing else.
3. ifpcrawl: a real ``scrapy crawl ifp`` subprocess, every pipeline on, into a fresh SQLite file,
   with ``IFP_EXTRACT_PROCESSES`` page reader processes (``--reader-processes``, default 1).
4. ifpcrawl again on the unchanged replica and the same store (incremental), then once more
   into a fresh store reading pages in its own process (``IFP_EXTRACT_PROCESSES=0``).
5. Per-stage CPU per article (bench/stages.py) on a sample of the pages the crawl stored.
6. With ``--articles-large``: the same for a second replica of that size, to compare peak RSS.

Every crawl is a child process: wall time, CPU (user+sys) and peak RSS come from
``os.wait4``. The table goes to stdout; the whole result goes to
``bench/results/<UTC timestamp>.json`` and ``bench/results/latest.json``.
"""

from __future__ import annotations

import argparse
import compileall
import json
import logging
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.httpload import load
from bench.proc import ReplicaProcess, Usage, run_measured
from bench.stages import even_sample, fetch_pages, measure_stages
from tests.local import LOCAL_SETTINGS, PROJECT_ROOT, crawl_command, crawl_env

logger = logging.getLogger("bench.run")

RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
CRAWL_TIMEOUT = 4 * 3600.0
# One page reader process: the crawler's event loop on one core, parsing and extraction on
# the other (IFP_EXTRACT_PROCESSES; the r=0 crawl shows the default, in-process reading).
DEFAULT_READER_PROCESSES = 1

TARGETS = {
    "pages_per_s_ratio": 0.8,  # ifpcrawl / limit, at least
    "pipeline_cpu_ms_median": 5.0,  # extract + normalize + dedup + store, at most
    "rss_large_ratio": 1.25,  # peak RSS at the large N / at N, at most
    "incremental_speedup": 20.0,  # first crawl wall / incremental wall, at least
}


def bare_env() -> dict[str, str]:
    """Environment of the limit: ifpcrawl importable, but none of its Scrapy settings."""
    env = crawl_env()
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    return env


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if not numerator or not denominator:
        return None
    return numerator / denominator


def run_metrics(
    usage: Usage,
    stats: Mapping[str, Any],
    articles: int,
    replica_cpu_s: float,
) -> dict[str, Any]:
    """The figures of one crawl: from its process accounting and its Scrapy stats."""
    pages = int(stats.get("response_received_count", 0))
    elapsed = stats.get("elapsed_time_seconds")
    return {
        **usage.as_dict(),
        "finish_reason": stats.get("finish_reason"),
        "elapsed_s": float(elapsed) if elapsed is not None else None,
        "pages": pages,
        "requests": int(stats.get("downloader/request_count", 0)),
        "articles": articles,
        "pages_per_s": pages / usage.wall_s if usage.wall_s else 0.0,
        "pages_per_s_engine": _ratio(pages, float(elapsed) if elapsed else None),
        "articles_per_s": articles / usage.wall_s if usage.wall_s else 0.0,
        "cpu_ms_per_article": 1000 * usage.cpu_s / articles if articles else None,
        "replica_cpu_s": replica_cpu_s,
        "replica_busy": replica_cpu_s / usage.wall_s if usage.wall_s else 0.0,
    }


def last_run_stats(store_path: Path) -> dict[str, Any]:
    """Stats of the store's latest crawl_runs row (what RunHistory recorded)."""
    if not store_path.exists():
        return {}
    con = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
    except sqlite3.Error:
        return {}
    finally:
        con.close()
    if not row or not row[0]:
        return {}
    value = json.loads(row[0])
    return value if isinstance(value, dict) else {}


def stored_urls(store_path: Path) -> list[str]:
    con = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    try:
        return [url for (url,) in con.execute("SELECT url FROM articles ORDER BY id")]
    finally:
        con.close()


class Bench:
    """One bench run: a work directory, the settings both crawlers share, and the results."""

    def __init__(
        self,
        workdir: Path,
        settings: Mapping[str, str],
        timeout: float,
        reader_processes: int = DEFAULT_READER_PROCESSES,
    ) -> None:
        self.workdir = workdir
        self.settings = dict(settings)
        self.timeout = timeout
        self.reader_processes = reader_processes

    def bare_crawl(
        self,
        replica: ReplicaProcess,
        label: str,
        urls_out: Path | None = None,
        one_page: bool = False,
    ) -> dict[str, Any]:
        stats_path = self.workdir / f"{label}.stats.json"
        cmd = [
            sys.executable,
            "-m",
            "bench.bare_spider",
            "--site",
            replica.base_url,
            "--stats-out",
            str(stats_path),
        ]
        if urls_out is not None:
            cmd += ["--urls-out", str(urls_out)]
        if one_page:
            cmd.append("--one-page")
        for key, value in self.settings.items():
            cmd += ["-s", f"{key}={value}"]
        log(f"{label}: bare Scrapy spider on {replica.base_url}")
        cpu_before = replica.cpu_s()
        usage = run_measured(
            cmd,
            self.workdir / f"{label}.log",
            env=bare_env(),
            cwd=PROJECT_ROOT,
            timeout=self.timeout,
        )
        replica_cpu = replica.cpu_s() - cpu_before
        stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
        articles = int(stats.get("bare/pages/article", 0))
        metrics = run_metrics(usage, stats, articles, replica_cpu)
        metrics["log"] = str(self.workdir / f"{label}.log")
        self._check(label, metrics)
        return metrics

    def ifp_crawl(
        self,
        replica: ReplicaProcess,
        store_path: Path,
        label: str,
        reader_processes: int | None = None,
        jobdir: bool = False,
        warc: bool = False,
    ) -> dict[str, Any]:
        processes = self.reader_processes if reader_processes is None else reader_processes
        settings = {"IFP_EXTRACT_PROCESSES": str(processes), **self.settings}
        warc_dir = self.workdir / f"{label}.warc"
        if warc:
            settings["IFP_WARC_DIR"] = str(warc_dir)
        if jobdir:
            # Disk queues: the frontier on disk, as a large scheduled crawl runs.
            settings["JOBDIR"] = str(self.workdir / f"{label}.jobdir")
        cmd = crawl_command(replica.base_url, str(store_path), settings)
        log(f"{label}: scrapy crawl ifp into {store_path.name}")
        cpu_before = replica.cpu_s()
        usage = run_measured(
            cmd,
            self.workdir / f"{label}.log",
            env=crawl_env(),
            cwd=PROJECT_ROOT,
            timeout=self.timeout,
        )
        replica_cpu = replica.cpu_s() - cpu_before
        stats = last_run_stats(store_path)
        articles = int(stats.get("ifp/articles_stored", 0))
        metrics = run_metrics(usage, stats, articles, replica_cpu)
        metrics["article_pages"] = int(stats.get("ifp/pages/article", 0))
        metrics["articles_new"] = int(stats.get("ifp/articles_new", 0))
        metrics["articles_unchanged"] = int(stats.get("ifp/articles_unchanged", 0))
        metrics["mode"] = next(
            (str(run.get("mode")) for run in [_last_run_row(store_path)] if run), None
        )
        metrics["reader_processes"] = int(settings["IFP_EXTRACT_PROCESSES"])
        metrics["jobdir"] = jobdir
        if warc:
            # What archiving costs on disk, beside what the store costs.
            metrics["warc_files"] = len(list(warc_dir.glob("*.warc.gz")))
            metrics["warc_mb"] = sum(f.stat().st_size for f in warc_dir.glob("*")) / 2**20
            metrics["store_mb"] = (
                sum(f.stat().st_size for f in store_path.parent.glob(store_path.name + "*")) / 2**20
            )
        metrics["log"] = str(self.workdir / f"{label}.log")
        self._check(label, metrics)
        return metrics

    @staticmethod
    def _check(label: str, metrics: Mapping[str, Any]) -> None:
        if metrics["returncode"] != 0 or metrics["timed_out"]:
            log(
                f"{label}: exit status {metrics['returncode']}"
                f"{' (timed out)' if metrics['timed_out'] else ''}; see {metrics['log']}"
            )
        log(
            f"{label}: {metrics['pages']} pages, {metrics['articles']} articles in "
            f"{metrics['wall_s']:.1f} s ({metrics['pages_per_s']:.0f} pages/s)"
        )

    def capacity(self, replica: ReplicaProcess, urls: Sequence[str]) -> dict[str, Any]:
        """The replica's raw throughput over the crawl's own URLs (already warm)."""
        log(f"capacity: {len(urls)} GETs, {LOCAL_SETTINGS['CONCURRENT_REQUESTS']} connections")
        cpu_before = replica.cpu_s()
        client_before = time.process_time()
        result = load(urls, int(LOCAL_SETTINGS["CONCURRENT_REQUESTS"]))
        return {
            "requests": result.requests,
            "errors": result.errors,
            "statuses": {str(k): v for k, v in sorted(result.statuses.items())},
            "bytes": result.bytes,
            "seconds": result.seconds,
            "requests_per_s": result.per_second,
            "replica_cpu_s": replica.cpu_s() - cpu_before,
            "client_cpu_s": time.process_time() - client_before,
            "replica_ms_per_request": (
                1000 * (replica.cpu_s() - cpu_before) / result.requests if result.requests else None
            ),
        }


def _last_run_row(store_path: Path) -> dict[str, Any] | None:
    con = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    try:
        con.row_factory = sqlite3.Row
        row = con.execute("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        return dict(row) if row else None
    except sqlite3.Error:
        return None
    finally:
        con.close()


def log(message: str) -> None:
    print(f"[bench {datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def read_urls(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [line for line in path.read_text().splitlines() if line]


def measure_size(
    bench: Bench, articles: int, stage_sample: int, large: bool, memory_base: bool = False
) -> dict[str, Any]:
    """``large``: only what the memory comparison needs. ``memory_base``: also the crawl
    the large one is compared with (same settings, JOBDIR: a sitemap puts the whole archive
    in the frontier at once, and large crawls keep their frontier on disk)."""
    """Everything measured against one replica of ``articles`` articles."""
    tag = f"n{articles}"
    with ReplicaProcess(articles, log_path=bench.workdir / f"replica-{tag}.log") as replica:
        log(f"replica of {articles} articles at {replica.base_url} ({replica.start_s:.1f} s)")
        result: dict[str, Any] = {
            "articles": articles,
            "replica": {"start_s": replica.start_s, "base_url": replica.base_url},
        }
        urls_path = bench.workdir / f"urls-{tag}.txt"
        result["warmup"] = bench.bare_crawl(replica, f"warmup-{tag}", urls_out=urls_path)
        result["replica"]["rss_mb_warm"] = replica.rss_mb()
        urls = read_urls(urls_path)
        if not large:
            result["capacity"] = bench.capacity(replica, urls)
        if not large:
            result["limit"] = bench.bare_crawl(replica, f"limit-{tag}")
            # Any Scrapy run's fixed cost (interpreter, imports, engine start and stop): the
            # floor under the incremental rerun's wall time. Best of three (noise is upward).
            floors = [
                bench.bare_crawl(replica, f"floor-{tag}-{n}", one_page=True) for n in range(3)
            ]
            result["floor"] = min(floors, key=lambda run: run["wall_s"])
        store_path = bench.workdir / f"ifp-{tag}.db"
        result["ifpcrawl"] = bench.ifp_crawl(replica, store_path, f"ifpcrawl-{tag}", jobdir=large)
        if not large:
            result["incremental"] = bench.ifp_crawl(replica, store_path, f"incremental-{tag}")
            # The same crawl reading every page in the crawler's own process (the default
            # setting), for comparison: the target is judged on the configuration above.
            result["ifpcrawl_inline"] = bench.ifp_crawl(
                replica, bench.workdir / f"ifp-inline-{tag}.db", f"inline-{tag}", 0
            )
            # The measured crawl again with WARC capture on (IFP_WARC_DIR): its cost, side by side.
            result["ifpcrawl_warc"] = bench.ifp_crawl(
                replica, bench.workdir / f"ifp-warc-{tag}.db", f"warc-{tag}", warc=True
            )
            if memory_base:
                result["ifpcrawl_jobdir"] = bench.ifp_crawl(
                    replica, bench.workdir / f"ifp-jobdir-{tag}.db", f"jobdir-{tag}", jobdir=True
                )
            sample = even_sample(stored_urls(store_path), stage_sample)
            log(f"stages: fetching {len(sample)} stored article pages")
            pages = fetch_pages(sample)
            log(f"stages: timing extract / normalize / dedup / store on {len(pages)} pages")
            result["stages"] = measure_stages(pages, replica.base_url)
        result["replica"]["rss_mb_end"] = replica.rss_mb()
    return result


def ratios(result: Mapping[str, Any]) -> dict[str, float | None]:
    main = result["main"]
    out: dict[str, float | None] = {
        "pages_per_s_ratio": _ratio(main["ifpcrawl"]["pages_per_s"], main["limit"]["pages_per_s"]),
        "pages_per_s_ratio_inline": _ratio(
            main["ifpcrawl_inline"]["pages_per_s"], main["limit"]["pages_per_s"]
        ),
        "pages_per_s_engine_ratio": _ratio(
            main["ifpcrawl"]["pages_per_s_engine"], main["limit"]["pages_per_s_engine"]
        ),
        # Pages per CPU second, ifpcrawl / limit: what the wall-time ratio becomes when both
        # crawlers are CPU-bound on a quiet machine (other load skews wall time, not CPU).
        "pages_per_cpu_s_ratio": _ratio(
            _ratio(main["ifpcrawl"]["pages"], main["ifpcrawl"]["cpu_s"]),
            _ratio(main["limit"]["pages"], main["limit"]["cpu_s"]),
        ),
        "incremental_speedup": _ratio(main["ifpcrawl"]["wall_s"], main["incremental"]["wall_s"]),
        # The same on Scrapy's elapsed time (start-up and shut-down excluded), and what the
        # rerun costs above an empty Scrapy run's wall time.
        "incremental_speedup_engine": _ratio(
            main["ifpcrawl"]["elapsed_s"], main["incremental"]["elapsed_s"]
        ),
        "incremental_over_floor_s": (
            main["incremental"]["wall_s"] - main["floor"]["wall_s"] if "floor" in main else None
        ),
        "pipeline_cpu_ms_median": main["stages"]["pipeline_total"]["median_ms"],
        "rss_large_ratio": None,
    }
    if result.get("large"):
        out["rss_large_ratio"] = _ratio(
            result["large"]["ifpcrawl"]["peak_rss_mb"], main["ifpcrawl_jobdir"]["peak_rss_mb"]
        )
    return out


def target_checks(measured: Mapping[str, float | None]) -> list[dict[str, Any]]:
    checks = []
    for name, target in TARGETS.items():
        value = measured.get(name)
        at_most = name in ("pipeline_cpu_ms_median", "rss_large_ratio")
        met = None if value is None else (value <= target if at_most else value >= target)
        checks.append(
            {"name": name, "value": value, "target": target, "at_most": at_most, "met": met}
        )
    return checks


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _load(value: Sequence[float] | None) -> str:
    return f"{value[0]:.1f}" if value else "-"


def format_report(result: Mapping[str, Any]) -> str:
    """The human-readable tables of a bench result."""
    main = result["main"]
    lines = [
        f"ifpcrawl bench  {result['started_at']}  {result['machine']['cpus']} CPUs  "
        f"python {result['machine']['python']}  scrapy {result['machine']['scrapy']}  "
        f"load avg {_load(result['machine'].get('loadavg_start'))} -> "
        f"{_load(result['machine'].get('loadavg_end'))}",
        "",
        f"{'run':<24}{'wall s':>8}{'pages':>8}{'pages/s':>9}{'articles':>10}{'art/s':>8}"
        f"{'cpu s':>8}{'cpu ms/art':>11}{'peak RSS MB':>12}{'replica busy':>13}",
    ]
    processes = main["ifpcrawl"].get("reader_processes", 0)
    runs: list[tuple[str, Mapping[str, Any]]] = [
        ("scrapy floor (1 page)", main["floor"]),
        (f"limit (bare) N={main['articles']}", main["limit"]),
        (f"ifpcrawl N={main['articles']} r={processes}", main["ifpcrawl"]),
        ("ifpcrawl incremental", main["incremental"]),
        (f"ifpcrawl N={main['articles']} r=0", main["ifpcrawl_inline"]),
    ]
    warc = main.get("ifpcrawl_warc")
    if warc:
        runs.append((f"ifpcrawl r={processes} + WARC", warc))
    large = result.get("large")
    if large:
        runs += [
            (f"ifpcrawl N={main['articles']} JOBDIR", main["ifpcrawl_jobdir"]),
            (f"limit (bare) N={large['articles']}", large["warmup"]),
            (f"ifpcrawl N={large['articles']} JOBDIR", large["ifpcrawl"]),
        ]
    for name, run in runs:
        failed = "" if run["returncode"] == 0 else f"  (exit {run['returncode']})"
        lines.append(
            f"{name:<24}{_fmt(run['wall_s']):>8}{_fmt(run['pages']):>8}"
            f"{_fmt(run['pages_per_s']):>9}{_fmt(run['articles']):>10}"
            f"{_fmt(run['articles_per_s']):>8}{_fmt(run['cpu_s']):>8}"
            f"{_fmt(run['cpu_ms_per_article'], 2):>11}{_fmt(run['peak_rss_mb']):>12}"
            f"{run['replica_busy']:>12.0%}{failed}"
        )
    if warc:
        lines.append(
            f"WARC capture: {_fmt(warc.get('warc_mb'))} MB in {warc.get('warc_files')} files vs"
            f" the store's {_fmt(warc.get('store_mb'))} MB; pages/s with / without WARC:"
            f" {_fmt(_ratio(warc['pages_per_s'], main['ifpcrawl']['pages_per_s']), 2)}"
        )
    capacity = main["capacity"]
    lines += [
        "",
        f"replica raw capacity: {_fmt(capacity['requests_per_s'])} req/s over "
        f"{capacity['requests']} GETs ({capacity['errors']} errors), "
        f"{_fmt(capacity['replica_ms_per_request'], 2)} server CPU ms/request",
        "",
        f"per-article CPU ms over {main['stages']['articles']} stored pages (median/p90/mean)",
    ]
    stages = main["stages"]
    for name in ("extract", "normalize", "dedup", "store"):
        stage = stages["stages"][name]
        note = "  (inside store)" if name == "dedup" else ""
        lines.append(
            f"  {name:<12}{stage['median_ms']:>8.2f}{stage['p90_ms']:>8.2f}"
            f"{stage['mean_ms']:>8.2f}{note}"
        )
    total = stages["pipeline_total"]
    lines.append(
        f"  {'total':<12}{total['median_ms']:>8.2f}{total['p90_ms']:>8.2f}{total['mean_ms']:>8.2f}"
    )
    lines += ["", "targets"]
    for check in result["targets"]:
        sign = "<=" if check["at_most"] else ">="
        state = {True: "met", False: "MISSED", None: "not measured"}[check["met"]]
        lines.append(
            f"  {check['name']:<26}{_fmt(check['value'], 2):>10}  {sign} {check['target']:<6}"
            f"{state}"
        )
    lines.append(
        f"  (r = IFP_EXTRACT_PROCESSES, page reader processes; pages/s ratio with r=0: "
        f"{_fmt(result['ratios'].get('pages_per_s_ratio_inline'), 2)})"
    )
    lines.append(
        f"  (incremental on Scrapy's elapsed time: "
        f"{_fmt(result['ratios'].get('incremental_speedup_engine'), 1)}x; its wall time is "
        f"{_fmt(result['ratios'].get('incremental_over_floor_s'), 2)} s above the floor run's)"
    )
    engine = result["ratios"].get("pages_per_s_engine_ratio")
    per_cpu = result["ratios"].get("pages_per_cpu_s_ratio")
    lines.append(
        f"  (pages/s ratio on Scrapy's elapsed time, start-up excluded: {_fmt(engine, 2)}; "
        f"pages per CPU second: {_fmt(per_cpu, 2)})"
    )
    return "\n".join(lines)


def machine_info() -> dict[str, Any]:
    import scrapy

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "scrapy": scrapy.__version__,
        "platform": platform.platform(),
        # Other work on the machine skews every figure: keep the load next to them.
        "loadavg_start": os.getloadavg(),
    }


def git_revision() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    return done.stdout.strip() or None


def write_results(result: Mapping[str, Any], results_dir: Path) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = results_dir / f"{stamp}.json"
    text = json.dumps(result, indent=1, sort_keys=True, default=str)
    path.write_text(text + "\n")
    (results_dir / "latest.json").write_text(text + "\n")
    return path


def run_bench(
    articles: int,
    articles_large: int = 0,
    stage_sample: int = 300,
    settings: Mapping[str, str] | None = None,
    workdir: Path | None = None,
    timeout: float = CRAWL_TIMEOUT,
    reader_processes: int = DEFAULT_READER_PROCESSES,
) -> dict[str, Any]:
    """Measure everything; the result as a JSON-ready dict."""
    compiled = compile_bytecode()
    own_workdir = workdir is None
    work = workdir or Path(tempfile.mkdtemp(prefix="ifpbench-"))
    bench = Bench(work, settings or {}, timeout, reader_processes)
    result: dict[str, Any] = {
        "started_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "machine": machine_info(),
        "git": git_revision(),
        "config": {
            "articles": articles,
            "articles_large": articles_large or None,
            "stage_sample": stage_sample,
            "reader_processes": reader_processes,
            "local_settings": LOCAL_SETTINGS,
            "settings": dict(settings or {}),
            "workdir": str(work),
            "bytecode_compiled": compiled,
        },
    }
    try:
        result["main"] = measure_size(
            bench, articles, stage_sample, large=False, memory_base=bool(articles_large)
        )
        if articles_large:
            result["large"] = measure_size(bench, articles_large, 0, large=True)
    finally:
        if own_workdir and not os.environ.get("IFP_BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    result["finished_at"] = datetime.now(UTC).replace(microsecond=0).isoformat()
    result["machine"]["loadavg_end"] = os.getloadavg()
    result["ratios"] = ratios(result)
    result["targets"] = target_checks(result["ratios"])
    return result


def compile_bytecode() -> bool:
    """Write ifpcrawl's and the bench's bytecode, as ``pip install`` does for a deployment.

    Crawls measured from the source tree with PYTHONDONTWRITEBYTECODE set (as on these
    machines) would compile ifpcrawl's sources again at every start: ~25 ms of CPU, a
    twentieth of an incremental rerun, that no installed crawler pays.
    """
    ok = all(
        compileall.compile_dir(PROJECT_ROOT / package, quiet=1) for package in ("ifpcrawl", "bench")
    )
    log(f"bytecode of ifpcrawl and bench {'written' if ok else 'NOT all written'}")
    return bool(ok)


def crawls_ok(result: Mapping[str, Any]) -> bool:
    runs = [
        result["main"][k]
        for k in ("warmup", "limit", "floor", "ifpcrawl", "incremental", "ifpcrawl_inline")
    ]
    if result.get("large"):
        runs += [result["large"][k] for k in ("warmup", "ifpcrawl")]
        runs.append(result["main"]["ifpcrawl_jobdir"])
    return all(run["returncode"] == 0 and not run["timed_out"] for run in runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="ifpcrawl against a bare Scrapy spider on the replica (see bench/README.md)"
    )
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--articles-large", type=int, default=0, help="also crawl this size")
    parser.add_argument("--stage-sample", type=int, default=300, help="pages for stage costs")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--timeout", type=float, default=CRAWL_TIMEOUT, help="per crawl, s")
    parser.add_argument(
        "--reader-processes",
        type=int,
        default=DEFAULT_READER_PROCESSES,
        help="IFP_EXTRACT_PROCESSES of the measured ifpcrawl crawls (an r=0 crawl runs too)",
    )
    parser.add_argument(
        "-s",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="Scrapy setting for both crawlers (e.g. -s CONCURRENT_REQUESTS=16)",
    )
    args = parser.parse_args(argv)
    settings = dict(item.split("=", 1) for item in args.settings)
    result = run_bench(
        args.articles,
        args.articles_large,
        args.stage_sample,
        settings,
        timeout=args.timeout,
        reader_processes=args.reader_processes,
    )
    path = write_results(result, args.results_dir)
    print(format_report(result))
    print(f"\nresults: {path}")
    if not crawls_ok(result):
        print("a crawl failed: see the logs named in the JSON (IFP_BENCH_KEEP=1 keeps them)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
