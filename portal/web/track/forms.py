"""The forms a customer uses to find and follow a complaint."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, MultipleFileField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length

from portal.domain.tickets import MESSAGE_MAX
from portal.services.ticket_files import Upload
from portal.web.kb.forms import without_controls
from portal.web.messages import error_message
from portal.web.uploads import FILE_ERRORS, checked_uploads

REFERENCE_MAX = 40  # generous: people type spaces and dashes; normalize_reference decides

# The codes services raise about a ticket form, in the words the customer reads.
TICKET_ERRORS = {
    "required": _l("Write your message."),
    "too_long": _l("Use at most %(n)s characters.", n=MESSAGE_MAX),
    **FILE_ERRORS,
    "transition_not_allowed": _l("That is not possible for this complaint any more."),
    "status_unchanged": _l("That is not possible for this complaint any more."),
    "reopen_window_passed": _l("A complaint can be reopened for 14 days after it was resolved. "
                               "Write to us instead: your message starts a follow-up "
                               "complaint."),
}


def ticket_error(code: str) -> str:
    message = TICKET_ERRORS.get(code)
    return str(message) if message is not None else error_message(code)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _plain(value):
    """Browsers send CRLF line ends; PostgreSQL refuses NUL and control characters."""
    if not isinstance(value, str):
        return value
    return without_controls(value.replace("\r\n", "\n").replace("\r", "\n"))


def _email_field(label):
    return EmailField(label, filters=[_strip], validators=[
        DataRequired(_l("Enter the e-mail address you gave with the complaint.")),
        Email(_l("Enter an e-mail address like name@example.com."), check_deliverability=False),
        Length(max=254)])


def _reference_field():
    return StringField(_l("Reference"), filters=[_strip], validators=[
        DataRequired(_l("Enter the reference of your complaint, like K7MX-3QPA.")),
        Length(max=REFERENCE_MAX)], render_kw={"autocapitalize": "characters",
                                               "spellcheck": "false"})


class LookupForm(FlaskForm):
    reference = _reference_field()
    email = _email_field(_l("E-mail address"))


class ResendLinkForm(FlaskForm):
    """Shown on the lookup page with the prefix "link-", so its fields do not clash."""

    reference = _reference_field()
    email = _email_field(_l("E-mail address"))


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your message"), filters=[_plain], validators=[
        DataRequired(TICKET_ERRORS["required"]), Length(max=MESSAGE_MAX)],
        render_kw={"rows": 6})
    attachments = MultipleFileField(_l("Attach files (optional)"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.uploads: list[Upload] = []

    def validate_attachments(self, field) -> None:
        self.uploads = checked_uploads(field.data)


class ActionForm(FlaskForm):
    """A one-button form (solved, reopen, sign the link out): only the CSRF token."""
