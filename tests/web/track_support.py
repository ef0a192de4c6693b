"""Tickets for the tracking tests, made through the same services the pages use."""

from __future__ import annotations

from portal.extensions import db
from portal.models import ComplaintCategory
from portal.services import tickets
from portal.services.ticket_files import Upload
from portal.services.users import create_team

PDF = b"%PDF-1.4 a receipt"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def category(now, name: str = "Billing & fees", team: str = "Billing") -> ComplaintCategory:
    row = ComplaintCategory(slug=name.lower().replace(" ", "-").replace("&", "and"), name=name,
                            name_vi=f"{name} (vi)",
                            default_team_id=create_team(None, name=team, now=now).id)
    db.session.add(row)
    db.session.commit()
    return row


def file_ticket(now, *, email: str = "guest@example.com", customer=None, subject="Charged twice",
                description="Two charges for **one** order.", category_id=None,
                uploads: list[Upload] | None = None, contact_name: str = "Guest Person"):
    """A complaint as the form files it: returns the Filing (ticket + private-link token)."""
    return tickets.file_complaint(tickets.ComplaintDraft(
        subject=subject, description=description, contact_name=contact_name,
        contact_email=email, category_id=category_id,
        uploads=uploads if uploads is not None else [Upload("receipt.pdf", PDF)]),
        actor=customer, now=now)


def open_link(client, token: str):
    """Open the private link like a browser: the grant lands in this client's session."""
    return client.get(f"/t/{token}")


def session_grants(client) -> list:
    with client.session_transaction() as sess:
        return list(sess.get("ticket_grants", []))


__all__ = ["PDF", "PNG", "Upload", "category", "file_ticket", "open_link", "session_grants"]
