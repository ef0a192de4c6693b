from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.domain.accounts import Role
from portal.domain.errors import DomainError, NotFound
from portal.services import users as user_service
from portal.web.admin.forms import ConfirmForm, NewUserForm, TeamForm, UserForm
from portal.web.choices import choices
from portal.web.helpers import form_status, utc_now
from portal.web.kb.forms import page_number
from portal.web.labels import ROLE_LABELS
from portal.web.messages import attach_error, error_message

bp = Blueprint("admin", __name__)


def _load(loader, object_id: int):
    try:
        return loader(object_id)
    except NotFound:
        abort(404)


def _changes(form: UserForm) -> user_service.UserChanges:
    return user_service.UserChanges(
        email=form.email.data, name=form.name.data, role=Role(form.role.data),
        tier=form.tier.data, locale=form.locale.data, team_ids=form.team_ids.data or [])


def _team_choices(form: UserForm) -> None:
    form.team_ids.choices = choices((t.id, t.name) for t in user_service.list_teams())


@bp.get("/")
def index():
    if current_user.role == Role.ADMIN.value:
        return redirect(url_for("admin.users"))
    return redirect(url_for("admin.teams"))


@bp.get("/users")
def users():
    search = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    role = role if role in ROLE_LABELS else ""
    pagination = user_service.list_users(search=search, role=role,
                                         page=page_number(request.args.get("page")))
    return render_template("admin/users.html", pagination=pagination, search=search, role=role,
                           role_labels=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = NewUserForm()
    _team_choices(form)
    if form.validate_on_submit():
        try:
            user = user_service.create_user(current_user, _changes(form),
                                            password=form.password.data, now=utc_now())
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("%(name)s can now sign in.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None), form_status(form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = _load(user_service.get_user, user_id)
    form = UserForm(obj=user)
    _team_choices(form)
    if not form.is_submitted():
        form.team_ids.data = [t.id for t in user.teams]
    if form.validate_on_submit():
        try:
            user_service.update_user(current_user, user, _changes(form), now=utc_now())
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Changes to %(name)s have been saved.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user), form_status(form)


def _set_user_active(user_id: int, active: bool):
    user = _load(user_service.get_user, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        user_service.set_user_active(current_user, user, active, now=utc_now())
    except DomainError as error:
        flash(error_message(error.code), "error")
    else:
        message = _("%(name)s can sign in again.") if active else _(
            "%(name)s has been deactivated and signed out everywhere.")
        flash(message % {"name": user.name}, "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id: int):
    return _set_user_active(user_id, False)


@bp.post("/users/<int:user_id>/activate")
def activate_user(user_id: int):
    return _set_user_active(user_id, True)


@bp.get("/teams")
def teams():
    return render_template("admin/teams.html", teams=user_service.list_teams())


def _member_choices(form: TeamForm) -> None:
    form.member_ids.choices = choices((u.id, f"{u.name} ({u.email})")
                                      for u in user_service.staff_users())


@bp.route("/teams/new", methods=["GET", "POST"])
def new_team():
    form = TeamForm()
    _member_choices(form)
    if form.validate_on_submit():
        try:
            team = user_service.create_team(
                current_user, name=form.name.data, description=form.description.data or "",
                email=form.email.data or "", member_ids=form.member_ids.data or [],
                now=utc_now())
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Team %(name)s has been created.", name=team.name), "success")
            return redirect(url_for("admin.teams"))
    return render_template("admin/team_form.html", form=form, team=None), form_status(form)


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
def edit_team(team_id: int):
    team = _load(user_service.get_team, team_id)
    form = TeamForm(obj=team)
    _member_choices(form)
    if not form.is_submitted():
        form.member_ids.data = [m.id for m in team.members]
    if form.validate_on_submit():
        try:
            user_service.update_team(
                current_user, team, name=form.name.data, description=form.description.data or "",
                email=form.email.data or "", member_ids=form.member_ids.data or [],
                now=utc_now())
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Team %(name)s has been saved.", name=team.name), "success")
            return redirect(url_for("admin.teams"))
    return render_template("admin/team_form.html", form=form, team=team), form_status(form)


def _set_team_active(team_id: int, active: bool):
    team = _load(user_service.get_team, team_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user_service.set_team_active(current_user, team, active, now=utc_now())
    message = _("Team %(name)s is active again.") if active else _(
        "Team %(name)s has been deactivated.")
    flash(message % {"name": team.name}, "success")
    return redirect(url_for("admin.teams"))


@bp.post("/teams/<int:team_id>/deactivate")
def deactivate_team(team_id: int):
    return _set_team_active(team_id, False)


@bp.post("/teams/<int:team_id>/activate")
def activate_team(team_id: int):
    return _set_team_active(team_id, True)
