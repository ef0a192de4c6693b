"""Serving a WSGI app with gunicorn and talking to it, shared by the HTTP benchmarks.

One place for what every benchmark that goes through HTTP needs: a gunicorn on a free loopback
port (always `--no-control-socket`, so that several runs on one machine never share a control
socket), plain requests with their cookies, signing in through the login form, `wrk` runs
parsed into numbers, and the resident memory of a process.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from benchmarks._common import PROJECT, VENV_BIN, free_port

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
WRK = "/usr/bin/wrk"


# --- a gunicorn ---------------------------------------------------------------------------------

class Gunicorn:
    """`gunicorn -w workers --no-control-socket app` on a free port, started at once.

    As a context manager it waits until `ready_path` answers 200 and stops the server on exit.
    """

    def drain(self) -> None:
        """Wait out the requests a finished wrk run left queued: wrk closes its connections at
        the end, but gunicorn still serves what it accepted or has waiting in its backlog. One
        cheap request per worker, queued behind them."""
        with ThreadPoolExecutor(self.workers) as pool:
            list(pool.map(lambda _: request(self.port, "GET", self.ready_path),
                          range(self.workers)))

    def __init__(self, env: dict[str, str], folder: Path, *, app: str = "wsgi:app",
                 workers: int = 4, cwd: Path = PROJECT, python_bin: Path = VENV_BIN,
                 ready_path: str = "/login") -> None:
        self.port = free_port()
        self.workers = workers
        self.ready_path = ready_path
        self.log = (Path(folder) / "gunicorn.log").open("a")
        self.process = subprocess.Popen(
            [str(Path(python_bin) / "gunicorn"), "-w", str(workers), "--no-control-socket",
             "-b", f"127.0.0.1:{self.port}", "--backlog", "2048", "--timeout", "120", app],
            cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        status = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see "
                                   f"{self.log.name}")
            try:
                status = request(self.port, "GET", self.ready_path).status
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"gunicorn did not answer {self.ready_path} with 200 in time "
                           f"(last: {status}); see {self.log.name}")

    def worker_pids(self) -> list[int]:
        """The master's children (its workers), found through /proc."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # the command may hold spaces and parentheses: the fields follow the last ")"
            if int(stat.rpartition(")")[2].split()[1]) == self.process.pid:
                pids.append(int(entry.name))
        return sorted(pids)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the master stops its workers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if not self.log.closed:
            self.log.close()

    def __enter__(self) -> Gunicorn:
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def rss_mb(pid: int) -> float:
    """The resident set size (VmRSS) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


# --- requests -----------------------------------------------------------------------------------

@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    cookies: dict[str, str]
    body: str


def request(port: int, method: str, path: str, *, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        cookies = {}
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookies[name.strip()] = rest.split(";", 1)[0]
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                      cookies, text)
    finally:
        connection.close()


def cookie_header(cookies: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}


def sign_in(port: int, email: str, password: str) -> dict[str, str]:
    """Sign in through the login form; return the cookies of the signed-in session."""
    page = request(port, "GET", "/login")
    token = CSRF.search(page.body)
    if page.status != 200 or not token:
        raise RuntimeError(f"GET /login answered {page.status} without a form")
    cookies = dict(page.cookies)
    body = urlencode({"csrf_token": token.group(1), "email": email,
                      "password": password}).encode()
    answer = request(port, "POST", "/login", body=body, headers={
        **cookie_header(cookies), "Content-Type": "application/x-www-form-urlencoded"})
    if answer.status not in (302, 303):
        raise RuntimeError(f"sign-in of {email} answered {answer.status}")
    return {**cookies, **answer.cookies}


# --- wrk ----------------------------------------------------------------------------------------

@dataclass
class WrkResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int      # socket errors: connect, read, write, timeout
    non_2xx: int     # "Non-2xx or 3xx responses"
    requests: int


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _latency_ms(output: str, percent: int) -> float:
    found = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)
    return float(found.group(1)) * _UNITS_MS[found.group(2)] if found else float("nan")


def parse_wrk(output: str) -> WrkResult:
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if not rate or not total:
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    done = int(total.group(1))
    return WrkResult(requests_per_s=float(rate.group(1)),
                     p50_ms=_latency_ms(output, 50) if done else float("nan"),
                     p99_ms=_latency_ms(output, 99) if done else float("nan"),
                     errors=sum(int(n) for n in socket.groups()) if socket else 0,
                     non_2xx=int(non_2xx.group(1)) if non_2xx else 0, requests=done)


def wrk(url: str, *, headers: dict[str, str] | None = None, connections: int = 16,
        seconds: float = 10, warmup_seconds: float = 3, threads: int = 2,
        drain: Callable[[], object] | None = None, script: Path | None = None,
        script_env: dict[str, str] | None = None) -> WrkResult:
    """`wrk --latency` against `url` after a warm-up run whose figures are discarded.

    `drain` (e.g. Gunicorn.drain) runs after the warm-up and after the measured run, so each
    run starts on an idle server rather than behind the requests the last one left queued.
    `script` is a wrk Lua script (e.g. wrk_paths.lua), `script_env` its environment."""
    base = [WRK, "-t", str(min(threads, connections)), "-c", str(connections), "--timeout",
            "30s"]
    for name, value in (headers or {}).items():
        base += ["-H", f"{name}: {value}"]
    if script:
        base += ["-s", str(script)]
    env = {**os.environ, "LC_ALL": "C", **(script_env or {})}
    if warmup_seconds > 0:
        subprocess.run([*base, "-d", f"{max(1, round(warmup_seconds))}s", url],
                       capture_output=True, text=True, check=True, env=env)
        if drain:
            drain()
    done = subprocess.run([*base, "--latency", "-d", f"{max(1, round(seconds))}s", url],
                          capture_output=True, text=True, check=True, env=env)
    if drain:
        drain()
    return parse_wrk(done.stdout)
