"""Administration of complaint categories: the complaint form's types and the team each one is
routed to. The slug is made once, on creation, and never changes (links and reports use it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.domain.errors import DomainError, NotFound
from portal.domain.kb import slugify
from portal.extensions import db
from portal.models import ComplaintCategory, Team, User
from portal.services import audit
from portal.services.names import row_named

NAME_MAX = 80
SLUG_MAX = 60

# The six types of the user's procedure, as the migration 0003 seeds them in real databases.
DEFAULT_CATEGORIES = [
    ("service-quality", "Service quality", "Chất lượng dịch vụ"),
    ("billing-fees", "Billing & fees", "Cước phí & thanh toán"),
    ("product", "Product", "Sản phẩm"),
    ("delivery", "Delivery", "Giao hàng"),
    ("account", "Account", "Tài khoản"),
    ("other", "Other", "Khác"),
]


@dataclass
class CategoryChanges:
    name: str
    name_vi: str = ""
    default_team_id: int | None = None
    position: int = 0
    active: bool = True


def list_categories() -> list[ComplaintCategory]:
    """Every category, active or not, in the complaint form's order."""
    return list(db.session.scalars(select(ComplaintCategory).order_by(
        ComplaintCategory.position, ComplaintCategory.name, ComplaintCategory.id)))


def get_category(category_id: int) -> ComplaintCategory:
    category = db.session.get(ComplaintCategory, category_id)
    if category is None:
        raise NotFound("category")
    return category


def _clean(changes: CategoryChanges, *, category_id: int | None,
           current_team_id: int | None = None) -> CategoryChanges:
    name = " ".join((changes.name or "").split())
    name_vi = " ".join((changes.name_vi or "").split())
    if not name:
        raise DomainError("required", field="name")
    if len(name) > NAME_MAX:
        raise DomainError("too_long", field="name")
    if len(name_vi) > NAME_MAX:
        raise DomainError("too_long", field="name_vi")
    if row_named(ComplaintCategory, name, other_than=category_id) is not None:
        raise DomainError("category_name_taken", field="name")
    if changes.default_team_id is not None and changes.default_team_id != current_team_id:
        team = db.session.get(Team, changes.default_team_id)
        if team is None or not team.active:
            raise DomainError("team_not_found", field="default_team_id")
    return CategoryChanges(name=name, name_vi=name_vi, default_team_id=changes.default_team_id,
                           position=changes.position or 0, active=bool(changes.active))


def _free_slug(name: str) -> str:
    """The name as a slug; "-2", "-3"… when another category already uses it."""
    base = slugify(name, max_length=SLUG_MAX - 4)
    taken = set(db.session.scalars(select(ComplaintCategory.slug).where(
        ComplaintCategory.slug.like(f"{base}%"))))
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def create_category(actor: User | None, changes: CategoryChanges, *,
                    now: datetime) -> ComplaintCategory:
    changes = _clean(changes, category_id=None)
    category = ComplaintCategory(
        slug=_free_slug(changes.name), name=changes.name, name_vi=changes.name_vi,
        default_team_id=changes.default_team_id, position=changes.position,
        active=changes.active)
    db.session.add(category)
    db.session.flush()
    audit.record(actor.id if actor else None, "complaint_category.created", "complaint_category",
                 category.id, now, slug=category.slug, name=category.name)
    db.session.commit()
    return category


def update_category(actor: User | None, category: ComplaintCategory, changes: CategoryChanges,
                    *, now: datetime) -> ComplaintCategory:
    # A team deactivated since may stay (nothing changes for it); a new choice must be active.
    changes = _clean(changes, category_id=category.id,
                     current_team_id=category.default_team_id)
    before = _snapshot(category)
    category.name, category.name_vi = changes.name, changes.name_vi
    category.default_team_id = changes.default_team_id
    category.position, category.active = changes.position, changes.active
    after = _snapshot(category)
    if before != after:
        audit.record(actor.id if actor else None, "complaint_category.updated",
                     "complaint_category", category.id, now, before=before, after=after)
    db.session.commit()
    return category


def _snapshot(category: ComplaintCategory) -> dict:
    return {"name": category.name, "name_vi": category.name_vi,
            "default_team_id": category.default_team_id, "position": category.position,
            "active": category.active}


def ensure_default_categories() -> int:
    """Create the six default categories that are missing (matched by slug); return how many.

    Real databases get them from the migration; databases made with create_all (tests, demo
    try-outs) get them here. Existing categories are left exactly as the admins set them.
    """
    existing = set(db.session.scalars(select(ComplaintCategory.slug)))
    added = 0
    for position, (slug, name, name_vi) in enumerate(DEFAULT_CATEGORIES, start=1):
        if slug not in existing:
            db.session.add(ComplaintCategory(slug=slug, name=name, name_vi=name_vi,
                                             position=position, active=True))
            added += 1
    db.session.commit()
    return added


def route_unrouted(team_for_slug: dict[str, Team]) -> int:
    """Give categories without a default team the team named for their slug (the demo's
    routing); categories an admin already routed keep their team. Returns how many changed."""
    changed = 0
    for category in db.session.scalars(select(ComplaintCategory).where(
            ComplaintCategory.default_team_id.is_(None),
            ComplaintCategory.slug.in_(list(team_for_slug)))):
        category.default_team = team_for_slug[category.slug]
        changed += 1
    db.session.commit()
    return changed
