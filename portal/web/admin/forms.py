from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)
from wtforms.widgets import CheckboxInput, ListWidget

from portal.domain.accounts import PASSWORD_MAX_LENGTH
from portal.web.choices import choices
from portal.web.i18n import LANGUAGE_NAMES
from portal.web.kb.forms import row_id
from portal.web.labels import ROLE_LABELS


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _tier(value):
    return int(value) if value not in (None, "", "None") else None


class UserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=120)])
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(_l("Enter an e-mail address.")),
        Email(_l("Enter an e-mail address like name@example.com."), check_deliverability=False),
        Length(max=254)])
    role = SelectField(_l("Role"), choices=choices(ROLE_LABELS.items()))
    tier = SelectField(_l("Tier (agents only)"), coerce=_tier, choices=choices([
        (None, _l("None")), (1, _l("Tier 1 — front line")), (2, _l("Tier 2 — specialist")),
        (3, _l("Tier 3 — escalation manager"))]))
    locale = SelectField(_l("Language"), choices=choices(LANGUAGE_NAMES.items()))
    team_ids = CheckboxListField(_l("Teams"), coerce=row_id, validate_choice=False)


class NewUserForm(UserForm):
    password = PasswordField(_l("Initial password"), validators=[
        InputRequired(_l("Choose a password.")), Length(max=PASSWORD_MAX_LENGTH)])


class TeamForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=80)])
    email = EmailField(_l("Team e-mail address"), validators=[
        Optional(), Email(check_deliverability=False), Length(max=254)])
    description = TextAreaField(_l("What this team handles"), validators=[Length(max=2000)])
    member_ids = CheckboxListField(_l("Members"), coerce=row_id, validate_choice=False)


class ConfirmForm(FlaskForm):
    """An empty form: its only job is to carry the CSRF token of a one-button action."""


def _team_id(value):
    """"" (no team) → None; anything else must be a whole number (else: invalid choice)."""
    return int(value) if value not in (None, "", "None") else None


class ComplaintCategoryForm(FlaskForm):
    name = StringField(_l("Name"), validators=[
        DataRequired(_l("Enter a name.")), Length(max=80)])
    name_vi = StringField(_l("Name in Vietnamese"), validators=[Length(max=80)])
    default_team_id = SelectField(_l("Team that receives these complaints"), coerce=_team_id)
    position = IntegerField(_l("Position on the form"), default=0, validators=[
        Optional(), NumberRange(min=0, max=1000, message=_l("Use a number from 0 to 1000."))])
    active = BooleanField(_l("Offered on the complaint form"), default=True)
