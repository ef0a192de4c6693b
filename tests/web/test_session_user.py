"""Loading the signed-in user from the cookie's token: one narrow statement, same rules."""

from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.services import auth


def test_a_token_signs_in_its_user_until_it_expires(app, make_user, now):
    user = make_user()
    token = auth.start_session(user, now=now, lifetime=timedelta(hours=1))
    loaded = auth.load_session_user(token, now=now + timedelta(minutes=59))
    assert loaded is not None and loaded.id == user.id and loaded.get_id() == token
    assert auth.load_session_user(token, now=now + timedelta(hours=1)) is None
    assert auth.load_session_user("not-" + token, now=now) is None


def test_an_inactive_user_or_an_ended_session_signs_in_nobody(app, make_user, now):
    user = make_user()
    token = auth.start_session(user, now=now, lifetime=timedelta(hours=1))
    user.active = False
    db.session.commit()
    assert auth.load_session_user(token, now=now) is None
    user.active = True
    db.session.commit()
    assert auth.load_session_user(token, now=now) is not None
    auth.end_session(token)
    assert auth.load_session_user(token, now=now) is None
