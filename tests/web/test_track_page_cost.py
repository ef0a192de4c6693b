"""The status page's cost stays bounded (three statements for a guest, whatever the ticket
holds) without changing who may see it or what it shows: the grant check that rides on the
ticket's query, and the reply fields kept per language while the form is untouched."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from portal.domain.tickets import Visibility
from portal.extensions import db
from portal.models import TrackingToken
from portal.services import tickets
from portal.web.track import fragments
from portal.web.track.forms import ReplyForm
from tests.helpers import post_form
from tests.web.track_support import PDF, PNG, Upload, category, file_ticket, open_link


@pytest.fixture
def guest(app, now):
    filing = file_ticket(now, category_id=category(now).id)
    client = app.test_client()
    assert open_link(client, filing.token).status_code == 303
    return client, filing


def _statements(app, client, path: str) -> tuple[list[str], str]:
    seen: list[str] = []

    def remember(_conn, _cursor, statement, *_rest):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert response.status_code == 200
    return seen, response.get_data(as_text=True)


def test_guest_page_takes_three_statements_whatever_the_ticket_holds(app, guest, make_user, now):
    client, filing = guest
    ticket, path = filing.ticket, f"/track/{filing.ticket.reference}"
    few, _page = _statements(app, client, path)
    agent = make_user("supervisor")
    for number in range(3):
        tickets.staff_reply(ticket, tickets.as_staff(agent), f"Public answer {number}",
                            visibility=Visibility.PUBLIC, now=now,
                            uploads=[Upload(f"answer-{number}.png", PNG)])
    tickets.staff_reply(ticket, tickets.as_staff(agent), "Internal note", now=now,
                        visibility=Visibility.INTERNAL, uploads=[Upload("secret.pdf", PDF)])
    many, page = _statements(app, client, path)
    assert len(few) == len(many) == 3, many
    assert "receipt.pdf" in page and "answer-2.png" in page
    assert "secret.pdf" not in page and "Internal note" not in page
    # each message lists its own files, the complaint only its own
    assert page.index("receipt.pdf") < page.index("Public answer 0") < page.index("answer-0.png")


def test_a_grant_naming_another_tickets_token_opens_nothing(app, now):
    mine = file_ticket(now, email="mine@example.com")
    other = file_ticket(now, email="other@example.com")
    client = app.test_client()
    other_token = db.session.query(TrackingToken).filter_by(ticket_id=other.ticket.id).one()
    with client.session_transaction() as sess:
        sess["ticket_grants"] = [[mine.ticket.id, other_token.id]]
    assert client.get(f"/track/{mine.ticket.reference}").status_code == 302
    assert client.get(f"/api/tickets/{mine.ticket.reference}").status_code == 404


def test_a_revoked_token_loaded_with_the_ticket_still_ends_access(app, guest, now):
    client, filing = guest
    path = f"/track/{filing.ticket.reference}"
    assert client.get(path).status_code == 200
    db.session.query(TrackingToken).filter_by(ticket_id=filing.ticket.id).update(
        {"revoked_at": now})
    db.session.commit()
    assert client.get(path).status_code == 302
    assert client.get(f"/api/tickets/{filing.ticket.reference}").status_code == 404


def test_kept_reply_fields_match_fresh_ones_and_follow_the_language(app, guest):
    client, filing = guest
    path = f"/track/{filing.ticket.reference}"
    assert "Your message" in client.get(path).get_data(as_text=True)
    assert "Tin nhắn của bạn" in client.get(
        path, headers={"Accept-Language": "vi"}).get_data(as_text=True)
    with app.test_request_context(path):
        form = ReplyForm(formdata=None)
        assert fragments.reply_fields(form) == fragments._render(form)


def test_a_refused_reply_shows_its_errors_and_leaves_the_kept_fields_clean(app, guest):
    client, filing = guest
    path = f"/track/{filing.ticket.reference}"
    client.get(path)  # the untouched fields are kept now
    refused = post_form(client, f"{path}/reply", {"body": "  "}, from_page=path)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in page and 'id="body-error"' in page
    again = client.get(path).get_data(as_text=True)
    assert 'aria-invalid="true"' not in again and 'id="body-error"' not in again
