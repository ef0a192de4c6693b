"""Real processes for the multi-host tests: a PostgreSQL database of their own, gunicorn "hosts"
with separate index folders, and workers, all started as a deployment would start them."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy.engine import make_url

from tests.databases import throwaway_database
from tests.smtp import free_port

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SERVER_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
POSTGRES = SERVER_URL.startswith("postgresql")
needs_postgres = pytest.mark.skipif(
    not POSTGRES, reason="several hosts share one PostgreSQL (the CI's PostgreSQL pass runs it)")
REDIS_URL = os.environ.get("PORTAL_TEST_RATELIMIT_URI") or "redis://127.0.0.1:6379/15"
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.com", "multi-host password 1"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def fresh_database():
    """A database of this test's own on the test server; dropped afterwards."""
    return throwaway_database(SERVER_URL, "portal_mh")


def host_env(database_url: str, folder: Path, host_id: str, **extra: str) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_TEST")}
    env.update({
        "PORTAL_ENV": "development", "DATABASE_URL": database_url, "FLASK_APP": "wsgi",
        "SECRET_KEY": "multi-host-secret-key-0123456789abcdef",  # one deployment, one key
        "SEARCH_INDEX_DIR": str(folder / "index"), "SEARCH_HOST_ID": host_id,
        "ATTACHMENTS_DIR": str(folder / "attachments"), "MAIL_BACKEND": "console",
        # Rate limits count in Redis, shared by the hosts of one deployment (one database).
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": f"portal-{make_url(database_url).database}",
    })
    env.update(extra)
    return env


def flask(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def prepare(env: dict[str, str]) -> None:
    flask(["db", "upgrade"], env)
    flask(["portal", "create-user", "--email", ADMIN_EMAIL, "--name", "Admin", "--role", "admin",
           "--password", ADMIN_PASSWORD], env)


class Process:
    """A child process whose output goes to a log file (shown when a test fails)."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("ab") as out:
            self.popen = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=out,
                                          stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, as when a machine dies."""
        os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def worker(env: dict[str, str], log: Path) -> Process:
    return Process([str(BIN / "flask"), "--app", "wsgi", "portal", "worker"], env, log)


class Host(Process):
    """gunicorn serving the portal, as each web host of a deployment runs it."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        super().__init__([str(BIN / "gunicorn"), "-w", "1", "--no-control-socket", "-b",
                          f"127.0.0.1:{self.port}", "--timeout", "60", "wsgi:app"], env, log)
        wait_for(lambda: self._answers(), timeout=60, what=f"gunicorn on {self.port}")

    def _answers(self) -> bool:
        try:
            return Browser(self.port).get("/login")[0] == 200
        except OSError:
            return False


def wait_for(condition: Callable[[], object], *, timeout: float, what: str,
             every: float = 0.1) -> float:
    """Poll until `condition()` is true; return the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Browser:
    """Just enough of a browser: cookies, and forms posted with their CSRF token."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None,
                ) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode("utf-8", "replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            return response.status, {k.lower(): v for k, v in response.getheaders()}, content
        finally:
            connection.close()

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict[str, str], *, from_page: str,
                  ) -> tuple[int, dict[str, str], str]:
        token = CSRF.search(self.get(from_page)[2])
        assert token, f"no CSRF token on {from_page}"
        return self.request("POST", path, urlencode({"csrf_token": token.group(1), **fields}))

    def sign_in(self, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> None:
        status, headers, _ = self.post_form("/login", {"email": email, "password": password},
                                            from_page="/login")
        assert status == 302, f"sign-in answered {status}"
