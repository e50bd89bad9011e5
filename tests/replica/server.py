"""A small, fast HTTP/1.1 server for the replica (keep-alive, HEAD, conditional GET).

Hand-written on ``asyncio.Protocol`` rather than ``http.server`` or aiohttp because the
fault kinds need raw control of the socket: answering with a Content-Length larger than
the body, resetting a connection halfway through a body (SO_LINGER 0), holding a
connection silently, trickling bytes. It is also several times faster than
``http.server``, which matters when it serves a 20,000-page benchmark crawl.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import struct
from collections import Counter
from email.utils import formatdate

from tests.replica.faults import FaultPlan
from tests.replica.routes import App, Response

logger = logging.getLogger(__name__)

MAX_HEAD = 64 * 1024
REASONS = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    304: "Not Modified",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
TRICKLE_CHUNKS = 8


class ServerStats:
    def __init__(self) -> None:
        self.requests = 0
        self.statuses: Counter[int] = Counter()
        self.connections = 0

    def as_dict(self, faults: FaultPlan | None) -> dict[str, object]:
        data: dict[str, object] = {
            "requests": self.requests,
            "connections": self.connections,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }
        data.update(faults.stats() if faults else {"faults": {}, "faults_total": 0})
        return data


class HttpConnection(asyncio.Protocol):
    """One client connection: parses requests in order and answers them one by one."""

    def __init__(self, server: ReplicaHttpServer) -> None:
        self.server = server
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.busy = False  # a slow (faulty) response is in progress
        self.closed = False
        self._task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None

    # ------------------------------------------------------------------ protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.server.stats.connections += 1
        self.server.connections.add(self)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.busy:
            self._process()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.server.connections.discard(self)
        if self._task is not None:
            self._task.cancel()
        if self._timer is not None:
            self._timer.cancel()

    # ------------------------------------------------------------------ requests

    def _process(self) -> None:
        while not self.busy and not self.closed:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    self._send_simple(431, b"Request header too large\n", close=True)
                return
            head = bytes(self.buffer[:end]).decode("latin-1")
            del self.buffer[: end + 4]
            self._handle(head)

    def _handle(self, head: str) -> None:
        lines = head.split("\r\n")
        try:
            method, target, version = lines[0].split(" ")
        except ValueError:
            self._send_simple(400, b"Bad Request\n", close=True)
            return
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        connection = headers.get("connection", "").lower()
        keep_alive = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
        if headers.get("content-length", "0") not in ("", "0") or "transfer-encoding" in headers:
            # Only GET/HEAD are served; a request body would desynchronise the stream.
            self._send_simple(405, b"Method Not Allowed\n", close=True)
            return
        self.server.stats.requests += 1
        if target.startswith("/__replica/"):
            self._control(target, keep_alive)
            return
        response = self.server.app.handle(method, target, headers)
        fault = (
            self.server.faults.decide(target)
            if (self.server.faults is not None and response.faultable)
            else None
        )
        if fault is None:
            self._send(response, method, keep_alive)
        else:
            self._fault(fault, response, method, target, keep_alive)

    def _control(self, target: str, keep_alive: bool) -> None:
        if target.split("?")[0] == "/__replica/stats":
            body = json.dumps(self.server.stats_dict(), indent=1).encode()
            self._send(
                Response(200, [("Content-Type", "application/json")], (body,)), "GET", keep_alive
            )
        else:
            self._send_simple(404, b"Not Found\n", close=not keep_alive)

    # ------------------------------------------------------------------ writing

    def _head_bytes(
        self, status: int, headers: list[tuple[str, str]], length: int, keep_alive: bool
    ) -> bytes:
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}"]
        lines.append(f"Date: {formatdate(usegmt=True)}")
        lines.append("Server: nginx")
        lines += [f"{name}: {value}" for name, value in headers]
        lines.append(f"Content-Length: {length}")
        lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _body(self, response: Response) -> list[bytes]:
        return self.server.app.resolve(response.parts)

    def _send(self, response: Response, method: str, keep_alive: bool) -> None:
        assert self.transport is not None
        self.server.stats.statuses[response.status] += 1
        body = self._body(response) if response.status != 304 else []
        length = sum(len(b) for b in body)
        head = self._head_bytes(response.status, response.headers, length, keep_alive)
        if method == "HEAD" or response.status == 304:
            self.transport.write(head)
        else:
            self.transport.writelines([head, *body])
        if not keep_alive:
            self.transport.close()
            self.closed = True

    def _send_simple(self, status: int, body: bytes, close: bool) -> None:
        response = Response(status, [("Content-Type", "text/plain")], (body,))
        self._send(response, "GET", keep_alive=not close)

    # ------------------------------------------------------------------ faults

    def _fault(
        self, kind: str, response: Response, method: str, target: str, keep_alive: bool
    ) -> None:
        assert self.transport is not None
        root = self.server.app.root
        if kind in ("500", "502", "503"):
            status = int(kind)
            body = (
                f"<html><head><title>{status} {REASONS[status]}</title></head><body><center>"
                f"<h1>{status} {REASONS[status]}</h1></center><hr><center>nginx</center>"
                "</body></html>\n"
            ).encode()
            self._send(
                Response(status, [("Content-Type", "text/html")], (body,)), method, keep_alive
            )
        elif kind == "429":
            self._send(
                Response(
                    429,
                    [("Content-Type", "text/html"), ("Retry-After", "1")],
                    (b"<html><body><h1>429 Too Many Requests</h1></body></html>\n",),
                ),
                method,
                keep_alive,
            )
        elif kind == "loop":
            self._send(
                Response(302, [("Location", root + target), ("Content-Type", "text/html")], (b"",)),
                method,
                keep_alive,
            )
        elif kind == "errorpage":
            assert self.server.faults is not None
            if self.server.faults.variant(target, "errorpage") < 0.5:
                body = (
                    b'<!DOCTYPE html>\n<html lang="en-US"><head><meta charset="utf-8">'
                    b'<title>Database Error</title></head><body id="error-page">'
                    b'<div class="wp-die-message"><h1>Error establishing a database connection'
                    b"</h1></div></body></html>\n"
                )
            else:
                body = b""
            self._send(
                Response(200, [("Content-Type", "text/html; charset=UTF-8")], (body,)),
                method,
                keep_alive,
            )
        elif kind == "stall":
            self.busy = True
            stall = self.server.faults.spec.stall_seconds if self.server.faults else 30.0
            self._timer = asyncio.get_running_loop().call_later(stall, self._abort)
        else:
            self.server.stats.statuses[response.status] += 1
            body = b"".join(self._body(response)) if response.status != 304 else b""
            head = self._head_bytes(response.status, response.headers, len(body), keep_alive)
            if method == "HEAD" or not body:
                # Nothing to break in a body-less answer: break the connection instead.
                self.transport.write(head[: len(head) // 2])
                self._abort()
            elif kind == "reset":
                self.transport.write(head + body[: len(body) // 3])
                self.busy = True
                # A short delay lets the partial bytes leave before the RST.
                self._timer = asyncio.get_running_loop().call_later(0.05, self._abort)
            elif kind == "truncate":
                self.transport.write(head + body[: len(body) // 2])
                self.transport.close()
                self.closed = True
            else:  # trickle
                self.busy = True
                self._task = asyncio.get_running_loop().create_task(
                    self._trickle(head, body, keep_alive)
                )

    async def _trickle(self, head: bytes, body: bytes, keep_alive: bool) -> None:
        assert self.transport is not None
        self.transport.write(head)
        size = max(1, len(body) // TRICKLE_CHUNKS + 1)
        seconds = self.server.faults.spec.trickle_seconds if self.server.faults else 1.2
        for start in range(0, len(body), size):
            await asyncio.sleep(seconds / TRICKLE_CHUNKS)
            if self.closed:
                return
            self.transport.write(body[start : start + size])
        self.busy = False
        if not keep_alive:
            self.transport.close()
            self.closed = True
            return
        self._process()

    def _abort(self) -> None:
        """Close with a TCP RST (SO_LINGER 0), as a crashed upstream would."""
        if self.transport is None or self.closed:
            return
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()
        self.closed = True


class ReplicaHttpServer:
    """Binds a loopback socket, then serves an :class:`App` built for the bound URL."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(1024)
        self.sock.setblocking(False)
        bound_host, bound_port = self.sock.getsockname()[:2]
        self.base_url = f"http://{bound_host}:{bound_port}/"
        self.app: App
        self.faults: FaultPlan | None = None
        self.stats = ServerStats()
        self.connections: set[HttpConnection] = set()
        self._server: asyncio.Server | None = None

    def stats_dict(self) -> dict[str, object]:
        return self.stats.as_dict(self.faults)

    async def serve(self, app: App, faults: FaultPlan | None, stop: asyncio.Event) -> None:
        self.app = app
        self.faults = faults
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: HttpConnection(self), sock=self.sock)
        await stop.wait()
        self._server.close()
        # Stalled connections would otherwise keep the process alive until they time out.
        for connection in list(self.connections):
            if connection.transport is not None:
                connection.transport.abort()
