"""The survey's forms (each a Flask-WTF form, so each carries its CSRF token) and the words
for what the survey service refuses."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.domain.surveys import COMMENT_MAX, SCORES, Refusal
from portal.services.surveys import SCORE_LABELS
from portal.web.choices import choices
from portal.web.kb.forms import without_controls

YES, NO = "yes", "no"

ERRORS = {
    "score_range": _l("Choose a score from 1 to 5."),
    "comment_too_long": _l("Use at most %(max)d characters.", max=COMMENT_MAX),
    "survey_closed": _l("Your answer can no longer be changed: answers can be changed for 7 "
                        "days."),
    "survey_unknown": _l("This survey does not exist."),
    "stale_ticket": _l("Your complaint changed while you were answering. Please send your "
                       "answer again."),
    "transition_not_allowed": _l("Your complaint can no longer be reopened."),
    "reopen_window_passed": _l("Your complaint can no longer be reopened."),
}

# The refusal page: a heading and an explanation per reason.
REFUSALS = {
    Refusal.UNKNOWN: (_l("This survey link does not work"),
                      _l("The link is not complete or not valid. Copy the whole link from the "
                         "e-mail, or answer the survey on your complaint's page.")),
    Refusal.EXPIRED: (_l("This survey link has expired"),
                      _l("Survey links work for 30 days. You can still tell us what you think "
                         "on your complaint's page.")),
    Refusal.USED: (_l("This survey link has already been used"),
                   _l("Each link records one answer. To change your answer, open your "
                      "complaint's page: answers can be changed for 7 days.")),
    Refusal.CLOSED: (_l("This survey is closed"),
                     _l("Answers can be changed for 7 days after they are given. Thank you "
                        "for your feedback.")),
}


def error_text(code: str) -> str:
    return str(ERRORS.get(code, code))


def _plain(value):
    """Browsers send CRLF line ends; PostgreSQL refuses NUL and control characters."""
    if not isinstance(value, str):
        return value
    return without_controls(value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _score_field() -> RadioField:
    return RadioField(_l("How satisfied are you?"), coerce=int,
                      choices=choices((score, f"{score} – {SCORE_LABELS[score]}")
                                      for score in SCORES),
                      validators=[InputRequired(message=_l("Choose a score from 1 to 5."))])


class RecordForm(FlaskForm):
    """The confirmation page: the score the e-mail's link chose (or one to choose)."""

    score = _score_field()


class RespondForm(FlaskForm):
    """The whole answer. "Solved?" may stay unanswered; the comment is optional."""

    score = _score_field()
    solved = RadioField(_l("Was your problem solved?"),
                        choices=choices([(YES, _l("Yes")), (NO, _l("No"))]),
                        validators=[Optional()])
    comment = TextAreaField(_l("Anything you want to tell us (optional)"), filters=[_plain],
                            validators=[Length(max=COMMENT_MAX, message=_l(
                                "Use at most %(max)d characters."))],
                            render_kw={"rows": 5, "maxlength": COMMENT_MAX})

    def solved_value(self) -> bool | None:
        return {YES: True, NO: False}.get(self.solved.data)


def solved_choice(solved: bool | None) -> str | None:
    return None if solved is None else (YES if solved else NO)
