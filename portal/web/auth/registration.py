"""Registration: the form mails a link, and the link's button creates the account.

The form answers the same page whether the address is free or taken (services/signup.py
explains why and how); the link's GET only shows a button, because mail scanners open links.
"""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal.domain.accounts import normalize_email
from portal.domain.errors import DomainError
from portal.services import auth, signup
from portal.web.auth.forms import RegisterForm
from portal.web.auth.routes import _limit, _sign_in, bp
from portal.web.helpers import form_status, rate_limit, utc_now
from portal.web.messages import attach_error

SEE_OTHER = 303


def _private(response, status: int = 200):
    """The link's pages carry its token in their address: no Referer, no cache."""
    response = make_response(response, status)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/register", methods=["GET", "POST"])
@_limit("RATELIMIT_REGISTER")
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            signup.start_sign_up(email=form.email.data, name=form.name.data,
                                 password=form.password.data, locale=str(get_locale()),
                                 now=utc_now())
        except DomainError as error:
            attach_error(form, error)
        else:
            return render_template("auth/register_sent.html",
                                   email=normalize_email(form.email.data))
    return render_template("auth/register.html", form=form), form_status(form)


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
@_limit("RATELIMIT_REGISTER")
@rate_limit("RATELIMIT_OPEN_LINK", methods=["GET"], scope="open-link")
def confirm_sign_up(token: str):
    pending = signup.pending_sign_up(token, now=utc_now())
    if pending is None:
        return _private(render_template("auth/sign_up_invalid.html", taken=False), 410)
    if request.method == "POST":  # the CSRF token is checked for every POST (CSRFProtect)
        try:
            user = signup.confirm_sign_up(token, now=utc_now())
        except DomainError as error:
            taken = error.code == "email_taken"
            return _private(render_template("auth/sign_up_invalid.html", taken=taken),
                            409 if taken else 410)
        if current_user.is_authenticated:  # someone else's sign-in on this browser ends
            auth.end_session(current_user.get_id())
        _sign_in(user, remember=False)
        flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
        return redirect(url_for("public.home"), code=SEE_OTHER)
    return _private(render_template("auth/confirm_sign_up.html", pending=pending))
