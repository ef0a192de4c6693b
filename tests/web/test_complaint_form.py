"""The complaint form: prefill, validation with input kept, files (checked by content, staged
across re-renders), the no-JS suggestions step, idempotent submits, the confirmation page, and
the suggestions API."""

from __future__ import annotations

import html
import io
import json
import re

import pytest
from sqlalchemy import func, select

from portal.domain.attachments import MAX_BYTES
from portal.extensions import db
from portal.models import (
    ArticleSuggestion,
    Attachment,
    ComplaintCategory,
    OutboxMessage,
    Team,
    Ticket,
)
from portal.services import kb
from portal.services.kb import ArticleDraft
from tests.helpers import CSRF_RE

NEW = "/complaints/new"
PDF = b"%PDF-1.4 a receipt"
KEY_RE = re.compile(r'name="submission_key"[^>]*value="([^"]+)"')


@pytest.fixture
def category(app):
    team = Team(name="Billing")
    row = ComplaintCategory(slug="billing-fees", name="Billing & fees", name_vi="Thanh toán & phí",
                            default_team=team)
    db.session.add_all([team, row])
    db.session.commit()
    return row


@pytest.fixture
def refund_article(app, now):
    return kb.create_article(None, ArticleDraft(
        title="Refund timelines", summary="How long a refund takes.",
        body_md="Refunds reach your card within 5 working days."), now=now, status="published")


def open_form(client, path: str = NEW) -> tuple[str, str, str]:
    """GET the form like a browser: its page, CSRF token and submission key."""
    response = client.get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page, CSRF_RE.search(page).group(1), KEY_RE.search(page).group(1)


def complaint(category, **changes) -> dict:
    data = {"category_id": str(category.id), "subject": "Charged twice for one order",
            "description": "My card was charged twice for order 5512.",
            "account_number": "", "contact_name": "Lan Pham",
            "contact_email": "lan@example.com", "contact_phone": "", "suggestions_seen": "1"}
    data.update(changes)
    return data


def submit(client, data: dict, files: list[tuple[str, bytes]] | None = None, *,
           key: str | None = None, extra: list[tuple[str, str]] | None = None):
    """POST the form as a browser would (multipart), with a CSRF token and submission key."""
    _page, csrf, fresh_key = open_form(client)
    payload = {"csrf_token": csrf, "submission_key": key or fresh_key, **data}
    if files:
        payload["attachments"] = [(io.BytesIO(content), name) for name, content in files]
    for name, value in extra or []:
        payload.setdefault(name, [])
        payload[name] = [*payload[name], value] if isinstance(payload[name], list) else [value]
    return client.post(NEW, data=payload, content_type="multipart/form-data")


def ticket_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Ticket))


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# --- the form ---------------------------------------------------------------------------------

def test_signed_in_customer_finds_name_and_email_filled_in(signed_in_client, category):
    client, user = signed_in_client("customer", name="Lan Pham", email="lan.pham@example.com")
    page, _csrf, key = open_form(client)
    assert 'value="Lan Pham"' in page and 'value="lan.pham@example.com"' in page
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page and "multiple" in page
    assert f'<option value="{category.id}">Billing &amp; fees</option>' in page
    assert len(key) >= 24 and ticket_count() == 0


def test_guest_form_is_empty_and_labels_types_in_the_visitors_language(client, category):
    page = client.get(NEW, headers={"Accept-Language": "vi"}).get_data(as_text=True)
    assert "Thanh toán &amp; phí" in page
    assert re.search(r'id="contact_name"[^>]*value=""', page)
    assert re.search(r'id="contact_email"[^>]*value=""', page)


def test_each_visit_gets_its_own_submission_key(client, category):
    assert open_form(client)[2] != open_form(client)[2]


def test_coming_from_an_article_shows_it_and_keeps_it(client, category, refund_article):
    page, _csrf, _key = open_form(client, f"{NEW}?article={refund_article.slug}")
    assert "You were reading:" in page and "Refund timelines</a>" in page
    assert f'name="article" type="hidden" value="{refund_article.slug}"' in page
    response = submit(client, complaint(category, subject="", article=refund_article.slug))
    assert response.status_code == 422 and "Refund timelines</a>" in response.get_data(
        as_text=True)
    assert "You were reading" not in open_form(client, f"{NEW}?article=no-such-article")[0]


@pytest.mark.parametrize(("changes", "message"), [
    ({"subject": ""}, "Enter a subject"),
    ({"subject": "x" * 201}, "Use at most 200 characters for the subject."),
    ({"description": "   "}, "Tell us what happened."),
    ({"contact_email": "not-an-address"}, "Enter an e-mail address like name@example.com."),
    ({"contact_name": ""}, "Enter your name."),
    ({"account_number": "12-AB"}, "This is not an account number we recognise."),
    ({"contact_phone": "call me maybe"}, "Enter a phone number like"),
    ({"contact_phone": "12"}, "Enter a phone number like"),
    ({"category_id": ""}, "Choose the type of complaint."),
    ({"category_id": "99999"}, "Choose the type of complaint."),
    ({"category_id": "abc"}, "Choose the type of complaint."),
])
def test_a_validation_error_re_renders_with_the_input_kept(client, category, changes, message):
    data = complaint(category, **{"contact_phone": "+84 28 3822 1234",
                                  "account_number": "12345678", "urgent": "y", **changes})
    response = submit(client, data)
    page = text_of(response)
    assert response.status_code == 422
    assert message in page
    for name in ("subject", "contact_name", "contact_email", "account_number", "contact_phone"):
        if name not in changes:
            assert f'value="{data[name]}"' in page, name
    if "description" not in changes:
        assert data["description"] in page
    assert re.search(r'name="urgent"[^>]*checked|checked[^>]*name="urgent"', page)
    assert ticket_count() == 0


def test_account_number_format_comes_from_the_settings(app, client, category):
    app.config["ACCOUNT_NUMBER_PATTERN"] = r"AC-[0-9]{4}"
    assert submit(client, complaint(category, account_number="12345678")).status_code == 422
    assert submit(client, complaint(category, account_number="AC-1234")).status_code == 303
    assert db.session.scalar(select(Ticket.account_number)) == "AC-1234"


def test_control_characters_and_odd_keys_never_cause_an_error(client, category):
    response = submit(client, complaint(category, subject="Nul\x00 byte", description="a\x00b"),
                      key="k" * 500)
    assert response.status_code == 303
    ticket = db.session.scalar(select(Ticket))
    assert ticket.subject == "Nul byte" and "\x00" not in ticket.description
    assert ticket.submission_key != "k" * 500  # a key we could not have made is replaced


# --- files ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "message"), [
    ("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "“invoice.pdf” is not a type"),
    ("notes.txt", b"<!doctype html><script>alert(1)</script>", "“notes.txt” is not a type"),
    ("photo.png", PDF, "“photo.png” is not a type"),
    ("empty.pdf", b"", "“empty.pdf” is empty."),
    ("big.txt", b"a" * (MAX_BYTES + 1), "“big.txt” is larger than 10 MB."),
])
def test_a_file_is_checked_by_its_content(client, category, name, content, message):
    response = submit(client, complaint(category), files=[(name, content)])
    assert response.status_code == 422
    assert message in text_of(response)
    assert 'value="Charged twice for one order"' in text_of(response)
    assert ticket_count() == 0


def test_more_than_five_files_is_an_error_and_none_is_kept(client, category):
    files = [(f"receipt{n}.pdf", PDF) for n in range(6)]
    response = submit(client, complaint(category), files=files)
    assert response.status_code == 422
    assert "Attach at most 5 files; you chose 6." in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_a_request_over_the_size_limit_gets_a_friendly_413(app, client, category):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    response = submit(client, complaint(category), files=[("big.txt", b"a" * 100_000)])
    assert response.status_code == 413
    assert "larger than we accept" in text_of(response)


def test_a_staged_file_survives_an_error_and_ends_up_attached(client, category):
    response = submit(client, complaint(category, subject=""), files=[("receipt.pdf", PDF),
                                                                      ("photo.exe.png", PDF)])
    page = text_of(response)
    assert response.status_code == 422
    assert "“photo.exe.png” is not a type" in page  # the bad one is refused...
    staged_id = re.search(r'name="staged" value="(\d+)"', page).group(1)
    assert "receipt.pdf" in page  # ...the good one is kept and listed with a remove box
    assert f'name="remove_staged" value="{staged_id}"' in page
    fixed = submit(client, complaint(category), extra=[("staged", staged_id)])
    assert fixed.status_code == 303
    ticket = db.session.scalar(select(Ticket))
    names = db.session.scalars(select(Attachment.original_name).where(
        Attachment.ticket_id == ticket.id)).all()
    assert names == ["receipt.pdf"]


def test_a_staged_file_can_be_removed_and_counts_towards_the_five(client, category):
    page = text_of(submit(client, complaint(category, subject=""), files=[("a.pdf", PDF)]))
    staged_id = re.search(r'name="staged" value="(\d+)"', page).group(1)
    too_many = submit(client, complaint(category), files=[(f"b{n}.pdf", PDF) for n in range(5)],
                      extra=[("staged", staged_id)])
    assert too_many.status_code == 422 and "you chose 6" in text_of(too_many)
    removed = submit(client, complaint(category), extra=[("staged", staged_id),
                                                         ("remove_staged", staged_id)])
    assert removed.status_code == 303
    assert db.session.scalar(select(Attachment.ticket_id).where(
        Attachment.id == int(staged_id))) is None


def test_another_browsers_staged_file_is_ignored(app, client, category):
    page = text_of(submit(client, complaint(category, subject=""), files=[("a.pdf", PDF)]))
    staged_id = re.search(r'name="staged" value="(\d+)"', page).group(1)
    other = app.test_client()
    assert submit(other, complaint(category), extra=[("staged", staged_id)]).status_code == 303
    assert db.session.scalar(select(Attachment.ticket_id).where(
        Attachment.id == int(staged_id))) is None


# --- suggestions ------------------------------------------------------------------------------

def test_without_js_suggestions_come_first_then_submit_anyway_files_one(client, category,
                                                                        refund_article):
    data = complaint(category, subject="Refund timelines too slow", suggestions_seen="")
    step = submit(client, data, files=[("receipt.pdf", PDF)])
    page = text_of(step)
    assert step.status_code == 200 and ticket_count() == 0
    assert "Did one of these answer your question?" in page
    suggestion = db.session.scalar(select(ArticleSuggestion))
    assert suggestion.article_id == refund_article.id
    assert f"/help/articles/{refund_article.slug}?from_suggestion={suggestion.id}" in page
    assert "No, submit my complaint" in page
    assert 'name="suggestions_seen" type="hidden" value="1"' in page
    key = KEY_RE.search(page).group(1)
    staged_id = re.search(r'name="staged" value="(\d+)"', page).group(1)
    for name in ("subject", "contact_name", "contact_email"):
        assert f'value="{data[name]}"' in page

    final = submit(client, {**data, "suggestions_seen": "1"}, key=key,
                   extra=[("staged", staged_id)])
    assert final.status_code == 303 and ticket_count() == 1
    ticket = db.session.scalar(select(Ticket))
    assert db.session.scalar(select(Attachment.original_name).where(
        Attachment.ticket_id == ticket.id)) == "receipt.pdf"


def test_with_suggestions_seen_it_files_at_once(client, category, refund_article):
    response = submit(client, complaint(category, subject="Refund timelines too slow"))
    assert response.status_code == 303 and ticket_count() == 1


def test_without_a_matching_article_it_files_at_once(client, category, refund_article):
    response = submit(client, complaint(category, subject="Zyxwv qwrtp", description="Plmkq.",
                                        suggestions_seen=""))
    assert response.status_code == 303 and ticket_count() == 1


def test_suggestions_api_returns_the_top_articles_with_a_click_link(client, refund_article):
    response = client.get("/api/complaints/suggestions?q=refund timelines")
    data = response.get_json()
    assert response.status_code == 200 and response.mimetype == "application/json"
    [first] = data["suggestions"]
    row = db.session.get(ArticleSuggestion, first["id"])
    assert row.article_id == refund_article.id and row.clicked_at is None
    assert first["title"] == "Refund timelines" and first["summary"] == "How long a refund takes."
    assert first["url"] == f"/help/articles/{refund_article.slug}?from_suggestion={row.id}"
    assert client.get("/api/complaints/suggestions?q=re").get_json() == {"suggestions": []}
    assert client.get("/api/complaints/suggestions").get_json() == {"suggestions": []}


def test_suggestions_api_escapes_mark_up(client, now):
    kb.create_article(None, ArticleDraft(title="Refund <script>x</script> rules",
                                         body_md="Refund rules."), now=now, status="published")
    body = client.get("/api/complaints/suggestions?q=refund rules").get_data(as_text=True)
    assert "<script>" not in body and "\\u003cscript\\u003e" in body
    assert json.loads(body)["suggestions"][0]["title"] == "Refund <script>x</script> rules"


def test_a_suggestion_click_counts_only_for_the_browser_it_was_shown_to(app, client,
                                                                        refund_article):
    url = client.get("/api/complaints/suggestions?q=refund timelines").get_json()[
        "suggestions"][0]["url"]
    assert app.test_client().get(url).status_code == 200
    assert db.session.scalar(select(ArticleSuggestion.clicked_at)) is None
    assert client.get(url).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(ArticleSuggestion.clicked_at)) is not None


def test_suggestions_api_is_rate_limited(app, client):
    app.config["RATELIMIT_SUGGEST"] = "2 per minute"
    codes = [client.get("/api/complaints/suggestions?q=refund").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


# --- filing -----------------------------------------------------------------------------------

def test_the_same_submission_twice_makes_one_ticket(client, category):
    _page, _csrf, key = open_form(client)
    first = submit(client, complaint(category), files=[("receipt.pdf", PDF)], key=key)
    again = submit(client, complaint(category), files=[("receipt.pdf", PDF)], key=key)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert ticket_count() == 1
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 1
    assert client.get(again.headers["Location"]).status_code == 200


def test_a_guest_files_a_ticket_and_gets_the_private_link_by_e_mail(client, category):
    response = submit(client, complaint(category, urgent="y"), files=[("receipt.pdf", PDF)])
    ticket = db.session.scalar(select(Ticket))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/complaints/{ticket.reference}/received"
    assert ticket.customer_id is None and ticket.contact_email == "lan@example.com"
    assert ticket.flagged_urgent and ticket.priority == "urgent"
    assert ticket.category_id == category.id and ticket.team.name == "Billing"
    assert ticket.session_hash and ticket.locale == "en"
    mail = db.session.scalar(select(OutboxMessage))
    assert mail.recipient == "lan@example.com" and ticket.reference in mail.subject
    link = re.search(r"https?://[^\s\"<]+/t/[A-Za-z0-9_-]+", mail.body_text).group(0)

    received = client.get(response.headers["Location"])
    page = text_of(received)
    assert received.status_code == 200
    assert ticket.reference in page and link in page
    assert "We answer by" in page and "We aim to resolve it by" in page
    assert received.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in received.headers["Cache-Control"]
    assert "See all my complaints" not in page
    assert link in text_of(client.get(response.headers["Location"]))  # a refresh still shows it


def test_another_browser_is_sent_to_the_lookup_form_as_for_an_unknown_reference(
        app, client, category, signed_in_client):
    location = submit(client, complaint(category)).headers["Location"]
    reference = location.split("/")[2]
    stranger = app.test_client().get(location)
    assert stranger.status_code == 302
    assert stranger.headers["Location"] == f"/track?reference={reference}"
    assert reference not in app.test_client().get(stranger.headers["Location"]).get_data(
        as_text=True).split("</form>")[-1]  # nothing about the ticket beyond the echoed input
    other_customer, _user = signed_in_client("customer")
    assert other_customer.get(location).headers["Location"] == stranger.headers["Location"]
    unknown = client.get("/complaints/ABCD-EFGH/received")
    assert unknown.status_code == 302
    assert unknown.headers["Location"] == "/track?reference=ABCD-EFGH"


def test_a_signed_in_customer_owns_the_ticket_and_is_pointed_to_my_complaints(
        signed_in_client, category):
    client, user = signed_in_client("customer", name="Lan Pham", email="lan.pham@example.com")
    response = submit(client, complaint(category, contact_email="lan.pham@example.com"))
    ticket = db.session.scalar(select(Ticket))
    assert ticket.customer_id == user.id
    page = text_of(client.get(response.headers["Location"]))
    assert "See all my complaints" in page and 'href="/my/complaints"' in page


def test_staff_may_file_for_someone_and_the_ticket_has_no_customer(signed_in_client, category):
    client, _agent = signed_in_client("agent", tier=1)
    page = open_form(client)[0]
    assert "You are signed in as staff" in page
    response = submit(client, complaint(category, contact_email="caller@example.com"))
    ticket = db.session.scalar(select(Ticket))
    assert response.status_code == 303 and ticket.customer_id is None
    assert ticket.contact_email == "caller@example.com"
    assert client.get(response.headers["Location"]).status_code == 200


def test_complaint_posts_are_rate_limited_but_the_form_is_not(app, client, category):
    app.config["RATELIMIT_COMPLAINT"] = "2 per minute"
    codes = [submit(client, complaint(category, subject="")).status_code for _ in range(3)]
    assert codes == [422, 422, 429]
    assert client.get(NEW).status_code == 200


def test_without_configured_types_the_form_files_without_one(client):
    page = open_form(client)[0]
    assert 'name="category_id"' not in page
    data = {"subject": "Charged twice", "description": "Twice.", "contact_name": "Lan",
            "contact_email": "lan@example.com", "suggestions_seen": "1"}
    assert submit(client, data).status_code == 303
    assert db.session.scalar(select(Ticket.category_id)) is None


def test_the_promise_is_computed_in_the_configured_business_time_zone(app, client, category):
    """Office hours are local hours: Budapest's 08:00-17:00, not Ho Chi Minh City's."""
    from portal.domain.sla import BusinessCalendar, promise_for
    from portal.models import Ticket

    app.config["PORTAL_TIMEZONE"] = "Europe/Budapest"
    submit(client, complaint(category))
    ticket = db.session.scalar(select(Ticket))
    expected = promise_for(BusinessCalendar(timezone="Europe/Budapest"), ticket.created_at)
    assert ticket.first_response_due_at == expected.first_response_due
    assert ticket.resolution_due_at == expected.resolution_due
    assert expected != promise_for(BusinessCalendar(), ticket.created_at)
