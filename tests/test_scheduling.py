"""Scheduled runs for real: scrapyd (deploy, schedule, wait, read the job's log), the cron
script and the systemd units README "Scheduling" gives. The commands are README's."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from configparser import ConfigParser
from pathlib import Path
from typing import Any

import pytest

from tests.local import LOCAL_SETTINGS
from tests.replica.testing import ReplicaServer

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ARTICLES = "60"
# What a deploy needs from the checkout (a user's checkout: scrapyd-deploy writes setup.py,
# build/ and *.egg-info beside scrapy.cfg, so the test deploys from a copy).
PROJECT_FILES = ("ifpcrawl", "scrapy.cfg", "pyproject.toml", "README.md")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """GET (or POST form ``data`` to) one scrapyd JSON endpoint."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(base + endpoint, data=body, timeout=30) as response:
        result: dict[str, Any] = json.load(response)
    return result


class Scrapyd:
    """``scrapyd`` in a subprocess, configured in (and writing only to) a temp directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Scrapyd:
        # The scrapyd.conf README shows, with this test's port and directories.
        conf = ConfigParser()
        conf["scrapyd"] = {
            "bind_address": "127.0.0.1",
            "http_port": str(self.port),
            "eggs_dir": str(self.root / "eggs"),
            "logs_dir": str(self.root / "logs"),
            "dbs_dir": str(self.root / "dbs"),
            "items_dir": "",
            "poll_interval": "0.5",
            "max_proc": "1",
        }
        with (self.root / "scrapyd.conf").open("w") as fp:
            conf.write(fp)
        self.output = (self.root / "scrapyd.out").open("wb")
        self.process = subprocess.Popen(
            [str(BIN / "scrapyd")], cwd=self.root, stdout=self.output, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError((self.root / "scrapyd.out").read_text())
            try:
                if api(self.base, "daemonstatus.json")["status"] == "ok":
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("scrapyd did not answer within 60 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.output.close()


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[Scrapyd]:
    root = tmp_path / "scrapyd"
    root.mkdir()
    server = Scrapyd(root).start()
    try:
        yield server
    finally:
        server.stop()


def checkout_copy(dest: Path, url: str) -> Path:
    for name in PROJECT_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, dest / name)
    # README: "set url in scrapy.cfg's [deploy] to your scrapyd".
    cfg = ConfigParser()
    cfg.read(dest / "scrapy.cfg")
    assert cfg["deploy"]["project"] == "ifpcrawl"
    cfg["deploy"]["url"] = url
    with (dest / "scrapy.cfg").open("w") as fp:
        cfg.write(fp)
    return dest


def test_scrapyd_deploys_schedules_and_runs_a_crawl(scrapyd: Scrapyd, tmp_path: Path) -> None:
    project = checkout_copy(tmp_path / "checkout", scrapyd.base)
    # scrapyd-deploy -p ifpcrawl --version 1  (builds the egg, uploads it to addversion.json)
    deploy = subprocess.run(
        [str(BIN / "scrapyd-deploy"), "-p", "ifpcrawl", "--version", "1"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert '"status": "ok"' in deploy.stdout, deploy.stdout
    assert api(scrapyd.base, "listprojects.json")["projects"] == ["ifpcrawl"]
    assert api(scrapyd.base, "listspiders.json?project=ifpcrawl")["spiders"] == ["ifp"]

    store = tmp_path / "ifp.db"
    with ReplicaServer("--articles", ARTICLES) as replica:
        # curl .../schedule.json -d project=ifpcrawl -d spider=ifp -d setting=IFP_STORE=...
        #      -d site=...  (plus the local-mirror settings: no politeness delays)
        form = [
            ("project", "ifpcrawl"),
            ("spider", "ifp"),
            ("setting", f"IFP_STORE={store}"),
            *[("setting", f"{k}={v}") for k, v in LOCAL_SETTINGS.items()],
            ("site", replica.base_url),
        ]
        scheduled = api(scrapyd.base, "schedule.json", form)
        assert scheduled["status"] == "ok", scheduled
        job = scheduled["jobid"]
        # Poll listjobs.json until the job is among the finished ones.
        deadline = time.monotonic() + 300
        finished: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            jobs = api(scrapyd.base, "listjobs.json?project=ifpcrawl")
            finished = [j for j in jobs["finished"] if j["id"] == job]
            if finished:
                break
            time.sleep(0.5)
        assert finished, f"job {job} did not finish: {jobs}"
        served = len(replica.manifest()["articles"])

    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == served
        stats = json.loads(
            db.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()[0]
        )
    assert stats["finish_reason"] == "finished"
    # The job's log, where scrapyd keeps it: logs/<project>/<spider>/<job>.log.
    log = (scrapyd.root / "logs" / "ifpcrawl" / "ifp" / f"{job}.log").read_text()
    assert "Spider closed (finished)" in log
    assert "Progress: finished (finished)" in log
    assert f"'ifp/articles_stored': {served}" in log
    assert "ERROR" not in log, log[-3000:]


def run_cron_script(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The crontab line's command; it finds the checkout's .venv from its own path."""
    return subprocess.run(
        [str(REPO / "scripts" / "ifpcrawl-cron"), str(data), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, "PATH": os.environ.get("PATH", "")},
    )


@pytest.fixture
def checkout_venv() -> None:
    if not (REPO / ".venv" / "bin" / "scrapy").exists():
        pytest.skip("the checkout has no .venv (make test creates it)")


@pytest.mark.usefixtures("checkout_venv")
def test_cron_script_is_quiet_when_it_works_and_says_why_when_not(tmp_path: Path) -> None:
    data = tmp_path / "ifp"
    local = [arg for k, v in LOCAL_SETTINGS.items() for arg in ("-s", f"{k}={v}")]
    with ReplicaServer("--articles", "40") as replica:
        ok = run_cron_script(data, "-a", f"site={replica.base_url}", *local)
        served = len(replica.manifest()["articles"])
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "", "")
    with sqlite3.connect(data / "ifp.db") as db:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == served
    logs = list((data / "logs").glob("crawl-*.log"))
    assert len(logs) == 1
    assert "Spider closed (finished)" in logs[0].read_text()

    # A store that cannot be opened: status 2 (README), one line naming the log.
    broken = tmp_path / "broken"
    (broken / "ifp.db").mkdir(parents=True)
    failed = run_cron_script(broken, "-a", "site=http://127.0.0.1:9/", *local)
    assert failed.returncode == 2, failed.stderr
    log = next((broken / "logs").glob("crawl-*.log"))
    assert failed.stdout == ""
    assert failed.stderr == (f"ifpcrawl-cron: scrapy crawl ifp exited with status 2; log: {log}\n")


def test_cron_script_names_its_usage() -> None:
    result = subprocess.run(
        [str(REPO / "scripts" / "ifpcrawl-cron")], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "usage: ifpcrawl-cron DATA_DIR [scrapy crawl options]" in result.stderr


def test_systemd_units_verify(tmp_path: Path) -> None:
    """`systemd-analyze verify` on the units README gives, with ExecStart pointing at this
    checkout's script (verify checks that the program exists)."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        if os.environ.get("IFP_REQUIRE_SERVICES"):
            pytest.fail("systemd-analyze is not installed (.ci/run installs it)")
        pytest.skip("systemd-analyze is not installed")
    units = tmp_path / "units"
    units.mkdir()
    for name in ("ifpcrawl.service", "ifpcrawl.timer"):
        text = (REPO / "scripts" / "systemd" / name).read_text()
        text = text.replace(
            "/srv/ifpcrawl/scripts/ifpcrawl-cron", str(REPO / "scripts" / "ifpcrawl-cron")
        )
        text = text.replace("User=ifpcrawl", "User=root")
        (units / name).write_text(text)
    result = subprocess.run(
        [analyze, "verify", str(units / "ifpcrawl.timer"), str(units / "ifpcrawl.service")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"},
    )
    # Warnings about the machine itself (no running systemd here) are not about the units.
    unit_problems = [
        line for line in (result.stdout + result.stderr).splitlines() if "ifpcrawl" in line
    ]
    assert result.returncode == 0 and not unit_problems, result.stdout + result.stderr
