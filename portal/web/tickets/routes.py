"""The complaint form (with its article suggestions), its confirmation page, and a signed-in
customer's own complaints (with claiming the guest tickets filed under their e-mail)."""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from portal.domain.errors import DomainError, NotFound
from portal.extensions import db
from portal.models import Article, Attachment
from portal.services import deflection, kb, ticket_queries, tickets, tracking
from portal.services import search as search_service
from portal.services.ticket_files import stage_uploads, staged_files
from portal.web.choices import choices
from portal.web.helpers import (
    business_calendar,
    external_url,
    form_status,
    json_response,
    rate_limit,
    session_id,
    utc_now,
)
from portal.web.kb.forms import clean_query, page_number, plausible_slug
from portal.web.ticket_access import customer_may_see, find_ticket, is_staff, remember_grant
from portal.web.tickets.forms import (
    FILTER_LABELS,
    STATUS_FILTERS,
    ComplaintForm,
    complaint_error,
    kept_file_ids,
    status_filter,
    submission_key,
)

bp = Blueprint("tickets", __name__)

FILED_LINKS = "filed_links"  # session: [[reference, token], …] of the complaints just filed here
MAX_FILED_LINKS = 5
PER_PAGE = 25
SUGGEST_MAX_CHARS = 300
SEE_OTHER = 303


# --- helpers --------------------------------------------------------------------------------

def _locale() -> str:
    return str(get_locale() or "en")


def _session_hash() -> str:
    return search_service.session_hash(session_id())


def _user():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _category_choices(form: ComplaintForm) -> None:
    locale = _locale()
    categories = ticket_queries.active_categories()
    form.category_id.choices = choices(
        [("", _("— choose one —"))] if categories else []) + choices(
        (category.id, category.label(locale)) for category in categories)


def _prefill(form: ComplaintForm) -> None:
    """A fresh form: a new submission key, the customer's contact details, where they came from.
    The browser's session id is made now, with the form: a post whose answer was lost and that
    is posted again is then known as this browser's (see _file)."""
    session_id()
    form.submission_key.data = submission_key(None)
    form.article.data = request.args.get("article", "")
    user = _user()
    if user is not None and not user.is_staff:
        form.contact_name.data = user.name
        form.contact_email.data = user.email


def _article_read(slug: str | None) -> Article | None:
    """The help article the customer came from ("Still need help?"), if it is one they may read."""
    if not slug or not plausible_slug(slug):
        return None
    try:
        return kb.readable_article(slug, is_staff=is_staff())
    except NotFound:
        return None


def _stage(form: ComplaintForm, kept: list[Attachment]) -> list[Attachment]:
    """Keep the new files that passed the checks for the next try of this form."""
    if not form.uploads:
        return kept
    staged = stage_uploads(form.uploads, session_hash=_session_hash(), now=utc_now())
    db.session.commit()
    form.uploads = []
    return [*kept, *staged]


def _render(form: ComplaintForm, kept: list[Attachment], *, suggestions=None):
    return render_template(
        "tickets/new.html", form=form, kept_files=kept, suggestions=suggestions or [],
        article=_article_read(form.article.data),
    ), form_status(form)


def _remember_link(reference: str, token: str) -> None:
    links = [pair for pair in session.get(FILED_LINKS, []) if pair[0] != reference]
    session[FILED_LINKS] = [*links, [reference, token]][-MAX_FILED_LINKS:]


def _filed_link(reference: str) -> str | None:
    return dict(session.get(FILED_LINKS, [])).get(reference)


def _file(form: ComplaintForm, kept: list[Attachment]):
    draft = tickets.ComplaintDraft(
        subject=form.subject.data, description=form.description.data,
        contact_name=form.contact_name.data, contact_email=form.contact_email.data,
        category_id=form.category_id.data, contact_phone=form.contact_phone.data or "",
        account_number=form.account_number.data or "", urgent=bool(form.urgent.data),
        uploads=form.uploads, staged_ids=[row.id for row in kept],
        submission_key=form.submission_key.data, locale=_locale(), session_hash=_session_hash())
    now = utc_now()
    try:
        filing = tickets.file_complaint(draft, actor=_user(), now=now,
                                        calendar=business_calendar())
    except DomainError as error:
        complaint_error(form, error)
        return _render(form, _stage(form, kept))
    if filing.created:
        remember_grant(tracking.grant_session(filing.ticket, now=now))
        if filing.token:
            _remember_link(filing.ticket.reference, filing.token)
    elif filing.ticket.session_hash and filing.ticket.session_hash == draft.session_hash:
        # The same browser posted the same form again: the first answer, with the grant it
        # carried, never arrived (a dead server, a lost connection). Show it its complaint.
        remember_grant(tracking.grant_session(filing.ticket, now=now))
    return redirect(url_for("tickets.received", reference=filing.ticket.reference),
                    code=SEE_OTHER)


def _private(response):
    """Pages that show a private link: it must not leak through Referer headers or caches."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the complaint form ---------------------------------------------------------------------

@bp.route("/complaints/new", methods=["GET", "POST"])
@rate_limit("RATELIMIT_COMPLAINT", methods=["POST"])
def new():
    form = ComplaintForm()
    _category_choices(form)
    if not form.is_submitted():
        _prefill(form)
        return _render(form, [])
    form.submission_key.data = submission_key(form.submission_key.data)
    kept = staged_files(kept_file_ids(request.form), session_hash=_session_hash())
    form.kept_files = kept
    if not form.validate_on_submit():
        return _render(form, _stage(form, kept))
    if not form.suggestions_seen.data:
        # Without JS the customer has not seen suggestions yet: offer them once before filing.
        shown = deflection.suggest_for_complaint(form.suggestion_text(),
                                                 session_id=session_id(), now=utc_now())
        form.suggestions_seen.data = "1"
        if shown:
            return _render(form, _stage(form, kept), suggestions=shown)
    return _file(form, kept)


@bp.get("/complaints/<reference>/received")
def received(reference: str):
    """For the browser that filed it (or the owner). Anyone else is sent to the lookup form,
    exactly as for a reference that does not exist."""
    ticket = find_ticket(reference)
    if ticket is None or not customer_may_see(ticket):
        return redirect(url_for("track.lookup", reference=reference[:20]))
    token = _filed_link(ticket.reference)
    link = external_url("track.open_link", token=token) if token else None
    return _private(make_response(render_template("tickets/received.html", ticket=ticket,
                                                  link=link)))


@bp.get("/api/complaints/suggestions")
@rate_limit("RATELIMIT_SUGGEST")
def suggest():
    text = clean_query(request.args.get("q"), SUGGEST_MAX_CHARS)
    shown = deflection.suggest_for_complaint(text, session_id=session_id(), now=utc_now())
    return json_response({"suggestions": [
        {"id": row.id, "title": article.title, "summary": article.summary,
         "url": url_for("kb.article", slug=article.slug, from_suggestion=row.id)}
        for row, article in shown]})


# --- my complaints --------------------------------------------------------------------------

@bp.get("/my/complaints")
def mine():
    chosen = status_filter(request.args.get("status"))
    statuses = STATUS_FILTERS[chosen]
    pagination = ticket_queries.customer_tickets(
        current_user.id, statuses=tuple(statuses) if statuses else None,
        page=page_number(request.args.get("page")), per_page=PER_PAGE)
    return render_template(
        "tickets/mine.html", pagination=pagination, status=chosen, filter_labels=FILTER_LABELS,
        unclaimed=tracking.unclaimed_count(current_user),
        verified=_user().email_verified == current_user.email, locale=_locale())


@bp.post("/my/complaints/claim")
def claim():
    count = tracking.claim_guest_tickets(_user(), now=utc_now())
    if count:
        flash(ngettext("%(num)s complaint has been added to your complaints.",
                       "%(num)s complaints have been added to your complaints.", count),
              "success")
    else:
        flash(_("There were no complaints to add. Complaints are added only when your "
                "e-mail address is confirmed."), "info")
    return redirect(url_for("tickets.mine"), code=SEE_OTHER)


@bp.post("/my/verify-email")
@rate_limit("RATELIMIT_LINK_EMAIL")
def verify_email():
    user = _user()
    if user.email_verified == user.email:
        flash(_("Your e-mail address is already confirmed."), "info")
    else:
        tracking.start_email_verification(user, now=utc_now())
        flash(_("We have sent a confirmation link to %(email)s. Open it within 24 hours.",
                email=user.email), "success")
    return redirect(url_for("tickets.mine"), code=SEE_OTHER)


@bp.route("/my/verify-email/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """GET only shows the button: mail scanners that open links must not confirm anything."""
    if request.method == "POST":
        if tracking.confirm_email(_user(), token, now=utc_now()):
            flash(_("Thank you: your e-mail address is confirmed."), "success")
            return redirect(url_for("tickets.mine"), code=SEE_OTHER)
        return _private(make_response(render_template("tickets/confirm_email.html",
                                                      invalid=True), 400))
    return _private(make_response(render_template("tickets/confirm_email.html",
                                                  invalid=False)))

