"""Show that the whole-store comparisons bite: plant a bug, run the test, watch it fail.

    .venv/bin/python scripts/prove_comparisons.py            # every case
    .venv/bin/python scripts/prove_comparisons.py resume-author group-dropped-link
    .venv/bin/python scripts/prove_comparisons.py --clean    # the same tests, no bug: pass

Each case inserts a few lines into the spider's article callback (just before the article
is yielded to the pipelines), runs the tests that should catch it, checks that they fail
with the expected diff line, and restores the file (also on Ctrl-C). The bugs are the ones
a weaker comparison (URL, title, body hash) let through:

* ``resume-*``: only on runs in resume mode (the run after a SIGINT or a SIGKILL), caught
  by tests/test_operations.py against one uninterrupted crawl (SQLite);
* ``group-*``: only in workers sharing a Redis frontier, caught by tests/test_distributed.py
  against a single-process crawl (PostgreSQL store vs SQLite store);
* ``e2e-*``: on every run, caught by tests/test_crawl_e2e.py against the replica manifest.

No hook is left in product code: the script edits the source and puts it back.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPIDER = ROOT / "ifpcrawl" / "spiders" / "ifp.py"
# The line the bug goes before, with the lines above it so that it is found once.
ANCHOR = '                self.inc(f"ifp/missing/{name}")\n        yield article\n'

BUGS = {
    "author": 'article.author = (article.author or "") + " (resumed)"',
    "extra-link-kind": (
        'article.links += [__import__("dataclasses").replace(link, kind="related")'
        ' for link in article.links if link.kind == "body"]'
    ),
    "dropped-link": "article.links = article.links[1:]",
    "modified-at": "article.modified_at = article.published_at",
}
TRIGGERS = {
    "resume": 'self.mode == "resume"',
    "group": 'self.settings.get("IFP_REDIS_URL")',
    "e2e": "True",
}
RESUME_TESTS = ["tests/test_operations.py", "-k", "equals_one_crawl or three_points"]
GROUP_TESTS = ["tests/test_distributed.py", "-k", "test_same_store_as_one_worker"]


@dataclass(frozen=True)
class Case:
    trigger: str
    bug: str
    tests: list[str]
    expect: str  # a line of the failure text that names the bug


CASES = {
    "resume-author": Case("resume", "author", RESUME_TESTS, " author: expected "),
    "resume-extra-link-kind": Case("resume", "extra-link-kind", RESUME_TESTS, "links extra ("),
    "resume-dropped-link": Case("resume", "dropped-link", RESUME_TESTS, "links missing ("),
    "group-author": Case("group", "author", GROUP_TESTS, " author: expected "),
    "group-extra-link-kind": Case("group", "extra-link-kind", GROUP_TESTS, "links extra ("),
    "group-dropped-link": Case("group", "dropped-link", GROUP_TESTS, "links missing ("),
    "e2e-extra-link-kind": Case(
        "e2e", "extra-link-kind", ["tests/test_crawl_e2e.py", "-k", "related_links"], "extra [("
    ),
    "e2e-dropped-link": Case(
        "e2e", "dropped-link", ["tests/test_crawl_e2e.py", "-k", "related_links"], "missing [("
    ),
    "e2e-modified-at": Case(
        "e2e", "modified-at", ["tests/test_crawl_e2e.py", "-k", "metadata"], "articles differ"
    ),
}


def pytest(args: list[str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def failure_lines(output: str, limit: int = 12) -> str:
    """The first lines of the failure text, and which tests failed."""
    lines = output.splitlines()
    errors = [line[:220] for line in lines if line.startswith("E ")][:limit]
    failed = [line for line in lines if line.startswith("FAILED")]
    return "\n".join(errors + failed)


def prove(name: str, case: Case) -> bool:
    original = SPIDER.read_text(encoding="utf-8")
    if original.count(ANCHOR) != 1:
        print(f"{name}: the spider changed; update ANCHOR in {__file__}")
        return False
    planted = (
        f"        if {TRIGGERS[case.trigger]}:  # planted by scripts/prove_comparisons.py\n"
        f"            {BUGS[case.bug]}\n"
    )
    patched = original.replace(
        ANCHOR, ANCHOR.replace("        yield article\n", planted + "        yield article\n")
    )
    try:
        SPIDER.write_text(patched, encoding="utf-8")
        done = pytest(case.tests)
    finally:
        SPIDER.write_text(original, encoding="utf-8")
    caught = done.returncode != 0 and case.expect in done.stdout
    verdict = "caught" if caught else "NOT CAUGHT"
    print(f"== {name}: {verdict} (pytest exit {done.returncode}; {' '.join(case.tests)})")
    print(failure_lines(done.stdout) or done.stdout[-2000:])
    return caught


def main(argv: list[str]) -> int:
    if argv == ["--clean"]:
        ok = True
        for tests in (RESUME_TESTS, GROUP_TESTS, ["tests/test_crawl_e2e.py"]):
            done = pytest(tests)
            print(f"== no bug: pytest exit {done.returncode}; {' '.join(tests)}")
            print(done.stdout.strip().splitlines()[-1])
            ok = ok and done.returncode == 0
        return 0 if ok else 1
    names = argv or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        print(f"unknown case(s) {unknown}; known: {', '.join(CASES)}")
        return 2
    results = [prove(name, CASES[name]) for name in names]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
