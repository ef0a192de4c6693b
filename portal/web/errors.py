"""Error pages inside the layout; none shows a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.extensions import db

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Bad request"), _l("We could not understand that request. If you were submitting "
                                "a form, go back, reload the page and try again.")),
    403: (_l("Not allowed"), _l("Your account does not have access to this page.")),
    404: (_l("Page not found"), _l("There is nothing at this address. Check the link, or start "
                                   "again from the home page.")),
    405: (_l("Not allowed here"), _l("This address does not accept that kind of request.")),
    413: (_l("Too large"), _l("What you sent is larger than we accept. Try a smaller file.")),
    429: (_l("Too many attempts"), _l("You have tried this too often. Please wait a minute and "
                                      "try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error happened on our side. Nothing you "
                                         "did caused it; please try again in a moment.")),
}


def render_error(code: int):
    title, message = MESSAGES.get(code, MESSAGES[500])
    if request.path.startswith("/api/"):  # scripts get JSON they can read, not a page
        return jsonify({"error": code, "title": str(title), "message": str(message)}), code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def handle_http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    if isinstance(error, CSRFError):
        return render_template(
            "errors/error.html", code=400, title=_l("This form has expired"),
            message=_l("For your safety the form could not be accepted. Go back, reload the "
                       "page and submit it again.")), 400
    return render_error(error.code if error.code in MESSAGES else 500)


def handle_unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    log.exception("unhandled error", exc_info=error)
    db.session.rollback()
    return render_error(500)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
    app.register_error_handler(Exception, handle_unexpected_error)
