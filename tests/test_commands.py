"""`scrapy export | graph | report` on a real SQLite store, in-process and through the CLI."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from scrapy.cmdline import ScrapyArgumentParser
from scrapy.commands import ScrapyCommand
from scrapy.settings import Settings

from ifpcrawl.commands import export as export_cmd
from ifpcrawl.commands import graph as graph_cmd
from ifpcrawl.commands import report as report_cmd
from ifpcrawl.commands._common import CommandError, atomic_output, sqlite_path
from ifpcrawl.commands.export import resolve_format
from ifpcrawl.commands.graph import parse_kinds
from ifpcrawl.commands.report import format_report, store_coverage
from ifpcrawl.exports import COLUMNS
from ifpcrawl.items import Article, Link

REPO = Path(__file__).resolve().parents[1]
U = "https://ifpnews.com"
OLD = "2020-01-01T00:00:00+00:00"

WORD_LIST = """
    tehran moscow nuclear talks parliament budget football derby cinema festival oil
    exports sanctions drought river election council minister embassy summit trade
    railway airport university students museum carpet saffron pistachio earthquake
"""
WORDS = WORD_LIST.split()


def body_for(n: int, length: int = 120) -> str:
    """A distinct body per n (a different word walk), so no two are near-duplicates."""
    words = [WORDS[(n * 7 + i * (n + 3)) % len(WORDS)] for i in range(length)]
    sentences = [" ".join(words[i : i + 12]).capitalize() + "." for i in range(0, length, 12)]
    return "\n\n".join(" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3))


def make_article(n: int, published_at: str, **extra: Any) -> Article:
    body = extra.pop("body", body_for(n))
    return Article(
        url=f"{U}/story-{n}/",
        title=extra.pop("title", f"Story {n}"),
        body=body,
        author=extra.pop("author", "IFP Editorial Staff"),
        section="Politics",
        tags=["Iran", f"tag{n}"],
        published_at=published_at,
        word_count=len(body.split()),
        content_hash=hashlib.sha256(body.encode("utf-8")).hexdigest(),
        **extra,
    )


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Any:
    """Run one of our commands the way scrapy.cmdline.execute does, without exiting."""

    def runner(module: Any, *argv: str) -> Result:
        cmd: ScrapyCommand = module.Command()
        settings = Settings()
        settings.setmodule("ifpcrawl.settings", priority="project")
        settings.setdict(cmd.default_settings, priority="command")
        cmd.settings = settings
        parser = ScrapyArgumentParser(conflict_handler="resolve")
        cmd.add_options(parser)
        capsys.readouterr()
        try:
            opts, args = parser.parse_known_args(list(argv))
            cmd.process_options(args, opts)
            cmd.run(args, opts)
            code = cmd.exitcode
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return runner


@pytest.fixture
def store_path(tmp_path: Path) -> Iterator[Path]:
    """A real SQLite store: 4 articles (one near-duplicate), links, three runs."""
    from ifpcrawl.store import open_store

    path = tmp_path / "ifp.db"
    store = open_store(str(path))
    try:
        a1 = make_article(
            1,
            "2022-09-15T14:30:00+04:30",
            title="=Putin in meeting with Raisi",
            links=[
                Link(url=f"{U}/story-2/", kind="body", anchor_text="second story"),
                Link(url=f"{U}/story-3/", kind="related", anchor_text="Story 3"),
                Link(url="https://reuters.com/world/", kind="body", anchor_text="Reuters"),
            ],
        )
        a2 = make_article(
            2,
            "2023-03-15T10:00:00+03:30",
            links=[Link(url=f"{U}/story-1/", kind="recent", anchor_text="Story 1")],
        )
        a3 = make_article(3, "2024-05-01T09:00:00+04:30", author=None)
        results = [store.upsert_article(a, OLD) for a in (a1, a2, a3)]
        assert [r.status for r in results] == ["new", "new", "new"]
        near_copy = make_article(4, "2024-05-02T09:00:00+04:30", body=a3.body + " Updated.")
        assert store.upsert_article(near_copy, OLD).status == "duplicate"
        stats_ok = {
            "downloader/response_count": 120,
            "ifp/articles_new": 3,
            "ifp/articles_updated": 0,
            "ifp/articles_unchanged": 0,
            "ifp/articles_duplicate": 1,
            "ifp/failures": 0,
            **{f"ifp/coverage/{f}": 1.0 for f in report_cmd.COVERAGE_FIELDS},
        }
        stats_drop = {**stats_ok, "ifp/coverage/author": 0.5, "ifp/articles_new": 0}
        store.record_failure(f"{U}/gone/", "http_503", "2025-01-03T00:01:00+00:00")
        store.record_failure(
            f"{U}/gone/", "store", "2025-01-03T00:02:00+00:00", error="StoreError: refused"
        )
        store.record_failure(
            f"{U}/iran-news/page/9/", "callback", "2025-01-03T00:03:00+00:00", kind="listing"
        )
        for day, stats in ((1, stats_ok), (2, stats_ok), (3, stats_drop)):
            run_id = store.start_run(U + "/", "incremental", f"2025-01-0{day}T00:00:00+00:00")
            store.finish_run(run_id, f"2025-01-0{day}T00:05:30+00:00", "finished", stats)
    finally:
        store.close()
    yield path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fp:
        return list(csv.DictReader(fp))


def state(path: Path, key: str = "last_export_at") -> str | None:
    from ifpcrawl.store import open_store

    store = open_store(str(path))
    try:
        return store.get_state(key)
    finally:
        store.close()


# --- pure parts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "output", "expected"),
    [
        (None, "a.csv", "csv"),
        (None, "A.CSV", "csv"),
        (None, "a.jsonl", "jsonl"),
        (None, "a.jl", "jsonl"),
        (None, "a.ndjson", "jsonl"),
        (None, "-", "jsonl"),
        ("csv", "-", "csv"),
        ("jsonl", "a.csv", "jsonl"),
        ("CSV", "a.txt", "csv"),
    ],
)
def test_resolve_format(requested: str | None, output: str, expected: str) -> None:
    assert resolve_format(requested, output) == expected


@pytest.mark.parametrize(("requested", "output"), [("xml", "a.xml"), (None, "a.txt"), (None, "a")])
def test_resolve_format_rejects(requested: str | None, output: str) -> None:
    with pytest.raises(CommandError):
        resolve_format(requested, output)


@pytest.mark.parametrize(
    ("text", "expected"),
    [(None, None), ("", None), ("body", ["body"]), ("body, related", ["body", "related"])],
)
def test_parse_kinds(text: str | None, expected: list[str] | None) -> None:
    assert parse_kinds(text) == expected


@pytest.mark.parametrize("text", ["links", "body,nav", ","])
def test_parse_kinds_rejects(text: str) -> None:
    with pytest.raises(CommandError, match="unknown link kind"):
        parse_kinds(text)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("ifp.db", Path("ifp.db")),
        ("sqlite:///data/ifp.db", Path("data/ifp.db")),
        ("sqlite:////abs/ifp.db", Path("/abs/ifp.db")),
        ("postgresql://root@127.0.0.1/test", None),
        ("mysql://x/y", None),
    ],
)
def test_sqlite_path(target: str, expected: Path | None) -> None:
    assert sqlite_path(target) == expected


def test_atomic_output_keeps_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "articles.csv"
    target.write_text("previous export\n", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_output(str(target)) as fp:
        fp.write("half a fi")
        raise RuntimeError("store went away")
    assert target.read_text(encoding="utf-8") == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["articles.csv"]


def test_atomic_output_replaces_and_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "articles.csv"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    with atomic_output(str(target)) as fp:
        fp.write("new")
    assert target.read_text(encoding="utf-8") == "new"
    assert target.stat().st_mode & 0o777 == 0o640


def test_format_report_marks_coverage_drops() -> None:
    def run(run_id: int, author: float) -> dict[str, Any]:
        stats = {f"ifp/coverage/{f}": 1.0 for f in report_cmd.COVERAGE_FIELDS}
        stats |= {"ifp/coverage/author": author, "downloader/response_count": 10}
        return {
            "id": run_id,
            "started_at": f"2025-01-0{run_id}T00:00:00+00:00",
            "finished_at": f"2025-01-0{run_id}T01:00:00+00:00",
            "mode": "incremental",
            "finish_reason": "finished",
            "stats": json.dumps(stats),
        }

    runs = [run(1, 0.95), run(2, 0.90), run(3, 0.70)]
    text = format_report(runs, 2, 3, dict.fromkeys(report_cmd.COVERAGE_FIELDS, 1.0))
    lines = text.splitlines()
    assert lines[0] == "Last 2 run(s), oldest first:"
    assert "author 90.0%" in text and "author 90.0% (DROP" not in text  # 5 points: no mark
    assert "author 70.0% (DROP 20.0 pts)" in text
    assert "1:00:00" in text
    assert not any(line.startswith("1 ") for line in lines)  # run 1 is only the baseline
    assert "Store now: 3 articles" in text


def test_format_report_without_runs() -> None:
    text = format_report([], 10, 0, dict.fromkeys(report_cmd.COVERAGE_FIELDS, 0.0))
    assert text.startswith("No runs recorded")


def test_store_coverage_counts_empty_strings_as_missing() -> None:
    rows = [
        {"title": "A", "body": "x", "author": "", "section": None, "published_at": "2024"},
        {"title": "B", "body": " ", "author": "C", "section": "S", "published_at": None},
    ]
    total, coverage = store_coverage(rows)
    assert total == 2
    assert coverage == {
        "title": 1.0,
        "body": 0.5,
        "author": 0.5,
        "section": 0.5,
        "published_at": 0.5,
    }


# --- errors that must not touch the disk ------------------------------------------------


def test_export_from_a_missing_store_creates_nothing(run: Any, tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    out = tmp_path / "out.csv"
    result = run(export_cmd, "--store", str(missing), "-o", str(out))
    assert result.code == 2
    assert result.err.strip() == (
        f"scrapy export: error: store not found: {missing} (crawl first, or pass --store TARGET)"
    )
    assert not missing.exists()
    assert not out.exists()


@pytest.mark.parametrize(("module", "output"), [(graph_cmd, "-o"), (report_cmd, None)])
def test_graph_and_report_from_a_missing_store(
    run: Any, module: Any, output: str | None, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.db"
    argv = [output, str(tmp_path / "g.graphml")] if output else []
    result = run(module, "--store", str(missing), *argv)
    assert result.code == 2
    assert "store not found" in result.err
    assert not missing.exists()


def test_export_unknown_format_is_a_usage_error(run: Any, tmp_path: Path) -> None:
    result = run(export_cmd, "--store", str(tmp_path / "x.db"), "--format", "xml")
    assert result.code == 2
    assert "unknown format 'xml'" in result.err


def test_export_changed_and_changed_since_exclude_each_other(run: Any) -> None:
    result = run(export_cmd, "--changed", "--changed-since", "2024-01-01")
    assert result.code == 2
    assert "not allowed with argument" in result.err


def test_graph_needs_an_output(run: Any, tmp_path: Path) -> None:
    result = run(graph_cmd, "--store", str(tmp_path / "x.db"))
    assert result.code == 2
    assert "nothing to write" in result.err


def scrapy_cli(*argv: str) -> subprocess.CompletedProcess[str]:
    """The real `scrapy` entry point, run from the project directory."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *argv],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_lists_the_commands() -> None:
    proc = scrapy_cli()
    assert proc.returncode == 0, proc.stderr
    for line in (
        "export        Export articles from the store to CSV or JSON Lines",
        "graph         Export the article link graph (GraphML, CSV edge list)",
        "report        Show the last crawl runs and field coverage",
    ):
        assert line in proc.stdout


def test_cli_exit_status_and_message(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    proc = scrapy_cli("export", "--store", str(missing), "-o", "-")
    assert proc.returncode == 2, proc.stderr
    assert "scrapy export: error: store not found" in proc.stderr
    assert proc.stdout == ""
    assert not missing.exists()


# --- against a real store ---------------------------------------------------------------


def test_export_csv(run: Any, store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "articles.csv"
    before = datetime.now(UTC).replace(microsecond=0)
    result = run(export_cmd, "--store", str(store_path), "-o", str(out))
    assert result.code == 0, result.err
    assert result.err.strip() == f"exported 4 articles to {out}"
    records = read_csv(out)
    assert list(records[0]) == list(COLUMNS)
    assert [r["url"] for r in records] == [f"{U}/story-{n}/" for n in (1, 2, 3, 4)]
    first = records[0]
    assert first["title"] == "'=Putin in meeting with Raisi"
    assert first["tags"] == "Iran|tag1"
    assert first["body"] == body_for(1)
    assert records[2]["author"] == ""
    assert records[3]["duplicate_of"] == records[2]["id"]
    recorded = state(store_path)
    assert recorded is not None
    assert datetime.fromisoformat(recorded) >= before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_export_jsonl_to_stdout(run: Any, store_path: Path) -> None:
    result = run(export_cmd, "--store", str(store_path), "-o", "-", "--no-duplicates")
    assert result.code == 0, result.err
    records = [json.loads(line) for line in result.out.splitlines()]
    assert [r["url"] for r in records] == [f"{U}/story-{n}/" for n in (1, 2, 3)]
    assert records[0]["title"] == "=Putin in meeting with Raisi"  # JSONL is data: unaltered
    assert records[0]["tags"] == ["Iran", "tag1"]
    assert "exported 3 articles to standard output" in result.err


def test_export_format_from_extension(run: Any, store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "articles.jsonl"
    assert run(export_cmd, "--store", str(store_path), "-o", str(out)).code == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4
    bad = tmp_path / "articles.txt"
    result = run(export_cmd, "--store", str(store_path), "-o", str(bad))
    assert result.code == 2
    assert "cannot tell the format" in result.err
    assert not bad.exists()


@pytest.mark.parametrize("where", ["missing-dir/out.csv", "."])
def test_export_to_an_unwritable_place(
    run: Any, store_path: Path, tmp_path: Path, where: str
) -> None:
    target = tmp_path / where
    result = run(export_cmd, "--store", str(store_path), "-o", str(target), "--format", "csv")
    assert result.code == 2
    assert result.err.startswith(f"scrapy export: error: cannot write {target}")
    assert state(store_path) is None  # a failed export does not move last_export_at


def test_export_since(run: Any, store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "recent.csv"
    result = run(export_cmd, "--store", str(store_path), "-o", str(out), "--since", "2024-01-01")
    assert result.code == 0, result.err
    assert [r["url"] for r in read_csv(out)] == [f"{U}/story-3/", f"{U}/story-4/"]
    assert state(store_path) is None  # a partial export is no baseline for --changed


def test_export_changed_since_last_export(run: Any, store_path: Path, tmp_path: Path) -> None:
    from ifpcrawl.store import open_store

    out = tmp_path / "changes.jsonl"
    first = run(export_cmd, "--store", str(store_path), "-o", str(out), "--changed")
    assert first.code == 0, first.err
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4  # no baseline yet: all
    assert state(store_path) is not None

    # Pretend that export ran in 2021, then article 2 changed in 2022.
    store = open_store(str(store_path))
    try:
        store.set_state("last_export_at", "2021-01-01T00:00:00+00:00")
        changed = make_article(2, "2023-03-15T10:00:00+03:30", body=body_for(2) + " Correction.")
        assert store.upsert_article(changed, "2022-01-01T00:00:00+00:00").status == "updated"
    finally:
        store.close()

    second = run(export_cmd, "--store", str(store_path), "-o", str(out), "--changed")
    assert second.code == 0, second.err
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["url"] for r in records] == [f"{U}/story-2/"]
    assert records[0]["body"].endswith("Correction.")

    third = run(export_cmd, "--store", str(store_path), "-o", str(out), "--changed")
    assert third.code == 0, third.err
    assert out.read_text(encoding="utf-8") == ""


def test_graph_files(run: Any, store_path: Path, tmp_path: Path) -> None:
    graphml, edges = tmp_path / "graph.graphml", tmp_path / "edges.csv"
    result = run(graph_cmd, "--store", str(store_path), "-o", str(graphml), "--edges", str(edges))
    assert result.code == 0, result.err
    graph = nx.read_graphml(graphml)
    assert graph.number_of_nodes() == 4
    ids = {data["url"]: node for node, data in graph.nodes(data=True)}
    s1, s2, s3 = (ids[f"{U}/story-{n}/"] for n in (1, 2, 3))
    assert set(graph.edges) == {(s1, s2), (s1, s3), (s2, s1)}
    assert graph.edges[s1, s2]["anchor_text"] == "second story"
    assert f"wrote 4 nodes and 3 edges to {graphml}" in result.err
    records = read_csv(edges)
    assert sorted((r["src_url"], r["dst_url"], r["kind"]) for r in records) == [
        (f"{U}/story-1/", f"{U}/story-2/", "body"),
        (f"{U}/story-1/", f"{U}/story-3/", "related"),
        (f"{U}/story-2/", f"{U}/story-1/", "recent"),
    ]


def test_graph_filters_and_external(run: Any, store_path: Path, tmp_path: Path) -> None:
    edges = tmp_path / "edges.csv"
    result = run(
        graph_cmd,
        "--store", str(store_path),
        "--edges", str(edges),
        "--kind", "body",
        "--since", "2022-01-01",
        "--until", "2022-12-31",
        "--external",
    )  # fmt: skip
    assert result.code == 0, result.err
    records = read_csv(edges)
    assert sorted(r["dst_url"] for r in records) == [f"{U}/story-2/", "https://reuters.com/world/"]
    assert {r["src_url"] for r in records} == {f"{U}/story-1/"}


def test_graph_unknown_kind(run: Any, store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "g.graphml"
    result = run(graph_cmd, "--store", str(store_path), "-o", str(out), "--kind", "menu")
    assert result.code == 2
    assert "unknown link kind" in result.err
    assert not out.exists()


def test_report(run: Any, store_path: Path) -> None:
    result = run(report_cmd, "--store", str(store_path), "--runs", "2")
    assert result.code == 0, result.err
    text = result.out
    assert "Last 2 run(s), oldest first:" in text
    assert text.count("incremental") == 2
    assert "0:05:30" in text
    assert "author 50.0% (DROP 50.0 pts)" in text
    assert "Store now: 4 articles" in text
    assert "author 75.0%" in text.split("Store now")[1]  # 3 of 4 stored articles
    # The failures table itself, most recent first, with reason, attempts and error.
    assert text.split("\n\nFailures:")[1].splitlines() == [
        " 2 page(s) to be retried by the next run (article 1, listing 1)",
        f"    2025-01-03T00:03:00  listing  callback          x1  {U}/iran-news/page/9/",
        f"    2025-01-03T00:02:00  article  store             x2  {U}/gone/",
        "        StoreError: refused",
    ]


def test_cli_export_and_report_on_a_real_store(store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "articles.csv"
    proc = scrapy_cli("export", "--store", f"sqlite:///{store_path}", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert len(read_csv(out)) == 4
    proc = scrapy_cli("report", "-s", f"IFP_STORE={store_path}")
    assert proc.returncode == 0, proc.stderr
    assert "Store now: 4 articles" in proc.stdout
