"""What a reader does to a thread besides posting: subscribe, unsubscribe (also by the one-click
link in the e-mails), report a post, make a thread private or public.

The thread page's tool bars (templates/forum/_thread_tools.html, _post_tools.html) are
included without a context of their own; what they need comes from this module's context
processor.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.domain import forum as rules
from portal.domain.errors import DomainError
from portal.extensions import db
from portal.models import ForumCategory, ForumPost, ForumThread
from portal.services import forum_moderation, forum_subscriptions
from portal.services.forum_access import flags_of
from portal.web.forum.action_forms import (
    SUBSCRIBE,
    PrivacyForm,
    ReportForm,
    SubscribeForm,
    UnsubscribeForm,
)
from portal.web.forum.lookup import current_viewer, post_or_404, thread_or_404
from portal.web.forum.routes import bp
from portal.web.helpers import rate_limit, utc_now
from portal.web.messages import attach_error


def _thread_page(thread: ForumThread):
    return redirect(url_for("forum.thread", thread_id=thread.id), 303)


# --- what the tool bars need ------------------------------------------------------------------

def thread_tools(thread: ForumThread, viewer: rules.Viewer) -> dict:
    """What _thread_tools.html shows for this visitor."""
    flags = flags_of(thread)
    tools = {"signed_in": viewer.signed_in, "staff": viewer.staff,
             "subscribed": forum_subscriptions.is_subscribed(thread, current_user),
             "may_change_privacy": viewer.signed_in and rules.may_change_privacy(flags, viewer),
             "categories": []}
    if viewer.staff:
        tools["categories"] = list(db.session.scalars(
            select(ForumCategory).order_by(ForumCategory.position, ForumCategory.id)))
    return tools


def post_tools(post: ForumPost, thread: ForumThread, viewer: rules.Viewer) -> dict:
    """What _post_tools.html shows for this visitor and post."""
    return {"may_report": rules.may_report(flags_of(thread), viewer,
                                           post_author_id=post.author_id),
            "staff": viewer.staff}


@bp.context_processor
def _tool_helpers() -> dict:
    return {"forum_thread_tools": thread_tools, "forum_post_tools": post_tools}


# --- subscriptions ----------------------------------------------------------------------------

@bp.post("/t/<int:thread_id>/subscribe")
@rate_limit("RATELIMIT_FORUM_ACTION", methods=["POST"])
def subscribe(thread_id: int):
    thread = thread_or_404(thread_id)
    form = SubscribeForm()
    if not form.validate_on_submit():
        flash(_("That did not work. Reload the page and try again."), "error")
        return _thread_page(thread)
    wanted = form.action.data == SUBSCRIBE
    forum_subscriptions.set_subscription(thread, current_user, subscribed=wanted, now=utc_now())
    flash(_("You will get an e-mail when someone replies.") if wanted
          else _("You will no longer get e-mails about this thread."), "success")
    return _thread_page(thread)


def _invalid_link():
    return render_template("forum/unsubscribe.html", subscription=None, form=None,
                           done=None), 404


@bp.route("/unsubscribe/<unsubscribe_token>", methods=["GET", "POST"])
@rate_limit("RATELIMIT_FORUM_ACTION", methods=["POST"])
def unsubscribe_link(unsubscribe_token: str):
    """GET asks (a script submits the form at once; without it, one button); POST does it."""
    subscription = forum_subscriptions.unsubscribe_by_token(unsubscribe_token)
    if subscription is None:
        return _invalid_link()
    # The thread may have been hidden or made private (and renamed) since the e-mail was sent:
    # its title is shown only to a browser that may still read the thread.
    readable = rules.may_view(flags_of(subscription.thread), current_viewer())
    form = UnsubscribeForm()
    if form.validate_on_submit():
        done = forum_subscriptions.unsubscribe_with_token(unsubscribe_token)
        if done is None:
            return _invalid_link()
        return render_template("forum/unsubscribe.html", subscription=None, form=None,
                               done=done, readable=readable)
    return render_template("forum/unsubscribe.html", subscription=subscription, form=form,
                           done=None, readable=readable), 422 if form.is_submitted() else 200


# --- reports ----------------------------------------------------------------------------------

@bp.route("/p/<int:post_id>/report", methods=["GET", "POST"])
@rate_limit("RATELIMIT_FORUM_ACTION", methods=["POST"])
def report(post_id: int):
    post = post_or_404(post_id)
    thread = post.thread
    if not rules.may_report(flags_of(thread), current_viewer(), post_author_id=post.author_id):
        abort(403)
    if forum_moderation.existing_report(post, current_user) is not None:
        flash(_("You already reported this post. The moderators will look at it."), "info")
        return _thread_page(thread)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            result = forum_moderation.report_post(post, current_user, reason=form.reason.data,
                                                  note=form.note.data or "", now=utc_now())
        except DomainError as error:
            if error.code == "forbidden":
                abort(403)
            attach_error(form, error)
        else:
            flash(_("Thank you. The moderators will look at this post.") if result.created
                  else _("You already reported this post. The moderators will look at it."),
                  "success" if result.created else "info")
            return _thread_page(thread)
    status = 422 if form.is_submitted() else 200
    return render_template("forum/report.html", form=form, post=post, thread=thread), status


# --- privacy ----------------------------------------------------------------------------------

@bp.post("/t/<int:thread_id>/privacy")
@rate_limit("RATELIMIT_FORUM_ACTION", methods=["POST"])
def privacy(thread_id: int):
    thread = thread_or_404(thread_id)
    if not rules.may_change_privacy(flags_of(thread), current_viewer()):
        abort(403)
    form = PrivacyForm()
    if not form.validate_on_submit():
        flash(_("That did not work. Reload the page and try again."), "error")
        return _thread_page(thread)
    private = form.private.data == "1"
    changed = forum_moderation.set_privacy(thread, current_user, private=private, now=utc_now())
    if not changed:
        flash(_("Nothing changed."), "info")
    elif private:
        flash(_("The thread is private now: only you and our support team can see it."),
              "success")
    else:
        flash(_("The thread is public now: everyone can see it."), "success")
    return _thread_page(thread)
