"""Escalation on the agent's ticket page: the panel (history, current level, "Escalate…") and
the escalate page with its two forms, functional (another team) and hierarchical (a higher tier
or a named supervisor). Both need a reason, kept for staff only.

Like the ticket page's forms, each carries the ticket's version: a change made meanwhile
answers 409 with the agent's input kept; anything else the rules refuse answers 422.
"""

from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.domain.errors import DomainError
from portal.domain.escalation import REASON_MAX
from portal.models import Ticket
from portal.services import escalation as service
from portal.services.ticket_core import as_staff
from portal.web.agent.forms import STALE, TicketForm, _plain, agent_error
from portal.web.agent.routes import bp
from portal.web.choices import choices
from portal.web.helpers import utc_now
from portal.web.ticket_access import staff_may_see, staff_ticket_or_404

ESCALATION_ERRORS = {
    "reason_required": _l("Say why you escalate: the next person reads it first."),
    "reason_too_long": _l("Use at most %(n)s characters.", n=REASON_MAX),
    "team_not_found": _l("Choose an active team."),
    "same_team": _l("The ticket is already with this team; choose another one."),
    "target_required": _l("Choose a higher tier or a supervisor."),
    "tier_not_higher": _l("Choose a tier above the ticket's current one."),
    "no_higher_tier": _l("The ticket is already at the highest tier; choose a supervisor."),
    "supervisor_not_found": _l("Choose an active supervisor."),
}

KIND_LABELS = {"functional": _l("To another team"), "hierarchical": _l("Up the hierarchy"),
               "automatic": _l("Automatic")}
TRIGGER_LABELS = {"manual": _l("by hand"), "first_response_breach": _l("first answer overdue"),
                  "resolution_breach": _l("resolution overdue"),
                  "level3": _l("still overdue after level 2"), "risk": _l("risk signs"),
                  "forum": _l("from the forum")}
LEVEL_LABELS = {0: _l("Not raised"), 1: _l("Level 1 — the team lead is told"),
                2: _l("Level 2 — moved to specialists"), 3: _l("Level 3 — the escalation manager")}


def _error(code: str) -> str:
    message = ESCALATION_ERRORS.get(code)
    return str(message) if message is not None else agent_error(code)


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class FunctionalForm(TicketForm):
    error_fields = {"to_team_id": "to_team_id", "reason": "reason"}
    to_team_id = SelectField(_l("Pass it to the team"), coerce=_optional_int)
    reason = TextAreaField(_l("Reason (staff only)"), filters=[_plain], validators=[
        DataRequired(ESCALATION_ERRORS["reason_required"]), Length(max=REASON_MAX)],
        render_kw={"rows": 4})


class HierarchicalForm(TicketForm):
    error_fields = {"to_tier": "target", "to_user_id": "target", "reason": "reason"}
    target = SelectField(_l("Pass it up to"))
    reason = TextAreaField(_l("Reason (staff only)"), filters=[_plain], validators=[
        DataRequired(ESCALATION_ERRORS["reason_required"]), Length(max=REASON_MAX)],
        render_kw={"rows": 4})

    def chosen(self) -> tuple[int | None, int | None]:
        """(to_tier, to_user_id) from "tier:2" / "user:7"."""
        kind, _sep, value = (self.target.data or "").partition(":")
        number = int(value) if value.isdigit() else None
        return (number, None) if kind == "tier" else (None, number)


def escalation_context(ticket: Ticket, now: datetime) -> dict:
    """Template variables for templates/agent/_escalation_panel.html."""
    return {"escalations": service.history(ticket),
            "escalation_level_label": LEVEL_LABELS.get(ticket.escalation_level or 0, ""),
            "escalation_kind_labels": KIND_LABELS, "escalation_trigger_labels": TRIGGER_LABELS}


# --- the escalate page ------------------------------------------------------------------------

def _choices(ticket: Ticket, functional: FunctionalForm, hierarchical: HierarchicalForm) -> None:
    functional.to_team_id.choices = choices(
        [("", _("— choose a team —"))]
        + [(team.id, team.name) for team in service.functional_targets(ticket)])
    hierarchical.target.choices = choices(
        [("", _("— choose —"))]
        + [(f"tier:{tier}", _("Tier %(n)s of the same team", n=tier))
           for tier in service.higher_tiers(ticket)]
        + [(f"user:{user.id}", _("%(name)s (supervisor)", name=user.name))
           for user in service.supervisors()])


def _fresh(ticket: Ticket, form_class, prefix: str):
    return form_class(formdata=None, prefix=prefix, data={"version": ticket.version_id})


def _page(ticket: Ticket, *, functional: FunctionalForm | None = None,
          hierarchical: HierarchicalForm | None = None, status: int = 200):
    functional = functional or _fresh(ticket, FunctionalForm, "functional")
    hierarchical = hierarchical or _fresh(ticket, HierarchicalForm, "hierarchical")
    _choices(ticket, functional, hierarchical)
    return render_template("agent/escalate.html", ticket=ticket, functional=functional,
                           hierarchical=hierarchical, now=utc_now(),
                           **escalation_context(ticket, utc_now())), status


def _refused(ticket: Ticket, form: TicketForm, error: DomainError, key: str):
    if error.code == STALE:
        form.form_errors.append(agent_error(STALE))
        status = 409
    else:
        field = getattr(form, form.error_fields.get(error.field or "", ""), None)
        if field is not None:
            field.errors = [*field.errors, _error(error.code)]
        else:
            form.form_errors.append(_error(error.code))
        status = 422
    return _page(ticket, status=status, **{key: form})


def _done(ticket: Ticket, message: str):
    """Back to the ticket, or to the queue when it has left the agent's sight (another team)."""
    flash(message, "success")
    if not staff_may_see(ticket):
        return redirect(url_for("agent.queue"), 303)
    return redirect(url_for("agent.ticket", reference=ticket.reference), 303)


@bp.get("/tickets/<reference>/escalate")
def escalate(reference: str):
    return _page(staff_ticket_or_404(reference))


@bp.post("/tickets/<reference>/escalate/functional")
def escalate_functional(reference: str):
    ticket = staff_ticket_or_404(reference)
    form = FunctionalForm(prefix="functional")
    _choices(ticket, form, _fresh(ticket, HierarchicalForm, "hierarchical"))
    if not form.validate_on_submit():
        return _page(ticket, functional=form, status=422)
    try:
        escalation = service.escalate_functional(
            ticket, as_staff(current_user), to_team_id=form.to_team_id.data,
            reason=form.reason.data, now=utc_now(), expected_version=form.expected_version())
    except DomainError as error:
        return _refused(ticket, form, error, "functional")
    return _done(ticket, _("The ticket has been passed to %(team)s. Its members have been told.",
                           team=escalation.to_team.name if escalation.to_team else ""))


@bp.post("/tickets/<reference>/escalate/hierarchical")
def escalate_hierarchical(reference: str):
    ticket = staff_ticket_or_404(reference)
    form = HierarchicalForm(prefix="hierarchical")
    _choices(ticket, _fresh(ticket, FunctionalForm, "functional"), form)
    if not form.validate_on_submit():
        return _page(ticket, hierarchical=form, status=422)
    to_tier, to_user_id = form.chosen()
    try:
        escalation = service.escalate_hierarchical(
            ticket, as_staff(current_user), to_tier=to_tier, to_user_id=to_user_id,
            reason=form.reason.data, now=utc_now(), expected_version=form.expected_version())
    except DomainError as error:
        return _refused(ticket, form, error, "hierarchical")
    if escalation.to_user is not None:
        return _done(ticket, _("The ticket has been passed to %(name)s, who has been told.",
                               name=escalation.to_user.name))
    return _done(ticket, _("The ticket has been passed to tier %(n)s. Its agents have been "
                           "told.", n=escalation.to_tier))
