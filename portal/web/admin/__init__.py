"""Administration: users (admins), teams (supervisors and admins), complaint categories, the
business calendar and SLA targets (admins), the escalation matrix and canned responses
(supervisors), survey settings and sign-in security (admins). Importing the modules below
adds their routes to the one blueprint."""

from portal.web.admin import canned, categories, escalation, security, sla, surveys
from portal.web.admin.routes import bp

__all__ = ["bp", "canned", "categories", "escalation", "security", "sla", "surveys"]
