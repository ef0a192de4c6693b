"""The forms of converting a forum post into a ticket and of publishing the answer back, and the
words for what the services refuse."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.domain import forum as forum_rules
from portal.domain.escalation import REASON_MAX
from portal.domain.tickets import DESCRIPTION_MAX, SUBJECT_MAX, Priority
from portal.web.agent.escalation import ESCALATION_ERRORS
from portal.web.agent.forms import _optional_int, _plain, agent_error
from portal.web.choices import choices
from portal.web.labels import PRIORITY_LABELS

CONVERT_ERRORS = {
    "forbidden": _l("Only staff may do this."),
    "staff_post": _l("This post was written by staff: only customers' posts become tickets."),
    "one_target": _l("Choose one escalation: a team or a tier."),
    "priority_not_found": _l("Choose a priority."),
    "category_not_found": _l("Choose an active category."),
    "team_not_found": _l("Choose an active team."),
    "not_from_forum": _l("This ticket did not come from the forum, so there is no thread to "
                         "answer."),
    "not_resolved": _l("Resolve the ticket first: an answer is published once the problem is "
                       "solved."),
    "locked": _l("The thread is locked."),
    "duplicate_post": _l("You posted this same text a moment ago."),
    "too_short": _l("Write at least %(n)s characters.", n=forum_rules.BODY_MIN),
    **ESCALATION_ERRORS,
}

# A service's field name → the form field that shows its error.
CONVERT_FIELDS = {"escalate_to_team_id": "escalate", "to_team_id": "escalate",
                  "to_tier": "escalate", "to_user_id": "escalate", "contact_name": None,
                  "contact_email": None}

LEAVE_OPEN, LOCK = "open", "lock"


def convert_error(code: str) -> str:
    message = CONVERT_ERRORS.get(code)
    return str(message) if message is not None else agent_error(code)


class ConvertForm(FlaskForm):
    subject = StringField(_l("Subject"), filters=[_plain], validators=[
        DataRequired(_l("Write a subject.")), Length(max=SUBJECT_MAX)])
    description = TextAreaField(_l("Description"), filters=[_plain], validators=[
        DataRequired(_l("Write a description.")), Length(max=DESCRIPTION_MAX)],
        render_kw={"rows": 10})
    category_id = SelectField(_l("Complaint category"), coerce=_optional_int, validators=[
        DataRequired(_l("Choose a category."))])
    priority = SelectField(_l("Priority"), default=Priority.NORMAL.value, choices=choices(
        (p.value, PRIORITY_LABELS[p.value]) for p in Priority))
    team_id = SelectField(_l("Team"), coerce=_optional_int)
    thread_after = RadioField(_l("The thread"), default=LEAVE_OPEN, choices=choices([
        (LEAVE_OPEN, _l("Leave it open: the community may go on answering")),
        (LOCK, _l("Lock it: only staff may post there now"))]))
    escalate = SelectField(_l("Escalate at once (optional)"), default="")
    reason = TextAreaField(_l("Reason for the escalation (staff only)"), filters=[_plain],
                           validators=[Length(max=REASON_MAX)], render_kw={"rows": 3})

    def validate_reason(self, field) -> None:
        if self.escalate.data and not field.data:
            raise ValidationError(ESCALATION_ERRORS["reason_required"])

    def escalation_target(self) -> tuple[int | None, int | None]:
        """(team id, tier) from "team:4" / "tier:2"; nothing chosen: (None, None)."""
        kind, _sep, value = (self.escalate.data or "").partition(":")
        number = int(value) if value.isdigit() else None
        if kind == "team":
            return number, None
        if kind == "tier":
            return None, number
        return None, None


class PublishForm(FlaskForm):
    body = TextAreaField(_l("The answer, as the community will read it"), filters=[_plain],
                         validators=[DataRequired(_l("Write the answer.")),
                                     Length(min=forum_rules.BODY_MIN,
                                            max=forum_rules.BODY_MAX)],
                         render_kw={"rows": 10})
