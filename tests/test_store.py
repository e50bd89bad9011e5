"""The store: one behavioural suite run against SQLite and PostgreSQL, then each
backend's own failure modes (corrupt files, full disks, concurrent workers)."""

from __future__ import annotations

import multiprocessing
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ifpcrawl.items import Article, Link
from ifpcrawl.store import Store, StoreError, StoreLocked, open_store
from ifpcrawl.store import postgres as pg_backend
from ifpcrawl.store import sqlite as sqlite_backend
from ifpcrawl.store.postgres import PostgresStore
from ifpcrawl.store.sqlite import SQLiteStore

T1 = "2025-03-15T08:00:00+00:00"
T2 = "2025-03-16T08:00:00+00:00"
T3 = "2025-03-17T08:00:00+00:00"

SENTENCES = [
    "Russia’s President Vladimir Putin says threats posed by the NATO military alliance are "
    "not limited to Europe alone but goes beyond the continent.",
    "The Russian leader made the remarks in a meeting with Iran’s President Ebrahim Raisi on "
    "Thursday in Uzbekistan where the two are attending the SCO summit.",
    "Russia’s president also said his country did its utmost to help Iran become a full "
    "member of the Shanghai Cooperation Organization.",
    "Putin noted that Russia is putting the finishing touches to a new grand deal with Iran, "
    "adding that the treaty shows that ties between Tehran and Moscow are being elevated.",
    "He further said 80 Russian companies will send their representatives to Iran next week "
    "as efforts continue to expand bilateral ties.",
    "Putin then said the size of bilateral trade between Tehran and Moscow rose by 81% last "
    "year and by 30% in the first 5 months of this year.",
    "President Raisi, for his part, spoke about the US’s miscalculations in dealing with "
    "sovereign nations.",
    "The Iranian president said the US thinks if it imposes sanctions on a country, that "
    "nation grinds to a halt, but this is a miscalculation on the part of Washington.",
    "He stressed that the US sanctions can largely be blunted if Iran and Russia cooperate.",
    "Raisi said ties in the political and trade as well as space and aviation fields can be "
    "further expanded.",
    "Raisi also thanked Russia for its assistance to pave the way for Iran to become a full "
    "member of the SCO.",
    "The Iranian president underlined that the Islamic Republic is serious about expanding "
    "bilateral ties and said the relations are strategic.",
]
BODY = "\n\n".join(SENTENCES)
EDITED_BODY = "\n\n".join(
    [
        *SENTENCES[:3],
        "A spokesman for the Kremlin told reporters that no date had yet been fixed for the "
        "signing ceremony of the long-term cooperation document.",
        *SENTENCES[4:9],
        "Analysts in Tehran said the meeting signalled a deeper shift toward the East after "
        "years of stalled negotiations with European capitals.",
        *SENTENCES[10:],
    ]
)
OTHER_BODY = """Persepolis defeated its arch-rival Esteghlal football team thanks to a goal from Ali Alipour on Thursday.

The Tehran derby was played in front of a full house at Azadi Stadium, where fans of both clubs had queued since dawn.

Esteghlal dominated possession in the first half but failed to turn their chances into goals against a well organised defence.

Alipour scored the only goal of the match ten minutes after the break with a low shot into the far corner.

The win sends Persepolis three points clear at the top of the Persian Gulf Pro League table with eight games left."""

FRONT_PAGE_LEAD = (
    "IFP has taken a look at the front pages of Iranian newspapers on {day} and picked "
    "headlines from 15 of them. IFP has simply translated the headlines and does not vouch "
    "for their accuracy."
)


def article(url: str, body: str = BODY, title: str = "Putin meets Raisi", **fields: Any) -> Article:
    return Article(url=url, title=title, body=body, **fields)


def sql_rows(store: Store, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read the database directly (both backends take '?' placeholders here)."""
    assert isinstance(store, SQLiteStore | PostgresStore)
    return store._read(sql, params)


def table_counts(store: Store) -> dict[str, int]:
    tables = ["articles", "article_urls", "links", "revisions", "dedup_keys", "failures"]
    return {table: sql_rows(store, f"SELECT COUNT(*) FROM {table}")[0][0] for table in tables}


# --- backends ------------------------------------------------------------------------
def schema_dsn(dsn: str, schema: str) -> str:
    separator = "&" if "?" in dsn else "?"
    return f"{dsn}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_target(pg_dsn: str) -> Iterator[str]:
    """A throwaway schema in the test database, dropped afterwards."""
    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield schema_dsn(pg_dsn, schema)
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "ifp.db")
    return str(request.getfixturevalue("pg_target"))


@pytest.fixture
def store(target: str) -> Iterator[Store]:
    opened = open_store(target)
    yield opened
    opened.close()


# --- identity, updates, aliases ---------------------------------------------------------
def test_new_then_unchanged(store: Store) -> None:
    first = store.upsert_article(article("https://ifpnews.com/a/", etag='"v1"'), T1)
    again = store.upsert_article(article("https://ifpnews.com/a/", etag='"v2"'), T2)
    assert (first.status, again.status) == ("new", "unchanged")
    assert again.article_id == first.article_id
    [row] = store.iter_articles()
    assert (row["first_seen_at"], row["last_seen_at"], row["changed_at"]) == (T1, T2, T1)
    assert row["etag"] == '"v2"'
    assert table_counts(store)["revisions"] == 0
    assert store.count_articles() == 1


def test_update_keeps_exactly_one_revision(store: Store) -> None:
    url = "https://ifpnews.com/a/"
    first = store.upsert_article(article(url, modified_at="2025-03-15T10:00:00+03:30"), T1)
    changed = store.upsert_article(
        article(
            url,
            body=EDITED_BODY,
            title="Putin meets Raisi in Samarkand",
            modified_at="2025-03-16T10:00:00+03:30",
        ),
        T2,
    )
    unchanged = store.upsert_article(
        article(url, body=EDITED_BODY, title="Putin meets Raisi in Samarkand"), T3
    )
    assert (changed.status, unchanged.status) == ("updated", "unchanged")
    assert changed.article_id == unchanged.article_id == first.article_id
    [row] = store.iter_articles()
    assert row["body"] == EDITED_BODY
    assert row["title"] == "Putin meets Raisi in Samarkand"
    assert row["modified_at"] == "2025-03-16T10:00:00+03:30"
    assert row["changed_at"] == T2
    revisions = sql_rows(
        store,
        "SELECT article_id, seen_at, superseded_at, title, body, modified_at FROM revisions",
    )
    assert revisions == [
        (first.article_id, T1, T2, "Putin meets Raisi", BODY, "2025-03-15T10:00:00+03:30")
    ]


def test_title_change_alone_is_an_update(store: Store) -> None:
    store.upsert_article(article("https://ifpnews.com/a/"), T1)
    result = store.upsert_article(article("https://ifpnews.com/a/", title="New headline"), T2)
    assert result.status == "updated"


def test_same_body_under_another_url_is_an_alias(store: Store) -> None:
    original = store.upsert_article(article("https://ifpnews.com/a/"), T1)
    alias = store.upsert_article(
        article("https://ifpnews.com/a-2/", url_variants=["https://ifpnews.com/a-2/amp"]), T2
    )
    assert alias.status == "alias"
    assert alias.article_id == original.article_id
    assert store.count_articles() == 1
    states = store.article_states(["https://ifpnews.com/a-2/", "https://ifpnews.com/a-2/amp"])
    assert {state.article_id for state in states.values()} == {original.article_id}


def test_short_identical_bodies_with_other_titles_are_not_aliases(store: Store) -> None:
    # Photo posts: the body is one caption line; they are different articles.
    first = store.upsert_article(article("https://ifpnews.com/p1/", "(PHOTOS)", "Snow"), T1)
    second = store.upsert_article(article("https://ifpnews.com/p2/", "(PHOTOS)", "Rain"), T1)
    same = store.upsert_article(article("https://ifpnews.com/p3/", "(PHOTOS)", "Snow"), T1)
    assert (first.status, second.status, same.status) == ("new", "new", "alias")
    assert same.article_id == first.article_id


def test_near_duplicate_is_flagged(store: Store) -> None:
    original = store.upsert_article(article("https://ifpnews.com/a/"), T1)
    copy = store.upsert_article(article("https://ifpnews.com/a-copy/", body=EDITED_BODY), T2)
    assert copy.status == "duplicate"
    assert copy.duplicate_of == original.article_id
    assert copy.article_id != original.article_id
    # A copy of the copy points at the original: no chains.
    third = store.upsert_article(
        article("https://ifpnews.com/a-copy-2/", body=EDITED_BODY + "\n\nShare this story."), T2
    )
    assert (third.status, third.duplicate_of) == ("duplicate", original.article_id)
    assert store.count_articles() == 3
    assert store.count_articles(include_duplicates=False) == 1
    assert [row["id"] for row in store.iter_articles(include_duplicates=False)] == [
        original.article_id
    ]


def test_same_topic_articles_are_not_flagged(store: Store) -> None:
    headlines = {
        "Wednesday": [
            "Larijani Re-Elected as Speaker of Iran’s Parliament",
            "Iran Kicks Off Large-Scale Air Defence Drill",
            "Covid cases hit new high in Iran",
            "Historic all-Women flight lands in Mashhad",
        ],
        "Thursday": [
            "Iranian MP: 300 SUVs given to lawmakers in ‘criminal, fraudulent’ move",
            "Tehran Cyber Police shut down 40 Instagram accounts of harassers",
            "Persepolis Beats Arch-Rival Esteghlal in Tehran Derby",
            "Iran Denies Permitting BBC to Have Correspondent in Tehran",
        ],
    }
    results = []
    for number, (day, lines) in enumerate(headlines.items(), start=15):
        paragraphs = [FRONT_PAGE_LEAD.format(day=day)]
        for paper, headline in zip(
            ["Abrar", "Ettela’at", "Aftab-e Yazd", "Iran"], lines, strict=True
        ):
            paragraphs += [f"{paper}:", f"1- {headline} as officials weigh the next steps"]
        url = f"https://ifpnews.com/iranian-newspaper-front-pages-march-{number}/"
        title = f"A Look at Iranian Newspaper Front Pages on March {number}"
        results.append(store.upsert_article(article(url, "\n\n".join(paragraphs), title), T1))
    assert [result.status for result in results] == ["new", "new"]


def test_variants_and_fetched_url_are_recorded(store: Store) -> None:
    result = store.upsert_article(
        article(
            "https://ifpnews.com/a/",
            url_variants=["https://ifpnews.com/a/amp", "http://ifpnews.com/a"],
            fetched_url="https://ifpnews.com/a/?amp=1",
        ),
        T1,
    )
    later = store.upsert_article(
        article("https://ifpnews.com/a/", url_variants=["https://ifpnews.com/a/?utm_source=x"]),
        T2,
    )
    assert later.status == "unchanged"
    urls = [
        "https://ifpnews.com/a/",
        "https://ifpnews.com/a/amp",
        "http://ifpnews.com/a",
        "https://ifpnews.com/a/?amp=1",
        "https://ifpnews.com/a/?utm_source=x",
    ]
    states = store.article_states([*urls, "https://ifpnews.com/unknown/"])
    assert sorted(states) == sorted(urls)
    assert {state.url for state in states.values()} == {"https://ifpnews.com/a/"}
    assert {state.article_id for state in states.values()} == {result.article_id}
    assert store.article_state("https://ifpnews.com/unknown/") is None


def test_known_by_variant_only(store: Store) -> None:
    first = store.upsert_article(
        article("https://ifpnews.com/a/", url_variants=["https://ifpnews.com/a/amp"]), T1
    )
    # Reached again through its AMP URL under a differently spelled canonical URL.
    again = store.upsert_article(
        article("http://ifpnews.com/a", url_variants=["https://ifpnews.com/a/amp"]), T2
    )
    assert (again.status, again.article_id) == ("unchanged", first.article_id)
    assert store.article_state("http://ifpnews.com/a") is not None


# --- links -------------------------------------------------------------------------------
def test_links_resolve_now_and_later_via_variant(store: Store) -> None:
    b_url, c_url = "https://ifpnews.com/b/", "https://ifpnews.com/c/"
    b = store.upsert_article(article(b_url, OTHER_BODY, "Derby"), T1)
    a = store.upsert_article(
        article(
            "https://ifpnews.com/a/",
            url_variants=["https://ifpnews.com/a/amp"],
            links=[
                Link(b_url, "body", "the derby"),
                Link(b_url, "body", "second anchor, dropped"),
                Link(b_url, "recent", "Persepolis beats..."),
                Link(c_url + "amp", "related", "C"),
                Link("https://ifpnews.com/a/amp", "recent", "itself"),
                Link("https://twitter.com/ifpnews", "body", "Twitter"),
            ],
        ),
        T1,
    )
    links = {(row["dst_url"], row["kind"]): row for row in store.iter_links()}
    assert set(links) == {
        (b_url, "body"),
        (b_url, "recent"),
        (c_url + "amp", "related"),
        ("https://twitter.com/ifpnews", "body"),
    }  # the self-link is dropped
    assert links[(b_url, "body")]["anchor_text"] == "the derby"
    assert links[(b_url, "body")]["dst_id"] == b.article_id
    assert links[(c_url + "amp", "related")]["dst_id"] is None
    # C arrives later; the link pointed at its AMP variant.
    c = store.upsert_article(article(c_url, "A short note.", "C", url_variants=[c_url + "amp"]), T2)
    resolved = {row["dst_url"]: row["dst_id"] for row in store.iter_links(kinds=["related"])}
    assert resolved == {c_url + "amp": c.article_id}
    assert all(row["src_id"] == a.article_id for row in store.iter_links())


def test_links_are_replaced_on_refresh(store: Store) -> None:
    url = "https://ifpnews.com/a/"
    store.upsert_article(article(url, links=[Link("https://x.example/1", "recent", "1")]), T1)
    store.upsert_article(article(url, links=[Link("https://x.example/2", "recent", "2")]), T2)
    assert [row["dst_url"] for row in store.iter_links()] == ["https://x.example/2"]


def test_iter_links_filters(store: Store) -> None:
    for number, published in enumerate(["2024-01-10T10:00:00+03:30", "2024-02-10T10:00:00+03:30"]):
        store.upsert_article(
            article(
                f"https://ifpnews.com/{number}/",
                f"Body {number}",
                f"Title {number}",
                published_at=published,
                links=[Link("https://x.example/b", "body"), Link("https://x.example/r", "recent")],
            ),
            T1,
        )
    assert len(list(store.iter_links())) == 4
    assert {row["kind"] for row in store.iter_links(kinds=["body"])} == {"body"}
    assert list(store.iter_links(kinds=[])) == []
    february = list(store.iter_links(since="2024-02-01T00:00:00+00:00"))
    assert {row["src_id"] for row in february} == {2}
    january = list(store.iter_links(until="2024-02-01T00:00:00+00:00", kinds=["recent"]))
    assert [(row["src_id"], row["kind"]) for row in january] == [(1, "recent")]


# --- reads ---------------------------------------------------------------------------------
def test_iter_articles_filters_compare_instants_not_strings(store: Store) -> None:
    # 00:30 in Tehran (+03:30) is 21:00 UTC the day before: a string comparison errs.
    store.upsert_article(
        article("https://ifpnews.com/a/", published_at="2024-03-02T00:30:00+03:30"), T1
    )
    store.upsert_article(
        article("https://ifpnews.com/b/", OTHER_BODY, "Derby", published_at="2024-03-01T22:00:00Z"),
        T2,
    )
    since = [row["url"] for row in store.iter_articles(since="2024-03-01T21:30:00+00:00")]
    assert since == ["https://ifpnews.com/b/"]
    changed = [row["url"] for row in store.iter_articles(changed_since=T2)]
    assert changed == ["https://ifpnews.com/b/"]
    row = next(store.iter_articles())
    assert row["published_at"] == "2024-03-02T00:30:00+03:30"  # stored as given
    with pytest.raises(ValueError, match="not an ISO 8601 time"):
        list(store.iter_articles(since="last tuesday"))


def test_iter_articles_pages_through_many_rows(store: Store) -> None:
    articles = [article(f"https://ifpnews.com/{n}/", f"Body {n}", f"T{n}") for n in range(1203)]
    store.upsert_many(articles, T1)
    ids = [row["id"] for row in store.iter_articles()]
    assert len(ids) == 1203 and ids == sorted(ids)


def test_fields_round_trip(store: Store) -> None:
    store.upsert_article(
        article(
            "https://ifpnews.com/a/",
            summary="Lead",
            author="IFP Editorial Staff",
            section="Politics",
            tags=["Iran", "Russia’s “SCO”"],
            published_at="2022-09-15T14:30:00+04:30",
            image_url="https://ifpnews.com/img.jpg",
            word_count=123,
            wp_post_id=4567,
            last_modified="Thu, 15 Sep 2022 10:00:00 GMT",
        ),
        T1,
    )
    [row] = store.iter_articles()
    assert row["tags"] == ["Iran", "Russia’s “SCO”"]
    assert (row["summary"], row["author"], row["section"]) == (
        "Lead",
        "IFP Editorial Staff",
        "Politics",
    )
    assert (row["word_count"], row["wp_post_id"]) == (123, 4567)
    assert row["image_url"] == "https://ifpnews.com/img.jpg"
    assert len(row["content_hash"]) == 64 and len(row["simhash"]) == 16
    state = store.article_state("https://ifpnews.com/a/")
    assert state is not None and state.last_modified == "Thu, 15 Sep 2022 10:00:00 GMT"


def test_touch(store: Store) -> None:
    store.upsert_article(
        article("https://ifpnews.com/a/", url_variants=["https://ifpnews.com/a/amp"]), T1
    )
    store.touch("https://ifpnews.com/a/amp", T3)
    state = store.article_state("https://ifpnews.com/a/")
    assert state is not None and state.last_seen_at == T3


def test_full_text_search(store: Store) -> None:
    a = store.upsert_article(article("https://ifpnews.com/a/"), T1)
    b = store.upsert_article(article("https://ifpnews.com/b/", OTHER_BODY, "Derby"), T1)
    if isinstance(store, SQLiteStore):
        raw = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
    else:
        raw = "SELECT id FROM articles WHERE tsv @@ plainto_tsquery('english', ?)"
    assert sql_rows(store, raw, ("Alipour",)) == [(b.article_id,)]
    assert store.search("Shanghai Cooperation") == [a.article_id]
    assert store.search("derby goal") == [b.article_id]
    # The index follows updates: old words leave, new words arrive.
    store.upsert_article(article("https://ifpnews.com/b/", "Weather: snow in Tabriz.", "Snow"), T2)
    assert store.search("Alipour") == []
    assert store.search("Tabriz") == [b.article_id]
    assert store.search("\"'; DROP TABLE articles; --") == []


# --- runs, failures, state -----------------------------------------------------------------
def test_crawl_runs(store: Store) -> None:
    first = store.start_run("https://ifpnews.com/", "incremental", T1)
    store.finish_run(first, T2, "finished", {"item_scraped_count": 3, "nested": {"a": [1, 2]}})
    second = store.start_run("https://ifpnews.com/", "full", T3)
    runs = store.last_runs()
    assert [run["id"] for run in runs] == [second, first]
    assert runs[1]["stats"] == {"item_scraped_count": 3, "nested": {"a": [1, 2]}}
    assert (runs[1]["finish_reason"], runs[1]["finished_at"], runs[1]["mode"]) == (
        "finished",
        T2,
        "incremental",
    )
    assert runs[0]["finished_at"] is None and runs[0]["stats"] == {}
    assert len(store.last_runs(limit=1)) == 1


def test_failures(store: Store) -> None:
    store.record_failure("https://ifpnews.com/a/", "HTTP 500", T1)
    store.record_failure("https://ifpnews.com/b/", "timeout", T1)
    store.record_failure("https://ifpnews.com/a/", "HTTP 503", T2)
    assert store.failed_urls() == ["https://ifpnews.com/b/", "https://ifpnews.com/a/"]
    row = sql_rows(
        store,
        "SELECT reason, attempts, first_seen_at, last_seen_at FROM failures WHERE url = ?",
        ("https://ifpnews.com/a/",),
    )
    assert row == [("HTTP 503", 2, T1, T2)]
    store.clear_failure("https://ifpnews.com/b/")
    assert store.failed_urls() == ["https://ifpnews.com/a/"]
    # Storing the article clears its failure.
    store.upsert_article(article("https://ifpnews.com/a/"), T3)
    assert store.failed_urls() == []


def test_state(store: Store) -> None:
    assert store.get_state("last_export") is None
    store.set_state("last_export", T1)
    store.set_state("last_export", T2)
    assert store.get_state("last_export") == T2


# --- bad input --------------------------------------------------------------------------------
def test_hostile_text_round_trips(store: Store) -> None:
    injection = "'; DROP TABLE articles; --"
    long_line = "x" * 100_000
    body = f'He said "it\'s {injection}" and left.\n\n{long_line}\n\nTail with % and ? marks.'
    url = f"https://ifpnews.com/{injection}?q=\"x\"&y='z'"
    result = store.upsert_article(
        article(
            url,
            body,
            f"Title {injection}",
            tags=[injection, 'a "quoted" tag'],
            links=[Link(f"https://x.example/{injection}", "body", injection)],
        ),
        T1,
    )
    [row] = store.iter_articles()
    assert (row["url"], row["title"], row["body"]) == (url, f"Title {injection}", body)
    assert row["tags"] == [injection, 'a "quoted" tag']
    assert [link["anchor_text"] for link in store.iter_links()] == [injection]
    assert store.article_state(url) is not None
    assert store.upsert_article(article(url, body, f"Title {injection}"), T2).status == "unchanged"
    assert result.status == "new" and store.count_articles() == 1


def test_nul_characters_are_stripped(store: Store) -> None:
    # PostgreSQL TEXT cannot hold NUL; both backends strip it so they agree.
    store.upsert_article(article("https://ifpnews.com/a/", "Body\x00 text", "Ti\x00tle"), T1)
    [row] = store.iter_articles()
    assert (row["title"], row["body"]) == ("Title", "Body text")


# --- run lock ------------------------------------------------------------------------------------
LOCK_HOLDER = """
import sys, time
from ifpcrawl.store import open_store
store = open_store(sys.argv[1])
store.acquire_run_lock("holder")
print("locked", flush=True)
time.sleep(600)
"""


def test_run_lock_across_processes_dies_with_holder(store: Store, target: str) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, target], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreLocked, match=rf"another crawl \(pid {holder.pid}, started at "):
            store.acquire_run_lock("second")
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        # The server may need a moment to notice the dead connection: wait, bounded.
        store.acquire_run_lock("second", wait=True, timeout=30)
        store.release_run_lock("second")
        store.acquire_run_lock("third")
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


def test_run_lock_wait_times_out(store: Store, target: str) -> None:
    store.acquire_run_lock("first")
    other = open_store(target)
    try:
        with pytest.raises(StoreLocked):
            other.acquire_run_lock("second", wait=True, timeout=0.3)
        store.release_run_lock("first")
        other.acquire_run_lock("second")
    finally:
        other.close()


# --- migrations ----------------------------------------------------------------------------------
OLD_ROW = (
    "INSERT INTO articles (url, title, body, tags, published_at, word_count, content_hash,"
    " first_seen_at, last_seen_at) VALUES (?, ?, ?, '[]', ?, 0, ?, ?, ?)"
)


def make_version_1(target: str) -> None:
    """A database as the first schema version left it, with one article."""
    values = ("https://ifpnews.com/old/", "Old", BODY, "2020-01-01T10:00:00+03:30", "h1", T1, T1)
    if target.startswith("postgresql"):
        with psycopg.connect(target, autocommit=True) as conn:
            pg_backend.MIGRATIONS[0](conn)
            conn.execute(
                "CREATE TABLE schema_version (version INTEGER PRIMARY KEY,"
                " applied_at TEXT NOT NULL)"
            )
            conn.execute("INSERT INTO schema_version VALUES (1, %s)", (T1,))
            conn.execute(OLD_ROW.replace("?", "%s"), values)
            conn.execute("INSERT INTO article_urls VALUES ('https://ifpnews.com/old/', 1)")
    else:
        db = sqlite3.connect(target)
        sqlite_backend.MIGRATIONS[0](db)
        db.execute(OLD_ROW, values)
        db.execute("INSERT INTO article_urls VALUES ('https://ifpnews.com/old/', 1)")
        db.execute("PRAGMA user_version = 1")
        db.commit()
        db.close()


def test_migrations_run_forward_on_an_old_database(target: str) -> None:
    make_version_1(target)
    store = open_store(target)
    try:
        if isinstance(store, SQLiteStore):
            version = store.conn.execute("PRAGMA user_version").fetchone()[0]
            assert version == sqlite_backend.SCHEMA_VERSION
        else:
            versions = sql_rows(store, "SELECT version FROM schema_version ORDER BY version")
            assert [v for (v,) in versions] == list(range(1, pg_backend.SCHEMA_VERSION + 1))
        [row] = store.iter_articles()
        assert (row["url"], row["changed_at"], row["simhash"] is not None) == (
            "https://ifpnews.com/old/",
            T1,
            True,
        )
        # The backfilled rows take part in everything version 2 does.
        assert [r["url"] for r in store.iter_articles(since="2019-12-31T00:00:00Z")] == [
            "https://ifpnews.com/old/"
        ]
        copy = store.upsert_article(article("https://ifpnews.com/copy/", EDITED_BODY), T2)
        assert (copy.status, copy.duplicate_of) == ("duplicate", row["id"])
        assert row["id"] in store.search("Shanghai")
    finally:
        store.close()
    reopened = open_store(target)  # idempotent: nothing left to apply
    assert reopened.count_articles() == 2
    reopened.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {sqlite_backend.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this ifpcrawl"):
        open_store(str(path))


# --- SQLite failure modes --------------------------------------------------------------------
def test_open_store_targets(tmp_path: Path) -> None:
    memory = open_store("sqlite:///:memory:")
    assert memory.upsert_article(article("https://ifpnews.com/a/"), T1).status == "new"
    memory.close()
    relative = open_store(f"sqlite:///{tmp_path}/x.db")  # sqlite:////abs form
    relative.close()
    assert (tmp_path / "x.db").exists()
    for bad in ["", "ftp://example.com/db", "mysql://root@localhost/db"]:
        with pytest.raises(StoreError, match="store"):
            open_store(bad)


@pytest.mark.parametrize(
    ("make_path", "message"),
    [
        (lambda tmp: tmp / "missing" / "ifp.db", "does not exist"),
        (lambda tmp: tmp, "is a directory"),
        (lambda tmp: tmp / "file.txt" / "ifp.db", "does not exist"),
    ],
)
def test_unusable_sqlite_paths(tmp_path: Path, make_path: Any, message: str) -> None:
    (tmp_path / "file.txt").write_text("not a directory")
    with pytest.raises(StoreError, match=message):
        open_store(str(make_path(tmp_path)))


def test_corrupt_file_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "ifp.db"
    path.write_bytes(b"this is not an SQLite database, just text " * 100)
    with pytest.raises(StoreError, match="not an SQLite database"):
        open_store(str(path))


def test_disk_full_leaves_no_partial_rows(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "ifp.db"))
    assert isinstance(store, SQLiteStore)
    store.upsert_article(article("https://ifpnews.com/a/"), T1)
    before = table_counts(store)
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages + 4}")
    big = article(
        "https://ifpnews.com/big/",
        " ".join(f"word{n}" for n in range(200_000)),
        "Big",
        links=[Link("https://ifpnews.com/a/", "body")],
    )
    small = article(
        "https://ifpnews.com/b/", OTHER_BODY, "Derby", url_variants=["https://ifpnews.com/b/amp"]
    )
    with pytest.raises(StoreError, match="disk is full"):
        store.upsert_many([small, big], T2)
    assert table_counts(store) == before
    with pytest.raises(StoreError, match="disk is full"):
        store.upsert_article(big, T2)
    assert table_counts(store) == before
    store.conn.execute("PRAGMA max_page_count = 1073741823")
    assert [r.status for r in store.upsert_many([small, big], T2)] == ["new", "new"]
    store.close()


def test_locked_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "ifp.db"
    store = SQLiteStore(str(path), busy_timeout=0.2)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        with pytest.raises(StoreError, match="locked"):
            store.upsert_article(article("https://ifpnews.com/a/"), T1)
        blocker.execute("ROLLBACK")
        assert store.upsert_article(article("https://ifpnews.com/a/"), T1).status == "new"
    finally:
        store.close()
        blocker.close()


def test_memory_store_run_lock() -> None:
    store = open_store("sqlite:///:memory:")
    store.acquire_run_lock("a")
    with pytest.raises(StoreLocked):
        store.acquire_run_lock("b")
    store.release_run_lock("a")
    store.acquire_run_lock("b")
    store.close()


# --- PostgreSQL: unreachable server, concurrent workers --------------------------------------
def test_unreachable_postgres_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cannot connect"):
        PostgresStore("postgresql://postgres:secret@127.0.0.1:1/test", connect_timeout=2)


def _race_worker(target: str, barrier: Any, rounds: int, variant: str, out: Any) -> None:
    store = open_store(target)
    try:
        for number in range(rounds):
            url = f"https://ifpnews.com/race-{number}/"
            if variant == "http":  # the same article under another spelling of its URL
                url = url.replace("https://", "http://")
            body = f"Round {number} of the race: a short body, unlike any other round."
            barrier.wait()
            result = store.upsert_article(article(url, body, f"Race {number}"), T1)
            out.put((number, result.status, result.article_id))
    finally:
        store.close()


@pytest.mark.parametrize("second_variant", ["same", "http"])
def test_concurrent_workers_store_one_row(pg_target: str, second_variant: str) -> None:
    open_store(pg_target).close()  # schema created before the race
    rounds = 25
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    out = context.Queue()
    workers = [
        context.Process(target=_race_worker, args=(pg_target, barrier, rounds, variant, out))
        for variant in ("same", second_variant)
    ]
    for worker in workers:
        worker.start()
    results = [out.get(timeout=120) for _ in range(2 * rounds)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    store = open_store(pg_target)
    try:
        assert store.count_articles() == rounds
        expected = {"same": {"new", "unchanged"}, "http": {"new", "alias"}}[second_variant]
        for number in range(rounds):
            pair = [(status, aid) for n, status, aid in results if n == number]
            assert {status for status, _ in pair} == expected
            assert len({aid for _, aid in pair}) == 1
    finally:
        store.close()


def _link_race_worker(target: str, barrier: Any, rounds: int, role: str, out: Any) -> None:
    store = open_store(target)
    try:
        for number in range(rounds):
            target_url = f"https://ifpnews.com/target-{number}/"
            if role == "source":
                item = article(
                    f"https://ifpnews.com/source-{number}/",
                    f"Source {number} links to its target.",
                    f"Source {number}",
                    links=[Link(target_url, "related", "target")],
                )
            else:
                item = article(target_url, f"Target {number} is linked to.", f"Target {number}")
            barrier.wait()
            store.upsert_article(item, T1)
        out.put(role)
    finally:
        store.close()


def test_concurrent_link_and_target_resolve(pg_target: str) -> None:
    """Worker 1 stores A linking to B while worker 2 stores B: the link must resolve."""
    open_store(pg_target).close()
    rounds = 40
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    out = context.Queue()
    workers = [
        context.Process(target=_link_race_worker, args=(pg_target, barrier, rounds, role, out))
        for role in ("source", "target")
    ]
    for worker in workers:
        worker.start()
    assert sorted(out.get(timeout=120) for _ in workers) == ["source", "target"]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    store = open_store(pg_target)
    try:
        links = list(store.iter_links())
        assert len(links) == rounds
        assert [link["dst_url"] for link in links if link["dst_id"] is None] == []
    finally:
        store.close()
