"""Optional features and the extras that install them: one table, one check.

Without extras ifpcrawl crawls into SQLite. A feature whose extra is missing stops with one
line naming the extra (``pip install 'ifpcrawl[postgres]'``), never an ImportError traceback:
:func:`require` raises :class:`MissingExtra`, a :class:`~ifpcrawl.config.ConfigError`, so
`scrapy crawl` exits with ``ExitStatus.CANNOT_START`` and the other commands print the same
line. pyproject.toml's ``[project.optional-dependencies]`` installs what :data:`EXTRAS`
names (tests/test_packaging.py holds them equal).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from ifpcrawl.config import ConfigError


class MissingExtra(ConfigError):
    """A feature was asked for whose optional dependencies are not installed."""


@dataclass(frozen=True)
class Extra:
    """What an extra installs: the modules a feature imports, and their name for people."""

    modules: tuple[str, ...]
    what: str


EXTRAS: dict[str, Extra] = {
    "postgres": Extra(("psycopg",), "the PostgreSQL driver (psycopg)"),
    "redis": Extra(("redis", "scrapy_redis"), "Redis and scrapy-redis"),
    "graph": Extra(("networkx",), "networkx"),
}


def missing_message(extra: str, feature: str) -> str:
    """The one line a user reads: ``feature`` needs what ``extra`` installs, and how."""
    return f"{feature} needs {EXTRAS[extra].what}: pip install 'ifpcrawl[{extra}]'"


def require(extra: str, feature: str) -> None:
    """Import the modules of ``extra``, or raise :class:`MissingExtra` naming it.

    ``feature`` says what the user asked for, e.g. ``"IFP_REDIS_URL (the Redis frontier)"``.
    """
    for module in EXTRAS[extra].modules:
        try:
            importlib.import_module(module)
        except ImportError:
            raise MissingExtra(missing_message(extra, feature)) from None
