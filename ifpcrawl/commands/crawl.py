"""`scrapy crawl`, with exit statuses that cron and scrapyd users can alert on.

Scrapy's own command exits 1 only when the crawl could not start. This one also exits:
- 2 when the store cannot be opened or written, or another run holds the store's lock;
- 3 when the run's field coverage fell below ``IFP_MIN_COVERAGE`` (see `scrapy report`).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from ifpcrawl import runtime

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name, e.g. `scrapy crawl ifp`")
        assert self.crawler_process is not None
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
