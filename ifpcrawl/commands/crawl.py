"""`scrapy crawl`, with exit statuses that cron and scrapyd users can alert on.

One cause, one status (``ifpcrawl.exitcodes``), and one line on stderr saying why: the run's
outcome is decided by the RunHistory extension (``ifpcrawl.failures.run_outcome``) and left
in its stats (``ifp/exit_code``, ``ifp/exit_message``); a store that cannot be opened or a
damaged JOBDIR is found before the crawl starts.
"""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from ifpcrawl import runtime
from ifpcrawl.dates import timezone_problem, valid_timezone
from ifpcrawl.exitcodes import ExitStatus

if TYPE_CHECKING:
    import argparse


def jobdir_problem(jobdir: str) -> str | None:
    """Why a JOBDIR cannot be resumed, or None. Scrapy itself fails deep inside the engine
    with a traceback; a user needs to know which file is broken and what to do."""
    root = Path(jobdir)
    active = root / "requests.queue" / "active.json"
    state = root / "spider.state"
    checking = active
    try:
        if active.exists():
            json.loads(active.read_text(encoding="utf-8"))
        checking = state
        if state.exists():
            with state.open("rb") as fp:
                pickle.load(fp)  # the user's own file, written by Scrapy's SpiderState
    except (ValueError, UnicodeDecodeError, pickle.UnpicklingError, EOFError, OSError) as exc:
        return (
            f"JOBDIR {root} cannot be resumed ({checking.name} is damaged: {exc}). Remove the "
            "directory to start a fresh run: the store keeps everything already crawled, so "
            "the next run only fetches what is missing."
        )
    return None


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name, e.g. `scrapy crawl ifp`")
        assert self.crawler_process is not None
        assert self.settings is not None
        jobdir = self.settings.get("JOBDIR")
        problem = jobdir_problem(str(jobdir)) if jobdir else None
        if problem:
            print(f"ifpcrawl: {problem}", file=sys.stderr)
            self.exitcode = ExitStatus.STORE
            return
        zone = str(self.settings.get("IFP_TIMEZONE") or "").strip()
        if zone and not valid_timezone(zone):
            print(f"ifpcrawl: {timezone_problem(zone)}", file=sys.stderr)
            self.exitcode = ExitStatus.CANNOT_START
            return
        if self.settings.get("IFP_WARC_DIR"):
            from ifpcrawl.warc import WarcUnavailable, check_settings

            try:
                check_settings(self.settings)
            except (WarcUnavailable, ValueError) as exc:
                print(f"ifpcrawl: {exc}", file=sys.stderr)
                self.exitcode = ExitStatus.CANNOT_START
                return
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if runtime.fatal_errors:
            print(f"ifpcrawl: {runtime.fatal_errors[-1]}", file=sys.stderr)
            self.exitcode = ExitStatus.STORE
            return
        if self.crawler_process.bootstrap_failed:
            self.exitcode = ExitStatus.CANNOT_START
            return
        stats = crawler.stats
        code = stats.get_value("ifp/exit_code", 0) if stats else 0
        message = stats.get_value("ifp/exit_message") if stats else None
        if message:
            print(f"ifpcrawl: {message}", file=sys.stderr)
        self.exitcode = int(code or 0)
