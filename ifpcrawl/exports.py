"""Article exports: CSV and JSON Lines, from the store or from a crawl's feed.

The writers are plain functions over iterables of row dicts: they stream (one row in
memory at a time) and return how many rows they wrote. The same column set is used by
``scrapy export`` (rows from the store) and by ``scrapy crawl ifp -O articles.csv``
(``ArticleCsvItemExporter`` / ``ArticleJsonLinesItemExporter``, registered in
``FEED_EXPORTERS``). A feed row is written once its article is stored, with what the
store holds for it (``StorePipeline`` gives each stored item its row: ``id``,
``duplicate_of`` as the original's URL, ``first_seen_at``, ``last_seen_at``); an article
the store refused is left out of the feed (it is in ``failures``).

CSV cells that a spreadsheet would run as a formula (text starting with ``=``, ``+``,
``-``, ``@``, TAB or CR) get a leading apostrophe: the OWASP "CSV injection" mitigation,
which spreadsheets display without the apostrophe. Programs that read the CSV as data
and need the exact text should remove one leading ``'`` from such cells, or use the
JSONL export, which is data and is never altered.
"""

from __future__ import annotations

import csv
import json
import logging
import os
from collections import deque
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import IO, Any

from scrapy.exporters import CsvItemExporter, JsonLinesItemExporter

logger = logging.getLogger(__name__)

COLUMNS: tuple[str, ...] = (
    "id",
    "url",
    "title",
    "author",
    "section",
    "tags",
    "published_at",
    "modified_at",
    "summary",
    "body",
    "image_url",
    "word_count",
    "content_hash",
    "duplicate_of",
    "first_seen_at",
    "last_seen_at",
)
# Numbers are written as numbers: "-1" in a numeric column is not a formula risk worth
# corrupting the value for.
NUMERIC_COLUMNS = frozenset({"id", "word_count", "duplicate_of"})
TAG_SEPARATOR = "|"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralize_cell(value: str) -> str:
    """Prefix ``'`` to text a spreadsheet would evaluate as a formula (OWASP)."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def decode_tags(value: Any) -> list[str]:
    """Tags as a list, whether the row holds a list or the JSON text of one."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except json.JSONDecodeError:
            return [value]
        value = decoded if isinstance(decoded, list) else [decoded]
    if isinstance(value, (list, tuple)):
        return [str(tag) for tag in value if tag is not None and str(tag) != ""]
    return [str(value)]


def export_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """The exported columns of one row, in order; missing columns are None."""
    record = {name: row.get(name) for name in COLUMNS}
    record["tags"] = decode_tags(record["tags"])
    return record


def csv_cell(name: str, value: Any) -> str:
    """One CSV cell: tags joined with ``|``, None empty, text neutralized."""
    if value is None:
        return ""
    if name == "tags":
        return neutralize_cell(TAG_SEPARATOR.join(decode_tags(value)))
    if name in NUMERIC_COLUMNS and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, (list, tuple, dict)):
        # No nested objects in a CSV cell; JSON keeps them readable and lossless.
        return neutralize_cell(json.dumps(value, ensure_ascii=False))
    return neutralize_cell(str(value))


def csv_row(row: Mapping[str, Any]) -> list[str]:
    return [csv_cell(name, row.get(name)) for name in COLUMNS]


def write_jsonl(rows: Iterable[Mapping[str, Any]], fp: IO[str]) -> int:
    """One JSON object per line (UTF-8 text, not ASCII-escaped); returns the row count."""
    count = 0
    for row in rows:
        fp.write(json.dumps(export_record(row), ensure_ascii=False, default=str))
        fp.write("\n")
        count += 1
    return count


def write_csv(rows: Iterable[Mapping[str, Any]], fp: IO[str], header: bool = True) -> int:
    """CSV with a header line; returns the row count (header not counted).

    ``fp`` must be opened with ``newline=""`` (as the csv module requires) so that
    newlines inside bodies stay inside their quoted cell on every platform.
    """
    writer = csv.writer(fp, quoting=csv.QUOTE_MINIMAL)
    if header:
        writer.writerow(COLUMNS)
    count = 0
    for row in rows:
        writer.writerow(csv_row(row))
        count += 1
    return count


# --- dates given by users (--since, --until, --changed-since) ---------------------------


def parse_when(text: str, end_of_day: bool = False) -> datetime:
    """A user-given date or date-time as an aware UTC datetime.

    ``2024-05-01`` is midnight UTC, or the start of the next day with ``end_of_day``
    (so an ``--until`` date includes that whole day). A time without an offset is UTC.
    ValueError with a clear message otherwise.
    """
    value = text.strip()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        pass
    else:
        moment = datetime.combine(day, time(0), tzinfo=UTC)
        return moment + timedelta(days=1) if end_of_day else moment
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"not a date: {text!r} (use YYYY-MM-DD or an ISO 8601 date-time)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_stored_time(value: Any) -> datetime | None:
    """A stored ISO 8601 time (with or without offset; naive means UTC), None if unusable."""
    if not value or not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- Scrapy feed exporters for `scrapy crawl ifp -O articles.csv|jsonl` ----------------


def _file_has_content(file: IO[bytes]) -> bool:
    """True if the feed file already holds data (``-o`` appending to an earlier run's file).

    Python opens append-mode files positioned at their end, so ``tell()`` is the size;
    storages that give a pipe or a wrapper fall back to the size of the descriptor.
    """
    try:
        return file.tell() > 0
    except (OSError, AttributeError, ValueError):
        pass
    try:
        return os.fstat(file.fileno()).st_size > 0
    except (OSError, AttributeError, ValueError):
        return False


#: Items held back waiting for their batch to be stored, at most; past this the oldest is
#: written as it is (a crawl without the store pipeline never marks its items stored).
FEED_HOLD_MAX = 1000


class _AfterStore:
    """Holds each item until the store pipeline has stored it, then exports it in order.

    Scrapy hands an item to the feed as soon as the pipelines return it, while the store
    writes it with its batch a little later; the store pipeline marks the item
    (``store_status``) when its batch is written.
    """

    _held: deque[Any] | None = None

    def export_item(self, item: Any) -> None:
        if self._held is None:
            self._held = deque()
        self._held.append(item)
        self._release(everything=False)

    def finish_exporting(self) -> None:
        self._release(everything=True)
        super().finish_exporting()  # type: ignore[misc]

    def _release(self, everything: bool) -> None:
        held = self._held
        while held:
            status = getattr(held[0], "store_status", "")
            if status is None and not everything and len(held) <= FEED_HOLD_MAX:
                return
            item = held.popleft()
            if status != "refused":
                super().export_item(item)  # type: ignore[misc]


class ArticleCsvItemExporter(_AfterStore, CsvItemExporter):
    """``CsvItemExporter`` with the export columns, tags joined, text neutralized.

    Writes the header only into an empty file: a resumed run appending (``-o``) to the
    CSV of the interrupted run must not put a second header line in the middle of it.
    """

    def __init__(self, file: IO[bytes], **kwargs: Any) -> None:
        if not kwargs.get("fields_to_export"):
            kwargs["fields_to_export"] = list(COLUMNS)
        kwargs.setdefault("include_headers_line", not _file_has_content(file))
        super().__init__(file, **kwargs)  # type: ignore[arg-type]

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        return csv_cell(name, value)


class ArticleJsonLinesItemExporter(_AfterStore, JsonLinesItemExporter):
    """JSON Lines with the export columns only (no links, url_variants, sources, ...).

    Every column is present in every line (null when the crawl item lacks it), so the
    file has the same shape as ``scrapy export --format jsonl``.
    """

    def __init__(self, file: IO[bytes], **kwargs: Any) -> None:
        if not kwargs.get("fields_to_export"):
            kwargs["fields_to_export"] = list(COLUMNS)
        kwargs.setdefault("export_empty_fields", True)
        super().__init__(file, **kwargs)  # type: ignore[arg-type]

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        return decode_tags(value) if name == "tags" else value
