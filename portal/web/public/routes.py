from flask import Blueprint, redirect, render_template, session, url_for
from flask_login import current_user

from portal.services.auth import set_locale
from portal.web.public.forms import LanguageForm
from portal.web.security import is_safe_redirect

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    return render_template("public/home.html")


@bp.post("/language")
def set_language():
    """The language switcher: remembered in the session and, when signed in, in the profile."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            set_locale(current_user, form.locale.data)
    target = form.next.data
    return redirect(target if is_safe_redirect(target) else url_for("public.home"))
