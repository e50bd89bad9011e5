"""`scrapy crawl`, with exit statuses that cron and scrapyd users can alert on.

Scrapy's own command exits 1 only when the crawl could not start. This one also exits:
- 2 when the store cannot be opened or written, another run holds the store's lock, or the
  JOBDIR to resume is damaged;
- 3 when the run's field coverage fell below ``IFP_MIN_COVERAGE`` (see `scrapy report`).
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
            self.exitcode = 2
            return
        if self.settings.get("IFP_WARC_DIR"):
            from ifpcrawl.exitcodes import ExitStatus
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
            self.exitcode = 2
            return
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        code = crawler.stats.get_value("ifp/exit_code", 0) if crawler.stats else 0
        self.exitcode = int(code or 0)
