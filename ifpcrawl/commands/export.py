"""``scrapy export``: articles from the store to CSV or JSON Lines.

``--changed`` exports what changed since the last complete export: the store's state key
``last_export_at`` holds the start time of the last export that covered every change
(no ``--since`` / ``--changed-since`` window), written only after its file was in place.
The start time (not the end) is recorded, so an article updated while an export runs is
exported again next time rather than missed.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand

from ifpcrawl.commands._common import (
    CommandError,
    add_store_option,
    atomic_output,
    fail,
    open_existing_store,
    quiet_broken_pipe,
    store_target,
)
from ifpcrawl.exports import iso_utc, parse_when, write_csv, write_jsonl

logger = logging.getLogger(__name__)

FORMATS = ("csv", "jsonl")
EXTENSION_FORMATS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".jl": "jsonl",
    ".ndjson": "jsonl",
    ".jsonlines": "jsonl",
}
STATE_KEY = "last_export_at"


def resolve_format(requested: str | None, output: str) -> str:
    """``--format`` if given, else from the output's extension; stdout defaults to JSONL."""
    if requested:
        fmt = requested.lower()
        if fmt not in FORMATS:
            raise CommandError(f"unknown format {requested!r} (use csv or jsonl)")
        return fmt
    if output == "-":
        return "jsonl"
    suffix = PurePath(output).suffix.lower()
    if suffix in EXTENSION_FORMATS:
        return EXTENSION_FORMATS[suffix]
    raise CommandError(f"cannot tell the format of {output!r}: add --format csv or --format jsonl")


def user_time(text: str | None, option: str) -> str | None:
    if text is None:
        return None
    try:
        return iso_utc(parse_when(text))
    except ValueError as exc:
        raise CommandError(f"{option}: {exc}") from None


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[options]"

    def short_desc(self) -> str:
        return "Export articles from the store to CSV or JSON Lines"

    def long_desc(self) -> str:
        return (
            "Export articles from the store (all, published since a date, or changed since "
            "a date or the last export) to CSV or JSON Lines. The file is written through a "
            "temporary file and moved into place, so a failed export leaves no half file."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "-o",
            "--output",
            metavar="FILE",
            default="-",
            help="file to write, '-' for standard output (default)",
        )
        parser.add_argument(
            "--format",
            default=None,
            help="csv or jsonl (default: from the file extension; jsonl on stdout)",
        )
        parser.add_argument("--since", metavar="DATE", help="only articles published since DATE")
        changed = parser.add_mutually_exclusive_group()
        changed.add_argument(
            "--changed-since", metavar="DATE", help="only articles added or changed since DATE"
        )
        changed.add_argument(
            "--changed",
            action="store_true",
            help="only articles added or changed since the last complete export",
        )
        parser.add_argument(
            "--no-duplicates",
            action="store_true",
            help="leave out articles marked as duplicates of another",
        )
        add_store_option(parser)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        with quiet_broken_pipe():
            self._run(args, opts)

    def _run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            if args:
                raise CommandError(f"unexpected arguments: {' '.join(args)}")
            count, where = self._export(opts)
        except CommandError as exc:
            self.exitcode = fail("export", exc)
            return
        print(f"exported {count} articles to {where}", file=sys.stderr)

    def _export(self, opts: argparse.Namespace) -> tuple[int, str]:
        output = str(opts.output)
        fmt = resolve_format(opts.format, output)
        since = user_time(opts.since, "--since")
        changed_since = user_time(opts.changed_since, "--changed-since")
        writer = write_csv if fmt == "csv" else write_jsonl
        started = datetime.now(UTC).replace(microsecond=0)
        store = open_existing_store(store_target(opts, self.settings))
        try:
            if opts.changed:
                changed_since = store.get_state(STATE_KEY)
                logger.info("exporting changes since the last export (%s)", changed_since)
            rows = store.iter_articles(
                since=since,
                changed_since=changed_since,
                include_duplicates=not opts.no_duplicates,
            )
            with atomic_output(output) as fp:
                count = writer(rows, fp)
            if opts.since is None and opts.changed_since is None:
                store.set_state(STATE_KEY, iso_utc(started))
        finally:
            store.close()
        return count, "standard output" if output == "-" else output
