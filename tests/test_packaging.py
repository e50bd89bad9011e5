"""What ships is what users run: the wheel holds the crawler and no test code, its extras are
the ones ifpcrawl.extras names, and a feature whose extra is missing says which in one line.

The missing extras are simulated in real `scrapy` processes whose ``sys.modules`` holds None
for the extra's modules (so ``import psycopg`` fails as on an install without the extra);
scripts/install_check.py does the same on a real install without extras.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from contextlib import closing
from email.parser import Parser
from pathlib import Path

import pytest

from ifpcrawl.extras import EXTRAS, MissingExtra, missing_message, require
from ifpcrawl.store import _without_credentials, open_store
from tests.local import LOCAL_SETTINGS, crawl_env
from tests.replica.testing import ReplicaServer

REPO = Path(__file__).resolve().parents[1]
# Test, demo and bench code: the checkout runs it, the wheel must not carry it.
TEST_ONLY = re.compile(r"(^|/)(tests|bench|scripts|replica|demo|local)(/|\.py$)")
# `python -c BLOCKED a,b scrapy-args...`: scrapy's command line with modules a and b
# unimportable, as on an install without their extra.
BLOCKED = (
    "import sys; [sys.modules.__setitem__(m, None) for m in sys.argv[1].split(',')]; "
    "sys.argv = ['scrapy', *sys.argv[2:]]; "
    "from scrapy.cmdline import execute; execute()"
)
PG_TARGET = "postgresql://postgres:secret@127.0.0.1:5432/test"
DEAD_SITE = "http://127.0.0.1:9/"
# The build uses this venv's setuptools and fetches nothing.
OFFLINE = ("--no-deps", "--no-build-isolation", "--no-index")


def _source_files() -> list[str]:
    """The checkout's files as git sees them (tracked and new), not caches or old builds."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout: the wheel is built from its file list")
    return [name for name in listed.stdout.decode().split("\0") if (REPO / name).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    """A wheel built offline from a clean copy of the checkout (no stale build/ dir)."""
    source = tmp_path_factory.mktemp("source")
    for name in _source_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", *OFFLINE, "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (path,) = out.glob("ifpcrawl-*.whl")
    return zipfile.ZipFile(path)


def _metadata(wheel: zipfile.ZipFile) -> tuple[list[str], dict[str, set[str]]]:
    """(Provides-Extra, {extra or "": names of the distributions it requires})."""
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    message = Parser().parsestr(wheel.read(name).decode())
    requires: dict[str, set[str]] = {}
    for line in message.get_all("Requires-Dist") or []:
        requirement, _, marker = line.partition(";")
        found = re.search(r"extra == \"([^\"]+)\"", marker)
        dist = re.match(r"[A-Za-z0-9._-]+", requirement.strip())
        assert dist is not None, line
        requires.setdefault(found.group(1) if found else "", set()).add(_normal(dist.group(0)))
    return message.get_all("Provides-Extra") or [], requires


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def test_the_wheel_holds_the_crawler_and_no_test_code(wheel: zipfile.ZipFile) -> None:
    names = wheel.namelist()
    assert "ifpcrawl/spiders/ifp.py" in names and "ifpcrawl/settings.py" in names
    assert "ifpcrawl/py.typed" in names
    shipped_test_code = [n for n in names if TEST_ONLY.search(n)]
    assert shipped_test_code == []
    assert all(n.startswith(("ifpcrawl/", "ifpcrawl-")) for n in names), names


def test_the_wheel_names_every_extra_with_what_it_installs(wheel: zipfile.ZipFile) -> None:
    extras, requires = _metadata(wheel)
    assert {*EXTRAS, "all", "dev"} <= set(extras)
    for extra, spec in EXTRAS.items():
        # the distributions of an extra are named after the modules ifpcrawl imports
        assert requires[extra] == {_normal(module) for module in spec.modules}, extra
        assert not requires[extra] & requires[""], f"{extra} is also a hard dependency"
    assert "ifpcrawl" in requires["all"] and "ifpcrawl" in requires["dev"]
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'all = ["ifpcrawl[postgres,redis,graph]"]' in pyproject
    assert '"ifpcrawl[all,' in pyproject  # dev installs every extra


@pytest.mark.parametrize(
    ("extra", "feature", "line"),
    [
        (
            "postgres",
            "the store postgresql://db/ifp",
            "the store postgresql://db/ifp needs the PostgreSQL driver (psycopg): "
            "pip install 'ifpcrawl[postgres]'",
        ),
        (
            "redis",
            "IFP_REDIS_URL",
            "IFP_REDIS_URL needs Redis and scrapy-redis: pip install 'ifpcrawl[redis]'",
        ),
        ("graph", "GraphML", "GraphML needs networkx: pip install 'ifpcrawl[graph]'"),
    ],
)
def test_missing_extra_line(
    extra: str, feature: str, line: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert missing_message(extra, feature) == line
    require(extra, feature)  # the dev install has every extra
    monkeypatch.setitem(sys.modules, EXTRAS[extra].modules[-1], None)
    with pytest.raises(MissingExtra) as raised:
        require(extra, feature)
    assert str(raised.value) == line


@pytest.mark.parametrize(
    ("target", "shown"),
    [
        ("postgresql://user:secret@db.example:5433/ifp", "postgresql://db.example:5433/ifp"),
        ("postgres://db/ifp?password=secret", "postgres://db/ifp"),
        ("postgresql://127.0.0.1/test", "postgresql://127.0.0.1/test"),
        ("postgresql:///ifp", "postgresql:///ifp"),
    ],
)
def test_store_targets_are_shown_without_credentials(target: str, shown: str) -> None:
    assert _without_credentials(target) == shown


def scrapy_without(modules: str, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCKED, modules, *argv],
        cwd=cwd,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_one_line(result: subprocess.CompletedProcess[str], status: int, line: str) -> None:
    assert result.returncode == status, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    ours = [x for x in result.stderr.splitlines() if x.startswith(("ifpcrawl: ", "scrapy "))]
    assert ours == [line], result.stderr[-3000:]


POSTGRES_LINE = (
    "the store postgresql://127.0.0.1:5432/test needs the PostgreSQL driver (psycopg): "
    "pip install 'ifpcrawl[postgres]'"
)


def test_crawl_into_postgresql_without_the_extra(tmp_path: Path) -> None:
    result = scrapy_without(
        "psycopg",
        *("crawl", "ifp", "-a", f"site={DEAD_SITE}", "-s", f"IFP_STORE={PG_TARGET}"),
        cwd=tmp_path,
    )
    assert_one_line(result, 1, f"ifpcrawl: {POSTGRES_LINE}")
    assert "secret" not in result.stderr


def test_redis_frontier_without_the_extra(tmp_path: Path) -> None:
    result = scrapy_without(
        "redis,scrapy_redis",
        *("crawl", "ifp", "-a", f"site={DEAD_SITE}", "-s", f"IFP_STORE={tmp_path / 'ifp.db'}"),
        *("-s", "IFP_REDIS_URL=redis://127.0.0.1:6379/0"),
        cwd=tmp_path,
    )
    assert_one_line(
        result,
        1,
        "ifpcrawl: IFP_REDIS_URL (the shared Redis frontier) needs Redis and scrapy-redis: "
        "pip install 'ifpcrawl[redis]'",
    )


@pytest.mark.parametrize(
    "argv",
    [("report",), ("export", "-o", "out.csv"), ("graph", "--edges", "edges.csv")],
)
def test_commands_on_postgresql_without_the_extra(argv: tuple[str, ...], tmp_path: Path) -> None:
    result = scrapy_without("psycopg", *argv, "--store", PG_TARGET, cwd=tmp_path)
    assert_one_line(result, 2, f"scrapy {argv[0]}: error: {POSTGRES_LINE}")
    assert "secret" not in result.stderr


def test_graph_export_without_networkx(tmp_path: Path) -> None:
    open_store(str(tmp_path / "ifp.db")).close()
    graphml = scrapy_without("networkx", "graph", "-o", "g.graphml", cwd=tmp_path)
    assert_one_line(
        graphml,
        2,
        "scrapy graph: error: scrapy graph -o/--dot/--picture needs networkx: "
        "pip install 'ifpcrawl[graph]'",
    )
    edges = scrapy_without("networkx", "graph", "--edges", "edges.csv", cwd=tmp_path)
    assert edges.returncode == 0, edges.stderr[-3000:]  # the CSV edge list needs no extra
    assert (tmp_path / "edges.csv").read_text().startswith("src_id,")


@pytest.mark.e2e
def test_a_crawl_into_sqlite_needs_no_extra(replica: ReplicaServer, tmp_path: Path) -> None:
    store = tmp_path / "ifp.db"
    settings = {**LOCAL_SETTINGS, "IFP_STORE": str(store), "CLOSESPIDER_ITEMCOUNT": "10"}
    argv = ["crawl", "ifp", "-a", f"site={replica.base_url}"]
    for name, value in settings.items():
        argv += ["-s", f"{name}={value}"]
    every_extra = ",".join(m for spec in EXTRAS.values() for m in spec.modules)
    result = scrapy_without(every_extra, *argv, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert " ERROR: " not in result.stderr, result.stderr[-3000:]
    with closing(sqlite3.connect(store)) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] >= 10
