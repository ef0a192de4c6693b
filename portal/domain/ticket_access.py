"""Who may see a ticket. Customers see their own (or one whose live link they hold).

Staff, as the agent console's access-policy table says:
- supervisors and admins: every ticket;
- tier-1 agents: their teams' tickets, the ones assigned to them, the ones they collaborate on,
  and the ones escalated to them by name;
- tier-2/3 agents: all of that, plus every ticket at their tier (escalated to their tier).
The queue writes the same rule in SQL (services/agent_queue.visible_to), so it never lists a
ticket whose page answers 404.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.domain.accounts import Role

LINK_LIFETIME_AFTER_CLOSE = timedelta(days=90)


def customer_may_view(*, user_id: int | None, ticket_customer_id: int | None,
                      holds_valid_token: bool) -> bool:
    """The ticket's owner, or anyone holding a live token for it (a guest's private link)."""
    if holds_valid_token:
        return True
    return user_id is not None and ticket_customer_id == user_id


def staff_may_view(*, role: Role | str, user_id: int, team_ids: set[int],
                   ticket_team_id: int | None, ticket_assignee_id: int | None,
                   user_tier: int | None = None, ticket_tier: int = 1,
                   ticket_escalated_to_id: int | None = None,
                   collaborates: bool = False) -> bool:
    role = Role(role)  # `user.role` is a plain string; an identity test on it would say no
    if role in (Role.SUPERVISOR, Role.ADMIN):
        return True
    if role is not Role.AGENT:
        return False
    if user_id in (ticket_assignee_id, ticket_escalated_to_id) or collaborates:
        return True
    if ticket_team_id is not None and ticket_team_id in team_ids:
        return True
    return user_tier is not None and user_tier >= 2 and ticket_tier == user_tier


def token_usable(*, revoked_at: datetime | None, ticket_closed_at: datetime | None,
                 now: datetime) -> bool:
    """A tracking token works until it is revoked, or until 90 days after the ticket closed."""
    if revoked_at is not None:
        return False
    return ticket_closed_at is None or now < ticket_closed_at + LINK_LIFETIME_AFTER_CLOSE
