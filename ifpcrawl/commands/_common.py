"""Helpers shared by the ``export``, ``graph`` and ``report`` commands.

Plain functions only: every ScrapyCommand subclass found in this package becomes a
command named after its module, so no base class lives here.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ifpcrawl.config import ifp_setting
from ifpcrawl.extras import MissingExtra
from ifpcrawl.store.base import StoreError

if TYPE_CHECKING:
    from scrapy.settings import Settings

    from ifpcrawl.store.base import Store

DEFAULT_STORE = "ifp.db"


class CommandError(Exception):
    """A user-facing failure: printed as one line, exit status 2."""


def add_store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        metavar="TARGET",
        default=None,
        help="store to read: a path, sqlite:///path or postgresql://... "
        "(default: the IFP_STORE setting)",
    )


def store_target(opts: argparse.Namespace, settings: Settings | None) -> str:
    if opts.store:
        return str(opts.store)
    if settings is not None:
        return str(ifp_setting(settings, "IFP_STORE") or DEFAULT_STORE)
    return DEFAULT_STORE


def sqlite_path(target: str) -> Path | None:
    """The file behind an SQLite target, None for a server (PostgreSQL) target."""
    if target.startswith("sqlite:///"):
        return Path(target[len("sqlite:///") :])
    if target.startswith("sqlite://"):
        raise CommandError(f"cannot read store {target!r}: use sqlite:///path/to/file.db")
    if "://" in target:
        return None  # a server (postgresql://...); open_store names unsupported schemes
    return Path(target)


def open_existing_store(target: str) -> Store:
    """Open a store for reading; a missing SQLite file is an error, never a new empty store."""
    path = sqlite_path(target)
    if path is not None and not path.is_file():
        raise CommandError(f"store not found: {path} (crawl first, or pass --store TARGET)")
    # Imported here: Scrapy imports every command module to list commands, and a backend
    # import problem (psycopg, ...) must not break `scrapy crawl`.
    from ifpcrawl.store import open_store

    try:
        return open_store(target)
    except MissingExtra as exc:  # its line names the target and the extra
        raise CommandError(str(exc)) from None
    except StoreError as exc:
        raise CommandError(f"cannot open store {target}: {exc}") from None


def _new_file_mode(path: Path) -> int:
    """Keep an existing file's mode; a new one gets the usual 0666 & ~umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextmanager
def atomic_output(target: str, binary: bool = False) -> Iterator[IO[Any]]:
    """A file to write ``target`` through: a temporary file in the same directory, moved
    over ``target`` only when the block succeeds, so a failed export never leaves half a
    file (and never destroys the previous one). ``-`` is standard output.
    """
    if target == "-":
        yield from _stdout(binary)
        return
    path = Path(target)
    if path.is_dir():
        raise CommandError(f"cannot write {target}: it is a directory")
    directory = path.parent
    if not directory.is_dir():
        raise CommandError(f"cannot write {target}: directory {directory} does not exist")
    try:
        fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise CommandError(f"cannot write {target}: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:
        mode = "wb" if binary else "w"
        encoding = None if binary else "utf-8"
        newline = None if binary else ""
        with open(fd, mode, encoding=encoding, newline=newline) as fp:
            yield fp
            fp.flush()
            os.fsync(fp.fileno())
        os.chmod(tmp, _new_file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _stdout(binary: bool) -> Iterator[IO[Any]]:
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # stdout replaced by a text-only stream (tests, embedding)
        yield sys.stdout
        return
    sys.stdout.flush()
    if binary:
        yield buffer
        buffer.flush()
        return
    # newline="" keeps CSV's CRLF and bodies' newlines as written, in UTF-8 whatever the locale.
    wrapper = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
    try:
        yield wrapper
        wrapper.flush()
    finally:
        wrapper.detach()  # leave sys.stdout usable


@contextmanager
def quiet_broken_pipe() -> Iterator[None]:
    """A reader that stops early (``scrapy export | head``) ends the command quietly, as
    it ends any Unix tool: no BrokenPipeError traceback, exit status 0."""
    try:
        yield
    except BrokenPipeError:
        # Python flushes stdout once more at exit and would report the same error there:
        # point the descriptor at /dev/null first (the recipe of Python's signal docs).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def fail(command: str, error: Exception) -> int:
    """Print a one-line error for ``scrapy <command>`` and return the exit status."""
    print(f"scrapy {command}: error: {error}", file=sys.stderr)
    return 2
