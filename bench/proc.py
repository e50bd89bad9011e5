"""Child processes measured the way the kernel accounts them, and the replica server process.

A crawl runs as its own process so its peak RSS and CPU are its own: ``os.wait4`` returns the
child's ``ru_maxrss`` and user/system time at exit. Linux folds into a child's ``ru_maxrss``
the resident size of the process that spawned it (at exec, the old address space's high-water
mark is kept), so a crawl spawned straight from this process would report this process's
RSS whenever it is the larger: the 20,000-article crawl, spawned after the stage measurement,
reported 204 MB while its own peak was 172 MB. Every child is therefore spawned by a small
launcher (``python -S``, ~10 MB) that waits for it and reports its rusage.
The replica runs as another process; its CPU use while a crawl runs (from /proc) tells
whether the crawler or the server was the bottleneck.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from tests.local import checkout_env
from tests.replica.testing import replica_command

logger = logging.getLogger(__name__)

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# python -S -c LAUNCHER OUT CMD...: spawn CMD, wait for it, write "status utime stime maxrss".
LAUNCHER = """
import os, sys
out, args = sys.argv[1], sys.argv[2:]
pid = os.posix_spawnp(args[0], args, os.environ)
_, status, ru = os.wait4(pid, 0)
with open(out, "w") as fp:
    fp.write(f"{os.waitstatus_to_exitcode(status)} {ru.ru_utime} {ru.ru_stime} {ru.ru_maxrss}")
"""


@dataclass
class Usage:
    """What one finished child process used."""

    returncode: int
    wall_s: float
    user_s: float
    sys_s: float
    peak_rss_mb: float
    timed_out: bool = False

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "cpu_s": self.cpu_s}


def run_measured(
    cmd: Sequence[str],
    log_path: Path,
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    timeout: float | None = None,
) -> Usage:
    """Run ``cmd`` to completion (stdout and stderr into ``log_path``) and account for it."""
    report = log_path.with_name(log_path.name + ".rusage")
    report.unlink(missing_ok=True)
    launcher = [sys.executable, "-S", "-c", LAUNCHER, str(report), *cmd]
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            launcher,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,  # a timeout kills the launcher and the crawl together
        )
        killer: threading.Timer | None = None
        expired = threading.Event()
        if timeout is not None:

            def kill() -> None:
                expired.set()
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)

            killer = threading.Timer(timeout, kill)
            killer.daemon = True
            killer.start()
        try:
            launcher_code = proc.wait()
        finally:
            if killer is not None:
                killer.cancel()
        wall = time.perf_counter() - started
    try:
        code, user_s, sys_s, maxrss_kib = report.read_text().split()
    except (OSError, ValueError):  # the launcher was killed before it could report
        return Usage(launcher_code or -9, wall, 0.0, 0.0, 0.0, timed_out=expired.is_set())
    return Usage(
        returncode=int(code),
        wall_s=wall,
        user_s=float(user_s),
        sys_s=float(sys_s),
        peak_rss_mb=int(maxrss_kib) / 1024,  # KiB on Linux
        timed_out=expired.is_set(),
    )


def process_cpu_s(pid: int) -> float:
    """User+system CPU seconds of a running process (Linux /proc), 0.0 if unreadable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    # Fields after the ")" of the command name: utime and stime are the 12th and 13th.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def process_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class ReplicaProcess:
    """``python -m tests.replica --port 0 --articles N`` in its own process."""

    def __init__(
        self,
        articles: int,
        extra_args: Sequence[str] = (),
        log_path: Path | None = None,
        start_timeout: float = 600.0,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.cmd = replica_command("--port", "0", "--articles", str(articles), *extra_args)
        self.log_path = log_path
        self.start_timeout = start_timeout
        self.env = env
        self.proc: subprocess.Popen[str] | None = None
        self.base_url = ""
        self.start_s = 0.0
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader: threading.Thread | None = None

    def __enter__(self) -> ReplicaProcess:
        started = time.perf_counter()
        if self.log_path is None:
            self.proc = self._spawn(subprocess.DEVNULL)
        else:
            with open(self.log_path, "w") as stderr:
                self.proc = self._spawn(stderr)
        # A reader thread keeps the pipe drained: a server that logs to stdout must never block.
        self._reader = threading.Thread(target=self._read_stdout, daemon=True)
        self._reader.start()
        try:
            line = self._lines.get(timeout=self.start_timeout)
        except queue.Empty:
            line = None
        if not line or not line.strip().startswith("http"):
            self.close()
            raise RuntimeError(f"the replica did not print its URL (got {line!r}): {self.cmd}")
        self.base_url = line.strip()
        self.start_s = time.perf_counter() - started
        return self

    def _spawn(self, stderr: IO[str] | int) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.cmd, stdout=subprocess.PIPE, stderr=stderr, text=True, env=checkout_env(self.env)
        )

    def _read_stdout(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu_s(self) -> float:
        return process_cpu_s(self.pid)

    def rss_mb(self) -> float:
        return process_rss_mb(self.pid)

    def close(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._reader is not None:
            self._reader.join(timeout=10)  # ends at EOF, now that the server is gone
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
