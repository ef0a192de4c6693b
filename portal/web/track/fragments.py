"""The reply form's fields on the status page, rendered once per language while untouched.

WTForms builds a field's markup attribute by attribute through Markup formatting; for the
page's two fields (message and files) that was about a tenth of the page's time. Untouched
(no data, no errors, as on every plain visit), their markup depends only on the language: the
label, the hints and the validators' flags are fixed by the code. So it is kept per app and
language, and rebuilt whenever the form carries data or errors (a refused reply), and never
kept while templates reload on change (development).

Also here: label tables (statuses, event types, survey scores) translated once per process and
language (`translated`), not label by label on every page.
"""

from __future__ import annotations

from flask import current_app, get_template_attribute
from flask_babel import get_locale
from markupsafe import Markup

from portal.web.track.forms import ReplyForm
from portal.web.translating import catalogue_memo, current_translations

TEMPLATE = "track/_reply_fields.html"
CACHE_KEY = "portal.track.reply_fields"


def _render(form: ReplyForm) -> Markup:
    return get_template_attribute(TEMPLATE, "reply_fields")(form)


def reply_fields(form: ReplyForm | None) -> Markup:
    """The markup of the form's message and files fields (templates/track/_reply_fields.html).
    None stands for an untouched form (a plain visit): one is built only when the markup is
    not kept yet."""
    if form is not None and (form.errors or form.body.data):
        return _render(form)
    if current_app.jinja_env.auto_reload:
        return _render(form or ReplyForm(formdata=None))
    kept = current_app.extensions.setdefault(CACHE_KEY, {})
    locale = str(get_locale())
    markup = kept.get(locale)
    if markup is None:
        markup = kept[locale] = _render(form or ReplyForm(formdata=None))
    return markup


def translated(labels: dict, name: str) -> dict[object, str]:
    """`labels` (lazy strings, e.g. web/labels.EVENT_LABELS) as text in the visitor's language.
    Kept beside the language's catalogue (web/translating.catalogue_memo: loaded once per
    process, never changed), so each table is translated once per process and language, not
    label by label on every page. `name` tells the tables apart."""
    memo = catalogue_memo(current_translations())
    key = ("portal.track.labels", name)  # template_gettext's keys are (text, bool)
    done = memo.get(key)
    if done is None:
        done = memo[key] = {value: str(label) for value, label in labels.items()}
    return done
