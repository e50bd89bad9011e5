"""The demo's closing note: it says the store is a demo of the local replica, and the commands
it prints run as printed from the user's shell, with and without the virtualenv activated."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def note(path_env: str) -> str:
    code = (
        "from pathlib import Path; from scripts.demo import closing_note; "
        "print(closing_note(Path('ifp.db'), 'http://127.0.0.1:45678/'))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**os.environ, "PATH": path_env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def commands(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.startswith("  ")]


@pytest.fixture
def demo_store(tmp_path: Path) -> Path:
    from ifpcrawl.store import open_store

    path = tmp_path / "ifp.db"
    open_store(str(path)).close()
    return path


# Without the virtualenv on PATH (a new shell after `make demo`), and activated.
PLAIN = "/usr/local/bin:/usr/bin:/bin"


@pytest.mark.parametrize("path_env", [PLAIN, f"{BIN}{os.pathsep}{PLAIN}"])
def test_the_printed_commands_run_where_the_user_is(
    path_env: str, demo_store: Path, tmp_path: Path
) -> None:
    if not BIN.is_relative_to(REPO):
        pytest.skip("the tests do not run from the checkout's own .venv")
    text = note(path_env)
    assert "is a demo store: a crawl of the local replica" in text
    assert "served at http://127.0.0.1:45678/ while the demo ran" in text
    assert "not ifpnews.com" in text
    activated = path_env != PLAIN
    printed = commands(text)
    assert len(printed) == 3
    assert all(c.startswith("scrapy " if activated else ".venv/bin/scrapy ") for c in printed)
    assert ("activate` first" in text) is not activated
    # Each printed command, run by a shell with that PATH from the checkout (the demo's
    # store swapped for a test one, outputs into a temp directory).
    for command in printed:
        argv = shlex.split(command.replace("ifp.db", str(demo_store)))
        argv = [str(tmp_path / a) if a in ("report.html", "articles.csv") else a for a in argv]
        result = subprocess.run(
            ["sh", "-c", shlex.join(argv)],
            cwd=REPO,
            env={**os.environ, "PATH": path_env},
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert result.returncode == 0, (command, result.stderr)
