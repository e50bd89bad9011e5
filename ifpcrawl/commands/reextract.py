"""``scrapy reextract``: rerun today's extraction on the captured responses (no request to
the site), update the store through the crawl's pipelines, print what changed per field.

How it works: :mod:`ifpcrawl.reextract`. Exit statuses are those of ``scrapy crawl``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from ifpcrawl import runtime
from ifpcrawl.config import ifp_setting
from ifpcrawl.exitcodes import ExitStatus
from ifpcrawl.exports import iso_utc, parse_when
from ifpcrawl.pipelines import COVERAGE_FIELDS

# A local read of local files: no politeness delays apply, and robots.txt is not fetched.
REEXTRACT_SETTINGS: dict[str, Any] = {
    "ROBOTSTXT_OBEY": False,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "IFP_WARC_DIR": "",  # what is replayed is not captured again
}


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = True

    def syntax(self) -> str:
        return "[--since DATE] [--field NAME] [--dry-run] [--warc-dir DIR]"

    def short_desc(self) -> str:
        return "Rerun extraction on the captured WARC responses, without fetching"

    def long_desc(self) -> str:
        return (
            "Read every stored article's latest capture (IFP_WARC_DIR), extract it again with "
            "today's rules and store the result through the crawl's pipelines (a changed title "
            "or body makes a revision). Prints how many articles changed per field; --dry-run "
            "prints the differences and writes nothing. No request reaches the site."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--since", metavar="DATE", help="only captures taken since DATE")
        parser.add_argument(
            "--field",
            metavar="NAME",
            choices=COVERAGE_FIELDS,
            help=f"update only this field ({', '.join(COVERAGE_FIELDS)})",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="print the differences, write nothing"
        )
        parser.add_argument(
            "--warc-dir", metavar="DIR", help="where the captures are (default: IFP_WARC_DIR)"
        )
        parser.add_argument(
            "-a", dest="spargs", action="append", default=[], metavar="site=URL",
            help="the site the captures are of (default: the last crawl's)",
        )  # fmt: skip

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}", print_help=False)
        warc_dir = opts.warc_dir or ifp_setting(self.settings, "IFP_WARC_DIR")
        if not warc_dir:
            raise UsageError("give --warc-dir DIR or set IFP_WARC_DIR", print_help=False)
        since = None
        if opts.since:
            try:
                since = iso_utc(parse_when(opts.since))
            except ValueError as exc:
                raise UsageError(f"--since: {exc}", print_help=False) from None
        for name, value in REEXTRACT_SETTINGS.items():
            self.settings.set(name, value, priority="cmdline")
        self.settings.set(
            "IFP_REEXTRACT",
            {
                "warc_dir": str(warc_dir),
                "since": since,
                "field": opts.field,
                "dry_run": opts.dry_run,
            },
            priority="cmdline",
        )
        middlewares = dict(self.settings.getdict("DOWNLOADER_MIDDLEWARES"))
        # First of all: it answers every request, so no other process_request runs.
        middlewares["ifpcrawl.reextract.WarcReplayMiddleware"] = 1
        self.settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="cmdline")
        pipelines = dict(self.settings.getdict("ITEM_PIPELINES"))
        pipelines["ifpcrawl.reextract.ReextractPipeline"] = 350  # after dedup, before the store
        self.settings.set("ITEM_PIPELINES", pipelines, priority="cmdline")
        if opts.dry_run:
            self.settings.set("IFP_RUN_HISTORY_ENABLED", False, priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from ifpcrawl.warc import WarcUnavailable, require_warcio

        try:
            require_warcio()
        except WarcUnavailable as exc:
            print(f"scrapy reextract: error: {exc}", file=sys.stderr)
            self.exitcode = ExitStatus.CANNOT_START
            return
        from ifpcrawl.reextract import ReextractSpider

        assert self.crawler_process is not None
        spargs = dict(arg.split("=", 1) for arg in opts.spargs if "=" in arg)
        crawler = self.crawler_process.create_crawler(ReextractSpider)
        self.crawler_process.crawl(crawler, **spargs)
        self.crawler_process.start()
        if runtime.fatal_errors:
            print(f"scrapy reextract: error: {runtime.fatal_errors[-1]}", file=sys.stderr)
            self.exitcode = ExitStatus.STORE
            return
        if self.crawler_process.bootstrap_failed:
            self.exitcode = ExitStatus.CANNOT_START
            return
        stats = crawler.stats.get_stats() if crawler.stats else {}
        print(summary(stats, opts.dry_run))
        code = int(stats.get("ifp/exit_code", 0) or 0)
        if code == ExitStatus.SITE_UNREACHABLE and not stats.get("ifp/reextract/replayed"):
            # Nothing was replayed, so nothing "answered": there was nothing to read, no fault.
            print("scrapy reextract: no stored article has a capture to read", file=sys.stderr)
            code = ExitStatus.OK
        elif stats.get("ifp/exit_message"):
            print(f"scrapy reextract: {stats['ifp/exit_message']}", file=sys.stderr)
        self.exitcode = code


def summary(stats: dict[str, Any], dry_run: bool) -> str:
    """What a reextract run did, one line per field."""
    compared = int(stats.get("ifp/reextract/compared", 0))
    lines = [
        f"re-extracted {compared} articles from {stats.get('ifp/reextract/replayed', 0)} captures"
        f" ({'dry run, nothing written' if dry_run else 'store updated'});"
        f" {stats.get('ifp/reextract/articles_changed', 0)} changed",
    ]
    for name in COVERAGE_FIELDS:
        lines.append(f"  {name:<13} {stats.get(f'ifp/reextract/changed/{name}', 0):>6} changed")
    if not dry_run:
        written = ", ".join(
            f"{status} {stats.get(f'ifp/articles_{status}', 0)}"
            for status in ("updated", "unchanged", "new", "duplicate", "alias")
        )
        lines.append(f"store: {written}")
    skipped = {
        key.removeprefix("ifp/reextract/"): value
        for key, value in sorted(stats.items())
        if key.startswith("ifp/reextract/")
        and not key.startswith("ifp/reextract/changed/")
        and key.split("/")[2] not in ("compared", "replayed", "articles_changed")
    }
    dropped = {k: v for k, v in stats.items() if k.startswith("ifp/dropped/")}
    if skipped or dropped:
        lines.append(
            "not re-extracted: " + ", ".join(f"{k} {v}" for k, v in {**skipped, **dropped}.items())
        )
    return "\n".join(lines)
