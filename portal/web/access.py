"""The route × role policy table, and the hook that enforces it on every request.

Every endpoint must be listed: an endpoint missing here is refused (403) and fails
tests/web/test_access_matrix.py. Views carry no access decorators; this table is the one place
for who may call an endpoint at all. Which objects each caller may then reach is decided per
object (web/ticket_access.py, services/forum_access.py and domain/forum.py, domain/kb.py) and
tried by nine roles on a customer's real objects in tests/web/test_access_objects.py: a route
taking an object in its address needs an expectation there too.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, redirect, request, url_for
from flask_login import current_user

from portal.extensions import login_manager

ANONYMOUS = "anonymous"
CUSTOMER, AGENT, SUPERVISOR, ADMIN = "customer", "agent", "supervisor", "admin"


@dataclass(frozen=True)
class Policy:
    name: str
    roles: frozenset[str]
    guests_only: bool = False  # signed-in people are sent home (sign-in, registration pages)
    min_tier: int | None = None  # agents below this tier are refused; other staff pass

    def allows(self, role: str, tier: int | None = None) -> bool:
        if role not in self.roles:
            return False
        return not (role == AGENT and self.min_tier and (tier or 0) < self.min_tier)


EVERYONE = frozenset({ANONYMOUS, CUSTOMER, AGENT, SUPERVISOR, ADMIN})
PUBLIC = Policy("public", EVERYONE)
GUESTS = Policy("guests", EVERYONE, guests_only=True)
SIGNED_IN = Policy("signed_in", frozenset({CUSTOMER, AGENT, SUPERVISOR, ADMIN}))
STAFF = Policy("staff", frozenset({AGENT, SUPERVISOR, ADMIN}))
CUSTOMERS = Policy("customers", frozenset({CUSTOMER}))
SUPERVISORS = Policy("supervisors", frozenset({SUPERVISOR, ADMIN}))
ADMINS = Policy("admins", frozenset({ADMIN}))
# Knowledge-base editors: specialists (tier 2+) who turn solved cases into articles, and leads.
EDITORS = Policy("editors", STAFF.roles, min_tier=2)

ACCESS: dict[str, Policy] = {
    "static": PUBLIC,
    # public
    "public.home": PUBLIC,
    "public.set_language": PUBLIC,
    # auth and account
    "auth.register": GUESTS,
    "auth.confirm_sign_up": PUBLIC,  # the e-mailed link: whoever holds it, like a reset link
    "auth.login": GUESTS,
    "auth.logout": SIGNED_IN,
    "auth.forgot_password": GUESTS,
    "auth.reset_password": PUBLIC,
    "auth.change_password": SIGNED_IN,
    "auth.profile": SIGNED_IN,
    # two-step sign-in (web/auth/mfa.py): staff set it up; the code step is before sign-in
    "auth.login_verify": GUESTS,
    "auth.mfa": STAFF,
    "auth.mfa_start": STAFF,
    "auth.mfa_enrol": STAFF,
    "auth.mfa_recovery_codes": STAFF,
    "auth.mfa_turn_off": STAFF,
    # help centre and search (what each role sees inside is decided by the services)
    "kb.index": PUBLIC,
    "kb.category": PUBLIC,
    "kb.article": PUBLIC,
    "kb.feedback": PUBLIC,
    "kb.search": PUBLIC,
    "kb.api_search": PUBLIC,
    "kb.suggest": PUBLIC,
    # complaints: filing, and the customer's own list (per-ticket access: web/ticket_access.py)
    "tickets.new": PUBLIC,
    "tickets.received": PUBLIC,
    "tickets.suggest": PUBLIC,
    "tickets.mine": CUSTOMERS,
    "tickets.claim": CUSTOMERS,
    "tickets.verify_email": CUSTOMERS,
    "tickets.confirm_email": CUSTOMERS,
    # following a complaint: private links, reference + e-mail, owners (checked per ticket)
    "track.lookup": PUBLIC,
    "track.resend_link": PUBLIC,
    "track.open_link": PUBLIC,
    "track.ticket": PUBLIC,
    "track.reply": PUBLIC,
    "track.solved": PUBLIC,
    "track.reopen": PUBLIC,
    "track.sign_out_link": PUBLIC,
    "track.api_ticket": PUBLIC,
    "track.attachment": PUBLIC,
    # the community forum (who may see each thread: domain/forum.py, checked per object)
    "forum.index": PUBLIC,
    "forum.category": PUBLIC,
    "forum.thread": PUBLIC,
    "forum.post_history": PUBLIC,
    "forum.similar": PUBLIC,
    "forum.new_thread": SIGNED_IN,
    "forum.mine": SIGNED_IN,
    "forum.reply": SIGNED_IN,
    "forum.edit_post": SIGNED_IN,
    "forum.vote": SIGNED_IN,
    "forum.accept": SIGNED_IN,
    "forum.subscribe": SIGNED_IN,
    "forum.unsubscribe_link": PUBLIC,
    "forum.report": SIGNED_IN,
    "forum.privacy": SIGNED_IN,
    # satisfaction surveys: a single-use e-mailed link, or the ticket's own access (per survey)
    "surveys.open_link": PUBLIC,
    "surveys.record": PUBLIC,
    "surveys.respond": PUBLIC,
    # agents (which tickets each may open: web/ticket_access.py)
    "agent.queue": STAFF,
    "agent.ticket": STAFF,
    "agent.reply": STAFF,
    "agent.status": STAFF,
    "agent.assign": STAFF,
    "agent.priority": STAFF,
    # escalation (web/agent/escalation.py; the ticket itself is checked per object)
    "agent.escalate": STAFF,
    "agent.escalate_functional": STAFF,
    "agent.escalate_hierarchical": STAFF,
    # the ticket workspace's handling (services/ticket_workspace.py)
    "agent.claim": STAFF,
    "agent.category": STAFF,
    "agent.tags": STAFF,
    "agent.join": STAFF,
    "agent.add_collaborator": STAFF,
    "agent.remove_collaborator": STAFF,
    # risk signs and knowledge capture (web/agent/risk.py, web/agent/knowledge.py)
    "agent.clear_risk": STAFF,
    "agent.write_up": STAFF,
    "agent.solved_without_article": SUPERVISORS,
    # the forum for agents: needs attention, moderation, converting posts into tickets
    "agent.forum_attention": STAFF,
    "agent.forum_reports": STAFF,
    "agent.forum_resolve_report": STAFF,
    "agent.forum_moderate": STAFF,
    "agent.forum_moderate_post": STAFF,
    "agent.forum_moderation_log": STAFF,
    "agent.forum_convert": STAFF,
    "agent.publish_answer": STAFF,
    "agent.survey_follow_ups": SUPERVISORS,
    "agent.survey_follow_up_done": SUPERVISORS,
    # reports: team performance is for supervisors and admins, never tier-1 agents
    "reports.index": SUPERVISORS,
    "reports.export": SUPERVISORS,
    # knowledge-base editing
    "editor.articles": EDITORS,
    "editor.new_article": EDITORS,
    "editor.edit_article": EDITORS,
    "editor.preview": EDITORS,
    "editor.set_status": EDITORS,
    "editor.delete_article": EDITORS,
    "editor.restore_article": EDITORS,
    "editor.revisions": EDITORS,
    "editor.search_report": EDITORS,
    # administration
    "admin.index": SUPERVISORS,
    "admin.users": ADMINS,
    "admin.new_user": ADMINS,
    "admin.edit_user": ADMINS,
    "admin.deactivate_user": ADMINS,
    "admin.activate_user": ADMINS,
    "admin.teams": SUPERVISORS,
    "admin.new_team": SUPERVISORS,
    "admin.edit_team": SUPERVISORS,
    "admin.deactivate_team": SUPERVISORS,
    "admin.activate_team": SUPERVISORS,
    "admin.complaint_categories": ADMINS,
    "admin.new_complaint_category": ADMINS,
    "admin.edit_complaint_category": ADMINS,
    # SLA settings: the business calendar and the targets (portal/web/admin/sla.py)
    "admin.calendar": ADMINS,
    "admin.add_holiday": ADMINS,
    "admin.delete_holiday": ADMINS,
    "admin.sla_policies": ADMINS,
    "admin.edit_priority_policy": ADMINS,
    "admin.new_sla_override": ADMINS,
    "admin.edit_sla_override": ADMINS,
    "admin.delete_sla_override": ADMINS,
    # the escalation matrix and its simulator (web/admin/escalation.py)
    "admin.escalation": SUPERVISORS,
    "admin.new_escalation_rule": SUPERVISORS,
    "admin.edit_escalation_rule": SUPERVISORS,
    "admin.delete_escalation_rule": SUPERVISORS,
    "admin.canned_responses": SUPERVISORS,
    "admin.new_canned_response": SUPERVISORS,
    "admin.edit_canned_response": SUPERVISORS,
    "admin.deactivate_canned_response": SUPERVISORS,
    "admin.activate_canned_response": SUPERVISORS,
    "admin.delete_canned_response": SUPERVISORS,
    "admin.survey_settings": ADMINS,
    "admin.edit_survey_settings": ADMINS,
    "admin.reset_survey_settings": ADMINS,
    # sign-in security: requiring two-step sign-in of staff, resetting it (web/admin/security.py)
    "admin.security": ADMINS,
    "admin.reset_user_mfa": ADMINS,
}


def current_role() -> tuple[str, int | None]:
    if not current_user.is_authenticated:
        return ANONYMOUS, None
    return current_user.role, current_user.tier


def may_visit(endpoint: str) -> bool:
    """For templates: show a link only to people the policy lets through."""
    policy = ACCESS.get(endpoint)
    return policy is not None and policy.allows(*current_role())


def enforce_access():
    """before_request: apply the table to the matched endpoint (deny when it is not listed)."""
    endpoint = request.endpoint
    if endpoint is None:  # no route matched; the 404/405 handler answers
        return None
    policy = ACCESS.get(endpoint)
    if policy is None:
        abort(403)
    role, tier = current_role()
    if policy.guests_only and role != ANONYMOUS:
        return redirect(url_for("public.home"))
    if policy.allows(role, tier):
        return None
    if role == ANONYMOUS:
        return login_manager.unauthorized()
    abort(403)
