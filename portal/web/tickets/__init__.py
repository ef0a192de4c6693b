"""Filing a complaint, its confirmation, and a signed-in customer's own complaints."""

from portal.web.labels import CUSTOMER_STATUS_LABELS, PRIORITY_LABELS, STATUS_LABELS
from portal.web.tickets.routes import bp

__all__ = ["bp"]


# Filters for templates/_macros/tickets.html, which every ticket page (tracking, agent) uses.
@bp.app_template_filter("status_label")
def status_label(status: str, staff: bool = False) -> str:
    labels = STATUS_LABELS if staff else CUSTOMER_STATUS_LABELS
    return str(labels.get(str(status), status))


@bp.app_template_filter("priority_label")
def priority_label(priority: str) -> str:
    return str(PRIORITY_LABELS.get(str(priority), priority))
