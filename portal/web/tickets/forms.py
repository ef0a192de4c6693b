"""What the complaint form accepts, and the query-string of "My complaints"."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    MultipleFileField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.domain.attachments import (
    ALLOWED_EXTENSIONS,
    MAX_PER_MESSAGE,
)
from portal.domain.tickets import DESCRIPTION_MAX, SUBJECT_MAX, Status
from portal.services.ticket_files import Upload
from portal.web.auth.forms import EMAIL_VALIDATORS, NAME_VALIDATORS
from portal.web.kb.forms import MAX_ID, whole_number, without_controls
from portal.web.messages import error_message
from portal.web.uploads import TOO_MANY, read_uploads

ACCOUNT_NUMBER_MAX = 40
PHONE_MAX = 40
PHONE_PATTERN = re.compile(r"\+?[0-9 ().\-]+")
PHONE_DIGITS = (6, 15)  # E.164 allows at most 15 digits; fewer than 6 is no phone number
SUBMISSION_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
SUGGESTION_WORDS = 30  # the first words of the details that go with the subject to the search

# Words for the codes file_complaint may raise that the form's own checks did not catch first.
COMPLAINT_ERRORS = {
    "required": _l("Fill in this field."),
    "too_long": _l("This is too long."),
    "category_not_found": _l("Choose one of the types in the list."),
    "too_many_files": _l("Attach at most %(n)s files.", n=MAX_PER_MESSAGE),
    "file_too_large": _l("Each file may be at most 10 MB."),
    "file_empty": _l("One of the files is empty."),
    "file_type_not_allowed": _l("One of the files is not a type we accept."),
}

# "My complaints" filters: what the customer picks → the statuses it shows (None: all).
STATUS_FILTERS: dict[str, tuple[Status, ...] | None] = {
    "all": None,
    "open": (Status.NEW, Status.OPEN, Status.PENDING_CUSTOMER),
    "awaiting": (Status.PENDING_CUSTOMER,),
    "resolved": (Status.RESOLVED,),
    "closed": (Status.CLOSED,),
}
FILTER_LABELS = {
    "all": _l("All"),
    "open": _l("Open"),
    "awaiting": _l("Awaiting your reply"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
}


def _line(value):
    """One line of text: no control characters, whitespace tidied."""
    return " ".join(without_controls(value).split()) if isinstance(value, str) else value


def _text(value):
    """A text area: no control characters, LF line ends."""
    if not isinstance(value, str):
        return value
    return without_controls(value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _category(value):
    """"" → None; a garbled value also counts as no choice (never an exception)."""
    number = whole_number(str(value)) if value not in (None, "", "None") else None
    return number if number and number <= MAX_ID else None


class ComplaintForm(FlaskForm):
    category_id = SelectField(_l("Type of complaint"), coerce=_category, validate_choice=False)
    subject = StringField(_l("Subject"), filters=[_line], validators=[
        DataRequired(_l("Enter a subject: a few words about the problem.")),
        Length(max=SUBJECT_MAX, message=_l("Use at most %(max)s characters for the subject.",
                                           max=SUBJECT_MAX))],
        render_kw={"maxlength": SUBJECT_MAX, "spellcheck": "true"})
    description = TextAreaField(_l("Details"), filters=[_text], validators=[
        DataRequired(_l("Tell us what happened.")),
        Length(max=DESCRIPTION_MAX, message=_l(
            "Use at most %(max)s characters for the details.", max=DESCRIPTION_MAX))],
        render_kw={"rows": 8, "spellcheck": "true"})
    account_number = StringField(_l("Account number (optional)"), filters=[_line], validators=[
        Optional(), Length(max=ACCOUNT_NUMBER_MAX)], render_kw={"inputmode": "numeric"})
    contact_name = StringField(_l("Your name"), filters=[_line], validators=NAME_VALIDATORS)
    contact_email = EmailField(_l("E-mail address"), filters=[_line],
                               validators=EMAIL_VALIDATORS)
    contact_phone = TelField(_l("Phone (optional)"), filters=[_line], validators=[
        Optional(), Length(max=PHONE_MAX)])
    urgent = BooleanField(_l("This is urgent"))
    attachments = MultipleFileField(_l("Attachments (optional)"), render_kw={
        "accept": ",".join(ALLOWED_EXTENSIONS)})
    submission_key = HiddenField()
    suggestions_seen = HiddenField()
    article = HiddenField()

    # Set by the view before validation: files staged by earlier tries of this form.
    kept_files: list = []
    # Set by validation: the new files that passed the checks (staged or filed by the view).
    uploads: list[Upload] = []

    def validate_category_id(self, field) -> None:
        known = {choice.value for choice in field.choices or [] if choice.value not in ("", None)}
        if not known:
            field.data = None  # no types configured: the complaint goes without one
        elif field.data not in known:
            raise ValidationError(_l("Choose the type of complaint."))

    def validate_account_number(self, field) -> None:
        pattern = current_app.config["ACCOUNT_NUMBER_PATTERN"]
        if field.data and not re.fullmatch(pattern, field.data):
            raise ValidationError(_l("This is not an account number we recognise. Check the "
                                     "number on your statement, or leave the field empty."))

    def validate_contact_phone(self, field) -> None:
        digits = sum(ch.isdigit() for ch in field.data or "")
        if field.data and (not PHONE_PATTERN.fullmatch(field.data)
                           or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]):
            raise ValidationError(_l("Enter a phone number like +84 28 3822 1234, or leave "
                                     "the field empty."))

    def validate_attachments(self, field) -> None:
        """Good files are kept (staged) even when another one is refused."""
        self.uploads, problems = read_uploads(field.data)
        total = len(self.kept_files) + len(self.uploads) + len(problems)
        if total > MAX_PER_MESSAGE:
            self.uploads = []
            raise ValidationError(TOO_MANY % {"max": MAX_PER_MESSAGE, "n": total})
        if problems:
            raise ValidationError(" ".join(problems))

    def suggestion_text(self) -> str:
        """What the no-JS suggestions step searches for: the subject and the details' start."""
        words = (self.description.data or "").split()[:SUGGESTION_WORDS]
        return " ".join([self.subject.data or "", *words])


def kept_file_ids(formdata: Mapping) -> list[int]:
    """Ids of the staged files the form carries, without those ticked for removal."""
    removed = set(_ids(formdata.getlist("remove_staged")))
    return [i for i in _ids(formdata.getlist("staged")) if i not in removed]


def _ids(values: Iterable[str]) -> list[int]:
    ids = []
    for value in list(values)[: MAX_PER_MESSAGE * 2]:
        number = whole_number(value)
        if number and number <= MAX_ID and number not in ids:
            ids.append(number)
    return ids


def submission_key(value: str | None) -> str:
    """The form's key when it is one we could have made, else a fresh one."""
    if value and SUBMISSION_KEY.fullmatch(value):
        return value
    return secrets.token_urlsafe(24)


def complaint_error(form: ComplaintForm, error) -> None:
    """Show a DomainError from filing under its field, or above the form."""
    message = str(COMPLAINT_ERRORS.get(error.code) or error_message(error.code))
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


def status_filter(value: str | None) -> str:
    return value if value in STATUS_FILTERS else "all"
