"""Page kinds and body token-F1 on the hand-written page shapes of tests/page_shapes.py.

Prints, per page: the kind decided, whether the decision is right, and the body's token
F1 against the text the page was written with (0 when nothing was stored). Run it from a
checkout to compare two versions of the extractor:

    .venv/bin/python scripts/page_shapes_f1.py
    PYTHONPATH=/path/to/other/checkout .venv/bin/python scripts/page_shapes_f1.py
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))  # the tests package; PYTHONPATH (the extractor) comes first

from ifpcrawl.extract import Page, extract_article  # noqa: E402
from tests.page_shapes import (  # noqa: E402
    ARTICLE_SHAPES,
    BODY_TEXT,
    NON_ARTICLE_SHAPES,
    URL,
)


def tokens(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.casefold()))


def token_f1(found: str, truth: str) -> float:
    got, want = tokens(found), tokens(truth)
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def main() -> None:
    right = 0
    f1s: list[float] = []
    cases = [(label, html, "article") for label, html in ARTICLE_SHAPES.items()]
    cases += [(label, html, kind) for label, (html, kind) in NON_ARTICLE_SHAPES.items()]
    for label, html, expected_kind in cases:
        result = extract_article(Page.from_html(html, URL))
        ok = result.kind == expected_kind and (
            (result.article is not None) == (expected_kind == "article")
        )
        right += ok
        line = f"{'ok ' if ok else 'BAD'} {result.kind:10} {label}"
        if expected_kind == "article":
            f1 = token_f1(result.article.body, BODY_TEXT) if result.article else 0.0
            f1s.append(f1)
            line += f"  body F1 {f1:.3f}"
        print(line)
    print(f"kinds right: {right}/{len(cases)}; mean body F1 over {len(f1s)} articles: "
          f"{sum(f1s) / len(f1s):.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
