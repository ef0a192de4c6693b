"""Administration of the satisfaction surveys: on/off, the delay after resolution and the one
reminder, as a default and per complaint type, at /admin/surveys. Admins only
(portal/web/access.py)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.domain.errors import DomainError, NotFound
from portal.services import survey_settings as service
from portal.web.admin.forms import ConfirmForm
from portal.web.admin.routes import bp
from portal.web.admin.survey_forms import SurveySettingsForm
from portal.web.helpers import utc_now

SURVEY_ERRORS = {
    "required": _l("Enter a whole number of hours."),
    "not_a_number": _l("Enter a whole number of hours."),
    "delay_hours_out_of_range": _l("Use a whole number from 0 to 720."),
    "reminder_after_hours_out_of_range": _l("Use a whole number from 1 to 720."),
    "settings_changed_meanwhile": _l("Someone else saved settings for this complaint type "
                                     "meanwhile. Check them and save again."),
}


def _show_error(form: SurveySettingsForm, error: DomainError) -> None:
    message = str(SURVEY_ERRORS.get(error.code, error.code))
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


def _category_id(key: str) -> int | None:
    """"default", or a category id; anything else is a page that does not exist."""
    if key == service.DEFAULT_KEY:
        return None
    if not key.isdigit() or len(key) > 9:
        abort(404)
    return int(key)


def _settings(category_id: int | None) -> service.SettingsRow:
    try:
        return service.get_settings(category_id)
    except NotFound:
        abort(404)


@bp.get("/surveys")
def survey_settings():
    return render_template("admin/survey_settings.html", rows=service.list_settings())


@bp.route("/surveys/<key>", methods=["GET", "POST"])
def edit_survey_settings(key: str):
    current = _settings(_category_id(key))
    form = SurveySettingsForm(data=vars(current.values))
    if form.validate_on_submit():
        try:
            service.update_settings(current_user, current.category.id if current.category
                                    else None, form.values(), now=utc_now())
        except DomainError as error:
            _show_error(form, error)
        else:
            if current.category is None:
                flash(_("The default survey settings have been saved."), "success")
            else:
                flash(_("The survey settings for %(name)s have been saved.",
                        name=current.category.name), "success")
            return redirect(url_for("admin.survey_settings"))
    if current.category is None:
        title = _("Default survey settings")
    else:
        title = _("Survey settings for %(name)s", name=current.category.name)
    status = 422 if form.is_submitted() and (form.errors or form.form_errors) else 200
    return render_template("admin/survey_settings_form.html", form=form, current=current,
                           title=title), status


@bp.post("/surveys/<int:category_id>/reset")
def reset_survey_settings(category_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        removed = service.reset_override(current_user, category_id, now=utc_now())
    except NotFound:
        abort(404)
    if removed:
        flash(_("The complaint type follows the default survey settings again."), "success")
    else:
        flash(_("The complaint type already follows the default survey settings."), "info")
    return redirect(url_for("admin.survey_settings"))
