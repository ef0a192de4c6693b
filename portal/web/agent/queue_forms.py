"""The queue's query string, read and validated: the saved view, the sort, the filters and the
`after` cursor. A value that does not fit is left out with a notice naming it, never a 500; old
links (`?status=resolved`, `?status=all`, `?page=3`) keep working.

The cursor is opaque to people: URL-safe base64 of a small JSON object (sort, segment, key, id).
It is checked field by field, so a tampered one only brings back the first page.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from portal.domain.sla import BusinessCalendar
from portal.domain.tags import TAG_MAX, normalise_tag
from portal.domain.tickets import Priority, Status
from portal.models import User
from portal.services import agent_queue
from portal.services.agent_queue import (
    ME,
    UNASSIGNED,
    Cursor,
    Filters,
    Sort,
    View,
)
from portal.services.complaint_categories import list_categories
from portal.services.users import list_teams, staff_users
from portal.web.agent import queue_labels
from portal.web.helpers import business_calendar
from portal.web.labels import PRIORITY_LABELS, STATUS_LABELS

Q_MAX = 200
CURSOR_MAX = 300
STATUS_ACTIVE, STATUS_ALL = "active", "all"  # the old status filter's two words


@dataclass
class Choices:
    """What the filter form offers; a submitted id must be one of them."""

    categories: list
    teams: list
    staff: list

    @classmethod
    def load(cls) -> Choices:
        return cls(list_categories(), list_teams(), staff_users())


@dataclass
class QueueQuery:
    view: View = agent_queue.DEFAULT_VIEW
    sort: Sort = agent_queue.DEFAULT_SORT
    filters: Filters = field(default_factory=Filters)
    after: Cursor | None = None
    form: dict[str, str] = field(default_factory=dict)  # the accepted values, as typed
    refused: list[str] = field(default_factory=list)  # names of the fields left out
    bad_cursor: bool = False

    def link_args(self, **changes: str | None) -> dict[str, str]:
        """The query string of a link to this view, sort and filters (without the cursor)."""
        args = {"view": str(self.view), "sort": str(self.sort), **self.form}
        args.update(changes)
        return {key: value for key, value in args.items() if value}


def encode_cursor(cursor: Cursor) -> str:
    payload = {"s": cursor.sort, "g": cursor.segment, "i": cursor.id,
               "k": cursor.key.astimezone(UTC).isoformat() if cursor.key else None}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> Cursor | None:
    """The cursor in `text`, or None when it is not one this page wrote."""
    if not text or len(text) > CURSOR_MAX:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        sort, segment, ident, key = data["s"], data["g"], data["i"], data["k"]
        if (not isinstance(sort, str) or type(segment) is not int or type(ident) is not int
                or not 0 <= segment < 100 or not 0 < ident < 2**63):
            return None
        when = None
        if key is not None:
            when = datetime.fromisoformat(key) if isinstance(key, str) else None
            if when is None or when.tzinfo is None:
                return None
            when = when.astimezone(UTC)
        return Cursor(sort, segment, when, ident)
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError,
            OverflowError):
        return None


def _int_in(value: str, allowed: set[int]) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and int(value) in allowed else None


def _day(value: str, calendar: BusinessCalendar, *, next_day: bool = False) -> datetime | None:
    """Midnight (in the business time zone) starting that day, or the next one, as UTC."""
    try:
        day = date.fromisoformat(value)
        day += timedelta(days=1) if next_day else timedelta(0)
        return datetime.combine(day, time(0), calendar.zone).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


class _Reader:
    """Reads one field after another into a QueueQuery, noting the ones that do not fit."""

    def __init__(self, args: MultiDict, query: QueueQuery) -> None:
        self.args, self.query = args, query

    def get(self, name: str) -> str:
        return (self.args.get(name) or "").strip()

    def accept(self, name: str, raw: str, value: object) -> object:
        if value is None:
            self.query.refused.append(name)
        else:
            self.query.form[name] = raw
        return value


def parse(args: MultiDict, *, calendar: BusinessCalendar, choices: Choices) -> QueueQuery:
    query = QueueQuery()
    read = _Reader(args, query)
    view_raw, sort_raw, status_raw = read.get("view"), read.get("sort"), read.get("status")
    if view_raw:
        query.view = View(view_raw) if view_raw in set(View) else query.view
        if view_raw not in set(View):
            query.refused.append("view")
    elif status_raw == STATUS_ALL or status_raw in set(Status):
        query.view = View.ALL  # an old ?status= link: that status among every ticket
    if sort_raw:
        query.sort = Sort(sort_raw) if sort_raw in set(Sort) else query.sort
        if sort_raw not in set(Sort):
            query.refused.append("sort")
    values: dict[str, object] = {}
    if status_raw and status_raw not in (STATUS_ACTIVE, STATUS_ALL):
        values["status"] = read.accept("status", status_raw,
                                       status_raw if status_raw in set(Status) else None)
    if raw := read.get("priority"):
        values["priority"] = read.accept("priority", raw, raw if raw in set(Priority) else None)
    if raw := read.get("category"):
        values["category_id"] = read.accept(
            "category", raw, _int_in(raw, {c.id for c in choices.categories}))
    if raw := read.get("team"):
        values["team_id"] = read.accept("team", raw, _int_in(raw, {t.id for t in choices.teams}))
    if raw := read.get("tier"):
        values["tier"] = read.accept("tier", raw, _int_in(raw, {1, 2, 3}))
    if raw := read.get("assignee"):
        values["assignee"] = read.accept(
            "assignee", raw,
            raw if raw in (ME, UNASSIGNED) else _int_in(raw, {u.id for u in choices.staff}))
    if raw := read.get("tag"):
        tag = normalise_tag(raw)
        values["tag"] = read.accept("tag", raw, tag if 0 < len(tag) <= TAG_MAX else None)
    if raw := read.get("risk"):
        values["risk"] = read.accept("risk", raw, True if raw == "1" else None)
    if raw := read.get("from"):
        values["created_from"] = read.accept("from", raw, _day(raw, calendar))
    if raw := read.get("to"):
        values["created_before"] = read.accept("to", raw, _day(raw, calendar, next_day=True))
    if raw := read.get("q"):
        values["q"] = read.accept("q", raw, raw if len(raw) <= Q_MAX else None)
    query.filters = Filters(**{k: v for k, v in values.items() if v is not None})
    if raw := read.get("after"):
        query.after = decode_cursor(raw)
        query.bad_cursor = query.after is None
    return query


def queue_context(user: User, args: MultiDict, *, now: datetime) -> dict:
    """Everything templates/agent/queue.html shows: the views with their counts, the filter
    form, one page of tickets and the pager."""
    calendar = business_calendar()
    choices = Choices.load()
    query = parse(args, calendar=calendar, choices=choices)
    page = agent_queue.queue_page(user, view=query.view, filters=query.filters, sort=query.sort,
                                  after=query.after, now=now, calendar=calendar)
    notices = []
    if query.refused:
        names = ", ".join(str(queue_labels.FIELD_LABELS.get(name, name))
                          for name in query.refused)
        notices.append(_("These filters were not understood and were left out: %(names)s.",
                         names=names))
    if query.bad_cursor or page.cursor_ignored:
        notices.append(_("That page link is no longer valid, so the first page is shown."))
    return {
        "query": query, "page": page, "notices": notices, "now": now, "choices": choices,
        "counts": agent_queue.view_counts(user, now=now, calendar=calendar),
        "count_cap": agent_queue.COUNT_CAP,
        "next_args": (query.link_args(after=encode_cursor(page.next_cursor))
                      if page.next_cursor else None),
        "first_args": query.link_args() if query.after or query.bad_cursor else None,
        "labels": queue_labels, "status_labels": STATUS_LABELS,
        "priority_labels": PRIORITY_LABELS, "me": ME, "unassigned": UNASSIGNED,
    }
