"""Fixtures the forum's request tests share: who takes part, and a client signed in as one of
them."""

from __future__ import annotations

import pytest

from tests.helpers import sign_in


@pytest.fixture
def people(app, make_user):
    """A thread's author, another customer and an agent, with the forum's categories."""
    from portal.services import forum

    forum.ensure_default_categories()
    return {"author": make_user("customer", name="Ana Author"),
            "other": make_user("customer", name="Otto Other"),
            "agent": make_user("agent", name="Aga Agent")}


@pytest.fixture
def as_(app, people):
    """A client signed in as one of `people` (None: anonymous)."""
    def make(who):
        client = app.test_client()
        if who is not None:
            assert sign_in(client, people[who].email).status_code == 302
        return client
    return make
