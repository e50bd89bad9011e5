"""Browse the store in `Datasette <https://datasette.io/>`_ (the optional ``[browse]`` extra).

The project ships ``metadata.json`` beside this module: titles and descriptions of the tables,
full-text search on ``articles`` wired to its FTS5 index (``articles_fts``), and canned
queries: articles linking to this one, revisions of this article, failures of the last run.
Datasette keys metadata by database name (the file name without ``.db``), so the launcher
writes a copy under the store's own name before it starts ``datasette serve``.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

SHIPPED_NAME = "ifp"


def metadata_for(store: Path) -> dict[str, Any]:
    """The shipped metadata, keyed by the database name Datasette gives ``store``."""
    text = resources.files(__package__).joinpath("metadata.json").read_text(encoding="utf-8")
    metadata: dict[str, Any] = json.loads(text)
    databases = metadata["databases"]
    databases[store.stem] = databases.pop(SHIPPED_NAME)
    return metadata
