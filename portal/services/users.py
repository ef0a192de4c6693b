"""Administration of accounts and teams: roles, tiers, team membership, (de)activation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from portal.domain import accounts
from portal.domain.accounts import Role
from portal.domain.errors import DomainError, NotFound
from portal.extensions import db, passwords
from portal.models import Team, User
from portal.services import audit
from portal.services.auth import check_new_password, email_taken, end_all_sessions
from portal.services.names import row_named


@dataclass
class UserChanges:
    email: str
    name: str
    role: Role
    tier: int | None
    locale: str
    team_ids: list[int]


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("user")
    return user


def get_team(team_id: int) -> Team:
    team = db.session.get(Team, team_id)
    if team is None:
        raise NotFound("team")
    return team


def list_users(*, search: str = "", role: str = "", page: int = 1, per_page: int = 25):
    query = select(User).order_by(User.name, User.id)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(func.lower(User.name).like(pattern), User.email.like(pattern)))
    if role:
        query = query.where(User.role == role)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def list_teams(*, include_inactive: bool = True) -> list[Team]:
    query = select(Team).order_by(Team.name)
    if not include_inactive:
        query = query.where(Team.active.is_(True))
    return list(db.session.scalars(query))


def _teams_by_id(team_ids: list[int]) -> list[Team]:
    if not team_ids:
        return []
    teams = list(db.session.scalars(select(Team).where(Team.id.in_(team_ids))))
    if len(teams) != len(set(team_ids)):
        raise DomainError("team_not_found", field="team_ids")
    return teams


def _check_changes(changes: UserChanges, *, user_id: int | None) -> None:
    if email_taken(changes.email, except_user_id=user_id):
        raise DomainError("email_taken", field="email")
    problem = accounts.tier_problem(changes.role, changes.tier)
    if problem:
        raise DomainError(problem, field="tier")
    if changes.team_ids and not changes.role.is_staff:
        raise DomainError("teams_only_for_staff", field="team_ids")


def create_user(actor: User | None, changes: UserChanges, *, password: str,
                now: datetime) -> User:
    changes.email = accounts.normalize_email(changes.email)
    _check_changes(changes, user_id=None)
    check_new_password(password, email=changes.email, name=changes.name)
    user = User(email=changes.email, name=changes.name.strip(), role=changes.role.value,
                tier=changes.tier, locale=changes.locale, password_hash=passwords.hash(password),
                created_at=now, password_changed_at=now, teams=_teams_by_id(changes.team_ids))
    db.session.add(user)
    db.session.flush()
    audit.record(actor.id if actor else None, "user.created", "user", user.id, now,
                 role=user.role, tier=user.tier)
    db.session.commit()
    return user


def _is_last_active_admin(user: User) -> bool:
    if user.role != Role.ADMIN.value or not user.active:
        return False
    others = db.session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.ADMIN.value, User.active.is_(True), User.id != user.id))
    return others == 0


def update_user(actor: User, user: User, changes: UserChanges, *, now: datetime) -> None:
    changes.email = accounts.normalize_email(changes.email)
    _check_changes(changes, user_id=user.id)
    if changes.role is not Role.ADMIN and _is_last_active_admin(user):
        raise DomainError("last_admin", field="role")
    before = {"role": user.role, "tier": user.tier, "email": user.email}
    user.email, user.name = changes.email, changes.name.strip()
    user.role, user.tier, user.locale = changes.role.value, changes.tier, changes.locale
    user.teams = _teams_by_id(changes.team_ids)
    after = {"role": user.role, "tier": user.tier, "email": user.email}
    if before["role"] != after["role"] or before["email"] != after["email"]:
        end_all_sessions(user.id)  # new powers or a new identity start with a fresh sign-in
    audit.record(actor.id, "user.updated", "user", user.id, now, before=before, after=after)
    db.session.commit()


def set_user_active(actor: User, user: User, active: bool, *, now: datetime) -> None:
    if not active:
        problem = accounts.can_deactivate(
            actor.id, user.id, target_is_last_active_admin=_is_last_active_admin(user))
        if problem:
            raise DomainError(problem)
        end_all_sessions(user.id)
    user.active = active
    audit.record(actor.id, "user.activated" if active else "user.deactivated", "user",
                 user.id, now)
    db.session.commit()


def _check_team_name(name: str, *, team_id: int | None) -> str:
    name = " ".join(name.split())
    if row_named(Team, name, other_than=team_id) is not None:
        raise DomainError("team_name_taken", field="name")
    return name


def create_team(actor: User | None, *, name: str, description: str = "", email: str = "",
                member_ids: list[int] | None = None, now: datetime) -> Team:
    team = Team(name=_check_team_name(name, team_id=None), description=description.strip(),
                email=email.strip().lower(), created_at=now)
    team.members = _staff_by_id(member_ids or [])
    db.session.add(team)
    db.session.flush()
    audit.record(actor.id if actor else None, "team.created", "team", team.id, now)
    db.session.commit()
    return team


def update_team(actor: User, team: Team, *, name: str, description: str, email: str,
                member_ids: list[int], now: datetime) -> None:
    team.name = _check_team_name(name, team_id=team.id)
    team.description, team.email = description.strip(), email.strip().lower()
    team.members = _staff_by_id(member_ids)
    audit.record(actor.id, "team.updated", "team", team.id, now)
    db.session.commit()


def set_team_active(actor: User, team: Team, active: bool, *, now: datetime) -> None:
    team.active = active
    audit.record(actor.id, "team.activated" if active else "team.deactivated", "team",
                 team.id, now)
    db.session.commit()


def staff_users() -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.role != Role.CUSTOMER.value, User.active.is_(True))
        .order_by(User.name)))


def _staff_by_id(user_ids: list[int]) -> list[User]:
    if not user_ids:
        return []
    users = list(db.session.scalars(select(User).where(User.id.in_(user_ids))))
    if len(users) != len(set(user_ids)) or any(not u.is_staff for u in users):
        raise DomainError("members_must_be_staff", field="member_ids")
    return users
