"""`make demo` keeps its hands off the user's store: ifp.db is the default of a real crawl."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from scripts import demo
from tests.local import run_crawl
from tests.replica.testing import ReplicaServer

ARTICLES = "30"


def files_digest(directory: Path, prefix: str) -> dict[str, str]:
    """sha256 of every file of a store (the database, its WAL and lock files)."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.glob(f"{prefix}*"))
    }


@pytest.mark.e2e
def test_demo_twice_leaves_a_real_store_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with ReplicaServer("--articles", ARTICLES) as replica:
        crawled = run_crawl(replica.base_url, str(tmp_path / "ifp.db"), timeout=300)
    assert crawled.returncode == 0, crawled.stderr[-2000:]
    before = files_digest(tmp_path, "ifp.db")
    assert "ifp.db" in before
    monkeypatch.chdir(tmp_path)  # where `make demo` runs: the user's project directory
    for _ in range(2):
        assert demo.main(["--articles", ARTICLES]) == 0
    assert files_digest(tmp_path, "ifp.db") == before
    out = capsys.readouterr().out
    assert f"{(tmp_path / 'demo.db').resolve()} is a demo store" in out
    con = sqlite3.connect(tmp_path / "demo.db")
    try:
        stored = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        runs = con.execute("SELECT count(*) FROM crawl_runs").fetchone()[0]
    finally:
        con.close()
    # The second demo started from an empty store of its own: one run, every article.
    assert (stored, runs) == (int(ARTICLES), 1)


def test_demo_refuses_a_store_it_did_not_make(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "ifp.db"
    con = sqlite3.connect(store)
    con.execute("CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    con.commit()
    con.close()
    before = files_digest(tmp_path, "ifp.db")
    assert demo.main(["--articles", ARTICLES, "--store", str(store)]) == 1
    assert files_digest(tmp_path, "ifp.db") == before
    assert "was not made by the demo" in capsys.readouterr().err
