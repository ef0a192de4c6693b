"""An id too large for a database integer, typed into a form that names a row by id, is "no
such row", never a 500 (found by `make fuzz`: SQLite's driver raises OverflowError on an
integer over 2**63, PostgreSQL's on one over its column type)."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import Team, User
from portal.services import forum
from tests.forum_support import make_thread
from tests.helpers import post_form, sign_in

HUGE = [str(2**63), str(2**70), str(-(2**63) - 1), "9" * 40]


@pytest.fixture
def admin_client(app, make_user):
    admin = make_user("admin", email="root@example.com")
    client = app.test_client()
    assert sign_in(client, admin.email).status_code == 302
    return client


@pytest.mark.parametrize("huge", HUGE)
def test_moving_a_thread_to_a_huge_category_id(app, make_user, huge):
    forum.ensure_default_categories()
    thread = make_thread(make_user("customer"))
    moderator = app.test_client()
    assert sign_in(moderator, make_user("agent").email).status_code == 302
    path = f"/agent/forum/threads/{thread.id}/moderate"
    answer = post_form(moderator, path, {"action": "move", "category_id": huge},
                       from_page=f"/forum/t/{thread.id}")
    assert answer.status_code < 500
    db.session.refresh(thread)
    assert thread.category is not None, "the thread stays where it was"


@pytest.mark.parametrize("huge", HUGE)
def test_a_person_with_a_huge_team_id(admin_client, make_user, huge):
    user = make_user("agent", email="an@example.com")
    answer = post_form(admin_client, f"/admin/users/{user.id}",
                       {"name": "An", "email": "an@example.com", "role": "agent", "tier": "1",
                        "locale": "en", "team_ids": huge}, from_page=f"/admin/users/{user.id}")
    assert answer.status_code < 500
    assert db.session.get(User, user.id).teams == []


@pytest.mark.parametrize("huge", HUGE)
def test_a_team_with_a_huge_member_id(admin_client, make_user, huge):
    answer = post_form(admin_client, "/admin/teams/new",
                       {"name": "Billing", "member_ids": huge}, from_page="/admin/teams/new")
    assert answer.status_code < 500
    assert db.session.query(Team).filter_by(name="Billing").count() == 0
