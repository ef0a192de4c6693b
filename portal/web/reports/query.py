"""The reports' query string, read and checked: the period (a key, or custom dates) and the
filters. Every value that does not fit gets a message on its field and is kept as typed, so
the page can show it again; nothing here raises on any input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from portal.domain import report_period
from portal.domain.errors import DomainError
from portal.domain.metrics import Filters, Period
from portal.domain.tickets import Channel, Priority
from portal.services.complaint_categories import list_categories
from portal.services.users import list_teams, staff_users

FIELDS = ("period", "from", "to", "team", "category", "agent", "channel", "priority")
VALUE_MAX = 100  # longer values are cut before they are shown again

PERIOD_LABELS = {
    report_period.TODAY: _l("Today"),
    report_period.WEEK: _l("This week"),
    report_period.MONTH: _l("This month"),
    report_period.QUARTER: _l("This quarter"),
    report_period.CUSTOM: _l("Custom dates"),
}


@dataclass
class Choices:
    """What the filter form offers; a submitted id must be one of them."""

    teams: list
    categories: list
    agents: list

    @classmethod
    def load(cls) -> Choices:
        return cls(list_teams(), list_categories(), staff_users())


@dataclass
class ReportQuery:
    period: Period | None = None
    filters: Filters = field(default_factory=Filters)
    form: dict[str, str] = field(default_factory=dict)    # every value, as typed
    errors: dict[str, str] = field(default_factory=dict)  # field -> what to fix

    def link_args(self, **extra: str) -> dict[str, str]:
        """The query string of a link to the same report (the CSV links)."""
        args = {name: value for name, value in self.form.items() if value}
        if args.get("period") != report_period.CUSTOM:
            args.pop("from", None)
            args.pop("to", None)
        return {**args, **extra}


def _period_message(code: str) -> str:
    return {
        "unknown_period": _("Choose one of the periods offered."),
        "period_start_required": _("Enter the first day of the custom period."),
        "period_end_required": _("Enter the last day of the custom period."),
        "period_end_before_start": _("The last day cannot be before the first day."),
        "period_too_long": _("A custom period can be at most %(days)s days.",
                             days=report_period.MAX_CUSTOM_DAYS),
    }.get(code, _("Enter a date like 2026-05-31."))


def _id_in(raw: str, allowed: set[int]) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and int(raw) in allowed else None


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw.isascii() and len(raw) == 10 else None
    except ValueError:
        return None


def parse(args: MultiDict, *, today: date, zone: ZoneInfo, choices: Choices) -> ReportQuery:
    query = ReportQuery()
    raw = {name: (args.get(name) or "").strip()[:VALUE_MAX] for name in FIELDS}
    if not raw["period"]:
        has_dates = raw["from"] or raw["to"]
        raw["period"] = report_period.CUSTOM if has_dates else report_period.DEFAULT_PERIOD
    query.form = raw
    errors = query.errors

    values: dict[str, object] = {}
    for name, key, allowed, message in (
            ("team", "team_id", {t.id for t in choices.teams}, _("Choose a team from the list.")),
            ("category", "category_id", {c.id for c in choices.categories},
             _("Choose a category from the list.")),
            ("agent", "agent_id", {u.id for u in choices.agents},
             _("Choose an agent from the list."))):
        if raw[name]:
            values[key] = _id_in(raw[name], allowed)
            if values[key] is None:
                errors[name] = message
    if raw["channel"]:
        values["channel"] = raw["channel"] if raw["channel"] in set(Channel) else None
        if values["channel"] is None:
            errors["channel"] = _("Choose a channel from the list.")
    if raw["priority"]:
        values["priority"] = raw["priority"] if raw["priority"] in set(Priority) else None
        if values["priority"] is None:
            errors["priority"] = _("Choose a priority from the list.")
    query.filters = Filters(**{k: v for k, v in values.items() if v is not None})

    key = raw["period"]
    if key not in report_period.PERIOD_KEYS:
        errors["period"] = _period_message("unknown_period")
        return query
    start = end = None
    if key == report_period.CUSTOM:
        start, end = _date(raw["from"]), _date(raw["to"])
        for name, value in (("from", start), ("to", end)):
            if raw[name] and value is None:
                errors[name] = _("Enter a date like 2026-05-31.")
        if "from" in errors or "to" in errors:
            return query
    try:
        query.period = report_period.period_for(key, today=today, zone=zone, start=start,
                                                end=end)
    except DomainError as refused:
        errors[refused.field or "period"] = _period_message(refused.code)
    return query
