from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import InputRequired

from portal.web.choices import choices
from portal.web.i18n import LANGUAGE_NAMES


class LanguageForm(FlaskForm):
    locale = SelectField(choices=choices(LANGUAGE_NAMES.items()), validators=[InputRequired()])
    next = HiddenField()
