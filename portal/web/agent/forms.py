"""The forms of an agent's ticket page. Each carries the ticket's version as it was shown, so a
change made meanwhile by someone else is caught (HTTP 409) instead of overwritten.

The forms share one page, so each has a prefix ("reply-body", "status-status"…): their
fields and ids never clash.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, ValidationError

from portal.domain import attachments as files
from portal.domain import tags as tag_rules
from portal.domain.tickets import MESSAGE_MAX, Priority, Status, Visibility
from portal.services.ticket_files import Upload
from portal.web.choices import choices
from portal.web.kb.forms import without_controls
from portal.web.labels import PRIORITY_LABELS, STATUS_LABELS
from portal.web.messages import error_message
from portal.web.uploads import FILE_ERRORS, checked_uploads

NOTE_MAX = 5000
STALE = "stale_ticket"

# The codes services raise about a ticket, in the words an agent reads.
AGENT_ERRORS = {
    STALE: _l("Someone else changed this ticket while you were working on it. Reload the page "
              "to see their change; your text is kept below."),
    "required": _l("Write the message."),
    "too_long": _l("Use at most %(n)s characters.", n=MESSAGE_MAX),
    **FILE_ERRORS,
    "transition_not_allowed": _l("The ticket cannot move to that status from its current one."),
    "status_unchanged": _l("The ticket already has that status."),
    "team_not_found": _l("Choose an active team."),
    "assignee_not_found": _l("Choose an active member of staff."),
    "category_not_found": _l("Choose an active category."),
    "collaborator_not_found": _l("Choose an active member of staff."),
    "collaborator_is_assignee": _l("This person is the assignee already; collaborators are the "
                                   "colleagues who help them."),
    "already_collaborator": _l("This person is already a collaborator on this ticket."),
    "not_a_collaborator": _l("This person is not a collaborator on this ticket (any more)."),
    "tag_too_long": _l("Each tag may be at most %(n)s characters.", n=tag_rules.TAG_MAX),
    "tag_invalid": _l("Tags may hold letters, digits, \"-\" and \"_\" only."),
    "too_many_tags": _l("Use at most %(n)s tags.", n=tag_rules.MAX_TAGS),
}


def agent_error(code: str) -> str:
    message = AGENT_ERRORS.get(code)
    return str(message) if message is not None else error_message(code)


def _plain(value):
    """Browsers send CRLF line ends; PostgreSQL refuses NUL and control characters."""
    if not isinstance(value, str):
        return value
    return without_controls(value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _optional_int(value):
    """"" → None; anything else must be a whole number (else: invalid choice)."""
    return int(value) if value not in (None, "", "None") else None


class TicketForm(FlaskForm):
    # The ticket's version_id when the page was shown.
    version = HiddenField()
    # A service error about field `key` is shown under this form's field `value`.
    error_fields: dict[str, str] = {}

    def expected_version(self) -> int:
        """A missing or garbled version counts as a conflict, never as "no check"."""
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return -1


# After a reply the agent may also move the ticket on; resolving and closing ask for a note,
# so they are done with the status form.
REPLY_THEN = [Status.OPEN, Status.PENDING_CUSTOMER]


class ReplyForm(TicketForm):
    error_fields = {"status": "then_status"}
    body = TextAreaField(_l("Message"), filters=[_plain], validators=[
        DataRequired(AGENT_ERRORS["required"]), Length(max=MESSAGE_MAX)],
        render_kw={"rows": 8})
    visibility = RadioField(_l("Who reads it"), default=Visibility.PUBLIC.value, choices=choices([
        (Visibility.PUBLIC.value, _l("Reply to the customer (they get it by e-mail)")),
        (Visibility.INTERNAL.value, _l("Internal note (staff only)"))]))
    then_status = SelectField(_l("Then set the status"), default="", choices=choices([
        ("", _l("— leave as it is —")), *((s.value, STATUS_LABELS[s.value]) for s in REPLY_THEN)]))
    attachments = MultipleFileField(_l("Attach files (optional)"), render_kw={
        "accept": ",".join(files.ALLOWED_EXTENSIONS)})
    # One-time key: the same form posted again adds no second reply (services/tickets.py).
    submission_key = HiddenField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.uploads: list[Upload] = []

    def validate_attachments(self, field) -> None:
        self.uploads = checked_uploads(field.data)

    @property
    def then(self) -> Status | None:
        return Status(self.then_status.data) if self.then_status.data else None


class StatusForm(TicketForm):
    status = SelectField(_l("New status"), choices=choices(STATUS_LABELS.items()))
    resolution_note = TextAreaField(_l("Resolution note"), filters=[_plain], validators=[
        Length(max=NOTE_MAX)], render_kw={"rows": 3})
    lesson_learned = TextAreaField(_l("Lesson learned"), filters=[_plain], validators=[
        Length(max=NOTE_MAX)], render_kw={"rows": 3})

    def validate_resolution_note(self, field) -> None:
        if self.status.data == Status.RESOLVED.value and not field.data:
            raise ValidationError(_l("Write what was done to resolve the complaint."))

    def validate_lesson_learned(self, field) -> None:
        if self.status.data == Status.CLOSED.value and not field.data:
            raise ValidationError(_l("Write the lesson learned before closing the ticket."))

    @property
    def target(self) -> Status:
        return Status(self.status.data)

    @property
    def note(self) -> str:
        """The note that goes with the target: what was done, or what we learned."""
        if self.target is Status.RESOLVED:
            return self.resolution_note.data or ""
        if self.target is Status.CLOSED:
            return self.lesson_learned.data or ""
        return ""


class AssignForm(TicketForm):
    team_id = SelectField(_l("Team"), coerce=_optional_int)
    assignee_id = SelectField(_l("Assignee"), coerce=_optional_int)


class PriorityForm(TicketForm):
    priority = SelectField(_l("Priority"), choices=choices(
        (p.value, PRIORITY_LABELS[p.value]) for p in Priority))

    @property
    def value(self) -> Priority:
        return Priority(self.priority.data)


# --- the workspace's handling forms (services/ticket_workspace.py) ---------------------------

class ClaimForm(TicketForm):
    """"Take it": only the version."""


class JoinForm(TicketForm):
    """"Join this ticket" as a collaborator: only the version."""


class CategoryForm(TicketForm):
    category_id = SelectField(_l("Category"), coerce=_optional_int, validators=[
        DataRequired(AGENT_ERRORS["category_not_found"])])


class TagsForm(TicketForm):
    tags = StringField(_l("Tags"), filters=[_plain], validators=[Length(max=600)])

    def validate_tags(self, field) -> None:
        """The same rules the service applies, worded with the tag that broke them (gettext,
        not lazy_gettext: a lazy string counts as safe HTML and the typed tag would be shown
        unescaped)."""
        try:
            tag_rules.parse_tags(field.data or "")
        except tag_rules.TagError as error:
            if error.code == "tag_too_long":
                raise ValidationError(_("“%(tag)s” is too long: a tag may be at most %(n)s "
                                        "characters.", tag=error.tag, n=tag_rules.TAG_MAX)
                                      ) from error
            if error.code == "tag_invalid":
                raise ValidationError(_("“%(tag)s” is not a valid tag: use letters, digits, "
                                        "\"-\" and \"_\" only.", tag=error.tag)) from error
            raise ValidationError(agent_error(error.code)) from error


class CollaboratorForm(TicketForm):
    user_id = SelectField(_l("Add a colleague"), coerce=_optional_int, validators=[
        DataRequired(AGENT_ERRORS["collaborator_not_found"])])


class RemoveCollaboratorForm(TicketForm):
    """One form with a "Remove" button per collaborator (the button carries the id)."""

    user_id = SelectField(_l("Collaborator"), coerce=_optional_int, validators=[
        DataRequired(AGENT_ERRORS["not_a_collaborator"])])
