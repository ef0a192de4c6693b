"""Canned responses: the placeholders a team's ready replies may use, and how they are filled.

Bodies are written by supervisors and filled with customer data, so nothing here uses
str.format (braces in the text, or `{0.__class__}` tricks, must never raise or leak): only the
known names are replaced, in one pass, and everything else is left exactly as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

PLACEHOLDERS = ("customer_name", "reference", "agent_name", "due")
LANGUAGES = ("en", "vi")
TITLE_MAX = 120
BODY_MAX = 5000

# The same wording as the web's promise_time filter ("Thursday 26 November 2026, 14:00"), so a
# due time reads alike in a reply and on the customer's tracking page.
DUE_FORMAT = "EEEE d MMMM y, HH:mm"

# Something that looks like a placeholder: a name in braces. "{ }", "{{", a lone "}" or JSON-ish
# text such as {"a": 1} are not placeholders and are left alone.
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def fill(template: str, values: Mapping[str, str | None]) -> str:
    """`template` with each {name} of PLACEHOLDERS that has a value in `values` replaced.

    Unknown names, names without a value (None) and stray braces stay as written; a value that
    itself contains "{reference}" is not expanded again (one pass).
    """
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values.get(name) if name in PLACEHOLDERS else None
        return match.group(0) if value is None else str(value)

    return _PLACEHOLDER.sub(replace, template or "")


def check_template(text: str) -> list[str]:
    """The unknown placeholders in `text` (each once, in order of appearance), e.g.
    ["custmer_name"] for "Dear {custmer_name}"; [] when every placeholder is known."""
    unknown: list[str] = []
    for name in _PLACEHOLDER.findall(text or ""):
        if name not in PLACEHOLDERS and name not in unknown:
            unknown.append(name)
    return unknown


@dataclass(frozen=True)
class Problem:
    """One reason a canned response cannot be saved: the field and a stable code."""

    field: str
    code: str


def problems(title: str, body: str, language: str) -> list[Problem]:
    """What is wrong with these fields (title 1–120, body 1–5000 characters, language en/vi,
    known placeholders only); [] when they may be saved. Expects trimmed text."""
    found: list[Problem] = []
    if not title:
        found.append(Problem("title", "required"))
    elif len(title) > TITLE_MAX:
        found.append(Problem("title", "too_long"))
    if not body:
        found.append(Problem("body", "required"))
    elif len(body) > BODY_MAX:
        found.append(Problem("body", "too_long"))
    elif check_template(body):
        found.append(Problem("body", "unknown_placeholder"))
    if language not in LANGUAGES:
        found.append(Problem("language", "language_unknown"))
    return found


def promised_due(sla_due_at: datetime | None, resolution_due_at: datetime | None,
                 now: datetime) -> datetime | None:
    """The time a reply may promise: the next SLA deadline, else the resolution deadline; None
    when neither is set or it has already passed (we do not promise a time that is over)."""
    for due in (sla_due_at, resolution_due_at):
        if due is not None and due > now:
            return due
    return None


def format_due(due: datetime, locale: str, timezone: str) -> str:
    """A due time in the customer's language and the business time zone."""
    return format_datetime(due, DUE_FORMAT, tzinfo=ZoneInfo(timezone), locale=locale)
