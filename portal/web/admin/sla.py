"""Administration of the SLA settings: the business calendar (time zone, working hours per
weekday, holidays) at /admin/calendar and the targets per priority, with overrides per
complaint type, at /admin/sla-policies. Admins only (portal/web/access.py)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.domain.errors import DomainError, NotFound
from portal.models import SlaPolicy
from portal.services import sla_settings as service
from portal.services.complaint_categories import list_categories
from portal.web.admin.forms import ConfirmForm
from portal.web.admin.routes import bp
from portal.web.admin.sla_forms import (
    UNIT_LABELS,
    WEEKDAYS,
    CalendarForm,
    HolidayForm,
    OverrideForm,
    TargetsForm,
    calendar_form_data,
)
from portal.web.choices import choices
from portal.web.helpers import utc_now
from portal.web.labels import PRIORITY_LABELS

SLA_ERRORS = {
    "timezone_unknown": _l("Choose a time zone from the list."),
    "time_invalid": _l("Use a time like 08:00 or 17:30."),
    "closing_before_opening": _l("The closing time must come after the opening time."),
    "no_working_day": _l("Keep at least one day open: the clocks need working time to run."),
    "holiday_taken": _l("This day is already a holiday."),
    "required": _l("Fill in this field."),
    "too_long": _l("Use at most 120 characters."),
    "unit_unknown": _l("Choose business hours or working days."),
    "target_not_positive": _l("Use a whole number of 1 or more."),
    "target_too_large": _l("That is too long: use at most 2000 business hours or 250 working "
                           "days."),
    "override_exists": _l("This complaint type already has its own targets for this priority. "
                          "Edit those instead."),
    "category_not_found": _l("Choose a complaint type."),
    "priority_unknown": _l("Choose a priority."),
    "default_policy_kept": _l("A priority's own targets cannot be deleted, only changed."),
}


def _show_error(form, error: DomainError) -> None:
    message = str(SLA_ERRORS.get(error.code, error.code))
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


def _status(*forms) -> int:
    return 422 if any(f.is_submitted() and (f.errors or f.form_errors) for f in forms) else 200


# --- the calendar ---------------------------------------------------------------------------

def _calendar_page(calendar_form=None, holiday_form=None):
    if calendar_form is None:
        calendar_form = CalendarForm(formdata=None, data=calendar_form_data(
            *service.calendar_settings()))
    holiday_form = holiday_form or HolidayForm(formdata=None)
    status = 422 if (calendar_form.errors or calendar_form.form_errors or holiday_form.errors
                     or holiday_form.form_errors) else 200
    return render_template("admin/sla_calendar.html", form=calendar_form,
                           holiday_form=holiday_form, holidays=service.list_holidays(),
                           weekdays=WEEKDAYS), status


@bp.route("/calendar", methods=["GET", "POST"])
def calendar():
    form = CalendarForm()
    if not form.is_submitted():
        return _calendar_page()
    if form.validate():
        try:
            service.save_calendar(current_user, service.CalendarChanges(
                timezone=form.timezone.data or "", hours=form.hours()), now=utc_now())
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(_("The business calendar has been saved. New deadlines use it."), "success")
            return redirect(url_for("admin.calendar"))
    return _calendar_page(calendar_form=form)


@bp.post("/calendar/holidays")
def add_holiday():
    form = HolidayForm()
    if form.validate_on_submit():
        try:
            holiday = service.add_holiday(current_user, form.day.data, form.name.data,
                                          now=utc_now())
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(_("%(day)s is now a holiday.", day=holiday.day.isoformat()), "success")
            return redirect(url_for("admin.calendar"))
    return _calendar_page(holiday_form=form)


@bp.post("/calendar/holidays/<int:holiday_id>/delete")
def delete_holiday(holiday_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        holiday = service.delete_holiday(current_user, holiday_id, now=utc_now())
    except NotFound:
        abort(404)
    flash(_("%(day)s is a normal day again.", day=holiday.day.isoformat()), "success")
    return redirect(url_for("admin.calendar"))


# --- policies -------------------------------------------------------------------------------

def _targets(form: TargetsForm) -> service.TargetsInput:
    return service.TargetsInput(form.first_response_value.data, form.first_response_unit.data,
                                form.resolution_value.data, form.resolution_unit.data)


@bp.get("/sla-policies")
def sla_policies():
    return render_template("admin/sla_policies.html", defaults=service.priority_policies(),
                           overrides=service.list_overrides(), priority_labels=PRIORITY_LABELS,
                           unit_labels=UNIT_LABELS)


@bp.route("/sla-policies/<priority>", methods=["GET", "POST"])
def edit_priority_policy(priority: str):
    if priority not in service.PRIORITIES:
        abort(404)
    current = dict(service.priority_policies())[priority]
    form = TargetsForm(data=vars(service.TargetsInput.of(current)))
    if form.validate_on_submit():
        try:
            service.save_priority_policy(current_user, priority, _targets(form), now=utc_now())
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(_("The targets for %(priority)s priority have been saved.",
                    priority=PRIORITY_LABELS[priority]), "success")
            return redirect(url_for("admin.sla_policies"))
    return render_template("admin/sla_policy_form.html", form=form, override=None,
                           title=_("Targets for %(priority)s priority",
                                   priority=PRIORITY_LABELS[priority])), _status(form)


def _override_choices(form: OverrideForm) -> None:
    form.category_id.choices = choices([("", _("— choose —"))] + [
        (c.id, c.name if c.active else _("%(name)s (hidden)", name=c.name))
        for c in list_categories()])
    form.priority.choices = choices(PRIORITY_LABELS.items())


def _override_form(override: SlaPolicy | None):
    if override is None:
        data = {**vars(service.TargetsInput.of(dict(service.priority_policies())["normal"])),
                "priority": "normal"}
    else:
        data = {**vars(service.TargetsInput(
            override.first_response_value, override.first_response_unit,
            override.resolution_value, override.resolution_unit)),
            "category_id": override.category_id, "priority": override.priority}
    form = OverrideForm(data=data)
    _override_choices(form)
    if form.validate_on_submit():
        try:
            service.save_override(current_user, priority=form.priority.data,
                                  category_id=form.category_id.data, targets=_targets(form),
                                  now=utc_now(), override=override)
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(_("The targets for this complaint type have been saved."), "success")
            return redirect(url_for("admin.sla_policies"))
    title = _("Edit targets for a complaint type") if override else _(
        "Add targets for a complaint type")
    return render_template("admin/sla_policy_form.html", form=form, override=override,
                           title=title), _status(form)


@bp.route("/sla-policies/new", methods=["GET", "POST"])
def new_sla_override():
    return _override_form(None)


@bp.route("/sla-policies/overrides/<int:policy_id>", methods=["GET", "POST"])
def edit_sla_override(policy_id: int):
    try:
        override = service.get_override(policy_id)
    except NotFound:
        abort(404)
    return _override_form(override)


@bp.post("/sla-policies/overrides/<int:policy_id>/delete")
def delete_sla_override(policy_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        override = service.get_override(policy_id)
    except NotFound:
        abort(404)
    service.delete_override(current_user, override, now=utc_now())
    flash(_("The complaint type's own targets have been removed; the priority's apply again."),
          "success")
    return redirect(url_for("admin.sla_policies"))
