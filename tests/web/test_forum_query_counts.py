"""The forum's pages read a bounded number of rows sets: the count of SQL statements does not
grow with the threads on a list or the posts on a thread page (no query per row)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from portal.extensions import db
from tests.forum_support import make_post, make_thread
from tests.helpers import sign_in


@contextmanager
def counted():
    statements: list[str] = []

    def remember(conn, cursor, statement, parameters, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)


def _statements(client, path: str) -> int:
    db.session.expire_all()
    with counted() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


@pytest.fixture
def people(make_user):
    """A different author for every thread and post, so a lazy load per row would show."""
    return [make_user("customer", email=f"c{n}@example.com") for n in range(16)]


@pytest.mark.parametrize("role", ["anonymous", "customer", "agent"])
def test_a_category_page_reads_the_same_for_3_or_12_threads(app, make_user, people, role):
    client = app.test_client()
    if role != "anonymous":
        assert sign_in(client, make_user(role, tier=1 if role == "agent" else None)
                       .email).status_code == 302
    for n in range(3):
        make_thread(people[n], title=f"Question number {n} here")
    few = _statements(client, "/forum/c/questions")
    for n in range(3, 12):
        make_thread(people[n], title=f"Question number {n} here")
    assert _statements(client, "/forum/c/questions") == few
    assert _statements(client, "/forum/") <= few + 3


@pytest.mark.parametrize("role", ["anonymous", "customer", "agent"])
def test_a_thread_page_reads_the_same_for_3_or_15_replies(app, make_user, people, role):
    client = app.test_client()
    if role != "anonymous":
        assert sign_in(client, make_user(role, tier=1 if role == "agent" else None)
                       .email).status_code == 302
    thread = make_thread(people[0], replies=[(people[n], f"Reply number {n}.")
                                             for n in range(1, 4)])
    path = f"/forum/t/{thread.id}"
    few = _statements(client, path)
    for n in range(4, 16):
        make_post(thread, people[n], f"Reply number {n}.")
    assert _statements(client, path) == few


def test_needs_attention_reads_the_same_for_3_or_12_threads(app, make_user, people, now):
    from datetime import timedelta

    client = app.test_client()
    assert sign_in(client, make_user("agent", tier=1).email).status_code == 302
    old = now - timedelta(days=2)
    for n in range(3):
        make_thread(people[n], title=f"Old question {n} here", now=old)
    few = _statements(client, "/agent/forum")
    for n in range(3, 12):
        make_thread(people[n], title=f"Old question {n} here", now=old)
    assert _statements(client, "/agent/forum") == few


def test_the_reports_queue_reads_the_same_for_3_or_12_reports(app, make_user, people):
    from portal.models import ForumReport

    client = app.test_client()
    assert sign_in(client, make_user("agent", tier=1).email).status_code == 302

    def report(n: int) -> None:
        thread = make_thread(people[n], title=f"Reported question {n}")
        db.session.add(ForumReport(post_id=thread.posts[0].id, reporter_id=people[15 - n].id,
                                   reason="spam"))
        db.session.commit()

    for n in range(3):
        report(n)
    few = _statements(client, "/agent/forum/reports")
    for n in range(3, 12):
        report(n)
    assert _statements(client, "/agent/forum/reports") == few
