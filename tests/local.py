"""Crawling a site on this machine (the replica) from the checkout: no politeness delays.

The defaults in settings.py are for the real site; these are for tests, the demo and the
benchmarks, where the server is ours and waiting would only slow the suite. Test code, not
shipped in the wheel: the demo (scripts/demo.py) and the benchmarks (bench/) use it too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

LOCAL_SETTINGS: dict[str, str] = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "32",
    "IFP_RETRY_BACKOFF_BASE": "0.2",
    "IFP_RETRY_BACKOFF_MAX": "2",
    "IFP_PROGRESS_INTERVAL": "10",
    "LOG_LEVEL": "INFO",
}

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def crawl_command(
    site: str,
    store: str,
    settings: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
    spider_args: Mapping[str, str] | None = None,
) -> list[str]:
    """The `scrapy crawl ifp` command line for a local crawl."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "ifp", "-a", f"site={site}"]
    for key, value in (spider_args or {}).items():
        cmd += ["-a", f"{key}={value}"]
    merged = {**LOCAL_SETTINGS, "IFP_STORE": store, **(settings or {})}
    for key, value in merged.items():
        cmd += ["-s", f"{key}={value}"]
    return [*cmd, *args]


def checkout_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's) with the checkout first on PYTHONPATH, so a child
    process finds ``ifpcrawl``, ``tests.replica`` and ``bench`` here from any directory."""
    merged = dict(os.environ if env is None else env)
    paths = [str(PROJECT_ROOT), merged.get("PYTHONPATH")]
    merged["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
    return merged


def crawl_env() -> dict[str, str]:
    env = checkout_env()
    env["SCRAPY_SETTINGS_MODULE"] = "ifpcrawl.settings"
    return env


def run_crawl(
    site: str,
    store: str,
    settings: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
    spider_args: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    timeout: float | None = None,
    capture: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run one `scrapy crawl ifp` in a subprocess, as cron or scrapyd would."""
    return subprocess.run(
        crawl_command(site, store, settings, args, spider_args),
        cwd=cwd or PROJECT_ROOT,
        env=crawl_env(),
        text=True,
        capture_output=capture,
        timeout=timeout,
        check=False,
    )
