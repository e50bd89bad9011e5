"""A user's mistake gets one line and a documented exit status, never a traceback.

Real `scrapy crawl | export | graph | report` processes, as cron and scrapyd run them; the
settings registry (ifpcrawl.settings.ifp_settings) against the code and README.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings

from ifpcrawl import settings as project
from ifpcrawl.config import ConfigError, check_settings, registry
from ifpcrawl.exitcodes import ExitStatus
from ifpcrawl.store import open_store
from ifpcrawl.store.sqlite import SQLiteStore
from tests.local import crawl_env
from tests.test_commands import OLD, make_article

REPO = Path(__file__).resolve().parents[1]
# Nothing listens here: a crawl that got past its checks would fail differently.
DEAD_SITE = "http://127.0.0.1:9/"


def scrapy(
    *argv: str, cwd: Path, stdout: Any = subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *argv],
        cwd=cwd,
        env=crawl_env(),
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
    )


def crawl(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """`scrapy crawl ifp` into tmp_path/ifp.db (unless argv sets IFP_STORE) in tmp_path."""
    args = ["crawl", "ifp", *argv]
    if not any(a.startswith("IFP_STORE=") for a in argv):
        args += ["-s", f"IFP_STORE={tmp_path / 'ifp.db'}"]
    if not any(a.startswith("site=") for a in argv):
        args += ["-a", f"site={DEAD_SITE}"]
    return scrapy(*args, cwd=tmp_path)


def assert_one_line(result: subprocess.CompletedProcess[str], status: int, line: str) -> None:
    assert result.returncode == status, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "Task exception was never retrieved" not in result.stderr
    ours = [x for x in result.stderr.splitlines() if x.startswith(("ifpcrawl: ", "scrapy "))]
    assert ours == [line], result.stderr[-3000:]


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ("-a", "site=notaurl"),
            "ifpcrawl: -a site=notaurl is not allowed: expected an http(s) URL with a host, "
            "e.g. https://example.org/",
        ),
        (
            ("-a", "site=ftp://x"),
            "ifpcrawl: -a site=ftp://x is not allowed: expected an http(s) URL with a host, "
            "e.g. https://example.org/",
        ),
        (
            ("-a", "site=http://"),
            "ifpcrawl: -a site=http:// is not allowed: expected an http(s) URL with a host, "
            "e.g. https://example.org/",
        ),
        (
            ("-a", "mode=fulll"),
            "ifpcrawl: -a mode=fulll is not allowed: "
            "expected one of auto, full, incremental, resume",
        ),
        (
            ("-s", "IFP_EXTRACT_PROCESSES=two"),
            "ifpcrawl: IFP_EXTRACT_PROCESSES=two is not allowed: expected a whole number ≥ 0",
        ),
        (
            ("-s", "IFP_MIN_COVERAGE=0.9"),
            "ifpcrawl: IFP_MIN_COVERAGE=0.9 is not allowed: "
            'expected a JSON object (e.g. {"title": 0.99})',
        ),
        (
            ("-s", 'IFP_MIN_COVERAGE={"titel": 0.9}'),
            'ifpcrawl: IFP_MIN_COVERAGE={"titel": 0.9} is not allowed: titel not among '
            "title, body, author, section, published_at, modified_at, tags, image_url, summary",
        ),
        (
            ("-s", "IFP_FEEDS_ENABLED=yes"),
            "ifpcrawl: IFP_FEEDS_ENABLED=yes is not allowed: expected true or false (or 1 or 0)",
        ),
        (
            ("-s", "IFP_SITE=example.org"),
            "ifpcrawl: IFP_SITE=example.org is not allowed: expected an http(s) URL with a "
            "host, e.g. https://example.org/",
        ),
        (
            ("-s", "IFP_STOR=x.db"),
            "ifpcrawl: unknown setting IFP_STOR; did you mean IFP_STORE?",
        ),
        (("-s", "IFP_NOTHING_LIKE_IT=1"), "ifpcrawl: unknown setting IFP_NOTHING_LIKE_IT"),
    ],
)
def test_bad_argument_or_setting(tmp_path: Path, argv: tuple[str, ...], line: str) -> None:
    result = crawl(tmp_path, *argv)
    assert_one_line(result, ExitStatus.CANNOT_START, line)
    # Refused before anything is opened: no store, here or in the default place.
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (("-s", "IFP_STOR=x.db"), "ifpcrawl: unknown setting IFP_STOR; did you mean IFP_STORE?"),
        (
            ("-a", "mode=fulll"),
            "ifpcrawl: -a mode=fulll is not allowed: "
            "expected one of auto, full, incremental, resume",
        ),
    ],
)
def test_checked_under_scrapyd(tmp_path: Path, argv: tuple[str, ...], line: str) -> None:
    """scrapyd runs each job as `python -m scrapyd.runner crawl SPIDER -a _job=ID ...`:
    scrapy.cmdline with the project's settings, so the project's crawl command and spider."""
    # Against the dead site: a broken check must never crawl the real one.
    job = ["crawl", "ifp", "-a", "_job=j1", "-a", f"site={DEAD_SITE}", *argv]
    result = subprocess.run(
        [sys.executable, "-m", "scrapyd.runner", *job],
        cwd=tmp_path,
        env={**crawl_env(), "SCRAPY_PROJECT": "ifpcrawl"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert_one_line(result, ExitStatus.CANNOT_START, line)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("crawl", "ifp", "other"), "give exactly one spider name, e.g. `scrapy crawl ifp`"),
        (("crawl", "ifp", "-a", "site"), "Invalid -a value, use -a NAME=VALUE"),
        (("crawl", "nope"), "Spider not found: nope"),
    ],
)
def test_usage_errors_are_status_1_not_2(
    tmp_path: Path, argv: tuple[str, ...], message: str
) -> None:
    result = scrapy(*argv, cwd=tmp_path)
    assert result.returncode == ExitStatus.CANNOT_START, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert message in result.stderr


def test_missing_store_directory(tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "ifp.db"
    result = crawl(tmp_path, "-s", f"IFP_STORE={target}")
    assert_one_line(
        result,
        ExitStatus.STORE,
        f"ifpcrawl: SQLite store {target}: directory {target.parent} does not exist",
    )


def test_held_lock(tmp_path: Path) -> None:
    target = tmp_path / "ifp.db"
    holder = open_store(str(target))
    assert isinstance(holder, SQLiteStore)
    holder.acquire_run_lock("holder:1")
    try:
        result = crawl(tmp_path)
    finally:
        holder.release_run_lock("holder:1")
        holder.close()
    assert result.returncode == ExitStatus.STORE, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert "Task exception was never retrieved" not in result.stderr
    ours = [x for x in result.stderr.splitlines() if x.startswith("ifpcrawl: ")]
    assert len(ours) == 1 and "another crawl" in ours[0], result.stderr[-3000:]


@pytest.fixture
def big_store(tmp_path: Path) -> Path:
    """A store whose export is far larger than a pipe's buffer (64 KiB)."""
    path = tmp_path / "big.db"
    store = open_store(str(path))
    try:
        store.upsert_many(
            [make_article(n, "2024-05-01T09:00:00+04:30") for n in range(1, 301)], OLD
        )
    finally:
        store.close()
    return path


@pytest.mark.parametrize(
    "argv",
    [
        ("export", "-o", "-"),
        ("export", "-o", "-", "--format", "csv"),
        ("graph", "-o", "-"),
    ],
)
def test_closed_output_pipe_ends_quietly(big_store: Path, argv: tuple[str, ...]) -> None:
    reader_fd, writer_fd = os.pipe()
    os.close(reader_fd)  # the reader is gone before the first write, like `| head -c0`
    try:
        result = scrapy(*argv, "--store", str(big_store), cwd=big_store.parent, stdout=writer_fd)
    finally:
        os.close(writer_fd)
    assert result.returncode == ExitStatus.OK, result.stderr
    assert result.stderr == ""


# --- the registry -------------------------------------------------------------------------


def test_registry_holds_every_setting_of_settings_py() -> None:
    defined = {name for name in vars(project) if name.startswith("IFP_")}
    assert set(registry()) == defined
    for spec in registry().values():
        assert spec.default == getattr(project, spec.name), spec.name


def test_registry_holds_every_setting_the_code_reads() -> None:
    read: set[str] = set()
    for path in (REPO / "ifpcrawl").rglob("*.py"):
        read |= set(re.findall(r"\"(IFP_[A-Z0-9_]+)\"", path.read_text(encoding="utf-8")))
    assert read - set(registry()) == set()


def test_readme_settings_table_lists_the_registry() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `IFP_")]
    listed = {name for row in rows for name in re.findall(r"`(IFP_[A-Z0-9_]+)`", row)}
    assert listed == set(registry())


def test_coverage_field_choices_are_the_pipelines_fields() -> None:
    from ifpcrawl.pipelines import COVERAGE_FIELDS

    assert registry()["IFP_MIN_COVERAGE"].choices == COVERAGE_FIELDS


def test_project_defaults_pass() -> None:
    settings = Settings()
    settings.setmodule(project)
    check_settings(settings)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("IFP_SECTION_PATHS", '["/iran-news/", "/all-stories/"]'),
        ("IFP_SECTION_PATHS", "[]"),
        ("IFP_FEED_PATHS", "/feed/,/rss/"),
        ("IFP_FOLLOW_ARCHIVES", "category,tag"),
        ("IFP_FOLLOW_ARCHIVES", '["date"]'),
        ("IFP_MIN_COVERAGE", '{"title": 0.99, "image_url": 1.01}'),
        ("IFP_MIN_COVERAGE", "{}"),
        ("IFP_FEEDS_ENABLED", "0"),
        ("IFP_FEEDS_ENABLED", "true"),
        ("IFP_FEEDS_ENABLED", "False"),
        ("IFP_EXTRACT_PROCESSES", "2"),
        ("IFP_LOCK_WAIT", "600"),
        ("IFP_REFRESH_DAYS", "0.5"),
        ("IFP_SITE", "http://127.0.0.1:8000/"),
        ("IFP_REDIS_URL", "redis://127.0.0.1:6379/0"),
    ],
)
def test_command_line_strings_are_read(name: str, value: str) -> None:
    settings = Settings()
    settings.setmodule(project)
    settings.set(name, value, priority="cmdline")
    check_settings(settings)


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("IFP_STORE_BATCH_SIZE", "0", "expected a whole number ≥ 1"),
        ("IFP_LOCK_WAIT", "-1", "expected a number ≥ 0"),
        ("IFP_REFRESH_DAYS", "soon", "expected a number ≥ 0"),
        ("IFP_SECTION_PATHS", '["/a/"', 'expected a JSON list (e.g. ["a", "b"]) or a comma list'),
        ("IFP_SECTION_PATHS", "[1, 2]", "expected a list of strings"),
        ("IFP_MIN_COVERAGE", '{"title": "high"}', "the value of title is not a number ≥ 0"),
        ("IFP_MIN_COVERAGE", '{"title": -1}', "the value of title is not a number ≥ 0"),
        ("IFP_PROGRESS_ENABLED", "2", "expected true or false (or 1 or 0)"),
        ("IFP_SITE", "https://", "expected an http(s) URL with a host, e.g. https://example.org/"),
        ("IFP_SITE", "http://x:99999/", "expected an http(s) URL with a host"),
    ],
)
def test_bad_values_say_what_is_allowed(name: str, value: str, why: str) -> None:
    settings = Settings()
    settings.setmodule(project)
    settings.set(name, value, priority="cmdline")
    with pytest.raises(ConfigError) as caught:
        check_settings(settings)
    message = str(caught.value)
    assert message.startswith(f"{name}={value} is not allowed: {why}")
    assert "\n" not in message


def test_values_set_in_python_are_checked_too() -> None:
    settings = Settings()
    settings.setmodule(project)
    settings.set("IFP_FOLLOW_ARCHIVES", ["category", "month"], priority="project")
    with pytest.raises(ConfigError, match=re.escape(json.dumps(["category", "month"]))):
        check_settings(settings)
