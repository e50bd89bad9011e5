"""Archive-grade crawling (issue 17): WARC capture, crash safety, re-extraction.

Real parts only: the replica in a subprocess, real `scrapy crawl` / `scrapy reextract`
processes, real WARC files read back by warcio's own `warcio check` and by
webrecorder's cdxj-indexer (the indexer pywb uses).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from warcio.archiveiterator import ArchiveIterator

from ifpcrawl.reextract import read_record, shorten
from ifpcrawl.store import open_store
from ifpcrawl.urls import Site, canonicalize
from ifpcrawl.warc import OPEN_SUFFIX, WarcFiles, recover_open_files, resolve_capture
from tests.local import crawl_command, crawl_env, run_crawl
from tests.minisite import HTML, MiniSite, wp_article
from tests.replica.testing import ReplicaServer
from tests.test_store import OTHER_BODY, T1, T2, T3, article, pg_target, sql_rows, target

N = int(os.environ.get("IFP_TEST_ARTICLES", "80"))
__all__ = ["pg_target", "target"]  # fixtures of the store tests: SQLite and PostgreSQL
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = BIN / name
    return str(path) if path.exists() else name


def warcio_check(directory: Path) -> list[Path]:
    """Every file of the directory passes `warcio check`; returns the files."""
    files = sorted(directory.glob("*.warc.gz"))
    assert files
    assert not list(directory.glob("*" + OPEN_SUFFIX))
    result = subprocess.run(
        [tool("warcio"), "check", "-v", *map(str, files)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "digest pass" in result.stdout
    assert "fail" not in result.stdout.replace("digest pass", "")
    return files


@dataclass
class Record:
    file: str
    offset: int
    type: str
    uri: str
    record_id: str
    concurrent_to: str | None
    status: int | None


def records(files: list[Path]) -> list[Record]:
    found: list[Record] = []
    for path in files:
        with open(path, "rb") as fp:
            iterator = ArchiveIterator(fp)
            for record in iterator:
                headers = record.rec_headers
                status = record.http_headers.get_statuscode() if record.http_headers else None
                found.append(
                    Record(
                        path.name,
                        iterator.get_record_offset(),
                        record.rec_type,
                        headers.get_header("WARC-Target-URI") or "",
                        headers.get_header("WARC-Record-ID"),
                        headers.get_header("WARC-Concurrent-To"),
                        int(status) if status and record.rec_type == "response" else None,
                    )
                )
    return found


def last_stats(db: Path) -> dict[str, Any]:
    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        return dict(json.loads(row[0]))
    finally:
        con.close()


def count_articles(db: Path) -> int:
    try:
        return int(rows(db, "SELECT count(*) FROM articles")[0][0]) if db.exists() else 0
    except sqlite3.Error:
        return 0  # not created yet, or busy


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def replica_requests(replica: ReplicaServer) -> int:
    with urllib.request.urlopen(replica.url("/__replica/stats"), timeout=30) as response:
        return int(json.loads(response.read())["requests"])


# --- the writer on its own: whole records only, whatever the cut ------------------------------


def _exchange(n: int) -> tuple[Request, HtmlResponse]:
    url = f"https://example.org/article-{n}/"
    html = f"<html><body><p>article {n}</p>{'x' * 3000 * n}</body></html>".encode()
    # Served gzip-encoded: the capture keeps the bytes as served, header included.
    response = HtmlResponse(
        url,
        status=200,
        headers={"Content-Encoding": "gzip", "Content-Type": "text/html; charset=utf-8"},
        body=gzip.compress(html, mtime=0),
        request=Request(url),
    )
    return Request(url, headers={"User-Agent": "ifpcrawl-test"}), response


def test_a_torn_tail_is_cut_back_to_whole_records(tmp_path: Path) -> None:
    files = WarcFiles(tmp_path)
    pointers = [files.write_exchange(*_exchange(n)) for n in range(1, 4)]
    [live] = list(tmp_path.glob("*" + OPEN_SUFFIX))
    # The writer still holds the file: recovery leaves a live run's file alone.
    assert recover_open_files(tmp_path) == []
    data = live.read_bytes()
    files.close()
    whole = records([tmp_path / files.name])
    assert [r.type for r in whole] == ["warcinfo"] + ["response", "request"] * 3
    assert [(r.file, r.offset) for r in whole if r.type == "response"] == pointers
    ends = [r.offset for r in whole[1:]] + [len(data)]
    for cut in sorted({1, 17, *(e - 1 for e in ends), *ends, *(e + 25 for e in ends[:-1])}):
        directory = tmp_path / f"cut{cut}"
        directory.mkdir()
        (directory / ("x.warc.gz" + OPEN_SUFFIX)).write_bytes(data[:cut])
        [(final, removed)] = recover_open_files(directory)
        kept = [end for end in ends if end <= cut]
        assert final.stat().st_size == (kept[-1] if kept else 0), cut
        assert removed == cut - (kept[-1] if kept else 0)
        with open(final, "rb") as fp:
            assert len(list(ArchiveIterator(fp))) == len(kept), cut
    # The payload is what was served: still gzip-encoded, with its Content-Encoding.
    record = read_record(tmp_path / files.name, pointers[0][1])
    try:
        assert record.http_headers.get_header("Content-Encoding") == "gzip"
        assert record.raw_stream.read() == _exchange(1)[1].body
    finally:
        record.ifp_handle.close()


# --- the store: where each version was captured ---------------------------------------------


def test_the_store_keeps_each_versions_capture(target: str) -> None:
    """Unchanged text captured again: the newest capture; a new version: its own capture
    (or none), the old one's moves to the revision; metadata read better is written."""
    store = open_store(target)
    try:
        url = "https://ifpnews.com/a/"
        first = article(
            url, author="A", section="Politics", warc_file="one.warc.gz", warc_offset=10
        )
        assert store.upsert_article(first, T1).status == "new"
        again = article(url, author="B", section=None, warc_file="two.warc.gz", warc_offset=20)
        assert store.upsert_article(again, T2).status == "unchanged"
        row = store.article_row(url)
        assert row is not None
        assert (row["author"], row["section"]) == ("B", "Politics")  # found wins, missing keeps
        assert (row["warc_file"], row["warc_offset"]) == ("two.warc.gz", 20)
        uncaptured = article(url, author="B")  # a run without IFP_WARC_DIR: no capture
        assert store.upsert_article(uncaptured, T3).status == "unchanged"
        assert store.article_row(url)["warc_file"] == "two.warc.gz"  # type: ignore[index]
        edited = article(url, body=OTHER_BODY, author="B")
        assert store.upsert_article(edited, T3).status == "updated"
        row = store.article_row(url)
        assert row is not None and (row["warc_file"], row["warc_offset"]) == (None, None)
        assert sql_rows(store, "SELECT title, warc_file, warc_offset FROM revisions") == [
            ("Putin meets Raisi", "two.warc.gz", 20)
        ]
        assert store.article_row("https://ifpnews.com/unknown/") is None
    finally:
        store.close()


# --- a crawl with capture on ------------------------------------------------------------------


@dataclass
class Captured:
    replica: ReplicaServer
    db: Path
    warc: Path
    result: subprocess.CompletedProcess[str]


def shortlink(replica: ReplicaServer) -> str:
    return replica.url(f"/?p={replica.manifest()['articles'][3]['wp_post_id']}")


@pytest.fixture(scope="module")
def captured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Captured]:
    tmp = tmp_path_factory.mktemp("warc")
    with ReplicaServer("--articles", str(N)) as replica:
        # A shortlink to fetch for sure (as a failure to retry): a 301 chain to capture.
        store = open_store(str(tmp / "ifp.db"))
        store.record_failure(shortlink(replica), "seeded by the test", T1)
        store.close()
        result = run_crawl(
            replica.base_url,
            str(tmp / "ifp.db"),
            settings={"IFP_WARC_DIR": str(tmp / "warc"), "IFP_WARC_MAX_SIZE": "1000000"},
            cwd=tmp,
            timeout=600,
        )
        yield Captured(replica, tmp / "ifp.db", tmp / "warc", result)


@pytest.mark.e2e
def test_every_response_is_captured_with_its_request(captured: Captured) -> None:
    assert captured.result.returncode == 0, captured.result.stderr[-3000:]
    files = warcio_check(captured.warc)
    assert len(files) >= 3  # rotated at 1 MB
    stats = last_stats(captured.db)
    found = records(files)
    # Each file opens with its warcinfo; then response + request pairs.
    for path in files:
        assert next(r for r in found if r.file == path.name).type == "warcinfo"
    responses = [r for r in found if r.type == "response"]
    requests = [r for r in found if r.type == "request"]
    assert len(responses) == len(requests) == stats["downloader/response_count"]
    assert {r.concurrent_to for r in requests} == {r.record_id for r in responses}
    # Redirects, 404s and all: the statuses the crawl saw are the ones recorded.
    assert Counter(str(r.status) for r in responses) == {
        key.rsplit("/", 1)[1]: value
        for key, value in stats.items()
        if key.startswith("downloader/response_status_count/")
    }
    # Every status, and every URL the crawl fetched: the redirect's source included.
    assert len({r.uri for r in responses}) >= N
    assert [r.status for r in responses if r.uri == shortlink(captured.replica)] == [301]
    # `warcio index` lists every record, at the offsets read here.
    listed = subprocess.run(
        [tool("warcio"), "index", "-f", "warc-type,offset,filename", *map(str, files)],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    assert sorted(
        (entry["filename"], int(entry["offset"]), entry["warc-type"])
        for entry in map(json.loads, listed)
    ) == sorted((r.file, r.offset, r.type) for r in found)
    # webrecorder's indexer (what pywb replays from) reads every response back.
    index = subprocess.run(
        [tool("cdxj-indexer"), *map(str, files)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    indexed = {
        (entry["filename"], int(entry["offset"]))
        for entry in (json.loads(line.split(" ", 2)[2]) for line in index)
    }
    assert {(r.file, r.offset) for r in responses} <= indexed


@pytest.mark.e2e
def test_every_article_points_at_its_capture(captured: Captured) -> None:
    stored = rows(captured.db, "SELECT url, fetched_url, warc_file, warc_offset FROM articles")
    assert len(stored) >= N - 2
    site = Site.from_url(captured.replica.base_url)
    manifest = {
        canonicalize(captured.replica.base_url.rstrip("/") + a["path"], site)
        for a in captured.replica.manifest()["articles"]
    }
    assert {url for url, *_ in stored} == manifest
    for url, fetched_url, name, offset in stored:
        assert name and offset, url
        record = read_record(resolve_capture(captured.warc, name), offset)
        try:
            assert record.rec_type == "response"
            assert record.http_headers.get_statuscode() == "200"
            assert record.rec_headers.get_header("WARC-Target-URI") == fetched_url
        finally:
            record.ifp_handle.close()


# --- SIGKILL mid-crawl, then a rerun -----------------------------------------------------------


def crawl_until_a_third_stored(
    replica: ReplicaServer, db: Path, settings: dict[str, str], cwd: Path
) -> subprocess.Popen[bytes]:
    """A crawl in the background, returned once a third of the articles are stored (or it
    ended, or 120 s passed): the moment the tests interrupt it."""
    proc = subprocess.Popen(
        crawl_command(replica.base_url, str(db), settings),
        cwd=cwd,
        env=crawl_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if count_articles(db) >= N // 3:
            break
        time.sleep(0.05)
    return proc


@pytest.mark.e2e
def test_sigkill_then_rerun_leaves_only_whole_records(tmp_path: Path) -> None:
    db, warc = tmp_path / "ifp.db", tmp_path / "warc"
    slow = {
        "IFP_WARC_DIR": str(warc),
        "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
        "DOWNLOAD_DELAY": "0.02",
        "IFP_STORE_BATCH_SIZE": "5",
    }
    with ReplicaServer("--articles", str(N)) as replica:
        proc = crawl_until_a_third_stored(replica, db, slow, tmp_path)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        [torn] = list(warc.glob("*" + OPEN_SUFFIX))
        # Where the kill landed in the write is luck; make it land mid-record for sure.
        with open(torn, "r+b") as fp:
            fp.truncate(torn.stat().st_size - 40)
        rerun = run_crawl(replica.base_url, str(db), settings=slow, cwd=tmp_path, timeout=600)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        served = len(replica.manifest()["articles"])
    stats = last_stats(db)
    assert stats["ifp/warc/recovered_files"] == 1
    assert stats["ifp/warc/recovered_cut_bytes"] > 0
    files = warcio_check(warc)
    assert len(files) == 2
    found = records(files)
    pointers = {(r.file, r.offset) for r in found if r.type == "response"}
    stored = rows(db, "SELECT warc_file, warc_offset FROM articles")
    assert len(stored) >= served - 2
    assert set(stored) <= pointers


@pytest.mark.e2e
def test_sigint_with_jobdir_then_resume_closes_every_file(tmp_path: Path) -> None:
    db, warc = tmp_path / "ifp.db", tmp_path / "warc"
    settings = {
        "IFP_WARC_DIR": str(warc),
        "JOBDIR": str(tmp_path / "job"),
        "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
        "DOWNLOAD_DELAY": "0.02",
        "IFP_STORE_BATCH_SIZE": "5",
    }
    with ReplicaServer("--articles", str(N)) as replica:
        proc = crawl_until_a_third_stored(replica, db, settings, tmp_path)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=120) == 0
        # A clean stop closes its file: nothing left open, nothing to recover.
        assert not list(warc.glob("*" + OPEN_SUFFIX))
        warcio_check(warc)
        resumed = run_crawl(replica.base_url, str(db), settings=settings, cwd=tmp_path)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        served = len(replica.manifest()["articles"])
    assert "ifp/warc/recovered_files" not in last_stats(db)
    files = warcio_check(warc)
    assert len(files) == 2
    pointers = {(r.file, r.offset) for r in records(files) if r.type == "response"}
    stored = rows(db, "SELECT warc_file, warc_offset FROM articles")
    assert len(stored) >= served - 2
    assert set(stored) <= pointers


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("IFP_WARC_DIR", "file/warc", "ifpcrawl: IFP_WARC_DIR "),
        ("IFP_WARC_MAX_SIZE", "big", "ifpcrawl: IFP_WARC_MAX_SIZE must be a number of bytes"),
        ("IFP_WARC_MAX_SIZE", "0", "ifpcrawl: IFP_WARC_MAX_SIZE must be more than 0"),
    ],
)
def test_unusable_warc_settings_are_one_line(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    (tmp_path / "file").write_text("")
    settings = {"IFP_WARC_DIR": str(tmp_path / "warc"), name: value}
    if name == "IFP_WARC_DIR":
        settings[name] = str(tmp_path / value)
    result = run_crawl("http://127.0.0.1:9/", str(tmp_path / "ifp.db"), settings, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(message)
    assert "Traceback" not in result.stderr


@pytest.mark.e2e
def test_a_gzip_encoded_page_is_captured_as_served_and_replayed(tmp_path: Path) -> None:
    html = wp_article("Night trains return to the coast line")
    served = gzip.compress(html, mtime=0)
    home = (
        b'<html><body class="home blog"><main><article><h2 class="entry-title">'
        b'<a rel="bookmark" href="/night-trains/">a</a></h2></article></main></body></html>'
    )
    pages = {
        "/": (200, HTML, home),
        "/night-trains/": (200, {**HTML, "Content-Encoding": "gzip"}, served),
    }
    db, warc = tmp_path / "ifp.db", tmp_path / "warc"
    with MiniSite(pages) as site:
        settings = {"IFP_SECTION_PATHS": "[]", "ROBOTSTXT_OBEY": "False", "IFP_WARC_DIR": str(warc)}
        result = run_crawl(site.base_url, str(db), cwd=tmp_path, settings=settings, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        [(title, name, offset)] = rows(db, "SELECT title, warc_file, warc_offset FROM articles")
        assert title == "Night trains return to the coast line"
        record = read_record(warc / name, offset)
        try:
            # The bytes the site sent, and the header that says how to read them.
            assert record.http_headers.get_header("Content-Encoding") == "gzip"
            assert record.raw_stream.read() == served
        finally:
            record.ifp_handle.close()
        warcio_check(warc)
        # Replayed through Scrapy's own decompression, the page reads the same.
        again = reextract(db, warc, "--warc-dir", str(warc), "--dry-run")
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.startswith("re-extracted 1 articles from 1 captures")
    assert "0 changed" in again.stdout.splitlines()[0]


# --- re-extraction -----------------------------------------------------------------------------

# A test build whose title rule is broken: loaded before anything else by the crawl's Python.
BROKEN_TITLE = """
import ifpcrawl.extract.article as _article

_extract = _article.extract_article


def extract_article(page):
    extraction = _extract(page)
    if extraction.article is not None:
        extraction.article.title = "BROKEN " + extraction.article.title
    return extraction


_article.extract_article = extract_article
"""


def reextract(db: Path, warc: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "reextract", "-s", f"IFP_STORE={db}", *args],
        cwd=db.parent,
        env=dict(crawl_env(), IFP_TEST=""),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.e2e
def test_reextract_repairs_a_broken_field_without_a_request(tmp_path: Path) -> None:
    db, warc = tmp_path / "ifp.db", tmp_path / "warc"
    build = tmp_path / "broken"
    build.mkdir()
    (build / "sitecustomize.py").write_text(BROKEN_TITLE)
    env = crawl_env()
    env["PYTHONPATH"] = os.pathsep.join([str(build), env["PYTHONPATH"]])
    with ReplicaServer("--articles", str(N)) as replica:
        crawl = subprocess.run(
            crawl_command(replica.base_url, str(db), {"IFP_WARC_DIR": str(warc)}),
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert crawl.returncode == 0, crawl.stderr[-3000:]
        site = Site.from_url(replica.base_url)
        truth = {
            canonicalize(replica.base_url.rstrip("/") + a["path"], site): a["title"]
            for a in replica.manifest()["articles"]
        }
        broken = dict(rows(db, "SELECT url, title FROM articles"))
        assert broken == {url: "BROKEN " + title for url, title in truth.items()}
        captures = dict(rows(db, "SELECT id, warc_file || ':' || warc_offset FROM articles"))
        before = replica_requests(replica)

        dry = reextract(db, warc, "--dry-run", "--warc-dir", str(warc))
        assert dry.returncode == 0, dry.stderr[-3000:]
        assert dict(rows(db, "SELECT url, title FROM articles")) == broken
        assert rows(db, "SELECT count(*) FROM revisions") == [(0,)]
        for url, title in truth.items():
            old, new = shorten("BROKEN " + title), shorten(title)
            assert f"{url}\n  title: {old} -> {new}\n" in dry.stdout
        assert f"  {'title':<13} {len(truth):>6} changed\n" in dry.stdout
        assert f"  {'body':<13} {0:>6} changed\n" in dry.stdout

        fixed = reextract(db, warc, "-s", f"IFP_WARC_DIR={warc}")
        assert fixed.returncode == 0, fixed.stderr[-3000:]
        # Two stats requests of this test, and nothing else: no request reached the site.
        assert replica_requests(replica) == before + 1
    assert f"  {'title':<13} {len(truth):>6} changed\n" in fixed.stdout
    assert f"store: updated {len(truth)}, unchanged 0" in fixed.stdout
    assert dict(rows(db, "SELECT url, title FROM articles")) == truth
    # Each article's earlier version is a revision, citing the capture it was read from.
    revisions = rows(
        db,
        "SELECT a.url, r.title, r.warc_file || ':' || r.warc_offset, a.id FROM revisions r"
        " JOIN articles a ON a.id = r.article_id",
    )
    assert sorted((url, title) for url, title, _, _ in revisions) == sorted(
        (url, "BROKEN " + title) for url, title in truth.items()
    )
    assert all(pointer == captures[article_id] for _, _, pointer, article_id in revisions)
    assert dict(rows(db, "SELECT id, warc_file || ':' || warc_offset FROM articles")) == captures
    stats = last_stats(db)
    assert stats["ifp/reextract/replayed"] == len(truth)
    assert not [key for key in stats if key.startswith("ifp/host/")]
    # Nothing left to repair: a second run changes nothing.
    again = reextract(db, warc, "--warc-dir", str(warc), "--field", "title")
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.splitlines()[0].endswith(
        f" {len(truth)} captures (store updated); 0 changed"
    )
    # Captures older than --since are left alone.
    later = reextract(db, warc, "--warc-dir", str(warc), "--dry-run", "--since", "2999-01-01")
    assert later.returncode == 0, later.stderr[-3000:]
    assert later.stdout.startswith("re-extracted 0 articles from 0 captures")
    assert f"before_since {len(truth)}" in later.stdout


def test_reextract_without_a_capture_directory_is_one_line(tmp_path: Path) -> None:
    result = reextract(tmp_path / "ifp.db", tmp_path)
    assert result.returncode == 2
    assert "give --warc-dir DIR or set IFP_WARC_DIR" in result.stderr
    assert "Traceback" not in result.stderr


def test_tool_paths_exist() -> None:
    # The dev extra brings both command-line tools the tests above run.
    assert shutil.which(tool("warcio")) and shutil.which(tool("cdxj-indexer"))


# --- replay in pywb, a standard tool ----------------------------------------------------------

PYWB = Path(__file__).resolve().parents[1] / ".venv-pywb" / "bin"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.e2e
def test_pywb_replays_every_article_capture(captured: Captured, tmp_path: Path) -> None:
    if not (PYWB / "wayback").exists():
        message = "pywb is not installed: run `make pywb` (its own venv, .venv-pywb)"
        if os.environ.get("IFP_REQUIRE_SERVICES"):
            pytest.fail(message + " (IFP_REQUIRE_SERVICES is set: CI must run this test)")
        pytest.skip(message)
    files = sorted(captured.warc.glob("*.warc.gz"))
    subprocess.run([str(PYWB / "wb-manager"), "init", "ifp"], cwd=tmp_path, check=True)
    subprocess.run(
        [str(PYWB / "wb-manager"), "add", "ifp", *map(str, files)], cwd=tmp_path, check=True
    )
    port = free_port()
    server = subprocess.Popen(
        [str(PYWB / "wayback"), "-p", str(port), "-b", "127.0.0.1"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/ifp"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/cdx?url=x", timeout=5).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "wayback died"
                time.sleep(0.2)
        stored = rows(captured.db, "SELECT fetched_url, warc_file, warc_offset FROM articles")
        for fetched_url, name, offset in stored:
            record = read_record(captured.warc / name, offset)
            try:
                served = record.content_stream().read()
                stamp = record.rec_headers.get_header("WARC-Date")
            finally:
                record.ifp_handle.close()
            timestamp = "".join(ch for ch in stamp if ch.isdigit())[:14]
            # id_: the capture as it was served, no rewriting.
            with urllib.request.urlopen(f"{base}/{timestamp}id_/{fetched_url}", timeout=30) as r:
                assert r.status == 200
                assert r.headers["Memento-Datetime"]
                assert r.read() == served, fetched_url
    finally:
        server.terminate()
        server.wait(timeout=30)
