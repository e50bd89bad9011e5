"""``scrapy report``: the last runs, their field coverage, and the store's coverage now.

Reads ``crawl_runs.stats`` as written by the crawl: ``ifp/coverage/<field>`` (fraction
0..1), ``ifp/articles_new|updated|unchanged|duplicate``, ``downloader/response_count``,
``ifp/failures`` (errors met, retried ones included), ``ifp/unstored`` (articles left
unstored); then the ``failures`` table, the pages the next run retries. A run's coverage
that fell more than ``DROP_POINTS`` percentage points below the previous run's is marked:
it usually means a template change broke a selector.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import timedelta
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
from ifpcrawl.config import ifp_setting
from ifpcrawl.exports import parse_stored_time
from ifpcrawl.store.base import FailureRecord

COVERAGE_FIELDS = ("title", "body", "author", "section", "published_at")
DROP_POINTS = 10.0
COUNT_COLUMNS = (
    ("pages", "downloader/response_count"),
    ("new", "ifp/articles_new"),
    ("updated", "ifp/articles_updated"),
    ("unchanged", "ifp/articles_unchanged"),
    ("dup", "ifp/articles_duplicate"),
    ("unstored", "ifp/unstored"),
    ("errors", "ifp/failures"),
)
#: Failures listed by default (the most recently tried first).
FAILURES_SHOWN = 20


def run_stats(run: Mapping[str, Any]) -> dict[str, Any]:
    """A run's stats as a dict (stored as JSON text or already decoded)."""
    stats = run.get("stats")
    if isinstance(stats, str):
        try:
            stats = json.loads(stats)
        except json.JSONDecodeError:
            return {}
    return dict(stats) if isinstance(stats, Mapping) else {}


def run_coverage(stats: Mapping[str, Any]) -> dict[str, float | None]:
    coverage: dict[str, float | None] = {}
    for name in COVERAGE_FIELDS:
        value = stats.get(f"ifp/coverage/{name}")
        coverage[name] = float(value) if isinstance(value, (int, float)) else None
    return coverage


def store_coverage(articles: Iterable[Mapping[str, Any]]) -> tuple[int, dict[str, float]]:
    """(article count, share of articles with a non-empty value per field), streaming."""
    total = 0
    filled = dict.fromkeys(COVERAGE_FIELDS, 0)
    for row in articles:
        total += 1
        for name in COVERAGE_FIELDS:
            value = row.get(name)
            if value is not None and (not isinstance(value, str) or value.strip()):
                filled[name] += 1
    return total, {name: (filled[name] / total if total else 0.0) for name in COVERAGE_FIELDS}


def format_duration(started_at: Any, finished_at: Any) -> str:
    start, end = parse_stored_time(started_at), parse_stored_time(finished_at)
    if start is None:
        return "-"
    if end is None:
        return "running"
    return str(timedelta(seconds=round((end - start).total_seconds())))


def _count(stats: Mapping[str, Any], key: str) -> str:
    value = stats.get(key)
    return str(value) if isinstance(value, int) else "-"


def format_coverage(
    coverage: Mapping[str, float | None], previous: Mapping[str, float | None] | None
) -> str:
    parts = []
    for name in COVERAGE_FIELDS:
        value = coverage.get(name)
        if value is None:
            parts.append(f"{name} -")
            continue
        text = f"{name} {value * 100:.1f}%"
        before = previous.get(name) if previous else None
        if before is not None and (before - value) * 100 > DROP_POINTS:
            text += f" (DROP {(before - value) * 100:.1f} pts)"
        parts.append(text)
    return "  ".join(parts)


def latest_failures(failures: Sequence[FailureRecord], shown: int) -> list[FailureRecord]:
    """The ``shown`` most recently tried failures, the latest first."""
    return sorted(failures, key=lambda r: (r.last_seen_at, r.url), reverse=True)[:shown]


def format_failures(failures: Sequence[FailureRecord], shown: int) -> list[str]:
    """The ``failures`` table as a person reads it: every count, then the latest rows."""
    if not failures:
        return ["Failures: none (nothing waits to be retried)"]
    kinds: dict[str, int] = {}
    for record in failures:
        kinds[record.kind] = kinds.get(record.kind, 0) + 1
    lines = [
        f"Failures: {len(failures)} page(s) to be retried by the next run ("
        + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
        + ")"
    ]
    latest = latest_failures(failures, shown)
    for record in latest:
        lines.append(
            f"    {record.last_seen_at[:19]}  {record.kind:<7}  {record.reason:<16}"
            f"  x{record.attempts}  {record.url}"
        )
        if record.error:
            lines.append(f"        {record.error}")
    if len(failures) > len(latest):
        lines.append(f"    ... and {len(failures) - len(latest)} more (--failures N shows more)")
    return lines


def format_report(
    runs: Sequence[Mapping[str, Any]],
    shown: int,
    total: int,
    coverage_now: Mapping[str, float],
    failures: Sequence[FailureRecord] = (),
    failures_shown: int = FAILURES_SHOWN,
) -> str:
    """The report text. ``runs`` oldest first; the last ``shown`` are listed, the one
    before them only serves as the baseline for the first listed run's drop marks."""
    lines = []
    listed = list(runs)[-shown:] if shown > 0 else []
    first_index = len(runs) - len(listed)
    if not listed:
        lines.append("No runs recorded in this store yet.")
    else:
        lines.append(f"Last {len(listed)} run(s), oldest first:")
        header = ["run", "started", "duration", "mode", "finish", *[c for c, _ in COUNT_COLUMNS]]
        table = [header]
        for run in listed:
            stats = run_stats(run)
            table.append(
                [
                    str(run.get("id", "-")),
                    str(run.get("started_at") or "-"),
                    format_duration(run.get("started_at"), run.get("finished_at")),
                    str(run.get("mode") or "-"),
                    str(run.get("finish_reason") or "-"),
                    *[_count(stats, key) for _, key in COUNT_COLUMNS],
                ]
            )
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        rendered = [
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in table
        ]
        lines.append(rendered[0].rstrip())
        previous = run_coverage(run_stats(runs[first_index - 1])) if first_index > 0 else None
        for run, text in zip(listed, rendered[1:], strict=True):
            coverage = run_coverage(run_stats(run))
            lines.append(text.rstrip())
            lines.append("    coverage: " + format_coverage(coverage, previous))
            if any(value is not None for value in coverage.values()):
                previous = coverage
    lines.append("")
    lines.append(f"Store now: {total} articles")
    lines.append(
        "    coverage: "
        + "  ".join(f"{name} {coverage_now[name] * 100:.1f}%" for name in COVERAGE_FIELDS)
    )
    lines.append("")
    lines.extend(format_failures(failures, failures_shown))
    return "\n".join(lines)


def chronological(runs: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Oldest first, whatever order the store returned them in."""
    return sorted(runs, key=lambda run: (str(run.get("started_at") or ""), run.get("id") or 0))


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--runs N] [--failures N] [--html FILE] [--store TARGET]"

    def short_desc(self) -> str:
        return "Show the last crawl runs and field coverage (text, or an HTML page with charts)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--runs", metavar="N", type=int, default=10, help="runs to show (default 10)"
        )
        parser.add_argument(
            "--failures",
            metavar="N",
            type=int,
            default=FAILURES_SHOWN,
            help=f"failed pages to list, most recent first (default {FAILURES_SHOWN})",
        )
        parser.add_argument(
            "--html",
            metavar="FILE",
            help="write one self-contained HTML page with charts instead (needs ifpcrawl[report])",
        )
        add_store_option(parser)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        with quiet_broken_pipe():
            self._run(args, opts)

    def _run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            if args:
                raise CommandError(f"unexpected arguments: {' '.join(args)}")
            if opts.runs < 1:
                raise CommandError("--runs must be at least 1")
            if opts.html:
                self._html(opts)
            else:
                print(self._report(opts))
        except CommandError as exc:
            self.exitcode = fail("report", exc)

    def _report(self, opts: argparse.Namespace) -> str:
        store = open_existing_store(store_target(opts, self.settings))
        try:
            # One run more than shown: the baseline for the first shown run's drop marks.
            runs = chronological(store.last_runs(limit=opts.runs + 1))
            total, coverage_now = store_coverage(store.iter_articles())
            failures = store.failures()
        finally:
            store.close()
        return format_report(runs, opts.runs, total, coverage_now, failures, opts.failures)

    def _html(self, opts: argparse.Namespace) -> None:
        try:
            from ifpcrawl import htmlreport
        except ImportError as exc:
            raise CommandError(
                f"--html needs matplotlib ({exc.name} is missing): pip install 'ifpcrawl[report]'"
            ) from None
        raw = ifp_setting(self.settings, "IFP_MIN_COVERAGE") if self.settings else {}
        thresholds = {str(name): float(value) for name, value in raw.items()}
        target = store_target(opts, self.settings)
        store = open_existing_store(target)
        try:
            data = htmlreport.collect(
                chronological(store.last_runs(limit=opts.runs)),
                store.iter_articles(),
                store.iter_links(),
                [asdict(record) for record in latest_failures(store.failures(), opts.failures)],
                thresholds,
            )
        finally:
            store.close()
        page = htmlreport.render(data, title=f"ifpcrawl report: {target}")
        with atomic_output(opts.html) as fp:
            fp.write(page)
        print(f"wrote {opts.html} ({len(data.runs)} runs, {data.total} articles)", file=sys.stderr)
