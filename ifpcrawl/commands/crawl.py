"""`scrapy crawl`, with exit statuses that cron and scrapyd users can alert on.

One cause, one status (``ifpcrawl.exitcodes``), and one line on stderr saying why: the run's
outcome is decided by the RunHistory extension (``ifpcrawl.failures.run_outcome``) and left
in its stats (``ifp/exit_code``, ``ifp/exit_message``); a store that cannot be opened or a
damaged JOBDIR is found before the crawl starts.

A bad argument or setting (checked by the spider, so also under scrapyd, which runs this
command), an unknown spider and a usage error exit 1, not Scrapy's 2 for usage errors,
which here would read as a store problem.
"""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from twisted.internet.defer import Deferred

from ifpcrawl import runtime
from ifpcrawl.config import ConfigError, ifp_setting
from ifpcrawl.dates import timezone_problem, valid_timezone
from ifpcrawl.exitcodes import ExitStatus
from ifpcrawl.store.base import StoreError

if TYPE_CHECKING:
    import argparse

    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)


def _usage_error(parser: argparse.ArgumentParser, message: str) -> NoReturn:
    """argparse's error(), with status 1: Scrapy's 2 would read as a store problem."""
    parser.print_usage(sys.stderr)
    parser.exit(ExitStatus.CANNOT_START, f"{parser.prog}: error: {message}\n")


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
    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        # Option errors and UsageError both end in parser.error() (scrapy.cmdline).
        parser.error = partial(_usage_error, parser)  # type: ignore[method-assign]

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
        zone = str(ifp_setting(self.settings, "IFP_TIMEZONE") or "").strip()
        if zone and not valid_timezone(zone):
            print(f"ifpcrawl: {timezone_problem(zone)}", file=sys.stderr)
            self.exitcode = ExitStatus.CANNOT_START
            return
        if ifp_setting(self.settings, "IFP_WARC_DIR"):
            from ifpcrawl.warc import WarcUnavailable, check_settings

            try:
                check_settings(self.settings)
            except (WarcUnavailable, ValueError) as exc:
                print(f"ifpcrawl: {exc}", file=sys.stderr)
                self.exitcode = ExitStatus.CANNOT_START
                return
        try:
            # Builds the crawler: the spider checks the IFP_* settings here.
            crawler = self._create_crawler(args[0])
        except (ConfigError, KeyError) as exc:
            message = exc.args[0] if isinstance(exc, KeyError) else exc
            print(f"ifpcrawl: {message}", file=sys.stderr)
            self.exitcode = ExitStatus.CANNOT_START
            return
        failures: list[BaseException] = []
        keep_failure(self.crawler_process.crawl(crawler, **opts.spargs), failures)
        self.crawler_process.start()
        if runtime.fatal_errors:
            print(f"ifpcrawl: {runtime.fatal_errors[-1]}", file=sys.stderr)
            self.exitcode = ExitStatus.STORE
            return
        for failure in failures:
            if isinstance(failure, ConfigError | StoreError):
                print(f"ifpcrawl: {failure}", file=sys.stderr)
                is_store = isinstance(failure, StoreError)
                self.exitcode = ExitStatus.STORE if is_store else ExitStatus.CANNOT_START
                return
            # Not a user's mistake: a bug, whose traceback the report needs.
            logger.error("The crawl could not start", exc_info=failure)
            self.exitcode = ExitStatus.CANNOT_START
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


def keep_failure(outcome: Any, failures: list[BaseException]) -> None:
    """Collect the exception that ends a crawl's task (or Deferred) into ``failures``.

    Retrieving it here is what keeps asyncio from printing "Task exception was never
    retrieved" with a traceback before the one line the command prints.
    """

    def task_done(task: asyncio.Future[Any]) -> None:
        if not task.cancelled():
            exc = task.exception()
            if exc is not None:
                failures.append(exc)

    def deferred_failed(failure: Failure) -> None:
        if failure.value is not None:
            failures.append(failure.value)

    if isinstance(outcome, asyncio.Future):
        outcome.add_done_callback(task_done)
    elif isinstance(outcome, Deferred):
        outcome.addErrback(deferred_failed)
