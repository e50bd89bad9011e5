"""Store speed: ``python -m bench.store [--articles N] [--store TARGET]``.

Stores N synthetic ~600-word articles (2 URL variants, 15 links each) in batches
of 50, as the crawl pipeline does, and prints the cost per article for each block
of 2,000: it must stay flat as the store grows. Generation is not timed.
CPU time (this process) is printed beside wall time: on a shared machine the
wall time also counts waiting for a core.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from ifpcrawl.items import Article, Link, LinkKind
from ifpcrawl.store import open_store
from ifpcrawl.store._sql import prepare

BATCH = 50
BLOCK = 2_000
SEEN_AT = "2025-01-01T00:00:00+00:00"


def _vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choices(letters, k=rng.randint(2, 11))) for _ in range(size)]


def synthetic_articles(count: int, seed: int = 1) -> Iterator[Article]:
    """Distinct articles with news-like shape: Zipf-ish word use, 10-30 word sentences."""
    rng = random.Random(seed)
    vocabulary = _vocabulary(rng)
    weights = [1.0 / (rank + 1) for rank in range(len(vocabulary))]
    for number in range(count):
        words = rng.choices(vocabulary, weights=weights, k=600)
        sentences, start = [], 0
        while start < len(words):
            length = rng.randint(10, 30)
            sentences.append(" ".join(words[start : start + length]).capitalize() + ".")
            start += length
        paragraphs = [" ".join(sentences[i : i + 2]) for i in range(0, len(sentences), 2)]
        url = f"https://news.example/article-{number}/"
        kinds: list[LinkKind] = [*("body",) * 6, *("related",) * 3, *("recent",) * 6]
        links = [
            Link(f"https://news.example/article-{rng.randrange(count)}/", kind, f"anchor {i}")
            for i, kind in enumerate(kinds)
        ]
        yield Article(
            url=url,
            title=f"Title {number}",
            body="\n\n".join(paragraphs),
            author="IFP Editorial Staff",
            section="Politics",
            tags=["Iran", "Politics"],
            published_at="2024-05-01T10:00:00+03:30",
            word_count=600,
            url_variants=[url + "amp", url.replace("https:", "http:")],
            fetched_url=url,
            links=links,
        )


def run(total: int, target: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(target or str(Path(tmp) / "bench.db"))
        articles = synthetic_articles(total)
        prepare_time = 0.0
        for block_start in range(0, total, BLOCK):
            elapsed = cpu = 0.0
            stored = 0
            while stored < min(BLOCK, total - block_start):
                batch = [next(articles) for _ in range(min(BATCH, BLOCK - stored))]
                started, started_cpu = time.perf_counter(), time.process_time()
                store.upsert_many(batch, SEEN_AT)
                elapsed += time.perf_counter() - started
                cpu += time.process_time() - started_cpu
                if block_start == 0:
                    started_cpu = time.process_time()
                    for article in batch:
                        prepared = prepare(article)
                        _ = prepared.keys, prepared.simhash  # fingerprints are lazy
                    prepare_time += time.process_time() - started_cpu
                stored += len(batch)
            rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"articles {block_start + 1:>6}-{block_start + stored:<6}"
                f" wall {elapsed / stored * 1000:.3f} ms/article,"
                f" CPU {cpu / stored * 1000:.3f} ms/article, max RSS {rss_mb:.0f} MiB"
            )
            if block_start == 0:
                print(f"  of which fingerprinting (CPU): {prepare_time / stored * 1000:.3f} ms")
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--store", default=None, help="store target (default: a temp SQLite file)")
    options = parser.parse_args()
    run(options.articles, options.store)


if __name__ == "__main__":
    main()
