"""The escalation matrix (supervisors): rows of category × priority saying what happens at a
warning, at each breach and on risk signs; and the simulator, which shows the due times and
the escalation path of a complaint filed at a chosen moment, on the business calendar."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, TimeField
from wtforms.validators import InputRequired, NumberRange, Optional

from portal.domain.errors import DomainError, NotFound
from portal.domain.tickets import Priority
from portal.models import EscalationRule
from portal.services import complaint_categories
from portal.services import escalation_matrix as matrix
from portal.services.escalation import supervisors
from portal.services.users import list_teams
from portal.web.admin.forms import ConfirmForm
from portal.web.admin.routes import bp
from portal.web.choices import choices
from portal.web.helpers import form_status, utc_now
from portal.web.labels import PRIORITY_LABELS

RULE_ERRORS = {
    "rule_exists": _l("The matrix already has a row for this type and priority; edit it."),
    "category_not_found": _l("Choose a complaint type, or any."),
    "priority_unknown": _l("Choose a priority, or any."),
    "percent_range": _l("Use a number from 1 to 99."),
    "tier_range": _l("Choose tier 1, 2 or 3."),
    "hours_range": _l("Use a number of hours from 0 to %(n)s.", n=matrix.LEVEL3_HOURS_MAX),
    "team_not_found": _l("Choose an active team."),
    "supervisor_not_found": _l("Choose an active supervisor."),
}
STEP_LABELS = {
    "warning": _l("Warning: the assignee and the team lead are told"),
    "level1": _l("Level 1: first answer overdue — the team lead is told, the ticket is raised"),
    "level2": _l("Level 2: resolution overdue — moved to specialists"),
    "level3": _l("Level 3: handed to the escalation manager"),
}


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


def _optional_text(value):
    return value or None


class RuleForm(FlaskForm):
    category_id = SelectField(_l("Complaint type"), coerce=_optional_int)
    priority = SelectField(_l("Priority"), coerce=_optional_text)
    warning_percent = IntegerField(_l("Warn at this share of the first-answer time (%)"),
                                   validators=[Optional(), NumberRange(1, 99, RULE_ERRORS[
                                       "percent_range"])])
    level1_enabled = BooleanField(_l("Level 1: tell the team lead and raise the ticket when the "
                                     "first answer is overdue"))
    level2_team_id = SelectField(_l("Level 2: move to the team"), coerce=_optional_int)
    level2_tier = SelectField(_l("Level 2: move to the tier"), coerce=_optional_int)
    level3_after_hours = IntegerField(
        _l("Level 3: business hours after the resolution breach"),
        validators=[Optional(), NumberRange(0, matrix.LEVEL3_HOURS_MAX, RULE_ERRORS[
            "hours_range"])])
    level3_user_id = SelectField(_l("Level 3: the escalation manager"), coerce=_optional_int)
    risk_team_id = SelectField(_l("On risk signs: move to the team"), coerce=_optional_int)
    risk_tier = SelectField(_l("On risk signs: move to the tier"), coerce=_optional_int)
    risk_user_id = SelectField(_l("On risk signs: hand to"), coerce=_optional_int)

    def changes(self) -> matrix.RuleChanges:
        return matrix.RuleChanges(**{name: getattr(self, name).data
                                     for name in matrix.RULE_FIELDS})


class SimulatorForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    category = SelectField(_l("Complaint type"), coerce=_optional_int)
    priority = SelectField(_l("Priority"), default=Priority.NORMAL.value, choices=choices(
        (p.value, PRIORITY_LABELS[p.value]) for p in Priority))
    day = DateField(_l("Filed on"), validators=[InputRequired(_l("Choose a date."))])
    time = TimeField(_l("At (business time zone)"), validators=[
        InputRequired(_l("Choose a time."))])


def _categories():
    return complaint_categories.list_categories()


def _rule_choices(form: RuleForm) -> None:
    teams = [(t.id, t.name) for t in list_teams() if t.active]
    people = [(u.id, u.name) for u in supervisors()]
    tiers = [(1, _("Tier 1")), (2, _("Tier 2")), (3, _("Tier 3"))]
    form.category_id.choices = choices([("", _("Any type"))]
                                       + [(c.id, c.name) for c in _categories()])
    form.priority.choices = choices([("", _("Any priority"))]
                                    + [(p.value, PRIORITY_LABELS[p.value]) for p in Priority])
    for name in ("level2_team_id", "risk_team_id"):
        getattr(form, name).choices = choices([("", _("— the same team —"))] + teams)
    for name in ("level2_tier", "risk_tier"):
        getattr(form, name).choices = choices([("", _("— the same tier —"))] + tiers)
    form.level3_user_id.choices = choices(
        [("", _("— the team lead, else any supervisor —"))] + people)
    form.risk_user_id.choices = choices([("", _("— nobody by name —"))] + people)


def _show_error(form: RuleForm, error: DomainError) -> None:
    message = str(RULE_ERRORS.get(error.code, error.code))
    field = getattr(form, error.field or "", None)
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


def _simulation(form: SimulatorForm):
    """Run the simulator when its form was sent (GET) and is valid."""
    if not request.args or not form.validate():
        return None
    calendar = matrix.load_calendar()
    filed = datetime.combine(form.day.data, form.time.data, ZoneInfo(calendar.timezone))
    return matrix.simulate(form.category.data, form.priority.data, filed, calendar=calendar)


@bp.get("/escalation")
def escalation():
    form = SimulatorForm(formdata=request.args or None)
    form.category.choices = choices([("", _("Any type"))]
                                    + [(c.id, c.name) for c in _categories()])
    simulation = _simulation(form)
    status = 422 if request.args and form.errors else 200
    return render_template("admin/escalation.html", rules=matrix.list_rules(), form=form,
                           simulation=simulation, step_labels=STEP_LABELS,
                           delete_form=ConfirmForm(), priority_labels=PRIORITY_LABELS), status


def _render(form: RuleForm, rule: EscalationRule | None):
    return render_template("admin/escalation_rule_form.html", form=form,
                           rule=rule), form_status(form)


@bp.route("/escalation/rules/new", methods=["GET", "POST"])
def new_escalation_rule():
    form = RuleForm(data={"warning_percent": 75, "level1_enabled": True, "level2_tier": 2,
                          "level3_after_hours": 8} if request.method == "GET" else None)
    _rule_choices(form)
    if form.validate_on_submit():
        try:
            matrix.create_rule(current_user, form.changes(), now=utc_now())
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(_("The row has been added to the escalation matrix."), "success")
            return redirect(url_for("admin.escalation"), 303)
    return _render(form, None)


def _load(rule_id: int) -> EscalationRule:
    try:
        return matrix.get_rule(rule_id)
    except NotFound:
        abort(404)


@bp.route("/escalation/rules/<int:rule_id>", methods=["GET", "POST"])
def edit_escalation_rule(rule_id: int):
    rule = _load(rule_id)
    form = RuleForm(obj=rule)
    _rule_choices(form)
    if form.validate_on_submit():
        try:
            matrix.update_rule(current_user, rule, form.changes(), now=utc_now())
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(_("The escalation matrix has been saved."), "success")
            return redirect(url_for("admin.escalation"), 303)
    return _render(form, rule)


@bp.post("/escalation/rules/<int:rule_id>/delete")
def delete_escalation_rule(rule_id: int):
    rule = _load(rule_id)
    if ConfirmForm().validate_on_submit():
        matrix.delete_rule(current_user, rule, now=utc_now())
        flash(_("The row has been removed from the escalation matrix."), "success")
    return redirect(url_for("admin.escalation"), 303)
