"""The survey settings service: the default row and per-category overrides, what a ticket of a
category is surveyed with, the checks on the hours, and the audit trail of every change."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.domain.errors import DomainError, NotFound
from portal.extensions import db
from portal.models import AuditEvent, ComplaintCategory, SurveySettings
from portal.services import survey_settings as service
from portal.services.survey_settings import BUILT_IN, SurveyValues


@pytest.fixture
def categories(app):
    fees = ComplaintCategory(slug="billing-fees", name="Billing & fees", position=2)
    parcels = ComplaintCategory(slug="delivery", name="Delivery", position=1)
    retired = ComplaintCategory(slug="old", name="Retired", position=3, active=False)
    db.session.add_all([fees, parcels, retired])
    db.session.commit()
    return {"fees": fees, "parcels": parcels, "retired": retired}


def _rows() -> int:
    return db.session.scalar(select(func.count()).select_from(SurveySettings))


def _audits(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)))


def test_without_rows_everything_follows_the_built_in_default(categories):
    rows = service.list_settings()
    assert [row.key for row in rows] == ["default", str(categories["parcels"].id),
                                         str(categories["fees"].id),
                                         str(categories["retired"].id)]
    assert all(row.values == BUILT_IN for row in rows)
    assert [row.overrides for row in rows] == [False, False, False, False]
    assert service.effective(categories["fees"].id) == BUILT_IN
    assert service.effective(None) == BUILT_IN
    assert _rows() == 0  # reading writes nothing


def test_ensure_default_creates_the_row_once(app):
    first = service.ensure_default()
    second = service.ensure_default()
    assert first.id == second.id and _rows() == 1
    assert SurveyValues.of(first) == BUILT_IN and first.category_id is None


def test_saving_the_default_creates_or_updates_its_row_with_an_audit(categories, make_user, now):
    admin = make_user("admin")
    values = SurveyValues(enabled=True, delay_hours=0, reminder=False, reminder_after_hours=24)
    row = service.update_settings(admin, None, values, now=now)
    assert row.category_id is None and SurveyValues.of(row) == values and _rows() == 1
    service.update_settings(admin, None, SurveyValues(True, 4, True, 48), now=now)
    assert _rows() == 1
    assert service.default_values() == SurveyValues(True, 4, True, 48)
    # categories without their own settings follow the new default
    assert service.effective(categories["fees"].id) == SurveyValues(True, 4, True, 48)
    created, updated = _audits("survey_settings.created"), _audits("survey_settings.updated")
    assert len(created) == 1 and created[0].actor_id == admin.id
    assert created[0].details["before"] is None
    assert updated[0].details["before"]["delay_hours"] == 0
    assert updated[0].details["after"] == {"category_id": None, "enabled": True,
                                           "delay_hours": 4, "reminder": True,
                                           "reminder_after_hours": 48}


def test_a_category_override_replaces_the_default_for_that_category_only(categories, now):
    service.update_settings(None, None, SurveyValues(True, 2, True, 72), now=now)
    fees = categories["fees"]
    off = SurveyValues(enabled=False, delay_hours=2, reminder=False, reminder_after_hours=72)
    service.update_settings(None, fees.id, off, now=now)
    assert service.effective(fees.id) == off
    assert service.effective(categories["parcels"].id) == SurveyValues(True, 2, True, 72)
    shown = {row.key: row for row in service.list_settings()}
    assert shown[str(fees.id)].overrides and shown[str(fees.id)].values == off
    assert not shown[str(categories["parcels"].id)].overrides
    assert service.get_settings(fees.id).overrides
    # saving again edits the same override
    service.update_settings(None, fees.id, SurveyValues(True, 10, True, 5), now=now)
    assert _rows() == 2 and service.effective(fees.id) == SurveyValues(True, 10, True, 5)


def test_reset_removes_the_override_and_the_default_applies_again(categories, make_user, now):
    admin = make_user("admin")
    fees = categories["fees"]
    service.update_settings(admin, fees.id, SurveyValues(False, 1, True, 72), now=now)
    assert service.reset_override(admin, fees.id, now=now) is True
    assert service.effective(fees.id) == BUILT_IN
    assert not service.get_settings(fees.id).overrides
    assert service.reset_override(admin, fees.id, now=now) is False  # nothing left to remove
    deleted = _audits("survey_settings.deleted")
    assert len(deleted) == 1 and deleted[0].details["before"]["enabled"] is False


def test_unknown_categories_are_not_found(categories, now):
    with pytest.raises(NotFound):
        service.get_settings(999_999)
    with pytest.raises(NotFound):
        service.update_settings(None, 999_999, BUILT_IN, now=now)
    with pytest.raises(NotFound):
        service.reset_override(None, 999_999, now=now)
    assert _rows() == 0


@pytest.mark.parametrize(("values", "code", "field"), [
    (SurveyValues(True, -1, True, 72), "delay_hours_out_of_range", "delay_hours"),
    (SurveyValues(True, 721, True, 72), "delay_hours_out_of_range", "delay_hours"),
    (SurveyValues(True, 1, True, 0), "reminder_after_hours_out_of_range",
     "reminder_after_hours"),
    (SurveyValues(True, 1, True, 721), "reminder_after_hours_out_of_range",
     "reminder_after_hours"),
    (SurveyValues(True, None, True, 72), "required", "delay_hours"),
    (SurveyValues(True, 1, True, "72"), "not_a_number", "reminder_after_hours"),
    (SurveyValues(True, True, True, 72), "not_a_number", "delay_hours"),
])
def test_hours_outside_the_ranges_are_refused(categories, now, values, code, field):
    with pytest.raises(DomainError) as refused:
        service.update_settings(None, categories["fees"].id, values, now=now)
    assert (refused.value.code, refused.value.field) == (code, field)
    assert _rows() == 0 and not _audits("survey_settings.created")


def test_the_edges_of_the_ranges_are_accepted(categories, now):
    service.update_settings(None, None, SurveyValues(True, 0, True, 1), now=now)
    service.update_settings(None, categories["fees"].id, SurveyValues(True, 720, True, 720),
                            now=now)
    assert service.default_values() == SurveyValues(True, 0, True, 1)
    assert service.effective(categories["fees"].id) == SurveyValues(True, 720, True, 720)


def test_deleting_a_category_removes_its_override(categories, now):
    service.update_settings(None, categories["fees"].id, SurveyValues(False, 1, True, 72),
                            now=now)
    db.session.delete(categories["fees"])
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(SurveySettings)) == 0
