"""What `make bench` states about the run: the machine and the versions of what it measured."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path


def machine() -> dict[str, str]:
    info = {"cores": str(os.cpu_count()), "cpu": platform.processor() or platform.machine(),
            "ram": "?", "system": f"{platform.system()} {platform.release()}",
            "load at start": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    for line in _lines("/proc/cpuinfo"):
        if line.startswith("model name"):
            info["cpu"] = line.split(":", 1)[1].strip()
            break
    for line in _lines("/proc/meminfo"):
        if line.startswith("MemTotal:"):
            info["ram"] = f"{int(line.split()[1]) / 2**20:.1f} GiB"
            break
    return info


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def versions() -> dict[str, str]:
    found = {"Python": platform.python_version()}
    for label, package in (("Flask", "flask"), ("SQLAlchemy", "sqlalchemy"),
                           ("Whoosh", "whoosh-reloaded"), ("gunicorn", "gunicorn"),
                           ("psycopg", "psycopg"), ("redis-py", "redis"), ("locust", "locust")):
        try:
            found[label] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[label] = "not installed"
    found["PostgreSQL"] = _postgres_version()
    found["Redis"] = _redis_version()
    found["wrk"] = _command_version(["wrk", "-v"], 1)
    return found


def _postgres_version() -> str:
    url = os.environ.get("PORTAL_BENCH_POSTGRES",
                         "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    try:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                             connect_timeout=5) as connection:
            return connection.execute("SHOW server_version").fetchone()[0]
    except Exception as error:  # the table says so instead of failing
        return f"not reachable ({type(error).__name__})"


def _redis_version() -> str:
    try:
        import redis

        client = redis.Redis(host="127.0.0.1", port=6379, socket_timeout=5)
        return client.info("server")["redis_version"]
    except Exception:
        return _command_version(["redis-server", "--version"], 2).removeprefix("v=")


def _command_version(command: list[str], word: int) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
    words = (done.stdout or done.stderr).split()
    return words[word] if len(words) > word else "?"
