"""Install ifpcrawl as a user does, then crawl the replica from that install.

    python3 scripts/install_check.py                      # what .ci/run does
    python3 scripts/install_check.py --python python3.12  # another interpreter
    python3 scripts/install_check.py --upgrade-pip        # the newest pip instead of the stock one

A fresh venv made with ``python -m venv`` keeps the pip that Python bundles (23.2 on 3.11 and
3.12), and ``pip install .`` is a plain, non-editable install: a runtime dependency that only
a newer pip or the source tree supplies fails here. The crawl runs in an empty directory
with no PYTHONPATH, so only the installed package can be imported, and must store every
article the replica serves with no ERROR line in its log.

Uses only the standard library: it runs before anything is installed. Exit status 0 when the
install and the crawl are good, 1 otherwise (with one line saying why).
"""

from __future__ import annotations

import argparse
import json
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
ERROR_LINE = re.compile(r"^\S+ \S+ \[[^\]]+\] (ERROR|CRITICAL):", re.MULTILINE)


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


def crawl(bin_python: Path, cwd: Path, articles: int, timeout: float) -> tuple[int, int]:
    """Crawl a replica served by the installed package; (articles served, articles stored)."""
    manifest = run(
        [str(bin_python), "-m", "tests.replica", "--articles", str(articles), "--manifest"],
        cwd=cwd,
        capture_output=True,
    )
    if manifest.returncode != 0:
        raise CheckFailed(f"replica --manifest failed: {manifest.stderr.strip()[-500:]}")
    expected = len(json.loads(manifest.stdout)["articles"])
    local = run(
        [
            str(bin_python),
            "-c",
            "import json; from tests.local import LOCAL_SETTINGS; "
            "print(json.dumps(LOCAL_SETTINGS))",
        ],
        cwd=cwd,
        capture_output=True,
    )
    fast: dict[str, str] = json.loads(local.stdout)
    replica = subprocess.Popen(
        [str(bin_python), "-m", "tests.replica", "--articles", str(articles), "--port", "0"],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert replica.stdout is not None
        base_url = replica.stdout.readline().strip()
        if not base_url.startswith("http://"):
            raise CheckFailed(f"the replica did not start (printed {base_url!r})")
        store = cwd / "check.db"
        cmd = [str(bin_python), "-m", "scrapy", "crawl", "ifp", "-a", f"site={base_url}"]
        for name, value in {**fast, "IFP_STORE": str(store)}.items():
            cmd += ["-s", f"{name}={value}"]
        started = time.monotonic()
        result = run(cmd, cwd=cwd, capture_output=True, timeout=timeout)
        print(f"crawl took {time.monotonic() - started:.1f} s", flush=True)
    finally:
        replica.terminate()
        replica.wait(timeout=30)
    (cwd / "crawl.log").write_text(result.stderr, encoding="utf-8")
    errors = [m.group(0) for m in ERROR_LINE.finditer(result.stderr)]
    if result.returncode != 0 or errors:
        tail = "\n".join(result.stderr.splitlines()[-30:])
        raise CheckFailed(
            f"crawl exited {result.returncode} with {len(errors)} ERROR lines; log tail:\n{tail}"
        )
    con = sqlite3.connect(store)
    try:
        stored = int(con.execute("SELECT count(*) FROM articles").fetchone()[0])
    finally:
        con.close()
    return expected, stored


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default="python3", help="interpreter to make the venv with")
    parser.add_argument("--articles", type=int, default=300, help="replica size")
    parser.add_argument("--upgrade-pip", action="store_true", help="use the newest pip")
    parser.add_argument("--timeout", type=float, default=900, help="crawl timeout (s)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ifpcrawl-install-"))
    # Only the installed package may answer imports; scrapy finds the project by this name.
    os.environ.pop("PYTHONPATH", None)
    os.environ.pop("SCRAPY_PROJECT", None)
    os.environ["SCRAPY_SETTINGS_MODULE"] = "ifpcrawl.settings"
    try:
        bin_python = make_venv(args.python, work / "venv", args.upgrade_pip)
        install(bin_python, work)
        expected, stored = crawl(bin_python, work, args.articles, args.timeout)
        if stored != expected:
            raise CheckFailed(f"stored {stored} articles, the replica serves {expected}")
    except (CheckFailed, subprocess.TimeoutExpired) as exc:
        print(f"install check FAILED: {exc}", file=sys.stderr)
        print(f"work directory kept: {work}", file=sys.stderr)
        return 1
    print(f"install check ok: {stored} of {expected} articles stored, no ERROR line")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"work directory: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
