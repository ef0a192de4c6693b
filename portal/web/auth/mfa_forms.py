"""The forms of two-step sign-in: a code (from the app, or a recovery code at sign-in), and
the password with a code to turn it off."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import InputRequired, Length

from portal.domain.accounts import PASSWORD_MAX_LENGTH

CODE_MAX = 40  # a recovery code with spaces is 19 characters; anything longer is not a code


def _app_code(label=None):
    return StringField(label or _l("Code from the app"), validators=[
        InputRequired(_l("Enter the 6-digit code your app shows.")), Length(max=CODE_MAX)],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "size": 8,
                   "spellcheck": "false"})


class AppCodeForm(FlaskForm):
    code = _app_code()


class VerifyForm(FlaskForm):
    code = StringField(_l("Code from the app, or a recovery code"), validators=[
        InputRequired(_l("Enter the 6-digit code your app shows, or a recovery code.")),
        Length(max=CODE_MAX)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "off",
                   "spellcheck": "false", "size": 22})


class TurnOffForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[
        InputRequired(_l("Enter your password.")), Length(max=PASSWORD_MAX_LENGTH)])
    code = StringField(_l("Code from the app, or a recovery code"), validators=[
        InputRequired(_l("Enter the 6-digit code your app shows, or a recovery code.")),
        Length(max=CODE_MAX)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "off",
                   "spellcheck": "false"})


class StaffMfaSettingsForm(FlaskForm):
    require_staff_mfa = BooleanField(_l("Require two-step sign-in for staff"))
