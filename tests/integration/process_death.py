"""A deployment in miniature for the kill -9 trials: the web app (gunicorn) and the worker as
real processes on one database and index folder, an SMTP sink, and a browser that re-submits a
form whose answer it did not get. tests/integration/test_process_death.py runs the trials.

The processes are started as docs/deploy.md starts them (tests/multihost/hosts.py's way);
ports come from 5601-5699 so that parallel work on the same machine does not collide.
"""

from __future__ import annotations

import http.client
import random
import shutil
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

from aiosmtpd.controller import Controller

from tests.multihost.hosts import BIN, Process, host_env, wait_for
from tests.smtp import Inbox

PORTS = range(5601, 5700)
SENDER = "Portal <no-reply@portal.example>"
UNCLEAR = (OSError, http.client.HTTPException)  # refused, reset, cut short, timed out
RETRY_FOR_SECONDS = 90


def port_in_range() -> int:
    """A free port from 5601-5699, tried in random order: a web process being restarted leaves
    its port free for a moment, and another run on the machine should not take it."""
    for port in random.sample(PORTS, len(PORTS)):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 5601-5699")


class Sink:
    """A real SMTP server that keeps what it receives; it outlives every kill."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = port_in_range()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    @property
    def message_ids(self) -> list[str]:
        return [str(message["Message-ID"]) for message in self.inbox.messages]


class Deployment:
    """gunicorn and `flask portal worker` on one database, index folder and mail server."""

    def __init__(self, database_url: str, folder: Path, sink: Sink) -> None:
        self.folder = folder
        self.port = port_in_range()
        self.env = host_env(
            database_url, folder, "trial", MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(sink.port), MAIL_USE_TLS="false", MAIL_DEFAULT_SENDER=SENDER,
            # One gunicorn worker: its own counters are enough, and every trial starts afresh.
            RATELIMIT_STORAGE_URI="memory://", RATELIMIT_COMPLAINT="1000 per minute",
            # The worker's jobs come round often, so that a kill finds it at work.
            OUTBOX_SEND_SECONDS="0.3", SEARCH_FOLLOW_SECONDS="0.3")
        self.web: Process | None = None
        self.worker: Process | None = None
        self.starts = 0

    def _log(self, name: str) -> Path:
        self.starts += 1
        return self.folder / f"{self.starts:02d}-{name}.log"

    def start_web(self) -> None:
        """gunicorn when the venv has it (as in production), else Flask's own server."""
        if shutil.which("gunicorn", path=str(BIN)):
            command = [str(BIN / "gunicorn"), "-w", "1", "--no-control-socket", "-b",
                       f"127.0.0.1:{self.port}", "--timeout", "60", "wsgi:app"]
        else:
            command = [str(BIN / "flask"), "--app", "wsgi", "run", "--port", str(self.port)]
        self.web = Process(command, self.env, self._log("web"))

    def start_worker(self) -> None:
        self.worker = Process([str(BIN / "flask"), "--app", "wsgi", "portal", "worker"],
                              self.env, self._log("worker"))

    def wait_until_serving(self) -> None:
        wait_for(lambda: Browser(self.port).answers(), timeout=60,
                 what=f"the web process on {self.port}")

    def kill(self, target: str) -> None:
        """SIGKILL to the web process (its process group: gunicorn's master and worker), the
        worker, or both; then start them again, as systemd would."""
        if target in ("web", "both"):
            self.web.kill()
        if target in ("worker", "both"):
            self.worker.kill()
        if target in ("web", "both"):
            self.start_web()
        if target in ("worker", "both"):
            self.start_worker()

    def kill_all(self) -> None:
        for process in (self.web, self.worker):
            if process is not None and process.popen.poll() is None:
                process.kill()

    def tracebacks(self) -> int:
        return sum(path.read_text(errors="replace").count("Traceback")
                   for path in self.folder.glob("*.log"))


class HiddenFields(HTMLParser):
    """The hidden inputs of a page (the first value of each name): what a form posts back."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden" and attributes.get("name"):
            self.fields.setdefault(attributes["name"], attributes.get("value") or "")


@dataclass
class Answer:
    status: int
    location: str = ""
    tries: int = 1


@dataclass
class Browser:
    """Cookies, forms with their hidden fields (CSRF token, version, one-time key), and what a
    person does when a page does not answer: reload it, or press "send" again on the same
    form. Every HTTP failure short of an answer is retried for up to 90 seconds."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    on_request: Callable[[], None] | None = None  # told before each request leaves

    def answers(self) -> bool:
        try:
            return self._request("GET", "/login")[0] == 200
        except UNCLEAR:
            return False

    def _request(self, method: str, path: str, body: str | None = None,
                 ) -> tuple[int, dict[str, str], str]:
        if self.on_request is not None:
            self.on_request()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content

    def _until_answered(self, method: str, path: str, body: str | None = None,
                        ) -> tuple[int, dict[str, str], str, int]:
        deadline, tries = time.monotonic() + RETRY_FOR_SECONDS, 0
        while True:
            tries += 1
            try:
                status, headers, content = self._request(method, path, body)
            except UNCLEAR:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
                continue
            if status in (502, 503, 504) and time.monotonic() < deadline:
                time.sleep(0.2)  # a proxy's "try again": the same as no answer
                continue
            return status, headers, content, tries

    def form(self, page: str) -> dict[str, str]:
        """The hidden fields of the page's forms (the first value of each name), reloading the
        page until it answers 200."""
        status, _, content, _ = self._until_answered("GET", page)
        assert status == 200, f"{page} answered {status}"
        parser = HiddenFields()
        parser.feed(content)
        return parser.fields

    def status_of(self, page: str) -> int:
        return self._until_answered("GET", page)[0]

    def submit(self, path: str, fields: dict[str, str]) -> Answer:
        """Post the form; without an answer, post the very same form again."""
        status, headers, _, tries = self._until_answered("POST", path, urlencode(fields))
        return Answer(status, headers.get("location", ""), tries)

    def sign_in(self, email: str, password: str) -> None:
        token = self.form("/login")["csrf_token"]
        answer = self.submit("/login", {"csrf_token": token, "email": email,
                                        "password": password})
        assert answer.status == 302, f"sign-in as {email} answered {answer.status}"
