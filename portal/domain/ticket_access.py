"""Who may see a ticket. Customers see their own; staff see their teams' (the agent console
issue widens this along escalations)."""

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
                   ticket_team_id: int | None, ticket_assignee_id: int | None) -> bool:
    role = Role(role)  # `user.role` is a plain string; an identity test on it would say no
    if role in (Role.SUPERVISOR, Role.ADMIN):
        return True
    if role is not Role.AGENT:
        return False
    return ticket_assignee_id == user_id or (ticket_team_id is not None
                                             and ticket_team_id in team_ids)


def token_usable(*, revoked_at: datetime | None, ticket_closed_at: datetime | None,
                 now: datetime) -> bool:
    """A tracking token works until it is revoked, or until 90 days after the ticket closed."""
    if revoked_at is not None:
        return False
    return ticket_closed_at is None or now < ticket_closed_at + LINK_LIFETIME_AFTER_CLOSE
