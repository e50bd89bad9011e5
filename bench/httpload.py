"""A tight HTTP/1.1 GET loop (asyncio streams, keep-alive): the server's raw capacity.

Used to warm the replica before anything is timed and to tell whether the replica, not the
crawler, is the bottleneck. Only plain ``http://`` on one host, which is all the bench needs;
it reads ``Content-Length`` and chunked bodies and reconnects when the server closes.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MAX_HEADER_LINES = 200


class LoadError(Exception):
    """The server answered something this client cannot read."""


@dataclass
class LoadResult:
    requests: int  # answered requests, whatever their status
    errors: int  # requests that got no readable answer (transport errors)
    bytes: int
    seconds: float
    statuses: Counter[int] = field(default_factory=Counter)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> int:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        size = 0
        while True:
            line = await reader.readline()
            chunk = int(line.split(b";", 1)[0].strip() or b"0", 16)
            if chunk == 0:
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return size
            await reader.readexactly(chunk + 2)
            size += chunk
    if "content-length" in headers:
        length = int(headers["content-length"])
        await reader.readexactly(length)
        return length
    return len(await reader.read())  # no framing: the body ends with the connection


async def _get(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, target: str
) -> tuple[int, int, bool]:
    """(status, body bytes, connection still usable) for one GET on an open connection."""
    writer.write(
        f"GET {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: bench-httpload\r\n"
        "Accept-Encoding: identity\r\nConnection: keep-alive\r\n\r\n".encode("latin-1")
    )
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionResetError("server closed the connection")
    parts = status_line.split()
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
        raise LoadError(f"bad status line {status_line!r}")
    status = int(parts[1])
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADER_LINES):
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    size = await _read_body(reader, headers)
    keep = headers.get("connection", "").lower() != "close" and (
        "content-length" in headers or "transfer-encoding" in headers
    )
    return status, size, keep


async def _worker(
    host: str, port: int, netloc: str, queue: asyncio.Queue[str], result: LoadResult
) -> None:
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    while True:
        try:
            target = queue.get_nowait()
        except asyncio.QueueEmpty:
            break
        for attempt in range(2):  # a keep-alive connection may have been closed meanwhile
            try:
                if connection is None:
                    connection = await asyncio.open_connection(host, port)
                status, size, keep = await _get(*connection, netloc, target)
            except (OSError, asyncio.IncompleteReadError, LoadError):
                if connection is not None:
                    connection[1].close()
                    connection = None
                if attempt == 1:
                    result.errors += 1
                continue
            result.requests += 1
            result.bytes += size
            result.statuses[status] += 1
            if not keep:
                connection[1].close()
                connection = None
            break
    if connection is not None:
        connection[1].close()


async def _load(urls: Sequence[str], concurrency: int) -> LoadResult:
    first = urlsplit(urls[0])
    if first.scheme != "http" or first.hostname is None:
        raise ValueError(f"httpload serves plain http:// only, not {urls[0]!r}")
    port = first.port or 80
    queue: asyncio.Queue[str] = asyncio.Queue()
    for url in urls:
        parts = urlsplit(url)
        queue.put_nowait((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
    result = LoadResult(requests=0, errors=0, bytes=0, seconds=0.0)
    started = time.perf_counter()
    workers = [
        _worker(first.hostname, port, first.netloc, queue, result)
        for _ in range(max(1, min(concurrency, len(urls))))
    ]
    await asyncio.gather(*workers)
    result.seconds = time.perf_counter() - started
    return result


def load(urls: Sequence[str], concurrency: int = 32) -> LoadResult:
    """GET every URL once (all on the first URL's host), ``concurrency`` connections at a time."""
    if not urls:
        return LoadResult(requests=0, errors=0, bytes=0, seconds=0.0)
    return asyncio.run(_load(urls, concurrency))
