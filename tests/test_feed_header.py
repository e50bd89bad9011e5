"""An empty `-O` CSV feed (an incremental run with nothing new) still has its header."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from scrapy.exporters import CsvItemExporter

from ifpcrawl.exports import COLUMNS, ArticleCsvItemExporter
from tests.local import run_crawl
from tests.replica.testing import ReplicaServer


def test_exporter_writes_the_header_with_no_item() -> None:
    out = io.BytesIO()
    exporter = ArticleCsvItemExporter(out)
    exporter.start_exporting()
    exporter.finish_exporting()
    assert out.getvalue().decode("utf-8").splitlines() == [",".join(COLUMNS)]
    # Scrapy's own exporter writes nothing there: the reason for the override.
    plain = io.BytesIO()
    scrapy_exporter = CsvItemExporter(plain, fields_to_export=list(COLUMNS))
    scrapy_exporter.start_exporting()
    scrapy_exporter.finish_exporting()
    assert plain.getvalue() == b""


def test_exporter_appending_to_a_file_adds_no_second_header(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(",".join(COLUMNS) + "\r\n", encoding="utf-8")
    with path.open("ab") as fp:
        exporter = ArticleCsvItemExporter(fp)
        exporter.start_exporting()
        exporter.finish_exporting()
    assert path.read_text(encoding="utf-8").splitlines() == [",".join(COLUMNS)]


@pytest.mark.e2e
def test_an_incremental_run_with_nothing_new_writes_a_header_only_csv(tmp_path: Path) -> None:
    db = str(tmp_path / "ifp.db")
    with ReplicaServer("--articles", "30") as replica:
        first = run_crawl(
            replica.base_url, db, args=("-O", str(tmp_path / "first.csv")), cwd=tmp_path
        )
        assert first.returncode == 0, first.stderr[-3000:]
        again = run_crawl(
            replica.base_url,
            db,
            args=("-O", str(tmp_path / "again.csv"), "-O", str(tmp_path / "again.jsonl")),
            cwd=tmp_path,
        )
        assert again.returncode == 0, again.stderr[-3000:]
        served = len(replica.manifest()["articles"])
    with (tmp_path / "first.csv").open(encoding="utf-8", newline="") as fp:
        first_rows = list(csv.reader(fp))
    assert first_rows[0] == list(COLUMNS)
    assert len(first_rows) == 1 + served
    with (tmp_path / "again.csv").open(encoding="utf-8", newline="") as fp:
        assert list(csv.reader(fp)) == [list(COLUMNS)]
    assert (tmp_path / "again.jsonl").read_bytes() == b""  # JSON Lines has no header line
