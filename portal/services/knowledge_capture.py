"""Knowledge capture: an escalated ticket, once solved, is written up as a knowledge-base article
so that the first line can solve the next one themselves (seeds 000 and 004).

The write-up is a DRAFT, INTERNAL article made through services/kb.py (so it gets its slug, its
first revision and its search-index entry like any other), prefilled from the ticket: the
problem (the description), the solution (the resolution note) and the lesson learned. Ticket
and article point at each other (`ticket.article_id`, `article.source_ticket_id`), and the
ticket's timeline records ARTICLE_LINKED.

kb.create_article commits the article itself. The ticket's version guards the pair: the
ticket is touched in that same transaction, so of two clicks racing, the second fails on the
version (StaleTicket) and makes no second article; the links follow in a second commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from portal.domain import kb as kb_rules
from portal.domain.errors import DomainError
from portal.domain.tickets import EventType, Status
from portal.extensions import db
from portal.models import Article, Escalation, Ticket, User
from portal.services import kb
from portal.services.ticket_core import (
    StaleTicket,
    as_staff,
    check_version,
    commit,
    record_event,
)

SOLVED = (Status.RESOLVED.value, Status.CLOSED.value)
PROBLEM_MAX = 2000  # characters of the description quoted in the draft
LANGUAGES = ("en", "vi")
PAGE_SIZE = 25
NOT_OFFERED = "write_up_not_offered"


@dataclass(frozen=True)
class WriteUp:
    article: Article
    created: bool  # False: the ticket had its article already (a second click)


def was_escalated(ticket: Ticket) -> bool:
    return ticket.id is not None and db.session.scalar(
        select(exists().where(Escalation.ticket_id == ticket.id))) is True


def offers_write_up(ticket: Ticket) -> bool:
    """Solved, escalated at least once, and not written up yet."""
    return ticket.article_id is None and ticket.status in SOLVED and was_escalated(ticket)


def _shortened(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def draft_for(ticket: Ticket) -> kb.ArticleDraft:
    """The article as the ticket tells it, in the ticket's language (headings included)."""
    language = ticket.locale if ticket.locale in LANGUAGES else "en"
    with force_locale(language):
        sections = [(_("Problem"), _shortened(ticket.description, PROBLEM_MAX)),
                    (_("Solution"), ticket.resolution_note.strip()
                     or _("(Describe what solved it.)"))]
        if ticket.lesson_learned.strip():
            sections.append((_("Lesson learned"), ticket.lesson_learned.strip()))
        source = _("Written up from ticket %(reference)s.", reference=ticket.reference)
    body = "\n\n".join(f"## {heading}\n\n{text}" for heading, text in sections)
    return kb.ArticleDraft(
        title=ticket.subject, body_md=f"{body}\n\n---\n\n_{source}_",
        summary=_shortened(" ".join(ticket.resolution_note.split()), 290),
        visibility=kb_rules.Visibility.INTERNAL, language=language)


def _claim(ticket: Ticket, now: datetime) -> None:
    """Touch the ticket first, in the transaction the article is committed in (even at the same
    instant): a racing second click fails on the ticket's version (on PostgreSQL it waits for
    the row lock, then fails) instead of making a second article."""
    ticket.updated_at = now
    flag_modified(ticket, "updated_at")
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise StaleTicket() from exc


def write_up(ticket: Ticket, editor: User, *, now: datetime,
             expected_version: int | None = None) -> WriteUp:
    """Create the ticket's draft article, or return the one it has (idempotent)."""
    if ticket.article is not None:
        return WriteUp(ticket.article, created=False)
    check_version(ticket, expected_version)
    if not offers_write_up(ticket):
        raise DomainError(NOT_OFFERED)
    _claim(ticket, now)
    article = kb.create_article(editor, draft_for(ticket), now=now)
    article.source_ticket_id = ticket.id
    ticket.article_id = article.id
    record_event(ticket, EventType.ARTICLE_LINKED, as_staff(editor), now,
                 to_value=article.slug[:120], article_id=article.id, slug=article.slug)
    commit()
    return WriteUp(article, created=True)


# --- the supervisors' list ----------------------------------------------------------------------

@dataclass(frozen=True)
class UnwrittenPage:
    tickets: list[Ticket]
    escalations: dict[int, int]  # ticket id → how many times it was escalated
    page: int
    has_next: bool


def unwritten_escalations(page: int = 1, *, per_page: int = PAGE_SIZE) -> UnwrittenPage:
    """Solved tickets that were escalated and have no article: newest solved first."""
    page = max(1, min(page, 10_000))
    escalated = exists().where(Escalation.ticket_id == Ticket.id)
    rows = list(db.session.scalars(
        select(Ticket).where(Ticket.status.in_(SOLVED), Ticket.article_id.is_(None), escalated)
        .order_by(Ticket.resolved_at.desc(), Ticket.id.desc())
        .offset((page - 1) * per_page).limit(per_page + 1)))
    shown = rows[:per_page]
    counts = dict(db.session.execute(
        select(Escalation.ticket_id, func.count()).where(
            Escalation.ticket_id.in_([t.id for t in shown])).group_by(Escalation.ticket_id)
    ).all()) if shown else {}
    return UnwrittenPage(shown, counts, page, has_next=len(rows) > per_page)
