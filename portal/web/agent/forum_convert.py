"""Converting a forum post into a ticket (the forum side: any agent who can see the post), and
publishing a resolved ticket's answer back to its thread (the ticket side: the ticket access
rules of web/ticket_access.py apply, so another team's ticket answers 404).

The work is in services/forum_conversion.py; these views fill the forms, word the refusals,
and answer 422 with the agent's input kept when something is refused.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal.domain.errors import DomainError
from portal.domain.escalation import MAX_TIER
from portal.models import ForumPost, Ticket
from portal.services import forum_conversion, ticket_queries
from portal.services.forum_conversion import ConversionRequest
from portal.services.users import list_teams
from portal.web.agent.forum_convert_forms import (
    CONVERT_FIELDS,
    LOCK,
    ConvertForm,
    PublishForm,
    convert_error,
)
from portal.web.agent.routes import bp
from portal.web.choices import choices
from portal.web.forum.lookup import post_or_404
from portal.web.forum.routes import post_url
from portal.web.helpers import external_url, utc_now
from portal.web.ticket_access import staff_may_see, staff_ticket_or_404


def _me():
    return current_user._get_current_object()


def _field_error(form, error: DomainError) -> None:
    """Show a service's refusal under the field it is about, else above the form."""
    name = CONVERT_FIELDS.get(error.field, error.field) if error.field else None
    field = getattr(form, name, None) if name else None
    if field is not None:
        field.errors = [*field.errors, convert_error(error.code)]
    else:
        form.form_errors.append(convert_error(error.code))


# --- converting -------------------------------------------------------------------------------

def _convert_choices(form: ConvertForm) -> None:
    locale = str(get_locale() or "en")
    form.category_id.choices = choices(
        [("", _("— choose a category —"))]
        + [(c.id, c.label(locale)) for c in ticket_queries.active_categories()])
    teams = [t for t in list_teams() if t.active]
    form.team_id.choices = choices([("", _("— the category's team —"))]
                                   + [(t.id, t.name) for t in teams])
    form.escalate.choices = choices(
        [("", _("— no, handle it normally —"))]
        + [(f"team:{t.id}", _("To the team %(name)s", name=t.name)) for t in teams]
        + [(f"tier:{tier}", _("Up to tier %(n)s", n=tier)) for tier in range(2, MAX_TIER + 1)])


def _already(post: ForumPost, ticket: Ticket):
    """A converted post: to its ticket when this agent may open it, else say who has it."""
    if staff_may_see(ticket):
        flash(_("This post was already converted into ticket %(reference)s.",
                reference=ticket.reference), "info")
        return redirect(url_for("agent.ticket", reference=ticket.reference), 303)
    return render_template("agent/forum_convert.html", post=post, thread=post.thread,
                           existing=ticket, form=None)


def _convert_page(post: ForumPost, form: ConvertForm, status: int = 200):
    return render_template("agent/forum_convert.html", post=post, thread=post.thread,
                           existing=None, form=form), status


def _request(form: ConvertForm) -> ConversionRequest:
    team_id, tier = form.escalation_target()
    return ConversionRequest(
        subject=form.subject.data, description=form.description.data,
        category_id=form.category_id.data, priority=form.priority.data,
        team_id=form.team_id.data, lock_thread=form.thread_after.data == LOCK,
        escalate_to_team_id=team_id, escalate_to_tier=tier, reason=form.reason.data or "")


@bp.route("/forum/posts/<int:post_id>/convert", methods=["GET", "POST"])
def forum_convert(post_id: int):
    """The conversion form, prefilled from the post; one ticket per post."""
    post = post_or_404(post_id)
    if post.ticket is not None:
        return _already(post, post.ticket)
    if request.method != "POST":
        source = _("From forum thread: %(url)s",
                   url=external_url("forum.thread", thread_id=post.thread_id))
        form = ConvertForm(data=forum_conversion.prefill(post, source))
        _convert_choices(form)
        return _convert_page(post, form)
    form = ConvertForm()
    _convert_choices(form)
    if not form.validate():
        return _convert_page(post, form, 422)
    try:
        conversion = forum_conversion.convert_post(post, _me(), _request(form), now=utc_now())
    except DomainError as error:
        _field_error(form, error)
        return _convert_page(post, form, 422)
    if not conversion.created:
        return _already(post, conversion.ticket)
    flash(_("Ticket %(reference)s has been opened for the post's author, who has been told "
            "by e-mail. The thread shows that a private ticket exists.",
            reference=conversion.ticket.reference), "success")
    if staff_may_see(conversion.ticket):
        return redirect(url_for("agent.ticket", reference=conversion.ticket.reference), 303)
    return redirect(post_url(post), 303)


# --- publishing the answer back ---------------------------------------------------------------

def _publish_page(ticket: Ticket, form: PublishForm | None, *, source: ForumPost | None,
                  refusal: str | None = None, status: int = 200):
    return render_template(
        "agent/publish_answer.html", ticket=ticket, form=form, source=source, refusal=refusal,
        published=forum_conversion.published_answers(ticket) if source else []), status


@bp.route("/tickets/<reference>/publish-answer", methods=["GET", "POST"])
def publish_answer(reference: str):
    """The answer form, prefilled with the last public reply. For a ticket not from the forum or
    not resolved yet, the page says why (and a POST is refused with 409)."""
    ticket = staff_ticket_or_404(reference)
    try:
        source = forum_conversion.check_publishable(ticket)
    except DomainError as error:
        return _publish_page(ticket, None, source=forum_conversion.source_post(ticket),
                             refusal=convert_error(error.code),
                             status=409 if request.method == "POST" else 200)
    if request.method != "POST":
        form = PublishForm(data={"body": forum_conversion.last_public_answer(ticket)})
        return _publish_page(ticket, form, source=source)
    form = PublishForm()
    if not form.validate():
        return _publish_page(ticket, form, source=source, status=422)
    try:
        post = forum_conversion.publish_answer(ticket, _me(), form.body.data, now=utc_now())
    except DomainError as error:
        _field_error(form, error)
        return _publish_page(ticket, form, source=source, status=422)
    flash(_("Your answer is published in the thread and marked as the accepted answer."),
          "success")
    return redirect(post_url(post), 303)
