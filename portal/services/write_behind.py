"""Counts kept in memory per process and written in batches (article views, searches).

What the batching modules share: one buffer per app (app.extensions, so an app made for
another database starts empty), its lock, the age of its oldest unwritten item, and a last
write when the process exits. Each module keeps its own items and its own write.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app

log = logging.getLogger(__name__)

B = TypeVar("B", bound="Buffer")


class Buffer:
    """A lock and the time (time.monotonic) of the oldest item not written yet."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.oldest: float | None = None

    def added(self, setting: str, default: float) -> bool:
        """Note that an item was added (call under the lock); whether the batch is due: its
        oldest item is config[`setting`] seconds old (0: write at once)."""
        now = time.monotonic()
        if self.oldest is None:
            self.oldest = now
        return now - self.oldest >= current_app.config.get(setting, default)


def app_buffer(name: str, make: Callable[[], B], flush: Callable[[], object]) -> B:
    """The current app's buffer `name`, made on first use; `flush` runs when the process
    exits (in an app context), so a graceful stop loses nothing."""
    app = current_app._get_current_object()
    buffer = app.extensions.get(name)
    if buffer is None:
        buffer = app.extensions[name] = make()
        atexit.register(_flush_at_exit, weakref.ref(app), flush, name)
    return buffer


def _flush_at_exit(app_ref: weakref.ref, flush: Callable[[], object], name: str) -> None:
    app: Flask | None = app_ref()
    if app is None:
        return
    try:
        with app.app_context():
            flush()
    except Exception:  # noqa: BLE001 (interpreter shutdown: log, never raise)
        log.warning("%s lost at exit", name, exc_info=True)
