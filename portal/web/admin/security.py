"""Sign-in security for administrators: whether staff must use two-step sign-in
(/admin/security), and resetting a staff member's two-step sign-in when they lost their phone
(from their page under People). Admins only (portal/web/access.py)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.domain.errors import DomainError, NotFound
from portal.services import mfa as mfa_service
from portal.services import users as user_service
from portal.web.admin.forms import ConfirmForm
from portal.web.admin.routes import bp
from portal.web.auth.mfa_forms import StaffMfaSettingsForm
from portal.web.helpers import utc_now


@bp.route("/security", methods=["GET", "POST"])
def security():
    required = mfa_service.staff_mfa_required()
    form = StaffMfaSettingsForm(data={"require_staff_mfa": required})
    if form.validate_on_submit():
        wanted = bool(form.require_staff_mfa.data)
        if wanted != required:
            mfa_service.set_staff_mfa_required(current_user, wanted, now=utc_now())
        if wanted:
            flash(_("Staff must now use two-step sign-in. Those without it are asked to set it "
                    "up before they can go on."), "success")
        else:
            flash(_("Two-step sign-in is no longer required for staff."), "success")
        return redirect(url_for("admin.security"))
    return render_template("admin/security.html", form=form, required=required,
                           without=mfa_service.staff_without_mfa())


@bp.post("/users/<int:user_id>/two-step/reset")
def reset_user_mfa(user_id: int):
    try:
        user = user_service.get_user(user_id)
    except NotFound:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        reset = mfa_service.admin_reset(current_user, user, now=utc_now())
    except DomainError:  # one's own: from the account page, with password and code
        flash(_("Turn off your own two-step sign-in from your account page."), "error")
    else:
        _say_reset(user, reset)
    return redirect(url_for("admin.edit_user", user_id=user.id))


def _say_reset(user, reset: bool) -> None:
    if reset:
        flash(_("Two-step sign-in of %(name)s has been reset and they have been signed out "
                "everywhere. They sign in with their password and can set it up again.",
                name=user.name), "success")
    else:
        flash(_("%(name)s has no two-step sign-in to reset.", name=user.name), "info")
