"""The forum for moderators (staff): Needs attention, the reports queue, the moderation log, and
the moderation buttons of the thread page (hide, lock, pin, move, make private, clear the risk
flag; hide a post). Every change is audited by portal/services/forum_moderation.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.domain.errors import DomainError
from portal.extensions import db
from portal.models import ForumPost, ForumReport, ForumThread
from portal.services import forum_attention as attention
from portal.services import forum_moderation, forum_subscriptions
from portal.web.agent.forum_forms import ModeratePostForm, ModerateThreadForm, ResolveReportForm
from portal.web.agent.risk_labels import risk_reason_label
from portal.web.agent.routes import bp
from portal.web.forum.action_forms import report_reason_label
from portal.web.helpers import utc_now
from portal.web.kb.forms import page_number

ATTENTION_LABELS = {
    attention.REPORTED: _l("Reported posts"),
    attention.RISK: _l("Risk signs"),
    attention.UNANSWERED: _l("No reply for more than 24 hours"),
    attention.ME_TOO: _l("Many “me too” votes"),
}
# One reason, as the "Why" column of every section reads it.
REASON_LABELS = {
    "reported": _l("Reported"),
    "risk": _l("Risk signs"),
    "unanswered": _l("Unanswered for over 24 hours"),
    "me_too": _l("Many “me too” votes"),
}
ACTION_LABELS = {
    "forum.hide": _l("Hid the thread"),
    "forum.unhide": _l("Showed the thread again"),
    "forum.lock": _l("Locked the thread"),
    "forum.unlock": _l("Unlocked the thread"),
    "forum.pin": _l("Pinned the thread"),
    "forum.unpin": _l("Unpinned the thread"),
    "forum.move": _l("Moved the thread"),
    "forum.make_private": _l("Made the thread private"),
    "forum.make_public": _l("Made the thread public"),
    "forum.clear_risk": _l("Cleared the risk flag"),
    "forum.hide_post": _l("Hid a post"),
    "forum.unhide_post": _l("Showed a post again"),
    "forum.edit_post": _l("Edited someone's post"),
    "forum.dismiss_report": _l("Dismissed a report"),
}
DONE = {
    "hide": _l("The thread is hidden from customers."),
    "unhide": _l("The thread is visible again."),
    "lock": _l("The thread is locked: only staff can reply."),
    "unlock": _l("The thread is open for replies again."),
    "pin": _l("The thread is pinned to the top of its category."),
    "unpin": _l("The thread is no longer pinned."),
    "move": _l("The thread has been moved."),
    "make_private": _l("The thread is private now."),
    "make_public": _l("The thread is public now."),
    "clear_risk": _l("The risk flag has been cleared."),
    "hide_post": _l("The post is hidden from customers."),
    "unhide_post": _l("The post is visible again."),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


@bp.context_processor
def _forum_words() -> dict:
    return {"forum_reason_label": lambda code: str(REASON_LABELS.get(code, code)),
            "forum_action_label": action_label, "report_reason_label": report_reason_label,
            "forum_risk_label": risk_reason_label}


def _page_number() -> int:
    return page_number(request.args.get("page"))


@bp.get("/forum")
def forum_attention():
    sections = attention.needs_attention(utc_now())
    return render_template("agent/forum_attention.html", sections=sections,
                           section_labels=ATTENTION_LABELS)


@bp.get("/forum/reports")
def forum_reports():
    return render_template("agent/forum_reports.html", reports=attention.open_reports())


@bp.post("/forum/reports/<int:report_id>/resolve")
def forum_resolve_report(report_id: int):
    report = db.session.get(ForumReport, report_id) or abort(404)
    form = ResolveReportForm()
    if not form.validate_on_submit():
        flash(_("That did not work. Reload the page and try again."), "error")
    else:
        try:
            forum_moderation.resolve_report(report, current_user,
                                            resolution=form.resolution.data, now=utc_now())
        except DomainError as error:
            if error.code != "report_resolved":
                raise
            flash(_("Someone has resolved this report already."), "info")
        else:
            flash(_("The post is hidden and its reports are closed.")
                  if form.resolution.data == forum_moderation.HIDDEN
                  else _("The report has been dismissed."), "success")
    return redirect(url_for("agent.forum_reports"), 303)


def _done(action: str, changed: bool) -> None:
    if changed:
        flash(str(DONE.get(action, _("Done."))), "success")
    else:
        flash(_("Nothing changed: it was like that already."), "info")


@bp.post("/forum/threads/<int:thread_id>/moderate")
def forum_moderate(thread_id: int):
    thread = db.session.get(ForumThread, thread_id) or abort(404)
    form = ModerateThreadForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for e in form.category_id.errors) if form.category_id.errors
              else _("That did not work. Reload the page and try again."), "error")
    else:
        try:
            changed = forum_moderation.moderate_thread(
                thread, form.action.data, current_user, now=utc_now(),
                category_id=form.category_id.data)
        except DomainError as error:
            if error.code != "category_not_found":
                raise
            flash(_("Choose a category."), "error")
        else:
            _done(form.action.data, changed)
    return redirect(url_for("forum.thread", thread_id=thread.id), 303)


@bp.post("/forum/posts/<int:post_id>/moderate")
def forum_moderate_post(post_id: int):
    post = db.session.get(ForumPost, post_id) or abort(404)
    form = ModeratePostForm()
    if not form.validate_on_submit():
        flash(_("That did not work. Reload the page and try again."), "error")
    else:
        changed = forum_moderation.moderate_post(post, form.action.data, current_user,
                                                 now=utc_now())
        _done(form.action.data, changed)
    return redirect(url_for("forum.thread", **forum_subscriptions.post_url_args(post)), 303)


@bp.get("/forum/log")
def forum_moderation_log():
    pagination, entries = attention.moderation_log(_page_number())
    return render_template("agent/forum_log.html", pagination=pagination, entries=entries)
