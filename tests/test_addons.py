"""SwitchedOffComponents: built-ins turned off by their own setting are not even imported."""

from __future__ import annotations

import subprocess
import sys

from scrapy.settings import Settings

from ifpcrawl.addons import SwitchedOffComponents
from tests.local import PROJECT_ROOT, crawl_env

COOKIES = "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"
REMOTE = "scrapy.extensions.remote_control.RemoteControl"
TELNET = "scrapy.extensions.telnet.TelnetConsole"


def test_switched_off_components_leave_the_base_lists() -> None:
    settings = Settings(
        {"COOKIES_ENABLED": False, "REMOTE_CONTROL_ENABLED": False, "TELNETCONSOLE_ENABLED": False}
    )
    SwitchedOffComponents().update_settings(settings)
    assert COOKIES not in settings.getdict("DOWNLOADER_MIDDLEWARES_BASE")
    assert not {REMOTE, TELNET} & set(settings.getdict("EXTENSIONS_BASE"))
    # Everything else of Scrapy's base lists stays.
    assert "scrapy.downloadermiddlewares.retry.RetryMiddleware" in settings.getdict(
        "DOWNLOADER_MIDDLEWARES_BASE"
    )


def test_components_switched_on_stay() -> None:
    settings = Settings()  # Scrapy's defaults: cookies on, telnet on
    settings.set("COOKIES_ENABLED", True, priority="cmdline")
    SwitchedOffComponents().update_settings(settings)
    assert COOKIES in settings.getdict("DOWNLOADER_MIDDLEWARES_BASE")
    assert TELNET in settings.getdict("EXTENSIONS_BASE")


def test_a_project_crawler_does_not_import_switched_off_components() -> None:
    code = (
        "import sys\n"
        "from scrapy.crawler import CrawlerProcess\n"
        "from scrapy.utils.project import get_project_settings\n"
        "process = CrawlerProcess(get_project_settings())\n"
        "crawler = process.create_crawler('ifp')\n"
        "crawler._apply_settings()\n"
        "from scrapy.utils.conf import build_component_list\n"
        "for name in ('DOWNLOADER_MIDDLEWARES', 'EXTENSIONS'):\n"
        "    build_component_list(crawler.settings.getwithbase(name))\n"
        "print(sorted(m for m in ('scrapy.downloadermiddlewares.cookies', 'tldextract',"
        " 'scrapy.extensions.remote_control', 'aiohttp') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"
