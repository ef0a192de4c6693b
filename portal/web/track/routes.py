"""Following a complaint: reference + e-mail, the private link, the ticket page, its JSON and
its files.

Who may see a ticket is decided in web/ticket_access.py. A visitor who may not see one is
answered exactly as if it did not exist (the lookup page, or 404), so nothing here tells
whether a reference is real. Every response of this blueprint sets `Referrer-Policy:
no-referrer`: a private link in the address must never leave in a Referer header.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal.domain import tickets as rules
from portal.domain.errors import DomainError
from portal.domain.references import normalize_reference
from portal.domain.tickets import Actor, Status
from portal.extensions import files, limiter
from portal.models import Attachment, Ticket
from portal.services import surveys, ticket_queries, tickets, tracking
from portal.services.tickets import as_customer
from portal.web.helpers import (
    business_calendar,
    form_status,
    json_response,
    rate_limit,
    utc_now,
)
from portal.web.labels import CUSTOMER_STATUS_LABELS, PRIORITY_LABELS
from portal.web.ticket_access import (
    customer_may_see,
    customer_ticket_or_404,
    find_status_page,
    find_ticket,
    forget_grant,
    remember_grant,
    staff_may_see,
)
from portal.web.tickets.forms import submission_key
from portal.web.track.file_links import add_key, key_matches
from portal.web.track.forms import (
    REFERENCE_MAX,
    LookupForm,
    ReplyForm,
    ResendLinkForm,
    ticket_error,
)
from portal.web.track.fragments import reply_fields, translated
from portal.web.track.timeline import customer_entries, entry_json, message_json

bp = Blueprint("track", __name__)

MAX_EVENT_ID = 2**31 - 1


@bp.after_request
def no_referrer(response):
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- helpers --------------------------------------------------------------------------------

def _reference_limit() -> str:
    return current_app.config["RATELIMIT_TRACK_REFERENCE"]


def _reference_key() -> str:
    """Tries are counted per reference too, so spreading guesses over many addresses does not
    help: the canonical form when it is one, else what was typed (cut short)."""
    typed = request.form.get("reference", "")[:REFERENCE_MAX * 4]
    return "reference:" + (normalize_reference(typed) or typed.strip()[:REFERENCE_MAX])


def _customer():
    """The signed-in customer acting on the page (staff and guests act as the ticket's contact)."""
    if current_user.is_authenticated and not current_user.is_staff:
        return current_user._get_current_object()
    return None


def _lookup_page(form: LookupForm, link_form: ResendLinkForm, status: int = 200):
    return render_template("track/lookup.html", form=form, link_form=link_form), status


def _ticket_page(ticket: Ticket, form: ReplyForm | None, status: int = 200,
                 loaded: ticket_queries.StatusPage | None = None):
    """The status page; `loaded` (ticket_queries.status_page) saves the survey's and the
    complaint files' queries. `form` is the refused reply, None on a plain visit: an untouched
    form shows nothing but its fields (fragments.reply_fields, kept) and the CSRF token, so
    none is built."""
    now = utc_now()
    entries = customer_entries(ticket)
    category = ticket.category.label(str(get_locale())) if ticket.category else ""
    if loaded is None:
        loaded = ticket_queries.StatusPage(ticket, surveys.survey_for_ticket(ticket),
                                           ticket_queries.complaint_attachments(ticket))
    survey_prompt = surveys.prompt_for(ticket, now, loaded.survey)
    return render_template(
        "track/ticket.html", ticket=ticket, form=form, reply_fields=reply_fields(form),
        entries=entries, category=category,
        priority_label=PRIORITY_LABELS.get(ticket.priority, ticket.priority),
        complaint_files=loaded.complaint_files,
        is_active=ticket.status_enum.is_active,
        may_solve=Status.RESOLVED in rules.allowed_targets(ticket.status_enum, Actor.CUSTOMER),
        may_reopen=(ticket.status_enum is Status.RESOLVED
                    and rules.can_reopen(ticket.resolved_at, now)),
        reopen_until=ticket.resolved_at + rules.REOPEN_WINDOW if ticket.resolved_at else None,
        reply_starts_follow_up=rules.customer_reply_outcome(
            ticket.status_enum, resolved_at=ticket.resolved_at, now=now)
        is rules.ReplyOutcome.FOLLOW_UP,
        last_event_id=max((entry.id for entry in entries), default=0),
        is_owner=_customer() is not None and ticket.customer_id == current_user.id,
        reply_key=_reply_key(form),
        survey_prompt=survey_prompt,
        score_labels=translated(surveys.SCORE_LABELS, "survey_scores") if survey_prompt else {},
    ), status


def _reply_key(form: ReplyForm | None) -> str:
    """The reply form's one-time key (templates/track/ticket.html writes it beside the shared
    fields' markup, so it is no form field): the same form posted again adds no second message
    (services/tickets.py). A refused reply keeps its key; a plain visit gets a new one."""
    return submission_key(request.form.get("submission_key") if form is not None else None)


def _back(ticket: Ticket, anchor: str | None = None):
    return redirect(url_for("track.ticket", reference=ticket.reference, _anchor=anchor), 303)


def _may_download(attachment: Attachment) -> bool:
    """Staff who may see the ticket get any of its files; the customer side only the
    complaint's own files and those of public messages; a staged file nobody."""
    ticket = attachment.ticket
    if ticket is None:
        return False
    if staff_may_see(ticket):
        return True
    if not customer_may_see(ticket):
        return False
    return attachment.message is None or attachment.message.is_public


# --- finding a complaint --------------------------------------------------------------------

@bp.route("/track", methods=["GET", "POST"])
@rate_limit("RATELIMIT_TRACK", methods=["POST"])
@limiter.limit(_reference_limit, key_func=_reference_key, methods=["POST"])
def lookup():
    form = LookupForm(reference=request.args.get("reference", "")[:REFERENCE_MAX])
    if form.validate_on_submit():
        found = tracking.lookup(form.reference.data, form.email.data, now=utc_now())
        if found is not None:
            ticket, grant = found
            remember_grant(grant)
            return _back(ticket)
        # One answer for an unknown reference and for a wrong address alike.
        form.form_errors.append(_(
            "We could not find a complaint with that reference and e-mail address. Check "
            "both and try again, or ask for a new private link below."))
    return _lookup_page(form, ResendLinkForm(prefix="link", formdata=None), form_status(form))


@bp.post("/track/new-link")
@rate_limit("RATELIMIT_LINK_EMAIL")
def resend_link():
    link_form = ResendLinkForm(prefix="link")
    if not link_form.validate_on_submit():
        return _lookup_page(LookupForm(formdata=None), link_form, form_status(link_form))
    tracking.send_new_link(link_form.reference.data, link_form.email.data, now=utc_now())
    flash(_("If the details match, we have sent a new link to the complaint's e-mail "
            "address."), "success")
    return redirect(url_for("track.lookup"), 303)


@bp.get("/t/<token>")
@rate_limit("RATELIMIT_OPEN_LINK", scope="open-link")
def open_link(token: str):
    found = tracking.open_link(token, now=utc_now())
    if found is None:
        flash(_("This private link does not work any more: it was signed out, or the complaint "
                "was closed long ago. Enter the reference and your e-mail address, or ask for a "
                "new link."), "error")
        return redirect(url_for("track.lookup"))
    ticket, grant = found
    remember_grant(grant)
    return _back(ticket)  # a clean address: the token stays out of history and bookmarks


# --- the ticket page ------------------------------------------------------------------------

@bp.get("/track/<reference>")
def ticket(reference: str):
    loaded = find_status_page(reference)
    found = loaded.ticket if loaded is not None else None
    if found is not None and customer_may_see(found):
        return _ticket_page(found, None, loaded=loaded)
    if found is not None and staff_may_see(found):
        return redirect(url_for("agent.ticket", reference=found.reference))
    return redirect(url_for("track.lookup", reference=reference[:REFERENCE_MAX]))


@bp.post("/track/<reference>/reply")
@rate_limit("RATELIMIT_TICKET_REPLY", methods=["POST"])
def reply(reference: str):
    found = customer_ticket_or_404(reference)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _ticket_page(found, form, 422)
    try:
        result = tickets.customer_reply(found, as_customer(found, _customer()), form.body.data,
                                        now=utc_now(), uploads=form.uploads,
                                        calendar=business_calendar(),
                                        submission_key=_reply_key(form))
    except DomainError as error:
        field = getattr(form, error.field, None) if error.field else None
        if field is not None:
            field.errors = [*field.errors, ticket_error(error.code)]
        else:
            form.form_errors.append(ticket_error(error.code))
        return _ticket_page(found, form, 422)
    if result.follow_up is not None:
        remember_grant(tracking.grant_session(result.follow_up, now=utc_now()))
        flash(_("This complaint is closed, so your message has started a new complaint, "
                "%(reference)s, linked to the old one. We have e-mailed you its details.",
                reference=result.follow_up.reference), "info")
        return _back(result.follow_up)
    flash(_("Your message has been added."), "success")
    return _back(found, "timeline")


@bp.post("/track/<reference>/solved")
@rate_limit("RATELIMIT_TICKET_REPLY", methods=["POST"])
def solved(reference: str):
    found = customer_ticket_or_404(reference)
    try:
        tickets.change_status(found, Status.RESOLVED, as_customer(found, _customer()),
                              now=utc_now())
    except DomainError as error:
        flash(ticket_error(error.code), "error")
    else:
        flash(_("Thank you. Your complaint is marked as resolved. If the problem comes back, "
                "you can reopen it within 14 days."), "success")
    return _back(found)


@bp.post("/track/<reference>/reopen")
@rate_limit("RATELIMIT_TICKET_REPLY", methods=["POST"])
def reopen(reference: str):
    found = customer_ticket_or_404(reference)
    try:
        tickets.change_status(found, Status.OPEN, as_customer(found, _customer()),
                              now=utc_now())
    except DomainError as error:
        flash(ticket_error(error.code), "error")
    else:
        flash(_("Your complaint is open again. Tell us below what is still wrong."), "success")
    return _back(found, "reply")


@bp.post("/track/<reference>/sign-out")
@rate_limit("RATELIMIT_TICKET_REPLY", methods=["POST"])
def sign_out_link(reference: str):
    found = customer_ticket_or_404(reference)
    user = _customer()
    tracking.revoke_all(found, actor_id=user.id if user else None,
                        actor_kind=Actor.CUSTOMER.value, now=utc_now())
    forget_grant(found.id)
    if customer_may_see(found):  # the owner, signed in: the account still opens it
        flash(_("Every private link to this complaint is signed out. You still see it here "
                "because it belongs to your account."), "success")
        return _back(found)
    flash(_("Every private link to this complaint is signed out, in every browser. To see it "
            "again, enter its reference and your e-mail address, or ask for a new link."),
          "success")
    return redirect(url_for("track.lookup"), 303)


# --- JSON and files -------------------------------------------------------------------------

def _after_id(value: str | None) -> int:
    return int(value) if value and value.isdigit() and int(value) <= MAX_EVENT_ID else 0


@bp.get("/api/tickets/<reference>")
def api_ticket(reference: str):
    found = find_ticket(reference)
    if found is None or not (customer_may_see(found) or staff_may_see(found)):
        abort(404)
    entries = customer_entries(found, after_id=_after_id(request.args.get("after")))
    active = found.status_enum.is_active
    return json_response({
        "reference": found.reference,
        "status": found.status,
        "status_label": str(CUSTOMER_STATUS_LABELS.get(found.status, found.status)),
        "active": active,
        "priority": found.priority,
        "priority_label": str(PRIORITY_LABELS.get(found.priority, found.priority)),
        "category": found.category.label(str(get_locale())) if found.category else None,
        "first_response_due": (found.first_response_due_at.isoformat()
                               if found.first_response_due_at and not found.first_response_at
                               else None),
        "resolution_due": (found.resolution_due_at.isoformat()
                           if found.resolution_due_at and active else None),
        "timeline": [entry_json(entry) for entry in entries],
        "messages": [message_json(entry.message) for entry in entries if entry.message],
    })


bp.url_defaults(add_key)  # every link to a file carries its key (web/track/file_links.py)


@bp.get("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    if not key_matches(attachment_id, request.args.get("key")):
        abort(404)  # a guessed or walked id: answered like an unknown one
    row = ticket_queries.get_attachment(attachment_id)
    if row is None or not _may_download(row):
        abort(404)
    try:
        handle = files.store.open(row.storage_name)
    except (OSError, ValueError):
        abort(404)
    response = send_file(handle, mimetype=row.content_type, as_attachment=True,
                         download_name=row.original_name, conditional=False, etag=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
