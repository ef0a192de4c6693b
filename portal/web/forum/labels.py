"""Words for the forum's stored values: thread states, the seeded categories, error codes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.domain import forum as rules

STATE_LABELS = {
    rules.State.OPEN.value: _l("Open"),
    rules.State.ANSWERED.value: _l("Answered"),
    rules.State.LOCKED.value: _l("Locked"),
    rules.State.HIDDEN.value: _l("Hidden"),
}

# The categories migration 0007 seeds; categories added later show their stored name.
CATEGORY_NAMES = {
    "questions": _l("Questions & answers"),
    "ideas": _l("Ideas & feedback"),
    "announcements": _l("Announcements"),
}
CATEGORY_DESCRIPTIONS = {
    "questions": _l("Ask the community and our team how to do something or why something "
                    "happened."),
    "ideas": _l("Tell us what to improve, and see what other customers have suggested."),
    "announcements": _l("News from our support team: changes, outages and new features."),
}

FILTER_LABELS = {
    "": _l("All threads"),
    "unanswered": _l("Without an accepted answer"),
    "answered": _l("Answered"),
}

ERRORS = {
    ("required", "title"): _l("Enter a title."),
    ("too_short", "title"): _l("Use at least %(n)s characters for the title.", n=rules.TITLE_MIN),
    ("too_long", "title"): _l("Use at most %(n)s characters for the title.", n=rules.TITLE_MAX),
    ("required", "body"): _l("Write your message."),
    ("too_short", "body"): _l("Use at least %(n)s characters.", n=rules.BODY_MIN),
    ("too_long", "body"): _l("Use at most %(n)s characters.", n=rules.BODY_MAX),
    ("duplicate_post", "body"): _l("You posted this same text a moment ago. Wait a few minutes, "
                                   "or change it."),
    ("category_not_found", "category_id"): _l("Choose a category."),
    ("forbidden", "category_id"): _l("Only our support team can start threads in this "
                                     "category. Choose another one."),
    ("locked", None): _l("This thread is locked: no new replies."),
    ("forbidden", None): _l("You cannot do this here."),
    ("not_a_reply", "post"): _l("Only a visible reply of this thread can be its answer."),
}


def category_name(category) -> str:
    return str(CATEGORY_NAMES.get(category.slug, category.name))


def category_description(category) -> str:
    return str(CATEGORY_DESCRIPTIONS.get(category.slug, category.description or ""))


def error_message(code: str, field: str | None) -> str:
    message = ERRORS.get((code, field)) or ERRORS.get((code, None)) or ERRORS[("forbidden", None)]
    return str(message)


def attach_error(form, error) -> None:
    """Show a DomainError under its field (the form's field names match the service's), or
    above the form when it names none the form has."""
    field = getattr(form, error.field, None) if error.field else None
    message = error_message(error.code, error.field)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)
