"""Supervisors manage canned responses: per team or for all teams, in English or Vietnamese, with
the placeholders explained and typos in them refused before an agent ever sends one."""

from __future__ import annotations

from itertools import groupby

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.domain import canned as rules
from portal.domain.errors import DomainError, NotFound
from portal.models import CannedResponse
from portal.services import canned_responses as service
from portal.services.users import list_teams
from portal.web.admin.forms import ConfirmForm
from portal.web.admin.routes import bp
from portal.web.choices import choices
from portal.web.helpers import form_status, utc_now
from portal.web.i18n import LANGUAGE_NAMES
from portal.web.messages import attach_error

# What each placeholder becomes, for the form's explanation.
PLACEHOLDER_HELP = {
    "customer_name": _l("the customer's name, as they gave it on the complaint"),
    "reference": _l("the complaint's reference, such as K7MX-3QPA"),
    "agent_name": _l("the name of the agent who inserts the response"),
    "due": _l("the ticket's next due time, in the customer's language (left as {due} when "
              "there is none: the agent then writes a time)"),
}

CANNED_ERRORS = {
    "required": _l("This cannot be empty."),
    "too_long": _l("This is too long."),
    "language_unknown": _l("Choose English or Vietnamese."),
    "team_not_found": _l("Choose an active team, or all teams."),
    "not_allowed": _l("Only supervisors and administrators manage canned responses."),
}


def _team_id(value):
    """"" (all teams) → None; anything else must be a whole number (else: invalid choice)."""
    return int(value) if value not in (None, "", "None") else None


def unknown_placeholder_message(names: list[str]) -> str:
    known = ", ".join(f"{{{name}}}" for name in rules.PLACEHOLDERS)
    return ngettext("Unknown placeholder %(names)s; use one of %(known)s.",
                    "Unknown placeholders %(names)s; use one of %(known)s.", len(names),
                    names=", ".join(f"{{{name}}}" for name in names), known=known)


class CannedResponseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[
        DataRequired(_l("Enter a title.")),
        Length(max=rules.TITLE_MAX, message=_l("Use at most %(n)s characters.",
                                                n=rules.TITLE_MAX))])
    team_id = SelectField(_l("Team"), coerce=_team_id)
    language = SelectField(_l("Language of the response"),
                           choices=choices(LANGUAGE_NAMES.items()))
    body = TextAreaField(_l("Text"), render_kw={"rows": 14}, validators=[
        DataRequired(_l("Write the text of the response.")),
        Length(max=rules.BODY_MAX, message=_l("Use at most %(n)s characters.",
                                               n=rules.BODY_MAX))])
    active = BooleanField(_l("Offered to agents"), default=True)

    def validate_body(self, field) -> None:
        unknown = rules.check_template(field.data or "")
        if unknown:
            raise ValidationError(unknown_placeholder_message(unknown))


def _show_error(form: CannedResponseForm, error: DomainError) -> None:
    if isinstance(error, service.UnknownPlaceholders):
        form.body.errors = [*form.body.errors, unknown_placeholder_message(error.names)]
        return
    field = getattr(form, error.field or "", None)
    if error.code in CANNED_ERRORS and field is not None:
        field.errors = [*field.errors, str(CANNED_ERRORS[error.code])]
    elif error.code in CANNED_ERRORS:
        form.form_errors.append(str(CANNED_ERRORS[error.code]))
    else:
        attach_error(form, error)


def _team_choices(form: CannedResponseForm, canned: CannedResponse | None) -> None:
    """Active teams; a deactivated team the response still belongs to stays listed, marked."""
    teams = [t for t in list_teams() if t.active or (canned and t.id == canned.team_id)]
    form.team_id.choices = choices([
        ("", _("All teams")),
        *((t.id, t.name if t.active else _("%(name)s (deactivated)", name=t.name))
          for t in teams)])


def _changes(form: CannedResponseForm) -> service.CannedChanges:
    return service.CannedChanges(title=form.title.data or "", body=form.body.data or "",
                                 language=form.language.data or "", team_id=form.team_id.data,
                                 active=form.active.data)


def _load(canned_id: int) -> CannedResponse:
    try:
        return service.get(canned_id)
    except NotFound:
        abort(404)


def _render(form: CannedResponseForm, canned: CannedResponse | None):
    return render_template("admin/canned_form.html", form=form, canned=canned,
                           placeholders=PLACEHOLDER_HELP), form_status(form)


@bp.get("/canned-responses")
def canned_responses():
    groups = [(team, list(items)) for team, items in
              groupby(service.list_all(), key=lambda canned: canned.team)]
    return render_template("admin/canned_responses.html", groups=groups,
                           languages=LANGUAGE_NAMES)


@bp.route("/canned-responses/new", methods=["GET", "POST"])
def new_canned_response():
    form = CannedResponseForm()
    _team_choices(form, None)
    if form.validate_on_submit():
        try:
            canned = service.create(current_user, _changes(form), now=utc_now())
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(_("The canned response %(title)s has been added.", title=canned.title),
                  "success")
            return redirect(url_for("admin.canned_responses"))
    return _render(form, None)


@bp.route("/canned-responses/<int:canned_id>", methods=["GET", "POST"])
def edit_canned_response(canned_id: int):
    canned = _load(canned_id)
    form = CannedResponseForm(obj=canned)
    _team_choices(form, canned)
    if form.validate_on_submit():
        try:
            service.update(current_user, canned, _changes(form), now=utc_now())
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(_("The canned response %(title)s has been saved.", title=canned.title),
                  "success")
            return redirect(url_for("admin.canned_responses"))
    return _render(form, canned)


def _set_active(canned_id: int, active: bool):
    canned = _load(canned_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    service.set_active(current_user, canned, active, now=utc_now())
    message = (_("%(title)s is offered to agents again.") if active
               else _("%(title)s is no longer offered to agents."))
    flash(message % {"title": canned.title}, "success")
    return redirect(url_for("admin.canned_responses"))


@bp.post("/canned-responses/<int:canned_id>/deactivate")
def deactivate_canned_response(canned_id: int):
    return _set_active(canned_id, False)


@bp.post("/canned-responses/<int:canned_id>/activate")
def activate_canned_response(canned_id: int):
    return _set_active(canned_id, True)


@bp.post("/canned-responses/<int:canned_id>/delete")
def delete_canned_response(canned_id: int):
    canned = _load(canned_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    title = canned.title
    service.delete(current_user, canned, now=utc_now())
    flash(_("The canned response %(title)s has been deleted.", title=title), "success")
    return redirect(url_for("admin.canned_responses"))
