"""The risk signs (domain/risk.py) in the words agents read: on the ticket's risk panel, and in
the queue's badge and filter."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.domain import risk
from portal.domain.tickets import EventType

RISK_REASON_LABELS = {
    risk.MANAGER: _l("Asks for a manager"),
    risk.THREAT_LEGAL: _l("Threatens legal action"),
    risk.THREAT_PUBLIC: _l("Threatens a bad review or social media post"),
    risk.ABUSE: _l("Abusive language"),
    risk.REPEATED_CONTACT: _l("Contacted us 3 or more times without an answer"),
}


def risk_reason_label(code: str) -> str:
    """A reason in words (an unknown code, e.g. from a newer version, as it is)."""
    return str(RISK_REASON_LABELS.get(code, code))


def risk_reasons_text(codes: list[str] | None) -> str:
    """All of a ticket's reasons in one line, in reading order."""
    order = {code: i for i, code in enumerate(risk.REASONS)}
    ordered = sorted(dict.fromkeys(codes or []), key=lambda code: order.get(code, len(order)))
    return "; ".join(risk_reason_label(code) for code in ordered)


def risk_event_text(event) -> str:
    """A RISK_FLAGGED or RISK_CLEARED timeline entry in words: the signs found, or the ones
    the cleared flag showed."""
    data = event.data if isinstance(event.data, dict) else {}
    if event.type == EventType.RISK_CLEARED:
        return _("flag cleared (it showed: %(reasons)s)",
                 reasons=risk_reasons_text(data.get("cleared")) or "—")
    return risk_reasons_text(data.get("reasons"))
