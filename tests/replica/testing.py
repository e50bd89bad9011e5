"""``ReplicaServer``: run the replica in a subprocess for tests and benchmarks.

with ReplicaServer("--articles", "200", "--faults", "rate=0.1,seed=7") as replica:
    urllib.request.urlopen(replica.base_url + "feed/")
    truth = replica.manifest()
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from types import TracebackType
from typing import IO, Any

from tests.local import checkout_env
from tests.replica.__main__ import build_parser, site_from_args
from tests.replica.content import Site

START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


def replica_command(*args: str) -> list[str]:
    """``python -m tests.replica *args`` with this interpreter (run it with :func:`checkout_env`:
    the replica is test code, imported from the checkout, not from the installed package)."""
    return [sys.executable, "-m", "tests.replica", *args]


class ReplicaError(RuntimeError):
    """The replica process did not start (its stderr is in the message)."""


class ReplicaServer:
    """Context manager: ``python -m tests.replica --port 0 *args`` in a subprocess."""

    def __init__(self, *args: str) -> None:
        self.args = list(args)
        self.process: subprocess.Popen[str] | None = None
        self.base_url = ""
        self._site: Site | None = None
        self._stderr: list[str] = []
        self._threads: list[threading.Thread] = []

    @property
    def host_port(self) -> str:
        return self.base_url.split("://", 1)[1].rstrip("/")

    def start(self) -> ReplicaServer:
        command = replica_command("--port", "0", *self.args)
        env = checkout_env({**os.environ, "PYTHONUNBUFFERED": "1"})
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=env,
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        # Drain stderr in the background so a chatty server never blocks on a full pipe.
        lines: queue.Queue[str] = queue.Queue()
        self._threads = [
            threading.Thread(target=self._drain, args=(self.process.stderr,), daemon=True),
            threading.Thread(
                target=lambda out: lines.put(out.readline()),
                args=(self.process.stdout,),
                daemon=True,
            ),
        ]
        for thread in self._threads:
            thread.start()
        try:
            first = lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            self.stop()
            raise ReplicaError(f"replica did not start: {''.join(self._stderr)}") from None
        if not first.startswith("http://"):
            self.stop()
            raise ReplicaError(f"replica failed: {first}{''.join(self._stderr)}")
        self.base_url = first.strip()
        return self

    def _drain(self, stream: IO[str]) -> None:
        for line in stream:
            self._stderr.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    def site(self) -> Site:
        """The served site, rebuilt in-process from the same arguments (deterministic)."""
        if self._site is None:
            parsed = build_parser().parse_args(["--port", "0", *self.args])
            self._site = site_from_args(parsed)
        return self._site

    def manifest(self) -> dict[str, Any]:
        return self.site().manifest()

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def stop(self) -> None:
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        # The pipes reach EOF once the process is gone; join the readers, then close.
        for thread in self._threads:
            thread.join(timeout=STOP_TIMEOUT)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
        self.process = None

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def load_manifest(*args: str) -> dict[str, Any]:
    """The manifest via the CLI (``--manifest``), for callers that want no import."""
    output = subprocess.run(
        replica_command(*args, "--manifest"),
        env=checkout_env(),
        check=True,
        capture_output=True,
        text=True,
        encoding="utf-8",
    ).stdout
    result: dict[str, Any] = json.loads(output)
    return result
