"""Moderating the forum: every action changes the thread or post, is audited, and keeps the
search index in step; reports (once per reporter) and resolving them; Needs attention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.domain.errors import DomainError
from portal.domain.forum import ME_TOO_THRESHOLD, Viewer
from portal.extensions import db
from portal.models import AuditEvent, ForumReport, ForumThread
from portal.services import forum_attention as attention
from portal.services import forum_index
from portal.services import forum_moderation as moderation
from portal.services.forum_access import visible_to
from tests.forum_support import forum_category, make_post, make_thread


@pytest.fixture
def people(make_user):
    return {"author": make_user("customer"), "other": make_user("customer"),
            "agent": make_user("agent")}


@pytest.fixture
def reindexed(monkeypatch):
    seen = []
    monkeypatch.setattr(forum_index, "changed", lambda thread: seen.append(thread.id))
    return seen


def _audit() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("forum.%"))
                                   .order_by(AuditEvent.id)))


@pytest.mark.parametrize(("action", "attribute", "before", "after"), [
    ("hide", "hidden", False, True), ("unhide", "hidden", True, False),
    ("lock", "locked", False, True), ("unlock", "locked", True, False),
    ("pin", "pinned", False, True), ("unpin", "pinned", True, False),
    ("make_private", "private", False, True), ("make_public", "private", True, False),
    ("clear_risk", "risk_flag", True, False),
])
def test_each_thread_action_changes_audits_and_reindexes(people, now, reindexed, action,
                                                         attribute, before, after):
    thread = make_thread(people["author"], **{attribute: before})
    assert moderation.moderate_thread(thread, action, people["agent"], now=now) is True
    db.session.expire_all()
    assert getattr(db.session.get(ForumThread, thread.id), attribute) is after
    (event,) = _audit()
    assert (event.actor_id, event.action, event.object_type, event.object_id) == (
        people["agent"].id, f"forum.{action}", "forum_thread", thread.id)
    assert event.details["title"] == thread.title
    assert reindexed == [thread.id]
    # Doing it again changes nothing and writes nothing.
    assert moderation.moderate_thread(thread, action, people["agent"], now=now) is False
    assert len(_audit()) == 1


def test_move_changes_the_category_and_records_both(people, now, reindexed):
    thread = make_thread(people["author"])
    ideas = forum_category("ideas")
    assert moderation.moderate_thread(thread, "move", people["agent"], now=now,
                                      category_id=ideas.id)
    assert thread.category_id == ideas.id
    (event,) = _audit()
    assert event.action == "forum.move"
    assert (event.details["from_category"], event.details["to_category"]) == ("questions", "ideas")
    for category_id in (None, 99_999):
        with pytest.raises(DomainError) as error:
            moderation.moderate_thread(thread, "move", people["agent"], now=now,
                                       category_id=category_id)
        assert error.value.code == "category_not_found"


def test_customers_may_not_moderate_and_unknown_actions_are_refused(people, now):
    thread = make_thread(people["author"])
    post = thread.posts[0]
    for call in (lambda: moderation.moderate_thread(thread, "hide", people["author"], now=now),
                 lambda: moderation.moderate_post(post, "hide_post", people["author"], now=now),
                 lambda: moderation.moderate_thread(thread, "delete", people["agent"], now=now),
                 lambda: moderation.moderate_post(post, "hide", people["agent"], now=now)):
        with pytest.raises(DomainError):
            call()
    assert not thread.hidden and not post.hidden
    assert _audit() == []


def test_a_hidden_thread_leaves_customer_lists_but_not_staff_ones(people, now):
    thread = make_thread(people["author"])
    moderation.moderate_thread(thread, "hide", people["agent"], now=now)

    def listed(viewer: Viewer) -> list[int]:
        return list(db.session.scalars(select(ForumThread.id).where(visible_to(viewer))))

    assert listed(Viewer()) == []
    assert listed(Viewer(user_id=people["author"].id)) == []
    assert listed(Viewer(user_id=people["agent"].id, staff=True)) == [thread.id]


def test_hiding_and_showing_a_post_is_audited(people, now, reindexed):
    thread = make_thread(people["author"], replies=[(people["other"], "Buy cheap watches here!")])
    reply = thread.posts[1]
    assert moderation.moderate_post(reply, "hide_post", people["agent"], now=now)
    assert reply.hidden
    assert moderation.moderate_post(reply, "hide_post", people["agent"], now=now) is False
    assert moderation.moderate_post(reply, "unhide_post", people["agent"], now=now)
    assert [(e.action, e.object_type, e.object_id, e.details["thread_id"]) for e in _audit()] == [
        ("forum.hide_post", "forum_post", reply.id, thread.id),
        ("forum.unhide_post", "forum_post", reply.id, thread.id)]
    assert reindexed == [thread.id, thread.id]


def test_the_author_or_staff_change_privacy(people, now, reindexed):
    thread = make_thread(people["author"])
    with pytest.raises(DomainError):
        moderation.set_privacy(thread, people["other"], private=True, now=now)
    assert moderation.set_privacy(thread, people["author"], private=True, now=now)
    assert thread.private
    assert moderation.set_privacy(thread, people["agent"], private=False, now=now)
    assert not thread.private
    assert [(e.action, e.actor_id) for e in _audit()] == [
        ("forum.make_private", people["author"].id), ("forum.make_public", people["agent"].id)]


# --- reports -----------------------------------------------------------------------------------

def test_a_report_is_kept_once_per_reporter(people, now):
    thread = make_thread(people["author"])
    post = thread.posts[0]
    first = moderation.report_post(post, people["other"], reason="spam", note=" Ads ", now=now)
    assert first.created and first.report.note == "Ads"
    again = moderation.report_post(post, people["other"], reason="abuse", now=now)
    assert not again.created and again.report.id == first.report.id
    assert db.session.query(ForumReport).count() == 1


@pytest.mark.parametrize(("who", "reason", "note", "code"), [
    ("author", "spam", "", "forbidden"),          # one's own post
    ("other", "bad", "", "reason_unknown"),
    ("other", "spam", "x" * 501, "too_long"),
])
def test_reports_that_are_refused(people, now, who, reason, note, code):
    post = make_thread(people["author"]).posts[0]
    with pytest.raises(DomainError) as error:
        moderation.report_post(post, people[who], reason=reason, note=note, now=now)
    assert error.value.code == code


def test_a_post_in_a_thread_the_reporter_may_not_see_cannot_be_reported(people, now):
    post = make_thread(people["author"], private=True).posts[0]
    with pytest.raises(DomainError):
        moderation.report_post(post, people["other"], reason="spam", now=now)


def test_hiding_a_reported_post_closes_all_its_reports(people, now, make_user):
    third = make_user("customer")
    thread = make_thread(people["author"], replies=[(people["other"], "Rude words here.")])
    reply = thread.posts[1]
    first = moderation.report_post(reply, people["author"], reason="abuse", now=now).report
    second = moderation.report_post(reply, third, reason="abuse", now=now).report
    ids = moderation.resolve_report(first, people["agent"], resolution="hidden", now=now)
    assert ids == [first.id, second.id]
    assert reply.hidden
    assert {(r.resolution, r.resolved_by_id) for r in (first, second)} == {
        ("hidden", people["agent"].id)}
    (event,) = _audit()
    assert event.action == "forum.hide_post" and event.details["reports"] == ids
    with pytest.raises(DomainError) as error:
        moderation.resolve_report(second, people["agent"], resolution="dismissed", now=now)
    assert error.value.code == "report_resolved"


def test_dismissing_a_report_is_audited_and_leaves_the_post(people, now):
    post = make_thread(people["author"]).posts[0]
    report = moderation.report_post(post, people["other"], reason="off_topic", now=now).report
    with pytest.raises(DomainError):
        moderation.resolve_report(report, people["author"], resolution="dismissed", now=now)
    with pytest.raises(DomainError):
        moderation.resolve_report(report, people["agent"], resolution="burn", now=now)
    moderation.resolve_report(report, people["agent"], resolution="dismissed", now=now)
    assert report.resolution == "dismissed" and not post.hidden
    assert [(e.action, e.object_id) for e in _audit()] == [("forum.dismiss_report", post.id)]
    assert attention.open_reports() == []


def test_open_reports_newest_first(people, now, make_user):
    old = make_thread(people["author"], title="An older thread here").posts[0]
    new = make_thread(people["author"], title="A newer thread here").posts[0]
    moderation.report_post(old, people["other"], reason="spam", now=now - timedelta(hours=1))
    moderation.report_post(new, people["other"], reason="spam", now=now)
    assert [r.post_id for r in attention.open_reports()] == [new.id, old.id]


# --- needs attention ---------------------------------------------------------------------------

def _ids(sections, name):
    return [row.thread.id for row in sections[name]]


def test_unanswered_threads_appear_after_24_hours(people, now):
    thread = make_thread(people["author"], now=now)
    answered = make_thread(people["author"], title="Somebody answered this", now=now,
                           replies=[(people["other"], "Here is the answer.")])
    assert _ids(attention.needs_attention(now + timedelta(hours=23)), "unanswered") == []
    later = attention.needs_attention(now + timedelta(hours=25))
    assert _ids(later, "unanswered") == [thread.id]
    assert answered.id not in _ids(later, "unanswered")
    assert later["unanswered"][0].reasons == ["unanswered"]


def test_risky_threads_show_their_reasons(people, now):
    thread = make_thread(people["author"], risk_flag=True)
    thread.posts[0].risk_reasons = ["threat_legal"]
    db.session.commit()
    rows = attention.needs_attention(now)["risk"]
    assert [r.thread.id for r in rows] == [thread.id]
    assert rows[0].reasons == ["risk"] and rows[0].risk_reasons == ["threat_legal"]
    moderation.moderate_thread(thread, "clear_risk", people["agent"], now=now)
    assert attention.needs_attention(now)["risk"] == []


def test_reported_threads_count_open_reports_even_when_locked(people, now, make_user):
    thread = make_thread(people["author"], locked=True)
    post = make_post(thread, people["other"], "Spam spam spam spam.")
    moderation.report_post(post, people["author"], reason="spam", now=now)
    moderation.report_post(post, make_user("customer"), reason="spam", now=now)
    rows = attention.needs_attention(now)["reported"]
    assert [(r.thread.id, r.open_reports, r.reasons) for r in rows] == [
        (thread.id, 2, ["reported"])]


def test_me_too_threads(people, now):
    popular = make_thread(people["author"])
    popular.posts[0].score = ME_TOO_THRESHOLD
    quiet = make_thread(people["author"], title="A thread few people share")
    quiet.posts[0].score = ME_TOO_THRESHOLD - 1
    db.session.commit()
    assert _ids(attention.needs_attention(now), "me_too") == [popular.id]


def test_hidden_and_locked_threads_need_no_attention(people, now):
    for flags in ({"hidden": True}, {"locked": True}):
        thread = make_thread(people["author"], now=now - timedelta(days=2), risk_flag=True,
                             title=f"Thread {sorted(flags)[0]} here", **flags)
        thread.posts[0].score = ME_TOO_THRESHOLD + 1
    db.session.commit()
    sections = attention.needs_attention(now)
    assert all(rows == [] for rows in sections.values())


def test_sections_are_bounded(people, now):
    for n in range(3):
        make_thread(people["author"], title=f"Unanswered question {n}",
                    now=now - timedelta(days=2, minutes=n))
    rows = attention.needs_attention(now, limit=2)["unanswered"]
    assert len(rows) == 2
    assert rows[0].thread.created_at < rows[1].thread.created_at  # oldest first


def test_the_moderation_log_lists_forum_actions_newest_first(people, now):
    thread = make_thread(people["author"], replies=[(people["other"], "A reply to hide.")])
    moderation.moderate_thread(thread, "lock", people["agent"], now=now)
    moderation.moderate_post(thread.posts[1], "hide_post", people["agent"],
                             now=now + timedelta(seconds=1))
    db.session.add(AuditEvent(actor_id=people["agent"].id, action="ticket.reply",
                              object_type="ticket", object_id=1, details={}, created_at=now))
    db.session.commit()
    pagination, entries = attention.moderation_log(1)
    assert [e.event.action for e in entries] == ["forum.hide_post", "forum.lock"]
    assert all(e.thread_id == thread.id for e in entries)
    assert entries[0].post.id == thread.posts[1].id and entries[1].post is None
    assert entries[0].actor.id == people["agent"].id
    assert pagination.total == 2
