"""The agent side of tickets: the queue, and one ticket's page with its four forms (reply or
internal note, status, assignment, priority).

Which tickets an agent may open is decided by web/ticket_access.py (and, for the queue, by the
same rule in SQL in services/agent_queue.py): a ticket they may not see answers 404. Every form
carries the ticket's version as shown; a change made meanwhile answers 409 with the agent's
input kept and nothing overwritten.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.domain.errors import DomainError
from portal.domain.tickets import Actor, Visibility, allowed_targets
from portal.models import Ticket
from portal.services import agent_queue, ticket_queries, tickets
from portal.services.tickets import as_staff
from portal.services.users import list_teams, staff_users
from portal.web.agent.forms import (
    STALE,
    AssignForm,
    PriorityForm,
    ReplyForm,
    StatusForm,
    TicketForm,
    agent_error,
)
from portal.web.agent.labels import (
    CHANNEL_LABELS,
    QUEUE_FILTERS,
    event_actor,
    event_label,
    event_text,
)
from portal.web.choices import choices
from portal.web.helpers import utc_now
from portal.web.labels import STATUS_LABELS
from portal.web.ticket_access import staff_ticket_or_404

bp = Blueprint("agent", __name__)

FORMS = {"reply": ReplyForm, "status": StatusForm, "assign": AssignForm,
         "priority": PriorityForm}


@bp.get("/")
def queue():
    status = request.args.get("status", agent_queue.ACTIVE)
    status = status if status in agent_queue.FILTERS else agent_queue.ACTIVE
    page = request.args.get("page", 1, type=int) or 1
    pagination = agent_queue.staff_queue(current_user, status, page)
    return render_template("agent/queue.html", pagination=pagination, status=status,
                           filters=QUEUE_FILTERS, now=utc_now())


# --- one ticket -------------------------------------------------------------------------------

def _fresh_form(name: str, ticket: Ticket) -> TicketForm:
    """A form as the page first shows it (never filled from this request's POST data)."""
    data = {"version": ticket.version_id}
    if name == "assign":
        data.update(team_id=ticket.team_id, assignee_id=ticket.assignee_id)
    elif name == "priority":
        data.update(priority=ticket.priority)
    return FORMS[name](formdata=None, prefix=name, data=data)


def _status_choices(form: StatusForm, ticket: Ticket) -> None:
    """Only the statuses an agent may move this ticket to now."""
    targets = {t.value for t in allowed_targets(ticket.status_enum, Actor.AGENT)}
    form.status.choices = [c for c in form.status.choices if c.value in targets]


def _assign_choices(form: AssignForm, ticket: Ticket) -> None:
    """Active teams (and the ticket's own, even if deactivated since), active staff."""
    teams = [t for t in list_teams() if t.active or t.id == ticket.team_id]
    form.team_id.choices = choices(([] if ticket.team_id else [("", _("— no team yet —"))])
                                   + [(t.id, t.name) for t in teams])
    form.assignee_id.choices = choices([("", _("— nobody —"))]
                                       + [(u.id, u.name) for u in staff_users()])


def _page(ticket: Ticket, *, submitted: tuple[str, TicketForm] | None = None,
          status: int = 200):
    forms = {name: _fresh_form(name, ticket) for name in FORMS}
    if submitted is not None:
        forms[submitted[0]] = submitted[1]
    _status_choices(forms["status"], ticket)
    _assign_choices(forms["assign"], ticket)
    return render_template(
        "agent/ticket.html", ticket=ticket, forms=forms, now=utc_now(),
        messages=ticket_queries.conversation(ticket, include_internal=True),
        events=ticket_queries.full_timeline(ticket),
        complaint_files=ticket_queries.complaint_attachments(ticket),
        channel_labels=CHANNEL_LABELS, event_label=event_label, event_text=event_text,
        event_actor=event_actor, stale=submitted is not None and status == 409,
    ), status


@bp.get("/tickets/<reference>")
def ticket(reference: str):
    return _page(staff_ticket_or_404(reference))


def _submitted(name: str, reference: str) -> tuple[Ticket, TicketForm]:
    ticket = staff_ticket_or_404(reference)
    form = FORMS[name](prefix=name)
    if isinstance(form, AssignForm):  # its choices validate the posted ids (the service too)
        _assign_choices(form, ticket)
    return ticket, form


def _refused(ticket: Ticket, name: str, form: TicketForm, error: DomainError):
    """Show the page again with the agent's input: 409 when someone else changed the ticket
    meanwhile (the form keeps the version it was opened on, so a second try is refused too),
    422 for anything else the rules refuse."""
    if error.code == STALE:
        form.form_errors.append(agent_error(STALE))
        return _page(ticket, submitted=(name, form), status=409)
    field = getattr(form, form.error_fields.get(error.field, error.field or ""), None)
    if field is not None:
        field.errors = [*field.errors, agent_error(error.code)]
    else:
        form.form_errors.append(agent_error(error.code))
    return _page(ticket, submitted=(name, form), status=422)


def _done(ticket: Ticket, message: str):
    flash(message, "success")
    return redirect(url_for("agent.ticket", reference=ticket.reference), 303)


@bp.post("/tickets/<reference>/reply")
def reply(reference: str):
    ticket, form = _submitted("reply", reference)
    if not form.validate_on_submit():
        return _page(ticket, submitted=("reply", form), status=422)
    visibility = Visibility(form.visibility.data)
    try:
        tickets.staff_reply(ticket, as_staff(current_user), form.body.data,
                            visibility=visibility, now=utc_now(), uploads=form.uploads,
                            expected_version=form.expected_version(), then_status=form.then)
    except DomainError as error:
        return _refused(ticket, "reply", form, error)
    if visibility is Visibility.INTERNAL:
        return _done(ticket, _("Your internal note has been added. The customer does not see "
                               "it."))
    return _done(ticket, _("Your reply has been sent to the customer."))


@bp.post("/tickets/<reference>/status")
def status(reference: str):
    ticket, form = _submitted("status", reference)
    if not form.validate_on_submit():
        return _page(ticket, submitted=("status", form), status=422)
    try:
        tickets.change_status(ticket, form.target, as_staff(current_user), now=utc_now(),
                              expected_version=form.expected_version(), note=form.note)
    except DomainError as error:
        return _refused(ticket, "status", form, error)
    return _done(ticket, _("The ticket is now: %(status)s.", status=STATUS_LABELS[ticket.status]))


@bp.post("/tickets/<reference>/assign")
def assign(reference: str):
    ticket, form = _submitted("assign", reference)
    if not form.validate_on_submit():
        return _page(ticket, submitted=("assign", form), status=422)
    try:
        tickets.assign(ticket, as_staff(current_user), now=utc_now(),
                       team_id=form.team_id.data, assignee_id=form.assignee_id.data,
                       expected_version=form.expected_version())
    except DomainError as error:
        return _refused(ticket, "assign", form, error)
    return _done(ticket, _("The assignment has been saved."))


@bp.post("/tickets/<reference>/priority")
def priority(reference: str):
    ticket, form = _submitted("priority", reference)
    if not form.validate_on_submit():
        return _page(ticket, submitted=("priority", form), status=422)
    try:
        tickets.change_priority(ticket, form.value, as_staff(current_user), now=utc_now(),
                                expected_version=form.expected_version())
    except DomainError as error:
        return _refused(ticket, "priority", form, error)
    return _done(ticket, _("The priority has been saved."))
