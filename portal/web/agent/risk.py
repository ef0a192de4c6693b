"""The risk panel of the agent's ticket page: the signs in words, and clearing the flag.

The panel (templates/agent/_risk_panel.html) is included by the ticket page without a context
of its own, so what it needs comes from this blueprint's context processor.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import TextAreaField
from wtforms.validators import Length

from portal.domain.errors import DomainError
from portal.models import Ticket
from portal.services import risk_signs
from portal.services.tickets import as_staff
from portal.web.agent.forms import TicketForm, _plain
from portal.web.agent.risk_labels import RISK_REASON_LABELS, risk_reason_label
from portal.web.agent.routes import _page, _refused, bp
from portal.web.helpers import utc_now
from portal.web.ticket_access import staff_ticket_or_404

NOTE_MAX = 500
PREFIX = "risk"


class ClearRiskForm(TicketForm):
    note = TextAreaField(_l("Why (optional, staff only)"), filters=[_plain],
                         validators=[Length(max=NOTE_MAX)], render_kw={"rows": 2})


def clear_risk_form(ticket: Ticket, submitted: dict | None = None) -> ClearRiskForm:
    """The page's form: the one just refused (kept with its input), or a fresh one."""
    form = (submitted or {}).get(PREFIX)
    if isinstance(form, ClearRiskForm):
        return form
    return ClearRiskForm(formdata=None, prefix=PREFIX, data={"version": ticket.version_id})


@bp.context_processor
def _risk_panel_words() -> dict:
    return {"risk_reason_label": risk_reason_label, "risk_reason_labels": RISK_REASON_LABELS,
            "clear_risk_form": clear_risk_form}


@bp.post("/tickets/<reference>/risk/clear")
def clear_risk(reference: str):
    ticket = staff_ticket_or_404(reference)
    form = ClearRiskForm(prefix=PREFIX)
    if not form.validate_on_submit():
        return _page(ticket, submitted=(PREFIX, form), status=422)
    try:
        cleared = risk_signs.clear_flag(ticket, as_staff(current_user), now=utc_now(),
                                        expected_version=form.expected_version(),
                                        note=form.note.data or "")
    except DomainError as error:
        return _refused(ticket, PREFIX, form, error)
    flash(_("The risk flag has been cleared. New signs will raise it again.") if cleared
          else _("This ticket has no risk flag."), "success" if cleared else "info")
    return redirect(url_for("agent.ticket", reference=ticket.reference), 303)
