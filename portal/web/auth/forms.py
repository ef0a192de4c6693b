from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Regexp

from portal.domain.accounts import PASSWORD_MAX_LENGTH
from portal.web.choices import choices
from portal.web.i18n import LANGUAGE_NAMES

EMAIL_VALIDATORS = [
    DataRequired(_l("Enter your e-mail address.")),
    Email(_l("Enter an e-mail address like name@example.com."), check_deliverability=False),
    # "=?" starts an encoded word: the e-mail package would decode it into other addresses
    # (portal/notify/headers.py refuses such a recipient; here the person is told at once).
    Regexp(r"^(?!.*=\?)", message=_l("Enter an e-mail address like name@example.com.")),
    Length(max=254),
]
NAME_VALIDATORS = [DataRequired(_l("Enter your name.")), Length(max=120)]


def new_password_fields():
    password = PasswordField(_l("New password"), validators=[
        InputRequired(_l("Choose a password.")),
        Length(max=PASSWORD_MAX_LENGTH)])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        InputRequired(_l("Repeat the password.")),
        EqualTo("password", _l("The two passwords differ."))])
    return password, confirm


class RegisterForm(FlaskForm):
    name = StringField(_l("Your name"), validators=NAME_VALIDATORS)
    email = EmailField(_l("E-mail address"), validators=EMAIL_VALIDATORS)
    password, confirm = new_password_fields()


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=EMAIL_VALIDATORS)
    password = PasswordField(_l("Password"), validators=[
        InputRequired(_l("Enter your password.")), Length(max=PASSWORD_MAX_LENGTH)])
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()


class LogoutForm(FlaskForm):
    pass


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=EMAIL_VALIDATORS)


class ResetPasswordForm(FlaskForm):
    password, confirm = new_password_fields()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[
        InputRequired(_l("Enter your current password.")), Length(max=PASSWORD_MAX_LENGTH)])
    password, confirm = new_password_fields()


class ProfileForm(FlaskForm):
    name = StringField(_l("Your name"), validators=NAME_VALIDATORS)
    locale = SelectField(_l("Language"), choices=choices(LANGUAGE_NAMES.items()))
