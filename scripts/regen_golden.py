"""Rewrite the expected JSON of the extraction golden files from the current extractor.

Each ``tests/golden/<name>.html`` has a ``<name>.json`` holding ``input`` (the URL the
page was fetched from and the HTTP Date, both needed to extract it) and ``expected``
(the :meth:`Extraction.to_dict` result). This script recomputes ``expected`` and keeps
``input``; review the change with ``git diff tests/golden`` before committing it.

    .venv/bin/python scripts/regen_golden.py            # every golden page
    .venv/bin/python scripts/regen_golden.py wp_page    # only these
    .venv/bin/python scripts/regen_golden.py --check    # exit 1 if any file would change
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
sys.path.insert(0, str(ROOT))

from ifpcrawl.extract import Page, extract_article  # noqa: E402


def extract_golden(html_path: Path, spec: dict[str, Any]) -> dict[str, Any]:
    response_date = spec.get("response_date")
    page = Page.from_html(
        html_path.read_text(encoding="utf-8"),
        spec["url"],
        datetime.fromisoformat(response_date) if response_date else None,
    )
    return extract_article(page).to_dict()


def dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="golden names (file stems); default: all")
    parser.add_argument("--check", action="store_true", help="only report, write nothing")
    args = parser.parse_args(argv)
    names = args.names or sorted(path.stem for path in GOLDEN.glob("*.html"))
    changed = 0
    for name in names:
        html_path, json_path = GOLDEN / f"{name}.html", GOLDEN / f"{name}.json"
        if not json_path.exists():
            print(f"{name}: no {json_path.name}; create it with an 'input' object first")
            return 2
        data = json.loads(json_path.read_text(encoding="utf-8"))
        data["expected"] = extract_golden(html_path, data["input"])
        text = dump(data)
        if text != json_path.read_text(encoding="utf-8"):
            changed += 1
            print(f"{name}: {'would change' if args.check else 'rewritten'}")
            if not args.check:
                json_path.write_text(text, encoding="utf-8")
    print(f"{len(names)} golden files, {changed} changed")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
