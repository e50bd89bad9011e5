"""Export writers over plain rows, and the Scrapy feed exporters on real files."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ifpcrawl.exports import (
    COLUMNS,
    ArticleCsvItemExporter,
    ArticleJsonLinesItemExporter,
    csv_cell,
    neutralize_cell,
    parse_when,
    write_csv,
    write_jsonl,
)
from ifpcrawl.items import Article, Link

BODY = "First paragraph, with a comma.\n\nSecond “quoted” paragraph;\r\nwith a CRLF inside."


def row(article_id: int, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": article_id,
        "url": f"https://ifpnews.com/story-{article_id}/",
        "title": f"Story {article_id}",
        "author": "IFP Editorial Staff",
        "section": "Politics",
        "tags": ["Iran", "Russia"],
        "published_at": "2022-09-15T14:30:00+04:30",
        "modified_at": None,
        "summary": "Lead.",
        "body": BODY,
        "image_url": None,
        "word_count": 14,
        "content_hash": "ab" * 32,
        "duplicate_of": None,
        "first_seen_at": "2025-01-01T00:00:00+00:00",
        "last_seen_at": "2025-01-02T00:00:00+00:00",
        "extra_internal": "not exported",
    }
    base.update(overrides)
    return base


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+98 21 0000", "'+98 21 0000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("Plain title", "Plain title"),
        ("a=b", "a=b"),
        ("", ""),
        ("'already", "'already"),
        (" =spaced", " =spaced"),
    ],
)
def test_neutralize_cell(value: str, expected: str) -> None:
    assert neutralize_cell(value) == expected


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("word_count", -1, "-1"),
        ("id", 7, "7"),
        ("duplicate_of", None, ""),
        ("title", "-1", "'-1"),
        ("tags", ["Iran", "Football"], "Iran|Football"),
        ("tags", '["Iran", "Football"]', "Iran|Football"),
        ("tags", [], ""),
        ("tags", ["=cmd"], "'=cmd"),
        ("summary", None, ""),
        ("sources", {"title": "jsonld"}, '{"title": "jsonld"}'),
    ],
)
def test_csv_cell(name: str, value: Any, expected: str) -> None:
    assert csv_cell(name, value) == expected


def test_write_csv_round_trips_through_csv_reader(tmp_path: Path) -> None:
    rows = [row(1), row(2, title="=1+1", tags=[], word_count=-1, duplicate_of=1)]
    path = tmp_path / "a.csv"
    with path.open("w", encoding="utf-8", newline="") as fp:
        assert write_csv(rows, fp) == 2
    with path.open(encoding="utf-8", newline="") as fp:
        records = list(csv.DictReader(fp))
    assert list(records[0]) == list(COLUMNS)
    assert len(records) == 2
    assert records[0]["body"] == BODY  # embedded newlines and CRLF survive
    assert records[0]["tags"] == "Iran|Russia"
    assert records[0]["modified_at"] == ""
    assert records[1]["title"] == "'=1+1"
    assert records[1]["word_count"] == "-1"
    assert records[1]["duplicate_of"] == "1"
    assert "extra_internal" not in records[0]


def test_write_csv_without_rows_writes_only_the_header() -> None:
    fp = io.StringIO(newline="")
    assert write_csv([], fp) == 0
    assert fp.getvalue() == ",".join(COLUMNS) + "\r\n"


def test_write_jsonl_keeps_data_exact() -> None:
    fp = io.StringIO()
    rows = [row(1, title="=1+1", tags='["Iran"]'), row(2, title="ایران")]
    assert write_jsonl(rows, fp) == 2
    lines = fp.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert list(first) == list(COLUMNS)
    assert first["title"] == "=1+1"  # data, not a spreadsheet: never altered
    assert first["tags"] == ["Iran"]
    assert first["body"] == BODY
    assert second["title"] == "ایران"
    assert "ایران" in lines[1]  # UTF-8, not \\u escapes


def test_writers_stream_from_a_generator() -> None:
    produced: list[int] = []

    def rows() -> Any:
        for i in range(1, 1001):
            produced.append(i)
            yield row(i)

    fp = io.StringIO(newline="")
    assert write_csv(rows(), fp) == 1000
    assert produced[-1] == 1000


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("2024-05-01", False, datetime(2024, 5, 1, tzinfo=UTC)),
        ("2024-05-01", True, datetime(2024, 5, 2, tzinfo=UTC)),
        ("2024-05-01T10:00:00", False, datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T14:30:00+04:30", False, datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T10:00:00Z", False, datetime(2024, 5, 1, 10, tzinfo=UTC)),
    ],
)
def test_parse_when(text: str, end: bool, expected: datetime) -> None:
    assert parse_when(text, end_of_day=end) == expected


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01", "", "05/01/2024"])
def test_parse_when_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not a date"):
        parse_when(text)


def article(n: int) -> Article:
    return Article(
        url=f"https://ifpnews.com/story-{n}/",
        title=f"=Story {n}",
        body=BODY,
        tags=["Iran", "SCO"],
        word_count=14,
        url_variants=[f"https://ifpnews.com/story-{n}/amp"],
        links=[Link(url="https://ifpnews.com/other/", kind="body", anchor_text="x")],
        sources={"title": "jsonld"},
    )


def export_items(
    cls: type[ArticleCsvItemExporter | ArticleJsonLinesItemExporter],
    path: Path,
    mode: str,
    items: list[Article],
) -> None:
    with path.open(mode) as file:
        exporter = cls(file, encoding="utf-8")
        exporter.start_exporting()
        for item in items:
            exporter.export_item(item)
        exporter.finish_exporting()


def test_csv_item_exporter_columns_and_no_second_header_on_append(tmp_path: Path) -> None:
    path = tmp_path / "articles.csv"
    export_items(ArticleCsvItemExporter, path, "wb", [article(1), article(2)])
    # a resumed run with `-o` appends to the same file
    export_items(ArticleCsvItemExporter, path, "ab", [article(3)])
    text = path.read_text(encoding="utf-8")
    assert text.count("id,url,title") == 1
    with path.open(encoding="utf-8", newline="") as fp:
        records = list(csv.DictReader(fp))
    assert [r["url"] for r in records] == [f"https://ifpnews.com/story-{n}/" for n in (1, 2, 3)]
    assert list(records[0]) == list(COLUMNS)
    assert records[0]["tags"] == "Iran|SCO"
    assert records[0]["title"] == "'=Story 1"
    assert records[0]["body"] == BODY
    assert records[0]["id"] == ""  # a crawl item has no store id


def test_csv_item_exporter_overwrite_writes_a_header(tmp_path: Path) -> None:
    path = tmp_path / "articles.csv"
    path.write_text("stale,content\n", encoding="utf-8")
    export_items(ArticleCsvItemExporter, path, "wb", [article(1)])
    assert path.read_text(encoding="utf-8").startswith("id,url,title,")


def test_jsonl_item_exporter_drops_internal_fields(tmp_path: Path) -> None:
    path = tmp_path / "articles.jsonl"
    export_items(ArticleJsonLinesItemExporter, path, "wb", [article(1)])
    export_items(ArticleJsonLinesItemExporter, path, "ab", [article(2)])
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 2
    assert list(records[0]) == list(COLUMNS)
    assert records[0]["title"] == "=Story 1"
    assert records[0]["tags"] == ["Iran", "SCO"]
    assert records[0]["id"] is None
    for internal in ("links", "url_variants", "sources", "fetched_url"):
        assert internal not in records[0]
