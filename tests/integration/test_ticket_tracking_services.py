"""How customers reach their tickets (private links, reference + e-mail, revoking, new links),
claiming guest tickets after proving an e-mail address, and complaint-form deflection."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.domain.tickets import Status
from portal.extensions import db
from portal.models import ArticleSuggestion, TicketEvent, TrackingToken
from portal.services import deflection, kb, tracking
from portal.services import search as search_service
from portal.services.kb import ArticleDraft
from tests.integration.ticket_support import NOW, count, file, make_billing, outbox, ticket_in


@pytest.fixture
def billing(app, make_user):
    return make_billing(make_user)


def internal_events(ticket, kind: str) -> list[TicketEvent]:
    return list(db.session.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.type == kind)))


# --- private links --------------------------------------------------------------------------

def test_the_private_link_opens_its_ticket_and_notes_when_it_was_used(app, billing):
    filing = file(billing[0])
    later = NOW + timedelta(hours=3)
    ticket, grant = tracking.open_link(filing.token, now=later)
    assert ticket.id == filing.ticket.id and grant.ticket_id == ticket.id
    assert db.session.get(TrackingToken, grant.token_id).last_used_at == later
    assert tracking.grant_is_valid(grant, ticket, now=later)


@pytest.mark.parametrize("token", [None, "", "not-a-token", "x" * 101])
def test_unknown_or_silly_links_open_nothing(app, billing, token):
    file(billing[0])
    assert tracking.open_link(token, now=NOW) is None


@pytest.mark.parametrize(("closed_ago", "opens"), [
    (timedelta(days=89), True),
    (timedelta(days=90), False),
    (timedelta(days=91), False),
])
def test_a_link_expires_90_days_after_the_ticket_closed(app, billing, closed_ago, opens):
    filing = file(billing[0])
    ticket = filing.ticket
    ticket.status, ticket.closed_at = "closed", NOW - closed_ago
    db.session.commit()
    assert (tracking.open_link(filing.token, now=NOW) is not None) is opens


def test_signing_a_link_out_ends_every_link_and_session_for_the_ticket(app, billing):
    filing = file(billing[0])
    ticket = filing.ticket
    _, link_grant = tracking.open_link(filing.token, now=NOW)
    _, session_grant = tracking.lookup(ticket.reference, ticket.contact_email, now=NOW)
    assert tracking.revoke_all(ticket, actor_id=None, actor_kind="customer", now=NOW) == 2
    assert tracking.open_link(filing.token, now=NOW) is None
    assert not tracking.grant_is_valid(link_grant, ticket, now=NOW)
    assert not tracking.grant_is_valid(session_grant, ticket, now=NOW)
    [revoked] = internal_events(ticket, "link_revoked")
    assert not revoked.public and revoked.data == {"count": 2}
    assert tracking.revoke_all(ticket, actor_id=None, actor_kind="customer", now=NOW) == 0


def test_a_grant_is_only_good_for_its_own_ticket(app, billing):
    mine, other = file(billing[0]), file(billing[0], submission_key="second-key-000001")
    _, grant = tracking.open_link(mine.token, now=NOW)
    assert not tracking.grant_is_valid(grant, other.ticket, now=NOW)
    forged = tracking.Grant(ticket_id=other.ticket.id, token_id=grant.token_id)
    assert not tracking.grant_is_valid(forged, other.ticket, now=NOW)


def test_grants_end_90_days_after_the_ticket_closed(app, billing):
    filing = file(billing[0])
    _, grant = tracking.open_link(filing.token, now=NOW)
    filing.ticket.status, filing.ticket.closed_at = "closed", NOW
    db.session.commit()
    assert tracking.grant_is_valid(grant, filing.ticket, now=NOW + timedelta(days=89))
    assert not tracking.grant_is_valid(grant, filing.ticket, now=NOW + timedelta(days=90))


# --- reference + e-mail ---------------------------------------------------------------------

def test_reference_and_email_open_the_ticket_however_they_are_typed(app, billing):
    ticket = file(billing[0]).ticket
    typed = f"  {ticket.reference.replace('-', ' ').lower()} "
    found, grant = tracking.lookup(typed, " HA.PHAM@example.com", now=NOW)
    assert found.id == ticket.id
    row = db.session.get(TrackingToken, grant.token_id)
    assert (row.kind, row.ticket_id, row.revoked_at) == ("session", ticket.id, None)


@pytest.mark.parametrize(("reference", "email"), [
    ("real", "someone.else@example.com"),   # wrong e-mail
    ("ABCD-EFGH", "ha.pham@example.com"),   # no such reference
    ("real", ""),
    ("", "ha.pham@example.com"),
    ("real'--", "ha.pham@example.com"),
    (None, None),
])
def test_a_wrong_pair_opens_nothing_and_cannot_tell_which_half_was_wrong(app, billing,
                                                                         reference, email):
    ticket = file(billing[0]).ticket
    reference = reference.replace("real", ticket.reference) if reference else reference
    assert tracking.lookup(reference, email, now=NOW) is None
    assert count(TrackingToken) == 1  # only the e-mailed link: no session token was made


def test_lookup_refuses_tickets_closed_more_than_90_days_ago(app, billing):
    ticket = file(billing[0]).ticket
    ticket.status, ticket.closed_at = "closed", NOW - timedelta(days=91)
    db.session.commit()
    assert tracking.lookup(ticket.reference, ticket.contact_email, now=NOW) is None


def test_a_new_link_goes_only_to_the_contact_address_and_works_after_signing_out(app, billing):
    filing = file(billing[0])
    ticket = filing.ticket
    tracking.revoke_all(ticket, actor_id=None, actor_kind="customer", now=NOW)
    assert not tracking.send_new_link(ticket.reference, "intruder@example.com", now=NOW)
    assert len(outbox()) == 1
    assert tracking.send_new_link(ticket.reference, "Ha.Pham@example.com", now=NOW)
    email = outbox()[-1]
    assert email.recipient == "ha.pham@example.com" and ticket.reference in email.subject
    token = re.search(r"/t/([A-Za-z0-9_-]+)", email.body_text).group(1)
    assert token != filing.token
    assert tracking.open_link(token, now=NOW)[0].id == ticket.id
    assert tracking.open_link(filing.token, now=NOW) is None  # the old one stays signed out
    [sent] = internal_events(ticket, "link_sent")
    assert not sent.public


# --- claiming guest tickets -----------------------------------------------------------------

def _verification_token() -> str:
    return re.search(r"/my/verify-email/([A-Za-z0-9_-]+)", outbox()[-1].body_text).group(1)


def test_a_customer_claims_guest_tickets_only_after_proving_the_address(app, billing, make_user):
    customer = make_user("customer", email="ha.pham@example.com")
    guest = [file(billing[0], submission_key=f"guest-key-00000{n}").ticket for n in range(2)]
    someone_else = file(billing[0], contact_email="other@example.com").ticket
    assert tracking.unclaimed_count(customer) == 2
    assert tracking.claim_guest_tickets(customer, now=NOW) == 0  # not verified yet

    tracking.start_email_verification(customer, now=NOW)
    assert outbox()[-1].recipient == "ha.pham@example.com"
    token = _verification_token()
    assert not tracking.confirm_email(customer, "wrong-token", now=NOW)
    assert tracking.confirm_email(customer, token, now=NOW + timedelta(hours=1))
    assert customer.email_verified == "ha.pham@example.com"
    assert not tracking.confirm_email(customer, token, now=NOW + timedelta(hours=2))  # used

    assert tracking.claim_guest_tickets(customer, now=NOW) == 2
    assert {t.customer_id for t in guest} == {customer.id}
    assert someone_else.customer_id is None
    assert all(not e.public for t in guest for e in internal_events(t, "claimed"))
    assert tracking.unclaimed_count(customer) == 0
    assert tracking.claim_guest_tickets(customer, now=NOW) == 0


def test_a_verification_link_expires_after_24_hours(app, make_user):
    customer = make_user("customer")
    tracking.start_email_verification(customer, now=NOW)
    assert not tracking.confirm_email(customer, _verification_token(),
                                      now=NOW + timedelta(hours=24))
    assert customer.email_verified in (None, "")


def test_a_verification_link_is_only_good_for_the_account_it_was_sent_to(app, make_user):
    owner, thief = make_user("customer"), make_user("customer")
    tracking.start_email_verification(owner, now=NOW)
    assert not tracking.confirm_email(thief, _verification_token(), now=NOW)
    assert thief.email_verified in (None, "")


def test_a_verified_address_that_was_changed_claims_nothing(app, billing, make_user):
    customer = make_user("customer", email="ha.pham@example.com")
    file(billing[0])
    tracking.start_email_verification(customer, now=NOW)
    assert tracking.confirm_email(customer, _verification_token(), now=NOW)
    customer.email = "new.address@example.com"
    db.session.commit()
    assert tracking.claim_guest_tickets(customer, now=NOW) == 0


# --- deflection -----------------------------------------------------------------------------

@pytest.fixture
def articles(app):
    def publish(title, body, **kwargs):
        return kb.create_article(None, ArticleDraft(title=title, body_md=body, **kwargs),
                                 now=NOW, status="published")

    return {
        "refund": publish("Refund timelines", "A refund reaches your card in 5 working days."),
        "double": publish("Charged twice for one order", "A double charge is refunded at once."),
        "secret": publish("Refund approval limits", "Tier 2 approves refunds over 5 million.",
                          visibility="internal"),
    }


def test_suggestions_are_public_articles_recorded_as_shown(app, articles):
    shown = deflection.suggest_for_complaint("I was charged twice, where is my refund?",
                                             session_id="browser-1", now=NOW)
    slugs = [article.slug for _row, article in shown]
    assert slugs and len(slugs) <= 3
    assert articles["secret"].slug not in slugs
    assert set(slugs) <= {articles["refund"].slug, articles["double"].slug}
    rows = db.session.scalars(select(ArticleSuggestion)).all()
    assert len(rows) == len(slugs)
    assert {r.session_hash for r in rows} == {search_service.session_hash("browser-1")}
    assert all(r.shown_at == NOW and r.clicked_at is None and r.outcome == "" for r in rows)


@pytest.mark.parametrize("text", ["", "  ", "ab", None, "zzqxj nothing matches this"])
def test_nothing_to_suggest_records_nothing(app, articles, text):
    assert deflection.suggest_for_complaint(text, session_id="browser-1", now=NOW) == []
    assert count(ArticleSuggestion) == 0


def _shown_and_clicked(session_id: str, *, clicked_at) -> ArticleSuggestion:
    [(row, _article), *_] = deflection.suggest_for_complaint(
        "refund for a double charge", session_id=session_id, now=NOW)
    deflection.record_click(row.id, session_id=session_id, now=clicked_at)
    return row


def test_only_the_browser_that_was_shown_a_suggestion_can_click_it(app, articles):
    [(row, _article), *_] = deflection.suggest_for_complaint(
        "refund for a double charge", session_id="browser-1", now=NOW)
    deflection.record_click(row.id, session_id="browser-2", now=NOW)
    assert row.clicked_at is None
    deflection.record_click(row.id, session_id="browser-1", now=NOW + timedelta(minutes=1))
    deflection.record_click(row.id, session_id="browser-1", now=NOW + timedelta(minutes=5))
    assert row.clicked_at == NOW + timedelta(minutes=1)  # the first click counts
    deflection.record_click(999_999, session_id="browser-1", now=NOW)  # no such row: nothing


def test_a_click_with_no_complaint_for_30_minutes_counts_as_deflected(app, articles):
    row = _shown_and_clicked("browser-1", clicked_at=NOW)
    assert deflection.decide_outcomes(NOW + timedelta(minutes=29)) == 0
    assert row.outcome == ""
    assert deflection.decide_outcomes(NOW + timedelta(minutes=30)) == 1
    assert (row.outcome, row.decided_at) == ("deflected", NOW + timedelta(minutes=30))
    assert deflection.decide_outcomes(NOW + timedelta(hours=2)) == 0  # decided once


def test_a_complaint_filed_after_the_click_counts_as_filed(app, billing, articles):
    row = _shown_and_clicked("browser-1", clicked_at=NOW)
    other = _shown_and_clicked("browser-2", clicked_at=NOW)
    file(billing[0], now=NOW + timedelta(minutes=10),
         session_hash=search_service.session_hash("browser-1"))
    assert deflection.decide_outcomes(NOW + timedelta(minutes=11)) == 1  # decided at once
    assert row.outcome == "filed" and other.outcome == ""
    deflection.decide_outcomes(NOW + timedelta(minutes=31))
    assert other.outcome == "deflected"


def test_a_complaint_filed_before_the_click_does_not_count(app, billing, articles):
    file(billing[0], now=NOW - timedelta(minutes=1),
         session_hash=search_service.session_hash("browser-1"))
    row = _shown_and_clicked("browser-1", clicked_at=NOW)
    deflection.decide_outcomes(NOW + timedelta(minutes=31))
    assert row.outcome == "deflected"


def test_suggestions_never_clicked_are_never_decided(app, articles):
    deflection.suggest_for_complaint("refund", session_id="browser-1", now=NOW)
    assert deflection.decide_outcomes(NOW + timedelta(days=1)) == 0
    assert {r.outcome for r in db.session.scalars(select(ArticleSuggestion))} == {""}


def test_opening_a_ticket_by_link_or_lookup_does_not_change_the_ticket(app, billing):
    filing = file(billing[0])
    ticket = ticket_in(Status.OPEN, *billing)
    version, updated = ticket.version_id, ticket.updated_at
    tracking.lookup(ticket.reference, ticket.contact_email, now=NOW)
    tracking.open_link(filing.token, now=NOW)
    db.session.refresh(ticket)
    assert (ticket.version_id, ticket.updated_at) == (version, updated)
