"""The forms of a reader's actions on a thread: subscribe, report a post, make it private, and
the one-click unsubscribe page. Each is a Flask-WTF form, so each carries its CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from portal.domain.forum import REPORT_REASONS
from portal.services.forum_moderation import NOTE_MAX
from portal.web.choices import choices
from portal.web.kb.forms import without_controls

SUBSCRIBE, UNSUBSCRIBE = "subscribe", "unsubscribe"

REPORT_REASON_LABELS = {
    "spam": _l("Spam or advertising"),
    "abuse": _l("Abusive or offensive"),
    "off_topic": _l("Off topic"),
    "private_data": _l("Shows someone's private details"),
    "other": _l("Something else"),
}


def report_reason_label(code: str) -> str:
    return str(REPORT_REASON_LABELS.get(code, code))


def _plain(value):
    """Browsers send CRLF line ends; PostgreSQL refuses NUL and control characters."""
    if not isinstance(value, str):
        return value
    return without_controls(value.replace("\r\n", "\n").replace("\r", "\n")).strip()


class SubscribeForm(FlaskForm):
    action = HiddenField(validators=[AnyOf([SUBSCRIBE, UNSUBSCRIBE])])


class PrivacyForm(FlaskForm):
    private = HiddenField(validators=[AnyOf(["0", "1"])])


class ReportForm(FlaskForm):
    reason = RadioField(_l("Why are you reporting this post?"),
                        choices=choices((code, REPORT_REASON_LABELS[code])
                                        for code in REPORT_REASONS),
                        validators=[DataRequired(message=_l("Choose a reason."))])
    note = TextAreaField(_l("Anything the moderators should know (optional)"), filters=[_plain],
                         validators=[Length(max=NOTE_MAX, message=_l(
                             "Use at most %(max)d characters."))],
                         render_kw={"rows": 4, "maxlength": NOTE_MAX})


class UnsubscribeForm(FlaskForm):
    """Only the CSRF token: the link's token in the address says which subscription."""
