"""The survey settings admins edit: the default (the row with no category) and, per complaint
category, an optional override that replaces it whole (surveys off for one type, a longer
delay for another).

A category without a row of its own follows the default. A database made with create_all has
no default row: readers fall back to the built-in values (those migration 0008 seeds) and
`ensure_default()` adds the row. Every change writes an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.domain.errors import DomainError, NotFound
from portal.extensions import db
from portal.models import ComplaintCategory, SurveySettings, User
from portal.services import audit
from portal.services.complaint_categories import list_categories

DEFAULT_KEY = "default"
DELAY_RANGE = (0, 720)  # hours after resolution before the survey goes out
REMINDER_RANGE = (1, 720)  # hours after the survey before its one reminder


@dataclass(frozen=True)
class SurveyValues:
    """What a setting says, whether it comes from a row or from the built-in default."""

    enabled: bool
    delay_hours: int
    reminder: bool
    reminder_after_hours: int

    @classmethod
    def of(cls, row: SurveySettings) -> SurveyValues:
        return cls(bool(row.enabled), row.delay_hours, bool(row.reminder),
                   row.reminder_after_hours)


BUILT_IN = SurveyValues(enabled=True, delay_hours=1, reminder=True, reminder_after_hours=72)


@dataclass(frozen=True)
class SettingsRow:
    """One line of the admin page: the default (category None) or a category, the values in
    force for it, and whether they are the category's own."""

    category: ComplaintCategory | None
    values: SurveyValues
    overrides: bool
    updated_at: datetime | None

    @property
    def key(self) -> str:
        return DEFAULT_KEY if self.category is None else str(self.category.id)


# --- reading --------------------------------------------------------------------------------

def _default_row() -> SurveySettings | None:
    with db.session.no_autoflush:  # may be read while a ticket is being changed
        return db.session.scalar(select(SurveySettings).where(
            SurveySettings.category_id.is_(None)).order_by(SurveySettings.id).limit(1))


def _override_row(category_id: int) -> SurveySettings | None:
    with db.session.no_autoflush:
        return db.session.scalar(select(SurveySettings).where(
            SurveySettings.category_id == category_id))


def default_values() -> SurveyValues:
    row = _default_row()
    return SurveyValues.of(row) if row is not None else BUILT_IN


def effective(category_id: int | None) -> SurveyValues:
    """The settings a ticket of this category is surveyed with (its override, else the
    default, else the built-in values). One query."""
    query = select(SurveySettings).where(SurveySettings.category_id.is_(None))
    if category_id is not None:
        query = select(SurveySettings).where(SurveySettings.category_id.is_(None)
                                             | (SurveySettings.category_id == category_id))
    with db.session.no_autoflush:
        rows = {row.category_id: row for row in db.session.scalars(query)}
    row = rows.get(category_id) if category_id is not None else None
    row = row or rows.get(None)
    return SurveyValues.of(row) if row is not None else BUILT_IN


def list_settings() -> list[SettingsRow]:
    """The default first, then every category (active or not) in the complaint form's order,
    each with what applies to it."""
    rows = list(db.session.scalars(select(SurveySettings)))
    by_category = {row.category_id: row for row in rows}
    default = by_category.get(None)
    default_values_ = SurveyValues.of(default) if default is not None else BUILT_IN
    result = [SettingsRow(None, default_values_, overrides=False,
                          updated_at=default.updated_at if default is not None else None)]
    for category in list_categories():
        own = by_category.get(category.id)
        result.append(SettingsRow(
            category, SurveyValues.of(own) if own is not None else default_values_,
            overrides=own is not None, updated_at=own.updated_at if own is not None else None))
    return result


def _category(category_id: int) -> ComplaintCategory:
    category = db.session.get(ComplaintCategory, category_id)
    if category is None:
        raise NotFound("category")
    return category


def get_settings(category_id: int | None) -> SettingsRow:
    """The default (None) or one category's line; NotFound for an unknown category."""
    if category_id is None:
        row = _default_row()
        return SettingsRow(None, SurveyValues.of(row) if row is not None else BUILT_IN,
                           overrides=False, updated_at=row.updated_at if row else None)
    category = _category(category_id)
    own = _override_row(category.id)
    if own is None:
        return SettingsRow(category, default_values(), overrides=False, updated_at=None)
    return SettingsRow(category, SurveyValues.of(own), overrides=True,
                       updated_at=own.updated_at)


# --- changing -------------------------------------------------------------------------------

def ensure_default() -> SurveySettings:
    """The default row, created with the built-in values when missing (commits only then)."""
    row = _default_row()
    if row is None:
        row = _fill(SurveySettings(category_id=None), BUILT_IN)
        db.session.add(row)
        try:
            db.session.commit()
        except IntegrityError:  # created meanwhile by another request
            db.session.rollback()
            row = _default_row()
    return row


def _whole(value: object, field: str, bounds: tuple[int, int]) -> int:
    if value is None:
        raise DomainError("required", field=field)
    if not isinstance(value, int) or isinstance(value, bool):
        raise DomainError("not_a_number", field=field)
    if not bounds[0] <= value <= bounds[1]:
        raise DomainError(f"{field}_out_of_range", field=field)
    return value


def clean(values: SurveyValues) -> SurveyValues:
    """The values, checked: delay 0–720 hours, reminder after 1–720 hours."""
    return SurveyValues(
        enabled=bool(values.enabled),
        delay_hours=_whole(values.delay_hours, "delay_hours", DELAY_RANGE),
        reminder=bool(values.reminder),
        reminder_after_hours=_whole(values.reminder_after_hours, "reminder_after_hours",
                                    REMINDER_RANGE))


def _fill(row: SurveySettings, values: SurveyValues) -> SurveySettings:
    row.enabled, row.delay_hours = values.enabled, values.delay_hours
    row.reminder, row.reminder_after_hours = values.reminder, values.reminder_after_hours
    return row


def _snapshot(row: SurveySettings) -> dict:
    return {"category_id": row.category_id, **vars(SurveyValues.of(row))}


def update_settings(actor: User | None, category_id: int | None, values: SurveyValues, *,
                    now: datetime) -> SurveySettings:
    """Save the default (category None) or a category's own settings (created on first save).
    Tickets resolved from now on are surveyed with them."""
    values = clean(values)
    category = _category(category_id) if category_id is not None else None
    row = _default_row() if category is None else _override_row(category.id)
    before = _snapshot(row) if row is not None else None
    if row is None:  # a category's first own settings, or a default missing (create_all)
        row = SurveySettings(category_id=category.id if category is not None else None)
        db.session.add(row)
    _fill(row, values).updated_at = now
    try:
        db.session.flush()
    except IntegrityError:  # the same override was created meanwhile by someone else
        db.session.rollback()
        raise DomainError("settings_changed_meanwhile") from None
    audit.record(actor.id if actor else None,
                 "survey_settings.updated" if before else "survey_settings.created",
                 "survey_settings", row.id, now, before=before, after=_snapshot(row))
    db.session.commit()
    return row


def reset_override(actor: User | None, category_id: int, *, now: datetime) -> bool:
    """Remove a category's own settings so that the default applies again. False when it had
    none (nothing changes, nothing is audited)."""
    category = _category(category_id)
    row = _override_row(category.id)
    if row is None:
        return False
    audit.record(actor.id if actor else None, "survey_settings.deleted", "survey_settings",
                 row.id, now, before=_snapshot(row))
    db.session.delete(row)
    db.session.commit()
    return True
