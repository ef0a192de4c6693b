"""Knowledge capture on the agent's ticket page ("Write this up as an article"), and the
supervisors' list of escalations solved without an article."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.domain.errors import DomainError
from portal.models import Article, Ticket, User
from portal.services import knowledge_capture
from portal.web.access import ACCESS, may_visit
from portal.web.agent.forms import TicketForm
from portal.web.agent.routes import _page, _refused, bp
from portal.web.helpers import utc_now
from portal.web.kb.forms import page_number
from portal.web.ticket_access import staff_ticket_or_404

PREFIX = "knowledge"
EDITOR_PAGE = "editor.edit_article"


class WriteUpForm(TicketForm):
    """Only the ticket's version (and the CSRF token): the button says it all."""


def _article_url(article: Article, user: User) -> str:
    """The editor for those who may edit articles; the help-centre page (staff read drafts
    and internal articles there) for the others."""
    if ACCESS[EDITOR_PAGE].allows(user.role, user.tier):
        return url_for(EDITOR_PAGE, article_id=article.id)
    return url_for("kb.article", slug=article.slug)


def knowledge_context(ticket: Ticket, user: User) -> dict:
    """Template variables for templates/agent/_knowledge_panel.html."""
    article = ticket.article
    return {
        "knowledge_article": article,
        "knowledge_article_url": _article_url(article, user) if article is not None else None,
        "knowledge_offer": article is None and knowledge_capture.offers_write_up(ticket),
        "knowledge_form": WriteUpForm(formdata=None, prefix=PREFIX,
                                      data={"version": ticket.version_id}),
    }


@bp.post("/tickets/<reference>/write-up")
def write_up(reference: str):
    ticket = staff_ticket_or_404(reference)
    form = WriteUpForm(prefix=PREFIX)
    if not form.validate_on_submit():
        return _page(ticket, submitted=(PREFIX, form), status=422)
    try:
        result = knowledge_capture.write_up(ticket, current_user, now=utc_now(),
                                            expected_version=form.expected_version())
    except DomainError as error:
        if error.code == knowledge_capture.NOT_OFFERED:
            form.form_errors.append(_("Only a resolved or closed ticket that was escalated can "
                                      "be written up as an article."))
            return _page(ticket, submitted=(PREFIX, form), status=422)
        return _refused(ticket, PREFIX, form, error)
    if result.created:
        flash(_("A draft article has been written up from this ticket. Remove the customer's "
                "personal details before publishing it."), "success")
    else:
        flash(_("This ticket has been written up already: here is its article."), "info")
    if may_visit(EDITOR_PAGE):
        return redirect(url_for(EDITOR_PAGE, article_id=result.article.id), 303)
    return redirect(url_for("agent.ticket", reference=ticket.reference, _anchor="knowledge"), 303)


@bp.get("/escalations/unwritten")
def solved_without_article():
    page = page_number(request.args.get("page"))
    return render_template("agent/unwritten_escalations.html",
                           result=knowledge_capture.unwritten_escalations(page))
