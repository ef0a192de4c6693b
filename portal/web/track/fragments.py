"""The reply form's fields on the status page, rendered once per language while untouched.

WTForms builds a field's markup attribute by attribute through Markup formatting; for the
page's two fields (message and files) that was about a tenth of the page's time. Untouched
(no data, no errors, as on every plain visit), their markup depends only on the language: the
label, the hints and the validators' flags are fixed by the code. So it is kept per app and
language, and rebuilt whenever the form carries data or errors (a refused reply), and never
kept while templates reload on change (development).
"""

from __future__ import annotations

from flask import current_app, get_template_attribute
from flask_babel import get_locale
from markupsafe import Markup

from portal.web.track.forms import ReplyForm

TEMPLATE = "track/_reply_fields.html"
CACHE_KEY = "portal.track.reply_fields"


def _render(form: ReplyForm) -> Markup:
    return get_template_attribute(TEMPLATE, "reply_fields")(form)


def reply_fields(form: ReplyForm) -> Markup:
    """The markup of the form's message and files fields (templates/track/_reply_fields.html)."""
    if form.errors or form.body.data or current_app.jinja_env.auto_reload:
        return _render(form)
    kept = current_app.extensions.setdefault(CACHE_KEY, {})
    locale = str(get_locale())
    markup = kept.get(locale)
    if markup is None:
        markup = kept[locale] = _render(form)
    return markup
