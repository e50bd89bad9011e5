"""WARC capture: every response the crawl used, as the site served it (``IFP_WARC_DIR``).

Written with `warcio <https://github.com/webrecorder/warcio>`_ (the optional ``[warc]``
extra), never by hand: WARC/1.1, one gzip member per record, a ``warcinfo`` record first in
every file, then per exchange a ``response`` record and the ``request`` record that names it
(``WARC-Concurrent-To``). Files rotate at ``IFP_WARC_MAX_SIZE`` bytes.

Where the bytes come from: :class:`WarcCaptureMiddleware` sits at 950 in
``DOWNLOADER_MIDDLEWARES``, above HttpCompressionMiddleware (590) and the redirect
middleware (600), so it sees every response first, 301s and retried 503s included, with
its body still content-encoded as served. Two things differ from the wire, because Scrapy's
HTTP client has already undone them: ``Transfer-Encoding`` is dropped (the body is stored
de-chunked) and ``Content-Length`` is set to the stored body's length when the server sent
none or another one. The request record holds the headers Scrapy sent (its
``Host`` header added, which the client sets on its own).

Crash safety: a file being written is named ``*.warc.gz.open`` and holds an flock. Each
exchange is written whole, then flushed, before the response moves on, so any pointer a
stored article holds names a complete record. A run killed mid-record (SIGKILL, power cut)
leaves a ``.open`` file with a torn last gzip member: the next run (or ``scrapy reextract``)
finds it unlocked, cuts it back to its last whole record and renames it, so readers only
ever see whole records. A clean stop (also Ctrl-C with JOBDIR) closes and renames its file.

Where each stored article's capture is: the middleware puts ``(file name, offset)`` of the
response record in ``meta["ifp_warc"]``; :class:`WarcPointerMiddleware` (a spider
middleware) copies it onto the ``Article`` items the response produced, and the store keeps
it in ``articles.warc_file`` / ``warc_offset`` (and ``revisions`` keep their version's).
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import zlib
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured

from ifpcrawl.config import ifp_setting
from ifpcrawl.items import Article

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
WARC_SUFFIX = ".warc.gz"
#: meta key: (file name, offset) of the response record of this response.
META_KEY = "ifp_warc"
DEFAULT_MAX_SIZE = 1_000_000_000  # the customary 1 GB WARC file
SOFTWARE = "ifpcrawl/0.1 (warcio)"
_CHUNK = 1 << 16
# warcio gzips at level 9; zlib's default 6 costs a third less CPU a page (1.7 vs 2.6 ms on a
# 110 KB replica page) for a file 2% larger, and the capture runs in the crawl's event loop.
GZIP_LEVEL = 6


class WarcUnavailable(RuntimeError):
    """warcio is not installed (the ``[warc]`` extra)."""


def require_warcio() -> None:
    try:
        import warcio  # noqa: F401
    except ImportError:
        raise WarcUnavailable("WARC capture needs warcio: pip install 'ifpcrawl[warc]'") from None


def whole_records_end(fp: IO[bytes]) -> int:
    """Offset just past the last complete gzip member (= WARC record) of a file.

    A member is complete when its deflate stream ends and its trailer follows: a record
    written whole and flushed always is; a record torn by a kill never is.
    """
    fp.seek(0)
    good = position = 0
    member = zlib.decompressobj(16 + zlib.MAX_WBITS)
    while chunk := fp.read(_CHUNK):
        while chunk:
            try:
                member.decompress(chunk)
            except zlib.error:
                return good
            if not member.eof:
                position += len(chunk)
                break
            used = len(chunk) - len(member.unused_data)
            position += used
            good = position
            chunk = member.unused_data
            member = zlib.decompressobj(16 + zlib.MAX_WBITS)
    return good


def recover_open_files(directory: Path) -> list[tuple[Path, int]]:
    """Close off ``*.open`` files no live writer holds: cut to whole records, rename.

    Returns (final path, bytes cut) per file recovered. A file another process still
    writes holds an flock and is left alone.
    """
    recovered: list[tuple[Path, int]] = []
    for path in sorted(directory.glob("*" + WARC_SUFFIX + OPEN_SUFFIX)):
        try:
            handle = open(path, "r+b")  # noqa: SIM115 (closed below, after the lock)
        except OSError as exc:
            logger.error("Cannot open unfinished WARC file %s: %s", path, exc)
            continue
        try:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a live run is writing it
            size = os.fstat(handle.fileno()).st_size
            end = whole_records_end(handle)
            if end < size:
                handle.truncate(end)
                handle.flush()
                os.fsync(handle.fileno())
            final = path.with_name(path.name[: -len(OPEN_SUFFIX)])
            os.replace(path, final)
            recovered.append((final, size - end))
            logger.warning(
                "Closed off the WARC file %s that a killed run left open (%d bytes of a torn"
                " last record cut)",
                final,
                size - end,
            )
        finally:
            handle.close()
    return recovered


def resolve_capture(directory: Path, name: str) -> Path:
    """The path of a capture file named in the store (its ``.open`` name while written)."""
    path = directory / name
    if path.exists():
        return path
    open_path = directory / (name + OPEN_SUFFIX)
    return open_path if open_path.exists() else path


def _status_line(response: Response) -> str:
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Unknown"
    return f"{response.status} {reason}"


def _header_list(headers: Any) -> list[tuple[str, str]]:
    """Scrapy Headers (bytes, multi-valued) as (name, value) str pairs, in order."""
    pairs: list[tuple[str, str]] = []
    for name, values in headers.items():
        text_name = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        for value in values:
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            pairs.append((text_name, text))
    return pairs


def response_headers(response: Response) -> list[tuple[str, str]]:
    """The response's headers as stored: de-chunked, so Content-Length is the body's."""
    kept = [
        (name, value)
        for name, value in _header_list(response.headers)
        if name.lower() not in ("transfer-encoding", "content-length")
    ]
    kept.append(("Content-Length", str(len(response.body))))
    return kept


def request_headers(request: Request) -> list[tuple[str, str]]:
    pairs = _header_list(request.headers)
    if not any(name.lower() == "host" for name, _ in pairs):
        pairs.insert(0, ("Host", urlsplit(request.url).netloc))
    return pairs


class WarcFiles:
    """Rotating WARC files in one directory, written by one process."""

    def __init__(self, directory: Path, max_size: int = DEFAULT_MAX_SIZE, info: str = "") -> None:
        require_warcio()
        self.directory = directory
        self.max_size = max(1, max_size)
        self.info = info
        self.serial = 0
        self.stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        self.host = socket.gethostname()
        self.handle: IO[bytes] | None = None
        self.name = ""
        self.files_written: list[str] = []

    def _open(self) -> None:
        from warcio.warcwriter import WARCWriter

        self.serial += 1
        self.name = f"ifpcrawl-{self.stamp}-{os.getpid()}-{self.serial:05d}{WARC_SUFFIX}"
        path = self.directory / (self.name + OPEN_SUFFIX)
        handle = open(path, "xb")  # noqa: SIM115 (kept open across records)
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        self.handle = handle
        # warcio serializes each record into a buffer; it is gzipped here, one member each.
        self.buffer = BytesIO()
        self.writer = WARCWriter(self.buffer, gzip=False, warc_version="1.1")
        info = {
            "software": SOFTWARE,
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "hostname": self.host,
            "description": self.info,
        }
        self._write([self.writer.create_warcinfo_record(self.name, info)])
        self.files_written.append(self.name)

    def _write(self, records: Iterable[Any]) -> int:
        """Write records whole, then flush; returns the offset of the first."""
        assert self.handle is not None
        offset = self.handle.tell()
        for record in records:
            self.buffer.seek(0)
            self.buffer.truncate()
            self.writer.write_record(record)
            member = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
            self.handle.write(member.compress(self.buffer.getbuffer()) + member.flush())
        self.handle.flush()
        return offset

    def write_exchange(self, request: Request, response: Response) -> tuple[str, int]:
        """Record one response and its request; returns (file name, offset of the response)."""
        from warcio.statusandheaders import StatusAndHeaders

        if self.handle is None or self.handle.tell() >= self.max_size:
            self.close()
            self._open()
        assert self.handle is not None
        date = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
        protocol = str(getattr(response, "protocol", None) or "HTTP/1.1")
        http_response = StatusAndHeaders(
            _status_line(response), response_headers(response), protocol=protocol
        )
        response_record = self.writer.create_warc_record(
            response.url,
            "response",
            payload=BytesIO(response.body),
            length=len(response.body),
            http_headers=http_response,
            warc_headers_dict={"WARC-Date": date, "WARC-IP-Address": _ip(response)},
        )
        target = urlsplit(request.url)
        path = (target.path or "/") + (f"?{target.query}" if target.query else "")
        http_request = StatusAndHeaders(
            f"{request.method} {path} HTTP/1.1", request_headers(request), is_http_request=True
        )
        request_record = self.writer.create_warc_record(
            request.url,
            "request",
            payload=BytesIO(request.body or b""),
            length=len(request.body or b""),
            http_headers=http_request,
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Concurrent-To": response_record.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        offset = self._write([response_record, request_record])
        return self.name, offset

    def close(self) -> None:
        if self.handle is None:
            return
        self.handle.flush()
        os.fsync(self.handle.fileno())
        path = self.directory / (self.name + OPEN_SUFFIX)
        os.replace(path, self.directory / self.name)
        fcntl.flock(self.handle.fileno(), fcntl.LOCK_UN)
        self.handle.close()
        self.handle = None


def _ip(response: Response) -> str:
    address = getattr(response, "ip_address", None)
    return str(address) if address is not None else ""


def open_warc_dir(directory: str) -> Path:
    """Create the directory if needed, close off files a killed run left (see module doc)."""
    path = Path(directory)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"IFP_WARC_DIR {directory}: {exc.strerror or exc}") from None
    if not os.access(path, os.W_OK):
        raise ValueError(f"IFP_WARC_DIR {directory}: not writable")
    return path


def check_settings(settings: Any) -> None:
    """Raise ValueError (one line) for an unusable IFP_WARC_DIR / IFP_WARC_MAX_SIZE."""
    require_warcio()
    try:
        max_size = ifp_setting(settings, "IFP_WARC_MAX_SIZE")
    except ValueError:
        raw = settings.get("IFP_WARC_MAX_SIZE")
        raise ValueError(f"IFP_WARC_MAX_SIZE must be a number of bytes, not {raw!r}") from None
    if max_size <= 0:
        raise ValueError(f"IFP_WARC_MAX_SIZE must be more than 0, not {max_size}")
    open_warc_dir(str(ifp_setting(settings, "IFP_WARC_DIR")))


class WarcCaptureMiddleware:
    """Downloader middleware writing every response (and its request) to WARC files.

    Settings: ``IFP_WARC_DIR`` (off when empty), ``IFP_WARC_MAX_SIZE``. Per-request escape
    hatch: ``meta["ifp_warc_skip"]``.
    """

    def __init__(self, files: WarcFiles, stats: StatsCollector) -> None:
        self.files = files
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        directory = ifp_setting(crawler.settings, "IFP_WARC_DIR")
        if not directory:
            raise NotConfigured  # off by default: no "Disabled" warning on every crawl
        assert crawler.stats is not None
        path = open_warc_dir(str(directory))
        for _, cut in recover_open_files(path):
            crawler.stats.inc_value("ifp/warc/recovered_files")
            crawler.stats.inc_value("ifp/warc/recovered_cut_bytes", cut)
        files = WarcFiles(
            path,
            ifp_setting(crawler.settings, "IFP_WARC_MAX_SIZE"),
            info=f"ifpcrawl crawl of {crawler.settings.get('IFP_SITE')}",
        )
        middleware = cls(files, crawler.stats)
        from scrapy import signals

        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("ifp_warc_skip"):
            return response
        name, offset = self.files.write_exchange(request, response)
        request.meta[META_KEY] = (name, offset)
        self.stats.inc_value("ifp/warc/records")
        self.stats.inc_value("ifp/warc/payload_bytes", len(response.body))
        return response

    def spider_closed(self) -> None:
        self.files.close()
        self.stats.set_value("ifp/warc/files", len(self.files.files_written))


def attach_pointer(item: Any, response: Response) -> Any:
    pointer = response.meta.get(META_KEY)
    if isinstance(item, Article) and pointer:
        item.warc_file, item.warc_offset = str(pointer[0]), int(pointer[1])
    return item


class WarcPointerMiddleware:
    """Spider middleware: an Article carries where its response was captured."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcPointerMiddleware:
        settings = crawler.settings
        if not ifp_setting(settings, "IFP_WARC_DIR") and not ifp_setting(settings, "IFP_REEXTRACT"):
            raise NotConfigured  # off by default: no "Disabled" warning on every crawl
        return cls()

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        for item in result:
            yield attach_pointer(item, response)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for item in result:
            yield attach_pointer(item, response)
