"""The moderators' forms: an action on a thread or a post, and resolving a report."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import AnyOf, ValidationError

from portal.services.forum_moderation import POST_ACTIONS, RESOLUTIONS, THREAD_ACTIONS
from portal.web.kb.forms import row_id


def _optional_int(value):
    """"" → None; anything else must be a whole number."""
    if value in (None, ""):
        return None
    try:
        return row_id(value)
    except (TypeError, ValueError):
        return -1  # no such category: the service says so


class ModerateThreadForm(FlaskForm):
    action = HiddenField(validators=[AnyOf([str(a) for a in THREAD_ACTIONS])])
    category_id = SelectField(_l("Move to"), coerce=_optional_int, validate_choice=False)

    def validate_category_id(self, field) -> None:
        if self.action.data == "move" and not field.data:
            raise ValidationError(_l("Choose a category."))


class ModeratePostForm(FlaskForm):
    action = HiddenField(validators=[AnyOf([str(a) for a in POST_ACTIONS])])


class ResolveReportForm(FlaskForm):
    resolution = HiddenField(validators=[AnyOf(list(RESOLUTIONS))])
