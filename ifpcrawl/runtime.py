"""The crawl's one store, shared by the spider, pipelines and extensions of a crawler.

The store is opened (and the run lock taken) by the first component that asks for it, and
closed when the engine stops. Keeping it on the crawler, not in a module global, lets tests
run several crawlers in one process.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import TYPE_CHECKING

from scrapy import signals

from ifpcrawl.config import ifp_setting
from ifpcrawl.store import open_store
from ifpcrawl.store.base import Store, StoreError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

_ATTR = "_ifp_store"

# The last fatal store error of this process, for the `crawl` command's exit status.
fatal_errors: list[str] = []


def run_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_lock_enabled(crawler: Crawler) -> bool:
    """Whether this run takes the store's exclusive run lock.

    Not with a shared Redis frontier (IFP_REDIS_URL): the workers of one group write the same
    store at once, and the frontier, not the lock, keeps them from doing the work twice.
    One worker group per store is then the operator's rule (docs/distributed.md).
    """
    if ifp_setting(crawler.settings, "IFP_REDIS_URL"):
        return False
    return bool(ifp_setting(crawler.settings, "IFP_RUN_LOCK_ENABLED"))


def store_for(crawler: Crawler) -> Store:
    """The crawl's store: opened and locked on first use, closed at engine stop."""
    store: Store | None = getattr(crawler, _ATTR, None)
    if store is not None:
        return store
    target = ifp_setting(crawler.settings, "IFP_STORE")
    try:
        store = open_store(str(target))
    except StoreError as exc:
        fatal_errors.append(str(exc))
        logger.error("Cannot open the store %s: %s", target, exc)
        raise
    wait = ifp_setting(crawler.settings, "IFP_LOCK_WAIT")
    if run_lock_enabled(crawler):
        try:
            store.acquire_run_lock(run_owner(), wait=wait > 0, timeout=wait)
        except StoreError as exc:
            store.close()
            fatal_errors.append(str(exc))
            logger.error("%s", exc)
            raise
    setattr(crawler, _ATTR, store)

    def _close() -> None:
        opened: Store | None = getattr(crawler, _ATTR, None)
        if opened is None:
            return
        try:
            if run_lock_enabled(crawler):
                opened.release_run_lock(run_owner())
        finally:
            opened.close()
            setattr(crawler, _ATTR, None)

    crawler.signals.connect(_close, signal=signals.engine_stopped, weak=False)
    return store
