"""The supervisors' follow-up list of low survey scores (1–2) at /agent/follow-ups, and the
survey panel of the agent's ticket page (templates/agent/_ws_survey.html)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from portal.domain.errors import DomainError, NotFound
from portal.models import Ticket
from portal.services import survey_follow_ups as service
from portal.services import surveys
from portal.services.surveys import SCORE_LABELS
from portal.web.agent.routes import bp
from portal.web.helpers import utc_now
from portal.web.kb.forms import page_number

# The 1–5 scale in words, beside the number (the same words the customer chose from).


NOTE_TOO_LONG = _l("Use at most %(n)s characters.", n=service.NOTE_MAX)


class FollowUpDoneForm(FlaskForm):
    note = TextAreaField(_l("What was done (optional)"), validators=[
        Optional(), Length(max=service.NOTE_MAX, message=NOTE_TOO_LONG)])


def survey_context(ticket: Ticket) -> dict:
    """Template variables for templates/agent/_ws_survey.html (and the survey answers in the
    customer's history, which use the same words)."""
    return {"survey": surveys.survey_for_ticket(ticket), "score_labels": SCORE_LABELS}


def _page(page: int, *, failed: tuple[int, FollowUpDoneForm] | None = None, status: int = 200):
    return render_template(
        "agent/survey_follow_ups.html", result=service.open_follow_ups(page),
        done=service.recently_done(), score_labels=SCORE_LABELS, failed=failed), status


def _shown_page() -> int:
    """The list's page the request came from (?page=, kept when a form is shown again)."""
    return page_number(request.args.get("page"))


@bp.get("/follow-ups")
def survey_follow_ups():
    return _page(_shown_page())


@bp.post("/follow-ups/<int:survey_id>/done")
def survey_follow_up_done(survey_id: int):
    form = FollowUpDoneForm()
    if not form.validate_on_submit():
        return _page(_shown_page(), failed=(survey_id, form), status=422)
    try:
        survey = service.mark_done(survey_id, current_user, note=form.note.data or "",
                                   now=utc_now())
    except NotFound:
        abort(404)
    except DomainError as error:
        if error.code != service.ALREADY_DONE:
            form.note.errors = [*form.note.errors, NOTE_TOO_LONG]
            return _page(_shown_page(), failed=(survey_id, form), status=422)
        flash(_("Someone else has already marked this follow-up done."), "info")
    else:
        flash(_("The follow-up of %(reference)s is marked done.",
                reference=survey.ticket.reference), "success")
    page = _shown_page()
    return redirect(url_for("agent.survey_follow_ups", page=page if page > 1 else None), 303)
