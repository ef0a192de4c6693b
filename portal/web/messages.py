"""Words for the stable error codes that services raise (portal.domain.errors.DomainError)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.domain.accounts import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH

ERROR_MESSAGES = {
    "too_short": _l("Use at least %(n)s characters.", n=PASSWORD_MIN_LENGTH),
    "too_long": _l("Use at most %(n)s characters.", n=PASSWORD_MAX_LENGTH),
    "same_as_identity": _l("Your password may not be your e-mail address or your name."),
    "email_taken": _l("An account with this e-mail address already exists."),
    "wrong_password": _l("That is not your current password."),
    "reset_link_invalid": _l("This reset link has expired or has already been used. "
                             "Ask for a new one."),
    "agent_needs_tier": _l("An agent needs a tier: 1, 2 or 3."),
    "tier_only_for_agents": _l("Only agents have a tier."),
    "teams_only_for_staff": _l("Only staff can belong to teams."),
    "team_not_found": _l("One of the chosen teams does not exist."),
    "members_must_be_staff": _l("Team members must be active staff."),
    "team_name_taken": _l("A team with this name already exists."),
    "last_admin": _l("This is the last active administrator; make someone else an "
                     "administrator first."),
    "cannot_deactivate_self": _l("You cannot deactivate your own account."),
    "stale_edit": _l("Someone else saved this article after you opened it. Your text is kept "
                     "below; copy your changes, reload the article and apply them again."),
    "slug_taken": _l("Another article already uses this address. Choose another one."),
    "slug_invalid": _l("Use only lower-case letters a–z, digits and single hyphens, like "
                       "reset-your-password."),
    "visibility_unknown": _l("Choose who can read the article: public or internal."),
    "status_unknown": _l("An article can only be a draft, published or archived."),
    "article_not_found": _l("This article does not exist."),
}


def error_message(code: str) -> str:
    return str(ERROR_MESSAGES.get(code, code))


def attach_error(form, error) -> None:
    """Show a DomainError under its field, or above the form when it names none."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error_message(error.code)]
    else:
        form.form_errors.append(error_message(error.code))
