"""How the reports write a figure, for the page and the CSV alike (one function per kind of
value, so both always read the same): counts, percentages, business hours, dates, and "—" where
there is nothing to measure (never a misleading 0 %)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

DASH = "—"
HOUR = 3600


def count(value: int | None) -> str:
    return DASH if value is None else str(value)


def percent(rate: float | None) -> str:
    """0.4286 -> "42.9%"."""
    return DASH if rate is None else f"{rate * 100:.1f}%"


def hours(seconds: int | None) -> str:
    """Business seconds as business hours with one decimal: 5400 -> "1.5 h"."""
    if seconds is None:
        return DASH
    return _("%(hours)s h", hours=f"{seconds / HOUR:.1f}")


def average(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f}"


def day(value: date) -> str:
    return value.isoformat()


def days(first: date, last: date) -> str:
    """A day, or a run of days: "2026-05-11 – 2026-05-17"."""
    return day(first) if first == last else f"{day(first)} – {day(last)}"


def moment(value: datetime | None, zone: ZoneInfo) -> str:
    """A time in the business time zone, to the minute."""
    return DASH if value is None else value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def text(value: str | None) -> str:
    """Free text on one line (comments, searches): line breaks become spaces."""
    return DASH if not value else " ".join(value.split())
