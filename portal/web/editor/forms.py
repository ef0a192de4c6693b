from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from portal.domain.kb import SLUG_PATTERN, Status, Visibility
from portal.web.choices import choices
from portal.web.i18n import LANGUAGE_NAMES
from portal.web.messages import ERROR_MESSAGES

TITLE_MAX, SLUG_MAX, SUMMARY_MAX, TAGS_MAX = 200, 80, 300, 500
BODY_MAX = 200_000  # characters of Markdown; far above any real article, cheap to render

STATUS_LABELS = {
    Status.DRAFT.value: _l("Draft"),
    Status.PUBLISHED.value: _l("Published"),
    Status.ARCHIVED.value: _l("Archived"),
}
VISIBILITY_LABELS = {
    Visibility.PUBLIC.value: _l("Public"),
    Visibility.INTERNAL.value: _l("Internal"),
}
# What a revision's note (set by services.kb) says happened.
REVISION_NOTES = {
    "created": _l("Created"),
    "edited": _l("Edited"),
    "draft": _l("Moved to draft"),
    "published": _l("Published"),
    "archived": _l("Archived"),
    "deleted": _l("Deleted"),
    "restored": _l("Restored"),
}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _newlines(value):
    """Browsers send text areas with CRLF line ends; store plain LF."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def _category(value):
    """"" (— none —) → None; anything else must be a whole number (else: invalid choice)."""
    if value in (None, "", "None"):
        return None
    return int(value)


class ArticleForm(FlaskForm):
    title = StringField(_l("Title"), filters=[_strip], validators=[
        DataRequired(_l("Enter a title.")), Length(max=TITLE_MAX)])
    slug = StringField(_l("Address (slug)"), filters=[_strip], validators=[
        Optional(), Length(max=SLUG_MAX),
        Regexp(SLUG_PATTERN, message=ERROR_MESSAGES["slug_invalid"])])
    summary = TextAreaField(_l("Summary"), filters=[_strip], validators=[
        Length(max=SUMMARY_MAX)], render_kw={"rows": 2})
    category_id = SelectField(_l("Category"), coerce=_category)
    tags = StringField(_l("Tags"), validators=[Length(max=TAGS_MAX)])
    visibility = SelectField(_l("Who can read it"), choices=choices([
        (Visibility.PUBLIC.value, _l("Public — customers and guests")),
        (Visibility.INTERNAL.value, _l("Internal — staff only"))]))
    language = SelectField(_l("Language"), choices=choices(LANGUAGE_NAMES.items()))
    body = TextAreaField(_l("Text (Markdown)"), filters=[_newlines], validators=[
        DataRequired(_l("Write the text of the article.")), Length(max=BODY_MAX)],
        render_kw={"rows": 18, "spellcheck": "true"})
    # The article's version when the form was opened: a save made on an older one is a conflict.
    version = HiddenField()
    # One-time key: the same form posted again saves nothing twice (services/kb.py).
    submission_key = HiddenField()


class PreviewForm(FlaskForm):
    """The live preview's request: Markdown in, sanitised HTML out."""

    body = TextAreaField(filters=[_newlines], validators=[Length(max=BODY_MAX)])


class StatusForm(FlaskForm):
    status = SelectField(choices=choices(STATUS_LABELS.items()))


class ConfirmForm(FlaskForm):
    """An empty form: its only job is to carry the CSRF token of a one-button action."""
