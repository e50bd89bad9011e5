"""`make browse`: the store in Datasette, with the project's metadata (issue 17).

A real crawl of the replica, then `python -m ifpcrawl.browse` (Datasette in a subprocess on
a free port of 127.0.0.1), queried through its JSON API and compared with the same
questions asked of the store directly.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.local import crawl_env, run_crawl
from tests.replica.testing import ReplicaServer

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def browse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("browse")
    db = tmp / "archive.db"  # not ifp.db: the metadata must follow the store's name
    with ReplicaServer("--articles", "60") as replica:
        result = run_crawl(replica.base_url, str(db), cwd=tmp, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ifpcrawl.browse", str(db), "--port", str(port)],
        env=crawl_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get_json(base + "/-/versions.json")
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"datasette did not start: {proc.stderr.read() if proc.stderr else ''}"
                    )
                time.sleep(0.2)
        yield base + "/archive", db
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()


def query(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_full_text_search_is_the_stores_fts5(browse: tuple[str, Path]) -> None:
    base, db = browse
    found = get_json(base + "/articles.json?_search=Raisi&_shape=array&_size=max&_col=title")
    expected = query(
        db,
        "SELECT a.id, a.title FROM articles_fts f JOIN articles a ON a.id = f.rowid"
        " WHERE articles_fts MATCH '\"Raisi\"'",
    )
    assert expected
    assert sorted((row["id"], row["title"]) for row in found) == sorted(expected)


def test_canned_queries_answer_as_the_store_does(browse: tuple[str, Path]) -> None:
    base, db = browse
    # The most linked-to article, asked for under one of its URL variants.
    [(target_id,)] = query(
        db,
        "SELECT dst_id FROM links WHERE dst_id IS NOT NULL GROUP BY dst_id"
        " ORDER BY count(*) DESC, dst_id LIMIT 1",
    )
    variant = query(
        db, "SELECT url FROM article_urls WHERE article_id = ? ORDER BY url DESC", (target_id,)
    )[0][0]
    linking = get_json(
        base + "/articles_linking_here.json?_shape=array&url=" + urllib.parse.quote(variant)
    )
    expected = query(
        db,
        "SELECT src_id, kind, anchor_text FROM links WHERE dst_id = ?",
        (target_id,),
    )
    assert len(expected) >= 2
    assert sorted((r["id"], r["kind"], r["anchor_text"]) for r in linking) == sorted(expected)
    # The replica serves a 404 for one linked article: a failure of the last run.
    failures = get_json(base + "/failures_of_last_run.json?_shape=array")
    assert [(r["url"], r["reason"]) for r in failures] == query(
        db, "SELECT url, reason FROM failures ORDER BY last_seen_at, url"
    )
    assert failures
    # No edits yet: an article's revisions are none (the query itself runs).
    assert get_json(base + "/revisions_of_article.json?_shape=array&url=" + variant) == []


def test_tables_carry_the_shipped_titles(browse: tuple[str, Path]) -> None:
    base, _ = browse
    metadata = get_json(base.rsplit("/", 1)[0] + "/-/metadata.json")
    tables = metadata["databases"]["archive"]["tables"]
    assert tables["articles"]["fts_table"] == "articles_fts"
    assert {"articles", "links", "revisions", "crawl_runs", "failures"} <= set(tables)
    assert all(tables[name].get("description") for name in ("articles", "links", "revisions"))
