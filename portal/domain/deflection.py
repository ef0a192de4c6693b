"""Deflection: a customer who was shown an article on the complaint form, opened it, and then
filed nothing within DECISION_WINDOW found their answer without us."""

from __future__ import annotations

from datetime import datetime, timedelta

DECISION_WINDOW = timedelta(minutes=30)
DEFLECTED = "deflected"
FILED = "filed"


def outcome(clicked_at: datetime, filed_at: list[datetime], now: datetime) -> str | None:
    """`deflected`, `filed`, or None while the window is still open."""
    window_end = clicked_at + DECISION_WINDOW
    if any(clicked_at <= when <= window_end for when in filed_at):
        return FILED
    if now < window_end:
        return None
    return DEFLECTED
