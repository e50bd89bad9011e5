"""The one "log once, then only count" helper (Scrapy's habit for repetitive events)."""

from __future__ import annotations

import logging


class OnceLog:
    """Log an event once per key through ``logger``, then only count it (in stats)."""

    def __init__(self, logger: logging.Logger, level: int = logging.WARNING) -> None:
        self.logger = logger
        self.level = level
        self.seen: set[str] = set()

    def __call__(self, key: str, msg: str, *args: object) -> None:
        if key not in self.seen:
            self.seen.add(key)
            self.logger.log(self.level, msg + " (further cases are only counted in stats)", *args)
