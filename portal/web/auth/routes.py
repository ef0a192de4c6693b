from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.domain.accounts import normalize_email
from portal.domain.errors import DomainError
from portal.services import auth
from portal.web.auth import pending
from portal.web.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
)
from portal.web.helpers import (
    client_ip,
    external_url,
    form_status,
    rate_limit,
    user_agent,
    utc_now,
)
from portal.web.messages import attach_error
from portal.web.security import is_safe_redirect

bp = Blueprint("auth", __name__)


def _limit(setting: str):
    """Rate-limit the POSTs of a view by a limit string from the config."""
    return rate_limit(setting, methods=["POST"])


def _account_key() -> str:
    """Sign-in tries are counted per account too, whether it exists or not, so guesses spread
    over many addresses still stop. The counter is taken before the password is checked, and
    atomically, so parallel tries cannot slip past it (Zammad's CVE-2022-35490)."""
    typed = request.form.get("email", "")[:320]
    return "sign-in:" + normalize_email(typed)


def _sign_in(user, *, remember: bool) -> None:
    """Start a fresh session: nothing from before sign-in survives but the chosen language."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    config = current_app.config
    lifetime = config["REMEMBER_COOKIE_DURATION"] if remember else config[
        "PERMANENT_SESSION_LIFETIME"]
    auth.start_session(user, now=utc_now(), lifetime=lifetime, user_agent=user_agent(),
                       ip_address=client_ip())
    login_user(user, remember=remember, duration=config["REMEMBER_COOKIE_DURATION"])


def _forget_sign_in() -> None:
    locale = session.get("locale")
    session.clear()
    logout_user()  # after clear(): it leaves the flag that deletes the remember-me cookie
    if locale:
        session["locale"] = locale


@bp.route("/login", methods=["GET", "POST"])
@_limit("RATELIMIT_SIGN_IN")
@rate_limit("RATELIMIT_SIGN_IN_ACCOUNT", methods=["POST"], key_func=_account_key)
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = auth.authenticate(form.email.data, form.password.data)
        if user is None:
            form.form_errors.append(_("The e-mail address or the password is not right."))
        elif user.mfa_enabled:  # the right password; the code comes next (web/auth/mfa.py)
            pending.hold(user, remember=form.remember.data, next_url=form.next.data,
                         now=utc_now())
            return redirect(url_for("auth.login_verify"))
        else:
            _sign_in(user, remember=form.remember.data)
            flash(_("You are signed in."), "success")
            target = form.next.data
            return redirect(target if is_safe_redirect(target) else url_for("public.home"))
    return render_template("auth/login.html", form=form), form_status(form)


@bp.post("/logout")
def logout():
    auth.end_session(current_user.get_id())
    _forget_sign_in()
    flash(_("You are signed out."), "info")
    return redirect(url_for("public.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@_limit("RATELIMIT_PASSWORD_RESET")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        minutes = current_app.config["PASSWORD_RESET_MINUTES"]
        auth.request_password_reset(
            form.email.data, now=utc_now(), lifetime_minutes=minutes,
            link_for=lambda token: external_url("auth.reset_password", token=token))
        flash(_("If an account uses that address, we have e-mailed it a link to choose a new "
                "password. The link works for %(minutes)s minutes.", minutes=minutes), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), form_status(form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@_limit("RATELIMIT_PASSWORD_RESET")
@rate_limit("RATELIMIT_OPEN_LINK", methods=["GET"], scope="open-link")
def reset_password(token: str):
    if not auth.reset_link_is_valid(token, now=utc_now()):
        return render_template("auth/reset_invalid.html"), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            auth.reset_password(token, form.password.data, now=utc_now())
        except DomainError as error:
            attach_error(form, error)
        else:
            _forget_sign_in()
            flash(_("Your password has been changed. Sign in with the new one."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), form_status(form)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            auth.change_password(user, current_password=form.current_password.data,
                                 new_password=form.password.data, now=utc_now())
        except DomainError as error:
            attach_error(form, error)
        else:
            _sign_in(user, remember=False)  # every other sign-in has just ended
            flash(_("Your password has been changed. Other devices have been signed out."),
                  "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/change_password.html", form=form), form_status(form)


@bp.route("/account", methods=["GET", "POST"])
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        auth.update_profile(current_user, name=form.name.data, locale=form.locale.data,
                            now=utc_now())
        session["locale"] = form.locale.data
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form), form_status(form)
