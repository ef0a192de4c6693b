"""What the forum accepts: a new thread, a reply, an edit, and the one-button actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from portal.domain import forum as rules
from portal.web.kb.forms import without_controls


def one_line(value: str | None) -> str:
    """A title: control characters gone, whitespace runs made one space."""
    return " ".join(without_controls(value).split())


def body_text(value: str | None) -> str:
    return without_controls(value).replace("\r\n", "\n").strip()


def category_id(value) -> int | None:
    """The chosen category's id; anything else is None (the service says "choose one")."""
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _title_field(label):
    return StringField(label, filters=[one_line], validators=[
        InputRequired(_l("Enter a title.")),
        Length(min=rules.TITLE_MIN, max=rules.TITLE_MAX, message=_l(
            "Use between %(min)s and %(max)s characters for the title.",
            min=rules.TITLE_MIN, max=rules.TITLE_MAX))])


def _body_field(label):
    return TextAreaField(label, filters=[body_text], validators=[
        InputRequired(_l("Write your message.")),
        Length(min=rules.BODY_MIN, max=rules.BODY_MAX, message=_l(
            "Use between %(min)s and %(max)s characters.",
            min=rules.BODY_MIN, max=rules.BODY_MAX))])


class ThreadForm(FlaskForm):
    """A new thread. The service decides who may post in which category (a staff-only one
    chosen by a customer gets a clear message, not "not a valid choice")."""

    category_id = SelectField(_l("Category"), coerce=category_id, validate_choice=False,
                              validators=[InputRequired(_l("Choose a category."))])
    title = _title_field(_l("Title"))
    body = _body_field(_l("Your question or idea"))
    confirm = HiddenField(default="")  # "1": seen the similar threads, post anyway


class ReplyForm(FlaskForm):
    body = _body_field(_l("Your reply"))


class EditForm(FlaskForm):
    """The title is shown (and required) only for the opening post; the view removes it
    otherwise."""

    title = _title_field(_l("Title"))
    body = _body_field(_l("Text"))


class ActionForm(FlaskForm):
    """A one-button action (vote): only the CSRF token."""


class AcceptForm(FlaskForm):
    accept = StringField(validators=[Optional(), AnyOf(["yes", "no"])], default="yes")
