"""E-mail outbox rules: header safety and when to retry a failed send."""

from __future__ import annotations

from datetime import datetime, timedelta

MAX_ATTEMPTS = 8
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=2)


class UnsafeHeader(ValueError):
    """A header value holds a line break, which would let a caller inject headers."""


def check_header(name: str, value: str) -> str:
    if "\r" in value or "\n" in value:
        raise UnsafeHeader(f"{name} may not contain a line break")
    return value


def next_attempt_at(now: datetime, attempts: int) -> datetime | None:
    """Exponential backoff after `attempts` failures; None once the message should give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    delay = min(BASE_DELAY * (2 ** (attempts - 1)), MAX_DELAY)
    return now + delay
