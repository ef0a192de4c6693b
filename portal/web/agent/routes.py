"""The agent side of tickets: the queue, and one ticket's workspace: the conversation, the reply
or internal note form, and the handling forms (take it, status, assignment, priority, category,
tags, collaborators) beside the panels of the rest of the console (web/agent/workspace_view.py).

Which tickets an agent may open is decided by web/ticket_access.py (and, for the queue, by the
same rule in SQL in services/agent_queue.py): a ticket they may not see answers 404. Every form
carries the ticket's version as shown; a change made meanwhile answers 409 with the agent's
input kept and nothing overwritten.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal.domain.errors import DomainError
from portal.domain.tickets import Actor, Visibility, allowed_targets
from portal.models import Ticket
from portal.services import ticket_queries, ticket_workspace, tickets
from portal.services.ticket_core import TicketActor
from portal.services.tickets import as_staff
from portal.services.users import list_teams, staff_users
from portal.web.agent import queue_forms, workspace_view
from portal.web.agent.forms import (
    STALE,
    AssignForm,
    CategoryForm,
    ClaimForm,
    CollaboratorForm,
    JoinForm,
    PriorityForm,
    RemoveCollaboratorForm,
    ReplyForm,
    StatusForm,
    TagsForm,
    TicketForm,
    agent_error,
)
from portal.web.agent.labels import (
    CHANNEL_LABELS,
    event_actor,
    event_label,
)
from portal.web.choices import choices
from portal.web.helpers import business_calendar, utc_now
from portal.web.labels import STATUS_LABELS
from portal.web.ticket_access import staff_ticket_or_404
from portal.web.tickets.forms import submission_key

bp = Blueprint("agent", __name__)

FORMS = {"reply": ReplyForm, "status": StatusForm, "assign": AssignForm,
         "priority": PriorityForm, "claim": ClaimForm, "join": JoinForm,
         "category": CategoryForm, "tags": TagsForm, "collaborators": CollaboratorForm,
         "uncollab": RemoveCollaboratorForm}


@bp.get("/")
def queue():
    """Saved views with their counts, filters, a sort and keyset pages (web/agent/queue_forms.py
    reads the query string; services/agent_queue.py the tickets)."""
    return render_template("agent/queue.html",
                           **queue_forms.queue_context(current_user, request.args, now=utc_now()))


# --- one ticket -------------------------------------------------------------------------------

def _fresh_form(name: str, ticket: Ticket, tags: list[str]) -> TicketForm:
    """A form as the page first shows it (never filled from this request's POST data)."""
    data: dict = {"version": ticket.version_id}
    if name == "assign":
        data.update(team_id=ticket.team_id, assignee_id=ticket.assignee_id)
    elif name == "priority":
        data.update(priority=ticket.priority)
    elif name == "category":
        data.update(category_id=ticket.category_id)
    elif name == "tags":
        data.update(tags=", ".join(tags))
    elif name == "reply":
        data.update(submission_key=submission_key(None))
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


def _category_choices(form: CategoryForm, ticket: Ticket) -> None:
    """Active categories; a ticket without one (or with a retired one) starts on a prompt."""
    active = ticket_queries.active_categories()
    prompt = [] if any(c.id == ticket.category_id for c in active) else [
        ("", _("— choose a category —"))]
    form.category_id.choices = choices(prompt + [(c.id, c.label(str(get_locale() or "en")))
                                                 for c in active])


def _people_choices(form: CollaboratorForm | RemoveCollaboratorForm, ticket: Ticket,
                    shown: bool) -> None:
    """Add: active staff who are neither the assignee nor helping already (every active staff
    member when validating a post, so the service can say why one is refused). Remove: the
    collaborators."""
    helping = ticket_workspace.collaborators(ticket)
    if isinstance(form, RemoveCollaboratorForm):
        form.user_id.choices = choices([(u.id, u.name) for u in helping])
        return
    taken = {u.id for u in helping} | {ticket.assignee_id}
    people = [u for u in staff_users() if not shown or u.id not in taken]
    form.user_id.choices = choices([("", _("— choose a colleague —"))]
                                   + [(u.id, u.name) for u in people])


def _set_choices(name: str, form: TicketForm, ticket: Ticket, *, shown: bool) -> None:
    if name == "status" and shown:  # a posted status is judged by the rules, in words
        _status_choices(form, ticket)
    elif name == "assign":
        _assign_choices(form, ticket)
    elif name == "category":
        _category_choices(form, ticket)
    elif name in ("collaborators", "uncollab"):
        _people_choices(form, ticket, shown)


def _page(ticket: Ticket, *, submitted: tuple[str, TicketForm] | None = None,
          status: int = 200, reply_text: str | None = None):
    now = utc_now()
    extra = workspace_view.workspace(ticket)
    forms = {name: _fresh_form(name, ticket, extra["tags"]) for name in FORMS}
    if submitted is not None:
        forms[submitted[0]] = submitted[1]
    elif reply_text:
        forms["reply"].body.data = reply_text
    for name, form in forms.items():
        _set_choices(name, form, ticket, shown=True)
    return render_template(
        "agent/ticket.html", **workspace_view.panels(ticket, now), **extra,
        ticket=ticket, forms=forms, now=now,
        messages=ticket_queries.conversation(ticket, include_internal=True),
        events=ticket_queries.full_timeline(ticket),
        complaint_files=ticket_queries.complaint_attachments(ticket),
        channel_labels=CHANNEL_LABELS, event_label=event_label, event_actor=event_actor,
        stale=submitted is not None and status == 409,
    ), status


@bp.get("/tickets/<reference>")
def ticket(reference: str):
    ticket = staff_ticket_or_404(reference)
    canned_id = request.args.get("canned", type=int)
    return _page(ticket, reply_text=workspace_view.canned_text(ticket, canned_id, utc_now()))


def _submitted(name: str, reference: str) -> tuple[Ticket, TicketForm]:
    ticket = staff_ticket_or_404(reference)
    form = FORMS[name](prefix=name)
    # The choices validate the posted ids (the services check them too).
    _set_choices(name, form, ticket, shown=False)
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


Action = Callable[[Ticket, TicketForm, TicketActor, datetime], object]


def _handle(name: str, reference: str, action: Action, message: Callable[[Ticket], str]):
    """The shape of every workspace POST: validate, run the service, or show the page again."""
    ticket, form = _submitted(name, reference)
    if not form.validate_on_submit():
        return _page(ticket, submitted=(name, form), status=422)
    try:
        action(ticket, form, as_staff(current_user), utc_now())
    except DomainError as error:
        return _refused(ticket, name, form, error)
    return _done(ticket, message(ticket))


@bp.post("/tickets/<reference>/reply")
def reply(reference: str):
    ticket, form = _submitted("reply", reference)
    if not form.validate_on_submit():
        return _page(ticket, submitted=("reply", form), status=422)
    visibility = Visibility(form.visibility.data)
    try:
        tickets.staff_reply(ticket, as_staff(current_user), form.body.data,
                            visibility=visibility, now=utc_now(), uploads=form.uploads,
                            expected_version=form.expected_version(), then_status=form.then,
                            submission_key=submission_key(form.submission_key.data))
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
    return _handle("assign", reference, lambda t, f, actor, now: tickets.assign(
        t, actor, now=now, team_id=f.team_id.data, assignee_id=f.assignee_id.data,
        expected_version=f.expected_version()),
        lambda t: _("The assignment has been saved."))


@bp.post("/tickets/<reference>/priority")
def priority(reference: str):
    return _handle("priority", reference, lambda t, f, actor, now: tickets.change_priority(
        t, f.value, actor, now=now, expected_version=f.expected_version()),
        lambda t: _("The priority has been saved."))


# --- the workspace's handling (services/ticket_workspace.py) ---------------------------------

@bp.post("/tickets/<reference>/claim")
def claim(reference: str):
    return _handle("claim", reference, lambda t, f, actor, now: ticket_workspace.claim(
        t, actor, now=now, expected_version=f.expected_version()),
        lambda t: _("You have taken this ticket: you are its assignee now."))


@bp.post("/tickets/<reference>/category")
def category(reference: str):
    return _handle("category", reference, lambda t, f, actor, now: ticket_workspace
                   .change_category(t, f.category_id.data, actor, now=now,
                                    expected_version=f.expected_version(),
                                    calendar=business_calendar()),
                   lambda t: _("The category has been saved."))


@bp.post("/tickets/<reference>/tags")
def tags(reference: str):
    return _handle("tags", reference, lambda t, f, actor, now: ticket_workspace.set_tags(
        t, f.tags.data or "", actor, now=now, expected_version=f.expected_version()),
        lambda t: _("The tags have been saved."))


@bp.post("/tickets/<reference>/join")
def join(reference: str):
    return _handle("join", reference, lambda t, f, actor, now: ticket_workspace.join(
        t, actor, now=now, expected_version=f.expected_version()),
        lambda t: _("You have joined this ticket as a collaborator."))


@bp.post("/tickets/<reference>/collaborators")
def add_collaborator(reference: str):
    return _handle("collaborators", reference, lambda t, f, actor, now: ticket_workspace
                   .add_collaborator(t, f.user_id.data, actor, now=now,
                                     expected_version=f.expected_version()),
                   lambda t: _("The colleague has been added and told by e-mail."))


@bp.post("/tickets/<reference>/collaborators/remove")
def remove_collaborator(reference: str):
    return _handle("uncollab", reference, lambda t, f, actor, now: ticket_workspace
                   .remove_collaborator(t, f.user_id.data, actor, now=now,
                                        expected_version=f.expected_version()),
                   lambda t: _("The collaborator has been removed."))
