"""The forum's pages: categories, thread lists, a thread, posting, editing, votes, accepting.

Thin views: who may see what is decided by lookup.py (404 for what a visitor may not see) and
the rules in portal.domain.forum; every change goes through portal.services.forum.
"""

from __future__ import annotations

from typing import NamedTuple

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.domain import forum as rules
from portal.domain.errors import DomainError
from portal.markdown import render_markdown
from portal.models import ForumPostRevision
from portal.services import forum, forum_reading, forum_search
from portal.services.forum_access import flags_of, revisions_for
from portal.web.forum.forms import AcceptForm, ActionForm, EditForm, ReplyForm, ThreadForm
from portal.web.forum.labels import (
    STATE_LABELS,
    attach_error,
    category_description,
    category_name,
)
from portal.web.forum.lookup import current_viewer, post_or_404, thread_or_404
from portal.web.helpers import form_status, json_response, rate_limit, utc_now
from portal.web.kb.forms import MAX_PAGE, clean_query, page_number, whole_number

bp = Blueprint("forum", __name__)

SIMILAR_MIN_CHARS = 4
POSTING = {"methods": ["POST"], "scope": "forum-post"}
ACTING = {"methods": ["POST"], "scope": "forum-action"}


class Revision(NamedTuple):
    """An earlier version of a post, with its text made into sanitised HTML for the page."""

    row: ForumPostRevision
    body_html: str


def _page() -> int:
    return page_number(request.args.get("page"), last=MAX_PAGE)


def _user():
    return current_user._get_current_object()


def post_url(post) -> str:
    """Where a post is: its thread's page that holds it, at its anchor."""
    page = forum_reading.page_of(post)
    return url_for("forum.thread", thread_id=post.thread_id, page=page if page > 1 else None,
                   _anchor=f"post-{post.id}")


# --- reading --------------------------------------------------------------------------------

@bp.get("/")
def index():
    viewer = current_viewer()
    return render_template("forum/index.html",
                           categories=forum_reading.categories_with_counts(viewer),
                           latest=forum_reading.latest_threads(viewer), viewer=viewer)


@bp.get("/c/<forum_category>")
def category(forum_category: str):
    found = forum_reading.category_by_slug(forum_category[:60])
    if found is None:
        abort(404)
    viewer = current_viewer()
    state = request.args.get("state", "")
    state = state if state in forum_reading.STATE_FILTERS else ""
    threads = forum_reading.category_threads(found, viewer, page=_page(), state=state)
    return render_template("forum/category.html", category=found, threads=threads,
                           state=state, viewer=viewer,
                           may_start=rules.may_start_thread(
                               viewer, staff_only_category=found.staff_only))


def _render_thread(thread, *, reply_form=None, status: int = 200):
    viewer = current_viewer()
    flags = flags_of(thread)
    replies = forum_reading.replies(thread, page=_page())
    opening = forum_reading.opening_post(thread)
    accepted = thread.accepted_post
    if accepted is not None and accepted.hidden and not viewer.staff:
        accepted = None
    shown = [p for p in [opening, accepted, *replies.items] if p is not None]
    if reply_form is None:
        reply_form = ReplyForm()
        quoted = whole_number(request.args.get("quote"))
        source = forum_reading.post_in(thread, quoted) if quoted else None
        if source is not None and (viewer.staff or not source.hidden):
            reply_form.body.data = rules.quote(source.author.name, source.body_md)
    return render_template(
        "forum/thread.html", thread=thread, opening=opening, accepted=accepted,
        replies=replies, page=replies.page, viewer=viewer, flags=flags,
        answer_page=forum_reading.page_of(accepted) if accepted is not None else 1,
        state=rules.thread_state(flags),
        may_reply=rules.may_reply(flags, viewer), may_accept=rules.may_accept(flags, viewer),
        voted=forum_reading.voted(viewer.user_id, [p.id for p in shown]),
        reply_form=reply_form, rules=rules), status


@bp.get("/t/<int:thread_id>")
def thread(thread_id: int):
    return _render_thread(thread_or_404(thread_id))


@bp.get("/p/<int:post_id>/history")
def post_history(post_id: int):
    post = post_or_404(post_id)
    revisions = [Revision(revision, render_markdown(revision.body_md))
                 for revision in reversed(revisions_for(post, current_viewer()))]
    return render_template("forum/history.html", post=post, thread=post.thread,
                           revisions=revisions)


@bp.get("/similar")
@rate_limit("RATELIMIT_SUGGEST")
def similar():
    """Threads and articles like what is being typed, for the new-thread page's script."""
    q = clean_query(request.args.get("q"))
    found = forum_search.similar(q, current_viewer()) if len(q) >= SIMILAR_MIN_CHARS else []
    return json_response({"results": [{"kind": s.kind, "title": s.title, "url": s.url}
                                      for s in found]})


@bp.get("/mine")
def mine():
    viewer = current_viewer()
    return render_template("forum/mine.html", viewer=viewer,
                           threads=forum_reading.threads_of(_user(), viewer, page=_page()))


# --- posting --------------------------------------------------------------------------------

def _category_choices(viewer) -> list[tuple[int, str]]:
    return [(c.id, category_name(c)) for c in forum_reading.categories()
            if rules.may_start_thread(viewer, staff_only_category=c.staff_only)]


@bp.route("/new", methods=["GET", "POST"])
@rate_limit("RATELIMIT_FORUM_POST", **POSTING)
def new_thread():
    viewer = current_viewer()
    form = ThreadForm()
    form.category_id.choices = _category_choices(viewer)
    refused = None
    if request.method == "GET":
        wanted = forum_reading.category_by_slug((request.args.get("category") or "")[:60])
        if wanted is not None and rules.may_start_thread(
                viewer, staff_only_category=wanted.staff_only):
            form.category_id.data = wanted.id
        elif wanted is not None:
            refused = wanted
    similar_found = []
    if form.validate_on_submit():
        if form.confirm.data != "1":
            similar_found = forum_search.similar(f"{form.title.data} {form.body.data}", viewer)
        if not similar_found:
            try:
                created = forum.start_thread(_user(), category_id=form.category_id.data,
                                             title=form.title.data, body=form.body.data,
                                             now=utc_now())
            except DomainError as error:
                attach_error(form, error)
            else:
                flash(_("Your thread is posted."), "success")
                return redirect(url_for("forum.thread", thread_id=created.id))
        form.confirm.data = "1"
    return render_template("forum/new_thread.html", form=form, refused=refused,
                           similar=similar_found), form_status(form)


@bp.post("/t/<int:thread_id>/reply")
@rate_limit("RATELIMIT_FORUM_POST", **POSTING)
def reply(thread_id: int):
    found = thread_or_404(thread_id)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            post = forum.reply(found, _user(), form.body.data, now=utc_now())
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Your reply is posted."), "success")
            return redirect(post_url(post))
    if not form.errors:
        form.form_errors.append(_("Your reply could not be posted. Please try again."))
    return _render_thread(found, reply_form=form, status=422)


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
@rate_limit("RATELIMIT_FORUM_POST", **POSTING)
def edit_post(post_id: int):
    post = post_or_404(post_id)
    viewer = current_viewer()
    if not rules.may_edit(flags_of(post.thread), viewer, post_author_id=post.author_id):
        abort(403)
    form = EditForm(data={"title": post.thread.title, "body": post.body_md})
    if not post.is_opening:
        del form.title
    if form.validate_on_submit():
        try:
            forum.edit_post(post, _user(), body=form.body.data,
                            title=form.title.data if post.is_opening else None, now=utc_now())
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Your changes are saved."), "success")
            return redirect(post_url(post))
    return render_template("forum/edit_post.html", form=form, post=post,
                           thread=post.thread), form_status(form)


# --- votes and answers ----------------------------------------------------------------------

@bp.post("/p/<int:post_id>/vote")
@rate_limit("RATELIMIT_FORUM_ACTION", **ACTING)
def vote(post_id: int):
    post = post_or_404(post_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        voted = forum.toggle_vote(post, _user(), now=utc_now())
    except DomainError:
        abort(403)
    if post.is_opening:
        message = _("You have this problem too.") if voted else _("Your “me too” is taken back.")
    else:
        message = (_("Thank you: marked as helpful.") if voted
                   else _("Your “helpful” vote is taken back."))
    flash(message, "success")
    return redirect(post_url(post))


@bp.post("/p/<int:post_id>/accept")
@rate_limit("RATELIMIT_FORUM_ACTION", **ACTING)
def accept(post_id: int):
    post = post_or_404(post_id)
    form = AcceptForm()
    if not form.validate_on_submit():
        abort(400)
    chosen = post if form.accept.data != "no" else None
    if chosen is None and post.thread.accepted_post_id != post.id:
        return redirect(post_url(post))  # not the answer: nothing to take back
    try:
        forum.accept(post.thread, chosen, _user(), now=utc_now())
    except DomainError as error:
        if error.code == "forbidden":
            abort(403)
        flash(_("Only a visible reply of this thread can be its answer."), "error")
        return redirect(post_url(post))
    flash(_("Marked as the accepted answer.") if chosen else _("The answer mark is removed."),
          "success")
    return redirect(post_url(post))


# --- words the forum's templates (and the agent pages that list threads) use ----------------

@bp.app_template_global("forum_state")
def forum_state(thread) -> str:
    """The thread's state as a word ("Answered", "Locked"…), never a colour alone."""
    return str(STATE_LABELS[rules.thread_state(flags_of(thread)).value])


@bp.app_template_global("forum_category_name")
def forum_category_name(category) -> str:
    return category_name(category)


@bp.app_template_global("forum_category_description")
def forum_category_description(category) -> str:
    return category_description(category)
