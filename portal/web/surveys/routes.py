"""Satisfaction surveys for customers: the e-mailed one-click links and the response page.

GET /survey/<token>?score=N only shows a confirmation whose form a script submits at once
(static/js/auto-submit.js; without scripts, one button), so mail scanners that fetch links do
not vote. POST /survey/<token> records the score, uses the link up, lets this browser session
edit that survey and goes on to /survey/r/<id> for "solved?" and a comment. The response page
is also open to whoever may see the ticket on the customer side (owner, guest holding its
tracking access); staff who may see the ticket read it without changing it. Anyone else gets
404, as if the survey did not exist.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from portal.domain.errors import DomainError
from portal.domain.surveys import Refusal, SurveyRefused, edit_until, parse_score
from portal.extensions import db
from portal.models import Survey
from portal.services import surveys
from portal.web.helpers import rate_limit, utc_now
from portal.web.surveys.forms import (
    REFUSALS,
    RecordForm,
    RespondForm,
    error_text,
    solved_choice,
)
from portal.web.ticket_access import customer_may_see, staff_may_see

bp = Blueprint("surveys", __name__)

GRANTS_KEY = "survey_grants"
MAX_GRANTS = 20
MAX_ID = 2**31 - 1
REFUSAL_STATUS = {Refusal.UNKNOWN: 404, Refusal.EXPIRED: 410, Refusal.USED: 410,
                  Refusal.CLOSED: 410}


# The link's GET and POST share one budget per client address.
link_limit = rate_limit("RATELIMIT_SURVEY", scope="survey-link")


@bp.after_request
def no_referrer(response):
    """The link's token is in the address: it must never leave in a Referer header."""
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- the session's edit grants --------------------------------------------------------------

def _grant(survey_id: int) -> None:
    grants = [g for g in session.get(GRANTS_KEY, []) if g != survey_id]
    grants.append(survey_id)
    session[GRANTS_KEY] = grants[-MAX_GRANTS:]


def _granted(survey_id: int) -> bool:
    return survey_id in session.get(GRANTS_KEY, [])


# --- the e-mail link ------------------------------------------------------------------------

def _refused(reason: Refusal):
    heading, text = REFUSALS[reason]
    return render_template("surveys/refused.html", heading=heading, text=text,
                           reason=reason.value), REFUSAL_STATUS[reason]


def _confirm_page(survey: Survey, form: RecordForm, token: str, score: int | None,
                  status: int = 200):
    return render_template("surveys/confirm.html", survey=survey, ticket=survey.ticket,
                           form=form, token=token, score=score,
                           score_label=surveys.SCORE_LABELS.get(score),
                           auto=score is not None and not form.errors), status


@bp.get("/<token>")
@link_limit
def open_link(token: str):
    """Show what the link would record; never records."""
    check = surveys.check_link(token, utc_now())
    if check.refusal is not None:
        return _refused(check.refusal)
    score = parse_score(request.args.get("score"))
    form = RecordForm(formdata=None, data={"score": score})
    return _confirm_page(check.survey, form, token, score)


@bp.post("/<token>")
@link_limit
def record(token: str):
    now = utc_now()
    form = RecordForm()
    if not form.validate_on_submit():
        check = surveys.check_link(token, now)
        if check.refusal is not None:
            return _refused(check.refusal)
        return _confirm_page(check.survey, form, token, None, 422)
    try:
        survey = surveys.record_score(token, form.score.data, now)
    except SurveyRefused as refused:
        return _refused(refused.reason)
    except DomainError as error:
        check = surveys.check_link(token, now)
        if check.refusal is not None:
            return _refused(check.refusal)
        form.form_errors.append(error_text(error.code))
        return _confirm_page(check.survey, form, token, None, 422)
    _grant(survey.id)
    flash(_("Thank you: your score is recorded. Would you tell us a little more?"), "success")
    return redirect(url_for("surveys.respond", survey_id=survey.id), 303)


# --- the response page ----------------------------------------------------------------------

def _survey_or_404(survey_id: int) -> tuple[Survey, bool]:
    """The survey and whether this visitor may answer it (False: staff, read only)."""
    survey = db.session.get(Survey, survey_id) if 0 < survey_id <= MAX_ID else None
    if survey is None:
        abort(404)
    if _granted(survey.id) or customer_may_see(survey.ticket):
        return survey, True
    if staff_may_see(survey.ticket):
        return survey, False
    abort(404)


def _respond_page(survey: Survey, form: RespondForm, *, may_answer: bool, status: int = 200):
    now = utc_now()
    return render_template(
        "surveys/respond.html", survey=survey, ticket=survey.ticket, form=form,
        may_answer=may_answer, editable=may_answer and surveys.may_edit(survey, now),
        edit_until=edit_until(survey.responded_at),
        score_label=surveys.SCORE_LABELS.get(survey.score),
        may_track=customer_may_see(survey.ticket)), status


@bp.route("/r/<int:survey_id>", methods=["GET", "POST"])
@rate_limit("RATELIMIT_SURVEY", methods=["POST"], scope="survey-answer")
def respond(survey_id: int):
    survey, may_answer = _survey_or_404(survey_id)
    if request.method == "GET":
        form = RespondForm(formdata=None, data={
            "score": survey.score, "solved": solved_choice(survey.solved),
            "comment": survey.comment or ""})
        return _respond_page(survey, form, may_answer=may_answer)
    form = RespondForm()
    if not may_answer:
        form.form_errors.append(_("Only the customer can answer this survey."))
        return _respond_page(survey, form, may_answer=False, status=403)
    if not form.validate_on_submit():
        return _respond_page(survey, form, may_answer=True, status=422)
    first = survey.responded_at is None
    try:
        surveys.respond(survey, score=form.score.data, solved=form.solved_value(),
                        comment=form.comment.data if "comment" in request.form else None,
                        now=utc_now())
    except DomainError as error:
        db.session.rollback()
        survey = db.session.get(Survey, survey_id)
        field = getattr(form, error.field, None) if error.field else None
        if field is not None:
            field.errors = [*field.errors, error_text(error.code)]
        else:
            form.form_errors.append(error_text(error.code))
        return _respond_page(survey, form, may_answer=True, status=422)
    _grant(survey.id)
    if "comment" not in request.form:  # a score button on the ticket page: ask for the rest
        flash(_("Thank you: your score is recorded. Would you tell us a little more?"),
              "success")
    elif survey.solved is False and survey.ticket.status_enum.is_active:
        flash(_("Thank you. We are sorry the problem is not solved: your complaint is open "
                "again and has been passed on. We will come back to you."), "success")
    elif survey.solved is False:
        flash(_("Thank you. We are sorry the problem is not solved: a supervisor will look at "
                "your answer and contact you."), "success")
    else:
        flash(_("Thank you for your answer.") if first else _("Your answer is changed."),
              "success")
    return redirect(url_for("surveys.respond", survey_id=survey.id), 303)
