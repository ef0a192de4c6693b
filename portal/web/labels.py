"""Translated names for stored values (roles…), shared by forms and templates."""

from flask_babel import lazy_gettext as _l

from portal.domain.accounts import Role

ROLE_LABELS = {
    Role.CUSTOMER.value: _l("Customer"),
    Role.AGENT.value: _l("Agent"),
    Role.SUPERVISOR.value: _l("Supervisor"),
    Role.ADMIN.value: _l("Administrator"),
}
