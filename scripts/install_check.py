"""Install ifpcrawl as a user does, then crawl the replica from that install.

    python3 scripts/install_check.py                      # what .ci/run does
    python3 scripts/install_check.py --python python3.12  # another interpreter
    python3 scripts/install_check.py --upgrade-pip        # the newest pip instead of the stock one

A fresh venv made with ``python -m venv`` keeps the pip that Python bundles (23.2 on 3.11 and
3.12), and ``pip install .`` is a plain, non-editable install without extras: a runtime
dependency that only a newer pip, an extra or the source tree supplies fails here. Checked:

* the install holds none of the checkout's test code (replica, demo, local-crawl helpers,
  store bench) and none of the optional extras' modules;
* a crawl of the replica into SQLite, run in an empty directory with no PYTHONPATH (so only
  the installed package can be imported), stores every article the replica serves with no
  ERROR line in its log;
* ``IFP_STORE=postgresql://...`` on that install exits 1 with one line naming the
  ``postgres`` extra, no traceback.

The replica is test code: it is served from the checkout (``python -m tests.replica`` with
this interpreter), not from the install. Uses only the standard library: it runs before
anything is installed. Exit status 0 when all is good, 1 otherwise (with one line saying why).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The replica and the local-crawl settings come from the checkout (stdlib only).
sys.path.insert(0, str(ROOT))

from tests.local import LOCAL_SETTINGS  # noqa: E402
from tests.replica.testing import ReplicaServer  # noqa: E402

ERROR_LINE = re.compile(r"^\S+ \S+ \[[^\]]+\] (ERROR|CRITICAL):", re.MULTILINE)
# Checkout code that must not ship, and the modules only an extra installs.
NOT_SHIPPED = ("ifpcrawl.replica", "ifpcrawl.demo", "ifpcrawl.local", "ifpcrawl.store.bench")
EXTRA_MODULES = ("psycopg", "redis", "scrapy_redis", "networkx")
PG_TARGET = "postgresql://127.0.0.1/test"


class CheckFailed(Exception):
    """The install or the crawl is not what a user needs; the message says what."""


def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    print("+ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, text=True, check=False, **kwargs)  # type: ignore[call-overload]


def make_venv(python: str, venv: Path, upgrade_pip: bool) -> Path:
    if run([python, "-m", "venv", str(venv)]).returncode != 0:
        raise CheckFailed(f"{python} -m venv failed")
    bin_python = venv / "bin" / "python"
    if upgrade_pip and run([str(bin_python), "-m", "pip", "install", "-q", "-U", "pip"]).returncode:
        raise CheckFailed("pip install -U pip failed")
    run([str(bin_python), "-m", "pip", "--version"])
    return bin_python


def install(bin_python: Path, cwd: Path) -> None:
    # Not editable: the package as pip builds it, without the source tree beside it.
    if run([str(bin_python), "-m", "pip", "install", "-q", str(ROOT)], cwd=cwd).returncode:
        raise CheckFailed("pip install . failed")
    probe = run(
        [
            str(bin_python),
            "-c",
            "import ifpcrawl, trafilatura, lxml_html_clean; print(ifpcrawl.__file__)",
        ],
        cwd=cwd,
        capture_output=True,
    )
    if probe.returncode != 0:
        raise CheckFailed(f"the installed package does not import: {probe.stderr.strip()[-500:]}")
    where = Path(probe.stdout.strip())
    if not where.is_relative_to(bin_python.parent.parent):
        raise CheckFailed(f"ifpcrawl imported from {where}, not from the venv")
    shipped = importable(bin_python, cwd, NOT_SHIPPED)
    if shipped:
        raise CheckFailed(f"the install carries test code: {', '.join(shipped)}")
    extras = importable(bin_python, cwd, EXTRA_MODULES)
    if extras:
        raise CheckFailed(f"installed without extras, yet {', '.join(extras)} import")


def importable(bin_python: Path, cwd: Path, modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` the installed interpreter finds."""
    code = "import importlib.util as u, sys; print(*[m for m in sys.argv[1:] if u.find_spec(m)])"
    probe = run([str(bin_python), "-c", code, *modules], cwd=cwd, capture_output=True)
    if probe.returncode != 0:
        raise CheckFailed(f"probing modules failed: {probe.stderr.strip()[-500:]}")
    return probe.stdout.split()


def crawl_command(bin_python: Path, base_url: str, store: str) -> list[str]:
    cmd = [str(bin_python), "-m", "scrapy", "crawl", "ifp", "-a", f"site={base_url}"]
    for name, value in {**LOCAL_SETTINGS, "IFP_STORE": store}.items():
        cmd += ["-s", f"{name}={value}"]
    return cmd


def crawl(bin_python: Path, cwd: Path, base_url: str, timeout: float) -> int:
    """Crawl the replica into SQLite from the install; the number of articles stored."""
    store = cwd / "check.db"
    started = time.monotonic()
    result = run(
        crawl_command(bin_python, base_url, str(store)),
        cwd=cwd,
        capture_output=True,
        timeout=timeout,
    )
    print(f"crawl took {time.monotonic() - started:.1f} s", flush=True)
    (cwd / "crawl.log").write_text(result.stderr, encoding="utf-8")
    errors = [m.group(0) for m in ERROR_LINE.finditer(result.stderr)]
    if result.returncode != 0 or errors:
        tail = "\n".join(result.stderr.splitlines()[-30:])
        raise CheckFailed(
            f"crawl exited {result.returncode} with {len(errors)} ERROR lines; log tail:\n{tail}"
        )
    con = sqlite3.connect(store)
    try:
        return int(con.execute("SELECT count(*) FROM articles").fetchone()[0])
    finally:
        con.close()


def postgres_without_extra(bin_python: Path, cwd: Path, base_url: str) -> str:
    """``IFP_STORE=postgresql://...`` without the extra: exit 1, one line naming it."""
    result = run(crawl_command(bin_python, base_url, PG_TARGET), cwd=cwd, capture_output=True)
    ours = [line for line in result.stderr.splitlines() if line.startswith("ifpcrawl: ")]
    if (
        result.returncode != 1
        or "Traceback" in result.stderr
        or len(ours) != 1
        or "pip install 'ifpcrawl[postgres]'" not in ours[0]
    ):
        tail = "\n".join(result.stderr.splitlines()[-30:])
        raise CheckFailed(
            f"IFP_STORE={PG_TARGET} without the postgres extra exited {result.returncode}, "
            f"not 1 with one line naming the extra; log tail:\n{tail}"
        )
    return ours[0]


def check(args: argparse.Namespace, work: Path) -> str:
    """Every check in turn (raises CheckFailed); the summary line."""
    bin_python = make_venv(args.python, work / "venv", args.upgrade_pip)
    install(bin_python, work)
    with ReplicaServer("--articles", str(args.articles)) as replica:
        expected = len(replica.manifest()["articles"])
        stored = crawl(bin_python, work, replica.base_url, args.timeout)
        if stored != expected:
            raise CheckFailed(f"stored {stored} articles, the replica serves {expected}")
        line = postgres_without_extra(bin_python, work, replica.base_url)
    return (
        f"install check ok: {stored} of {expected} articles stored, no ERROR line; "
        f"without the postgres extra: {line}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default="python3", help="interpreter to make the venv with")
    parser.add_argument("--articles", type=int, default=300, help="replica size")
    parser.add_argument("--upgrade-pip", action="store_true", help="use the newest pip")
    parser.add_argument("--timeout", type=float, default=900, help="crawl timeout (s)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ifpcrawl-install-"))
    # Only the installed package may answer the crawl's imports (the replica gets the
    # checkout on its own PYTHONPATH); scrapy finds the project by this name.
    os.environ.pop("PYTHONPATH", None)
    os.environ.pop("SCRAPY_PROJECT", None)
    os.environ["SCRAPY_SETTINGS_MODULE"] = "ifpcrawl.settings"
    try:
        summary = check(args, work)
    except (CheckFailed, subprocess.TimeoutExpired) as exc:
        print(f"install check FAILED: {exc}", file=sys.stderr)
        print(f"work directory kept: {work}", file=sys.stderr)
        return 1
    print(summary)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"work directory: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
