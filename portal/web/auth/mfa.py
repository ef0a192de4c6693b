"""Two-step sign-in pages: staff set it up from their account page (/account/two-step), get
ten recovery codes once, renew them or turn it off; at sign-in a correct password for such an
account leads to /login/verify for the code (portal/web/auth/pending.py holds the sign-in
meanwhile). Customers never reach these pages (portal/web/access.py: STAFF).

When administrators require two-step sign-in, `require_enrolment` sends staff without it to
the set-up page from every page but these, so no staff page opens on a password alone.
"""

from __future__ import annotations

import segno
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.domain import totp
from portal.domain.errors import DomainError
from portal.services import mfa as service
from portal.web.admin.forms import ConfirmForm
from portal.web.auth import pending
from portal.web.auth.mfa_forms import AppCodeForm, TurnOffForm, VerifyForm
from portal.web.auth.routes import _sign_in, bp
from portal.web.helpers import form_status, rate_limit, utc_now
from portal.web.messages import error_message

MFA_ERRORS = {
    "mfa_code_wrong": _l("That code is not right, or it has already been used. Enter the code "
                         "your app shows now."),
    "mfa_required_by_admin": _l("Your administrators require two-step sign-in for staff, so "
                                "it cannot be turned off."),
    "mfa_already_on": _l("Two-step sign-in is already on."),
    "mfa_not_on": _l("Two-step sign-in is not on."),
    "mfa_not_started": _l("Start the set-up again."),
}
# Pages staff may still open while they must set up two-step sign-in.
ENROLMENT_ENDPOINTS = frozenset({"auth.mfa", "auth.mfa_start", "auth.mfa_enrol", "auth.logout",
                                 "public.set_language", "static"})


def _show_error(form, error: DomainError) -> None:
    message = str(MFA_ERRORS[error.code]) if error.code in MFA_ERRORS else error_message(
        error.code)
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


# One budget of code tries per account for the sign-in step and the account pages, counted
# before the code is checked (atomically, like RATELIMIT_SIGN_IN_ACCOUNT).
_code_tries = rate_limit("RATELIMIT_MFA", methods=["POST"], scope="mfa",
                         key_func=pending.account_key)


@bp.before_app_request
def require_enrolment():
    """Staff without two-step sign-in go to its set-up while administrators require it."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in ENROLMENT_ENDPOINTS or not current_user.is_authenticated:
        return None
    if service.must_enrol(current_user):
        flash(_("Your administrators require two-step sign-in for staff. Set it up to go on."),
              "info")
        return redirect(url_for("auth.mfa"))
    return None


def _user():
    return current_user._get_current_object()


def _codes_page(codes: list[str], *, renewed: bool):
    return render_template("auth/mfa_codes.html", codes=codes, renewed=renewed)


# --- the account pages ----------------------------------------------------------------------

@bp.get("/account/two-step")
def mfa():
    user = _user()
    return render_template(
        "auth/mfa.html", user=user, required=service.staff_mfa_required(),
        remaining=service.remaining_recovery_codes(user) if user.mfa_enabled else 0,
        may_turn_off=service.may_turn_off(user), start_form=ConfirmForm())


@bp.post("/account/two-step/start")
def mfa_start():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.start_enrolment(_user())
    except DomainError:
        flash(str(MFA_ERRORS["mfa_already_on"]), "info")
        return redirect(url_for("auth.mfa"))
    return redirect(url_for("auth.mfa_enrol"))


@bp.route("/account/two-step/enrol", methods=["GET", "POST"])
@_code_tries
def mfa_enrol():
    user = _user()
    secret = service.enrolment_secret(user)
    if secret is None:  # already on, or not started: the overview says which
        return redirect(url_for("auth.mfa"))
    form = AppCodeForm()
    if form.validate_on_submit():
        try:
            codes = service.confirm_enrolment(user, form.code.data, now=utc_now())
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(_("Two-step sign-in is on. From now on you sign in with your password and "
                    "a code from your app."), "success")
            return _codes_page(codes, renewed=False)
    qr = segno.make(service.provisioning_uri(user), error="m")
    return render_template(
        "auth/mfa_enrol.html", form=form, secret=totp.grouped(secret),
        qr_uri=qr.svg_data_uri(scale=5, border=4, dark="#000", light="#fff")), form_status(form)


@bp.route("/account/two-step/recovery-codes", methods=["GET", "POST"])
@_code_tries
def mfa_recovery_codes():
    user = _user()
    if not user.mfa_enabled:
        return redirect(url_for("auth.mfa"))
    form = AppCodeForm()
    if form.validate_on_submit():
        try:
            codes = service.regenerate_recovery_codes(user, form.code.data, now=utc_now())
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(_("Your new recovery codes are below. The old ones no longer work."),
                  "success")
            return _codes_page(codes, renewed=True)
    return render_template("auth/mfa_regenerate.html", form=form), form_status(form)


@bp.route("/account/two-step/turn-off", methods=["GET", "POST"])
@_code_tries
def mfa_turn_off():
    user = _user()
    if not user.mfa_enabled:
        return redirect(url_for("auth.mfa"))
    form = TurnOffForm()
    if not service.may_turn_off(user):
        form.form_errors.append(str(MFA_ERRORS["mfa_required_by_admin"]))
        return render_template("auth/mfa_turn_off.html", form=form, allowed=False), 403
    if form.validate_on_submit():
        try:
            service.turn_off(user, password=form.password.data, code=form.code.data,
                             now=utc_now())
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(_("Two-step sign-in is off. You sign in with your password alone."), "info")
            return redirect(url_for("auth.mfa"))
    return render_template("auth/mfa_turn_off.html", form=form, allowed=True), form_status(form)


# --- the second step at sign-in -------------------------------------------------------------

@bp.route("/login/verify", methods=["GET", "POST"])
@rate_limit("RATELIMIT_SIGN_IN", methods=["POST"])
@_code_tries
def login_verify():
    held = pending.held(utc_now())
    if held is None:  # expired, finished, or never started: nothing to verify
        pending.release()
        return render_template("auth/login_verify.html", form=None)
    form = VerifyForm()
    if form.validate_on_submit():
        try:
            how = service.check_second_factor(held.user, form.code.data, now=utc_now())
        except DomainError as error:
            _show_error(form, error)
        else:
            _sign_in(held.user, remember=held.remember)  # a fresh session: the marker goes
            if how == "recovery":
                flash(_("You signed in with a recovery code; it will not work again. "
                        "%(count)s are left.",
                        count=service.remaining_recovery_codes(held.user)), "warning")
            flash(_("You are signed in."), "success")
            return redirect(held.next_url or url_for("public.home"))
    return render_template("auth/login_verify.html", form=form), form_status(form)
