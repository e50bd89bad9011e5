"""Scrapy add-ons of the project, kept light: every crawl imports this module.

:class:`SwitchedOffComponents` drops from Scrapy's base component lists the components
whose own setting turns them off, so Scrapy does not import them just to be told
``NotConfigured``: a rerun is mostly start-up, and the cookies middleware alone imports
tldextract, requests and urllib3 (~40 ms), the remote-control extension aiohttp (~170 ms).

:class:`RedisFrontierAddon` turns ``IFP_REDIS_URL`` into the scrapy-redis settings of
:mod:`ifpcrawl.distributed`, which it imports only when the URL is set (scrapy-redis and
redis cost ~50 ms of start-up that a single-machine run does not need; they are the optional
``redis`` extra, named in one line when the URL is set without it). Without it, the
single-machine frontier gets :class:`ifpcrawl.fingerprints.CompactDupeFilter` (8 bytes a
request instead of Scrapy's ~90). Both are set at add-on priority, so ``DUPEFILTER_CLASS``
in a project's settings or on the command line still wins.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings

from ifpcrawl.config import ifp_setting
from ifpcrawl.extras import require

# (switch setting, base component list, component): Scrapy's built-ins that do nothing when
# their switch is off.
SWITCHED_COMPONENTS = (
    (
        "COOKIES_ENABLED",
        "DOWNLOADER_MIDDLEWARES_BASE",
        "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
    ),
    ("TELNETCONSOLE_ENABLED", "EXTENSIONS_BASE", "scrapy.extensions.telnet.TelnetConsole"),
    (
        "REMOTE_CONTROL_ENABLED",
        "EXTENSIONS_BASE",
        "scrapy.extensions.remote_control.RemoteControl",
    ),
)


class SwitchedOffComponents:
    """Leaves out of Scrapy's base lists the built-ins whose switch setting is off."""

    def update_settings(self, settings: BaseSettings) -> None:
        for switch, base, path in SWITCHED_COMPONENTS:
            if settings.getbool(switch, True):
                continue
            components = settings.getdict(base)
            if path in components:
                del components[path]
                settings.set(base, components, priority=settings.getpriority(base) or 0)


class RedisFrontierAddon:
    """Turns ``IFP_REDIS_URL`` into scrapy-redis settings; the compact dupefilter without it."""

    def update_settings(self, settings: BaseSettings) -> None:
        url = ifp_setting(settings, "IFP_REDIS_URL")
        if not url:
            settings.set(
                "DUPEFILTER_CLASS", "ifpcrawl.fingerprints.CompactDupeFilter", priority="addon"
            )
            return
        require("redis", "IFP_REDIS_URL (the shared Redis frontier)")
        from ifpcrawl.distributed import IdleWatch, LeaseMiddleware

        settings.set("REDIS_URL", url, priority="addon")
        settings.set("SCHEDULER", "ifpcrawl.distributed.SharedScheduler", priority="addon")
        settings.set("DUPEFILTER_CLASS", "ifpcrawl.distributed.SiteDupeFilter", priority="addon")
        # The frontier outlives an interrupted worker; a finished group clears itself.
        settings.set("SCHEDULER_PERSIST", True, priority="addon")
        settings.set_in_component_priority_dict("EXTENSIONS", IdleWatch, 300)
        # Outermost (lowest order): it must see the final output of the callback.
        settings.set_in_component_priority_dict("SPIDER_MIDDLEWARES", LeaseMiddleware, 10)
