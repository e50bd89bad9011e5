"""A real WordPress (Debian's package) on 127.0.0.1, private to one test session.

WordPress's code is read from /usr/share/wordpress; everything that is ours lives in a private
directory: wp-config.php (own database, own table prefix, WP_HOME = this server's URL), the
front files WordPress resolves ABSPATH from (copied, not linked: PHP resolves links, and the
package's own wp-config.php would then read /etc/wordpress), the themes, and a must-use
plugin (tests/wordpress/ifp-site.php). PHP's built-in server serves it through router.php.
The content is made, configured and read back by tests/wordpress/wpctl.php through
WordPress's own PHP API.

    with WordPress(tmp_dir) as wp:
        wp.configure("twentytwentyone", "/%postname%/")
        truth = wp.truth()          # what WordPress itself says every post is
        crawl(wp.url)

``python -m tests.wordpress.harness`` serves a seeded one until Ctrl-C (``make wordpress``).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

logger = logging.getLogger(__name__)

WORDPRESS_DIR = Path(os.environ.get("IFP_WORDPRESS_DIR", "/usr/share/wordpress"))
HERE = Path(__file__).resolve().parent
THEMES = ("twentytwentyone", "twentytwentytwo", "twentytwentythree")
DB_HOST = os.environ.get("IFP_TEST_MYSQL_HOST", "127.0.0.1")
DB_PORT = int(os.environ.get("IFP_TEST_MYSQL_PORT", "3306"))
# One request costs a whole WordPress bootstrap (~50-100 ms); a few workers keep a crawl short.
SERVER_WORKERS = "4"
START_TIMEOUT = 30.0


class WordPressError(RuntimeError):
    """WordPress could not be set up or answered with an error (its output is in the message)."""


def missing() -> str | None:
    """Why a WordPress cannot be run here (a one-line reason), or None when it can."""
    for path in (
        WORDPRESS_DIR / "wp-settings.php",
        *(WORDPRESS_DIR / "wp-content/themes" / t for t in THEMES),
    ):
        if not path.exists():
            return f"{path} is missing (run tests/wordpress/setup_wp.sh)"
    if shutil.which("php") is None:
        return "php is not installed (run tests/wordpress/setup_wp.sh)"
    try:
        socket.create_connection((DB_HOST, DB_PORT), timeout=1).close()
    except OSError:
        return f"MariaDB is not reachable at {DB_HOST}:{DB_PORT}"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _mysql(sql: str) -> None:
    subprocess.run(
        ["mysql", "-h", DB_HOST, "-P", str(DB_PORT), "-u", "root", "-e", sql],
        check=True,
        capture_output=True,
        text=True,
    )


class WordPress:
    """Context manager: a private, seeded WordPress served by ``php -S`` on a free port."""

    def __init__(self, workdir: Path) -> None:
        self.root = Path(workdir) / "wordpress"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.database = f"ifp_wp_{os.getpid()}_{secrets.token_hex(3)}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = Path(workdir) / "php-server.log"

    def __enter__(self) -> WordPress:
        try:
            self._make_root()
            _mysql(f"CREATE DATABASE `{self.database}` CHARACTER SET utf8mb4")
            self.php("install", self.url)
            self.php("link")
            self._serve()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self.process is not None:
            # php -S forks its workers (PHP_CLI_SERVER_WORKERS): end the whole group, or
            # they outlive the server.
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass
            self.process = None
        try:
            _mysql(f"DROP DATABASE IF EXISTS `{self.database}`")
        except (OSError, subprocess.CalledProcessError) as error:
            logger.warning("could not drop the test database %s: %s", self.database, error)

    def _make_root(self) -> None:
        root = self.root
        (root / "wp-content/themes").mkdir(parents=True)
        (root / "wp-content/plugins").mkdir()
        (root / "wp-content/mu-plugins").mkdir()
        (root / "wp-content/uploads").mkdir()
        for entry in WORDPRESS_DIR.iterdir():
            if entry.name in ("wp-admin", "wp-includes"):
                (root / entry.name).symlink_to(entry)
            elif entry.suffix == ".php" and entry.name != "wp-config.php":
                shutil.copy(entry, root / entry.name)
        for theme in THEMES:
            (root / "wp-content/themes" / theme).symlink_to(
                WORDPRESS_DIR / "wp-content/themes" / theme
            )
        shutil.copy(HERE / "ifp-site.php", root / "wp-content/mu-plugins/ifp-site.php")
        (root / "home-url.txt").write_text(self.url, encoding="utf-8")
        salts = "\n".join(
            f"define('{name}', '{secrets.token_hex(16)}');"
            for name in [
                "AUTH_KEY",
                "SECURE_AUTH_KEY",
                "LOGGED_IN_KEY",
                "NONCE_KEY",
                "AUTH_SALT",
                "SECURE_AUTH_SALT",
                "LOGGED_IN_SALT",
                "NONCE_SALT",
            ]
        )
        home = self.url.rstrip("/")
        (root / "wp-config.php").write_text(
            f"""<?php
define('DB_NAME', '{self.database}');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', '{DB_HOST}:{DB_PORT}');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
$table_prefix = 'ifpwp_';
{salts}
define('WP_HOME', '{home}');
define('WP_SITEURL', '{home}');
define('WP_CONTENT_DIR', __DIR__ . '/wp-content');
define('WP_CONTENT_URL', '{home}/wp-content');
// No cron requests, no update checks, no calls out: the machine has no internet.
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('WP_DEBUG', false);
if (!defined('ABSPATH')) {{
    define('ABSPATH', __DIR__ . '/');
}}
require_once ABSPATH . 'wp-settings.php';
""",
            encoding="utf-8",
        )

    def php(self, *args: str) -> str:
        """Run wpctl.php against this install; its stdout."""
        result = subprocess.run(
            ["php", "-d", "memory_limit=512M", str(HERE / "wpctl.php"), str(self.root), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if result.returncode != 0:
            raise WordPressError(
                f"wpctl {' '.join(args)} failed ({result.returncode}): "
                f"{result.stderr[-2000:]}{result.stdout[-2000:]}"
            )
        return result.stdout

    def _serve(self) -> None:
        env = dict(os.environ, PHP_CLI_SERVER_WORKERS=SERVER_WORKERS)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    "php",
                    "-d", "opcache.enable_cli=1",
                    "-d", "memory_limit=256M",
                    "-S", f"127.0.0.1:{self.port}",
                    "-t", str(self.root),
                    str(HERE / "router.php"),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise WordPressError(f"php -S exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "robots.txt", timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise WordPressError(f"WordPress did not answer at {self.url}")

    def configure(self, theme: str, permalink_structure: str, listings_only: bool = False) -> None:
        """Switch theme and permalinks; ``listings_only`` turns sitemaps and REST off."""
        self.php("configure", theme, permalink_structure, "listings" if listings_only else "all")

    def truth(self) -> dict[str, Any]:
        return dict(json.loads(self.php("truth")))


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # `make` and `timeout` stop with SIGTERM: clean up (server, database) as for Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    reason = missing()
    if reason:
        print(f"wordpress: {reason}", file=sys.stderr)
        return 1
    theme = sys.argv[1] if len(sys.argv) > 1 else THEMES[0]
    structure = sys.argv[2] if len(sys.argv) > 2 else "/%postname%/"
    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / f"ifp-wordpress-{os.getpid()}"
    workdir.mkdir(parents=True)
    with WordPress(workdir) as wp:
        wp.configure(theme, structure)
        print(wp.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
