"""Exit statuses of `scrapy crawl` (and the other project commands): one cause, one status.

Scheduled jobs learn about trouble only through these, so each cause has its own number and
the command prints one line saying why (never a traceback). README.md ("Exit status")
documents the same table; ``tests`` pin each one.

When several causes meet in one run, the most severe wins, in the order of ``SEVERITY``.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    #: The run did its work (also a run stopped by a ``CLOSESPIDER_*`` limit, which it names).
    OK = 0
    #: The crawl could not start: a bad argument or setting, an unknown ``IFP_*`` name.
    CANNOT_START = 1
    #: The store could not be opened or written, another run holds it, or JOBDIR is damaged.
    STORE = 2
    #: Field coverage of the run fell below ``IFP_MIN_COVERAGE`` (usually a theme change).
    LOW_COVERAGE = 3
    #: The site never answered: DNS failure, connection refused, every seed failed.
    SITE_UNREACHABLE = 4
    #: Articles were fetched and read but left unstored (the store refused them, a pipeline
    #: or callback failed on them); they are in ``failures`` and retried next run.
    UNSTORED = 5


#: Most severe first: the status a run exits with when several causes meet.
SEVERITY = (
    ExitStatus.CANNOT_START,
    ExitStatus.STORE,
    ExitStatus.SITE_UNREACHABLE,
    ExitStatus.UNSTORED,
    ExitStatus.LOW_COVERAGE,
)


def most_severe(statuses: list[ExitStatus] | set[ExitStatus]) -> ExitStatus:
    """The status to exit with among the causes a run met (OK when there are none)."""
    for status in SEVERITY:
        if status in statuses:
            return status
    return ExitStatus.OK
