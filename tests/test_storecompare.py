"""The whole-store comparison the crash, fault and multi-worker tests rely on (storecompare).

Real stores (SQLite file, PostgreSQL schema) written through the store's own API: the same
content served on two ports compares equal; each kind of difference is reported, in both
directions, exactly.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from ifpcrawl.items import Article, Link
from ifpcrawl.store import open_store
from tests.storecompare import SITE, dump_store, store_differences

SEEN = "2025-03-15T08:00:00+00:00"
BODY = (
    "Iran's foreign minister met his Omani counterpart in Muscat on Tuesday to discuss "
    "regional security and the nuclear talks.\n\nThe two sides also reviewed trade ties."
)
OTHER = (
    "Persepolis beat Esteghlal one nil in the Tehran derby at Azadi Stadium on Thursday "
    "evening.\n\nAli Alipour scored the only goal ten minutes after the break."
)


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "other.db")
        return
    dsn = str(request.getfixturevalue("pg_dsn"))
    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{dsn}{'&' if '?' in dsn else '?'}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def articles(base: str, author: str = "IFP Editor", drop_link: bool = False) -> list[Article]:
    talks = Article(
        url=f"{base}talks/",
        title="Araghchi meets Omani counterpart",
        body=BODY,
        author=author,
        section="Politics",
        tags=["Oman", "Nuclear Talks"],
        published_at="2025-03-14T10:00:00+03:30",
        image_url=f"{base}wp-content/uploads/talks.jpg",
        word_count=30,
        wp_post_id=41,
        url_variants=[f"{base}talks/amp/", f"https://{base.split('://', 1)[1]}talks/"],
        links=[
            Link(f"{base}derby/", "body", "the derby"),
            Link("https://www.un.org/en/oman/", "body", "the UN"),
            Link(f"{base}derby/", "related", "Persepolis beat Esteghlal"),
        ][1 if drop_link else 0 :],
    )
    derby = Article(url=f"{base}derby/", title="Persepolis beat Esteghlal", body=OTHER)
    return [talks, derby]


def write(target: str, items: list[Article]) -> None:
    store = open_store(target)
    try:
        store.upsert_many(items, SEEN)
    finally:
        store.close()


def test_same_content_on_two_ports_compares_equal(tmp_path: Path, target: str) -> None:
    write(str(tmp_path / "one.db"), articles("http://127.0.0.1:1111/"))
    write(target, articles("http://127.0.0.1:2222/"))
    one = dump_store(tmp_path / "one.db", "http://127.0.0.1:1111/")
    other = dump_store(target, "http://127.0.0.1:2222/")
    assert store_differences(one, other) == []
    # Each article's own URL is a row too; the http and https spellings stay apart.
    assert one.article_urls == {
        f"http://{SITE}/talks/": f"http://{SITE}/talks/",
        f"http://{SITE}/talks/amp/": f"http://{SITE}/talks/",
        f"https://{SITE}/talks/": f"http://{SITE}/talks/",
        f"http://{SITE}/derby/": f"http://{SITE}/derby/",
    }
    talks, derby = f"http://{SITE}/talks/", f"http://{SITE}/derby/"
    assert one.links == {
        (talks, derby, derby, "body", "the derby"),
        (talks, "https://www.un.org/en/oman/", None, "body", "the UN"),
        (talks, derby, derby, "related", "Persepolis beat Esteghlal"),
    }
    assert one.articles[talks]["image_url"] == f"http://{SITE}/wp-content/uploads/talks.jpg"


def test_every_difference_is_reported_both_ways(tmp_path: Path, target: str) -> None:
    base = "http://127.0.0.1:1111/"
    write(str(tmp_path / "clean.db"), articles(base))
    bad = articles(base, author="Someone Else", drop_link=True)
    bad[0].links.append(Link(f"{base}derby/", "recent", "Persepolis beat Esteghlal"))
    bad.append(Article(url=f"{base}extra/", title="Not on the site", body=OTHER.upper()))
    write(target, bad)
    clean, got = dump_store(tmp_path / "clean.db", base), dump_store(target, base)
    talks, derby, extra = (
        "'http://{site}/talks/'",
        "'http://{site}/derby/'",
        "'http://{site}/extra/'",
    )
    assert store_differences(clean, got) == [
        "articles extra (1):",
        f"  {extra}",
        "article fields differing (1):",
        "  http://{site}/talks/ author: expected 'IFP Editor', got 'Someone Else'",
        "article_urls extra (1):",
        f"  ({extra}, {extra})",
        "links missing (1):",
        f"  ({talks}, {derby}, {derby}, 'body', 'the derby')",
        "links extra (1):",
        f"  ({talks}, {derby}, {derby}, 'recent', 'Persepolis beat Esteghlal')",
    ]
    # The other way round, missing and extra swap.
    assert store_differences(got, clean)[:2] == ["articles missing (1):", f"  {extra}"]


def test_difference_list_is_capped_per_table(tmp_path: Path) -> None:
    base = "http://127.0.0.1:1111/"
    write(str(tmp_path / "clean.db"), [])
    write(
        str(tmp_path / "more.db"),
        [Article(url=f"{base}a{n}/", title=f"A {n}", body=f"{BODY} {n}") for n in range(15)],
    )
    lines = store_differences(
        dump_store(tmp_path / "clean.db", base), dump_store(tmp_path / "more.db", base), limit=3
    )
    assert lines[:5] == [
        "articles extra (15):",
        "  'http://{site}/a0/'",
        "  'http://{site}/a1/'",
        "  'http://{site}/a10/'",
        "  ... and 12 more",
    ]
    assert lines[5:] == [
        "article_urls extra (15):",
        "  ('http://{site}/a0/', 'http://{site}/a0/')",
        "  ('http://{site}/a1/', 'http://{site}/a1/')",
        "  ('http://{site}/a10/', 'http://{site}/a10/')",
        "  ... and 12 more",
    ]
