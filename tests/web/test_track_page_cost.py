"""The status page's cost stays bounded (two statements for a guest, three for the signed-in
owner, whatever the ticket holds) without changing who may see it or what it shows: the grant
check that rides on the ticket's query, the timeline read as rows in one statement, the reply
fields kept per language while the form is untouched, and no form built on a plain visit."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from portal.domain.tickets import Visibility
from portal.extensions import db
from portal.models import TrackingToken
from portal.services import ticket_queries, tickets
from portal.web.track import fragments
from portal.web.track.forms import ReplyForm
from tests.helpers import post_form, sign_in
from tests.web.track_support import PDF, PNG, Upload, category, file_ticket, open_link

CSRF_INPUT = re.compile(r'<input id="csrf_token" name="csrf_token" type="hidden" value="[^"]+">')


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


def _answer(ticket, agent, now, number: int) -> None:
    tickets.staff_reply(ticket, tickets.as_staff(agent), f"Public answer {number}",
                        visibility=Visibility.PUBLIC, now=now,
                        uploads=[Upload(f"answer-{number}.png", PNG)])


def test_guest_page_takes_two_statements_whatever_the_ticket_holds(app, guest, make_user, now):
    client, filing = guest
    ticket, path = filing.ticket, f"/track/{filing.ticket.reference}"
    few, _page = _statements(app, client, path)
    agent = make_user("supervisor")
    for number in range(3):
        _answer(ticket, agent, now, number)
    tickets.staff_reply(ticket, tickets.as_staff(agent), "Internal note", now=now,
                        visibility=Visibility.INTERNAL, uploads=[Upload("secret.pdf", PDF)])
    many, page = _statements(app, client, path)
    assert len(few) == len(many) == 2, many
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


def test_owner_page_takes_three_statements(app, make_user, now):
    owner = make_user()
    filing = file_ticket(now, email=owner.email, customer=owner)
    _answer(filing.ticket, make_user("supervisor"), now, 0)
    client = app.test_client()
    assert sign_in(client, owner.email).status_code == 302
    seen, page = _statements(app, client, f"/track/{filing.ticket.reference}")
    assert len(seen) == 3, seen  # the sign-in with its user, the ticket, the timeline
    assert "Public answer 0" in page and "answer-0.png" in page


def test_a_plain_visit_writes_the_token_input_the_form_would(app, guest):
    client, filing = guest
    path = f"/track/{filing.ticket.reference}"
    page = client.get(path).get_data(as_text=True)
    reply_form = page[page.index('action="/track/' + filing.ticket.reference + '/reply"'):]
    assert CSRF_INPUT.search(reply_form[:reply_form.index("</form>")])
    with app.test_request_context(path):
        assert CSRF_INPUT.fullmatch(str(ReplyForm(formdata=None).hidden_tag()))
    sent = post_form(client, f"{path}/reply", {"body": "Still charged twice"}, from_page=path)
    assert sent.status_code == 303
    assert "Still charged twice" in client.get(path).get_data(as_text=True)


def test_timeline_rows_are_what_the_orm_reads_of_the_public_side(app, guest, make_user, now):
    _client, filing = guest
    ticket, agent = filing.ticket, make_user("supervisor")
    _answer(ticket, agent, now, 0)
    tickets.staff_reply(ticket, tickets.as_staff(agent), "Internal note", now=now,
                        visibility=Visibility.INTERNAL, uploads=[Upload("secret.pdf", PDF)])
    tickets.staff_reply(ticket, tickets.as_staff(agent), "Two files", now=now,
                        visibility=Visibility.PUBLIC,
                        uploads=[Upload("b.png", PNG), Upload("a.pdf", PDF)])
    events, messages = ticket_queries.public_timeline_rows(ticket.id)
    orm_events = ticket_queries.public_timeline(ticket)
    assert [(e.id, e.type, e.from_value, e.to_value, e.data, e.created_at) for e in events] == [
        (e.id, e.type, e.from_value, e.to_value, e.data, e.created_at) for e in orm_events]
    orm_messages = ticket_queries.conversation(ticket, include_internal=False)
    assert len(orm_messages) == 2
    assert [(m.id, m.author_kind, m.author_name, m.body_md, m.body_html, m.created_at,
             [(a.id, a.original_name, a.size) for a in m.attachments]) for m in messages] == [
        (m.id, m.author_kind, m.author_name, m.body_md, m.body_html, m.created_at,
         [(a.id, a.original_name, a.size) for a in m.attachments]) for m in orm_messages]


def test_json_dates_and_labels_are_the_pages_in_each_language(app, guest):
    client, filing = guest
    path = f"/track/{filing.ticket.reference}"
    for language, received in (("en", "Complaint received"), ("vi", "Đã tiếp nhận khiếu nại"),
                               ("en", "Complaint received")):
        headers = {"Accept-Language": language}
        page = client.get(path, headers=headers).get_data(as_text=True)
        first = client.get(f"/api/tickets/{filing.ticket.reference}",
                           headers=headers).get_json()["timeline"][0]
        assert first["label"] == received and f">{received}</strong>" in page
        assert f'datetime="{first["at"]}">{first["at_text"]}</time>' in page
