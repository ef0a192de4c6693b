"""Administration of complaint categories (the complaint form's types and their teams)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.domain.errors import DomainError, NotFound
from portal.models import ComplaintCategory
from portal.services import complaint_categories as service
from portal.services.users import list_teams
from portal.web.admin.forms import ComplaintCategoryForm
from portal.web.admin.routes import bp
from portal.web.choices import choices
from portal.web.helpers import form_status, utc_now
from portal.web.messages import attach_error

CATEGORY_ERRORS = {
    "category_name_taken": _l("Another complaint category already has this name."),
    "team_not_found": _l("Choose an active team, or no team."),
    "required": _l("Enter a name."),
    "too_long": _l("Use at most 80 characters."),
}


def _show_error(form: ComplaintCategoryForm, error: DomainError) -> None:
    field = getattr(form, error.field or "", None)
    if error.code in CATEGORY_ERRORS and field is not None:
        field.errors = [*field.errors, str(CATEGORY_ERRORS[error.code])]
    else:
        attach_error(form, error)


def _team_choices(form: ComplaintCategoryForm, category: ComplaintCategory | None) -> None:
    """Active teams; a deactivated team the category still points at stays listed, marked."""
    teams = [t for t in list_teams() if t.active or (category and t.id == category.default_team_id)]
    form.default_team_id.choices = choices([
        ("", _("— no team —")),
        *((t.id, t.name if t.active else _("%(name)s (deactivated)", name=t.name))
          for t in teams)])


def _changes(form: ComplaintCategoryForm) -> service.CategoryChanges:
    return service.CategoryChanges(
        name=form.name.data or "", name_vi=form.name_vi.data or "",
        default_team_id=form.default_team_id.data, position=form.position.data or 0,
        active=form.active.data)


def _render(form: ComplaintCategoryForm, category: ComplaintCategory | None):
    return render_template("admin/complaint_category_form.html", form=form,
                           category=category), form_status(form)


@bp.get("/complaint-categories")
def complaint_categories():
    return render_template("admin/complaint_categories.html",
                           categories=service.list_categories())


@bp.route("/complaint-categories/new", methods=["GET", "POST"])
def new_complaint_category():
    form = ComplaintCategoryForm()
    _team_choices(form, None)
    if form.validate_on_submit():
        try:
            category = service.create_category(current_user, _changes(form), now=utc_now())
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(_("The complaint type %(name)s has been added.", name=category.name),
                  "success")
            return redirect(url_for("admin.complaint_categories"))
    return _render(form, None)


@bp.route("/complaint-categories/<int:category_id>", methods=["GET", "POST"])
def edit_complaint_category(category_id: int):
    try:
        category = service.get_category(category_id)
    except NotFound:
        abort(404)
    form = ComplaintCategoryForm(obj=category)
    _team_choices(form, category)
    if form.validate_on_submit():
        try:
            service.update_category(current_user, category, _changes(form), now=utc_now())
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(_("The complaint type %(name)s has been saved.", name=category.name),
                  "success")
            return redirect(url_for("admin.complaint_categories"))
    return _render(form, category)
