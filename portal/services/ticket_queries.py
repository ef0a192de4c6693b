"""Reading tickets: by reference, their conversation and timeline, customers' lists."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Select,
    and_,
    bindparam,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import joinedload

from portal.domain import references
from portal.domain.errors import NotFound
from portal.domain.tickets import Visibility
from portal.extensions import db
from portal.models import (
    Attachment,
    ComplaintCategory,
    Survey,
    Ticket,
    TicketEvent,
    TicketMessage,
    TrackingToken,
)

MAX_TOKEN_IDS = 20  # a browser session keeps at most this many grants (web/ticket_access.py)

# The statements of the ticket pages are built once (functools.cache) and take their values as
# bound parameters: building a select and its cache key costs about as much as running it.

# --------------------------------------------------------------------------------


@cache
def _ticket_statement(*, tokens: bool, page: bool) -> Select:
    """The ticket by reference with its category (every ticket page shows it). With `tokens`,
    also those of the browser's tracking tokens (`token_ids`) that are the ticket's: they land in
    the session's identity map, so that checking a grant (tracking.grant_is_valid) costs no
    statement. With `page`, also its survey and the files sent with the complaint (a row per
    file: the ticket's columns repeat only when it has several)."""
    query = (select(Ticket).options(joinedload(Ticket.category))
             .where(Ticket.reference == bindparam("reference")))
    if tokens:
        query = query.add_columns(TrackingToken).outerjoin(TrackingToken, and_(
            TrackingToken.ticket_id == Ticket.id,
            TrackingToken.id.in_(bindparam("token_ids", expanding=True))))
    if page:
        query = (query.add_columns(Survey, Attachment)
                 .outerjoin(Survey, Survey.ticket_id == Ticket.id)
                 .outerjoin(Attachment, and_(Attachment.ticket_id == Ticket.id,
                                             Attachment.message_id.is_(None)))
                 .order_by(Attachment.id))
    return query


def _ticket_rows(reference: str | None, token_ids: Iterable[int], *, page: bool) -> list:
    canonical = references.normalize_reference(reference)
    if not canonical:
        return []
    ids = [int(token_id) for token_id in token_ids][:MAX_TOKEN_IDS]
    return db.session.execute(_ticket_statement(tokens=bool(ids), page=page),
                              {"reference": canonical, "token_ids": ids}).all()


def _found_tokens(rows: list) -> list[TrackingToken]:
    found = (row[1] for row in rows if len(row) > 1 and isinstance(row[1], TrackingToken))
    return list({token.id: token for token in found}.values())  # once per file row


def get_by_reference(reference: str | None) -> Ticket:
    found = with_tokens(reference, ())
    if found is None:
        raise NotFound("ticket")
    return found[0]


def with_tokens(reference: str | None, token_ids: Iterable[int]
                ) -> tuple[Ticket, list[TrackingToken]] | None:
    """The ticket and those of `token_ids` that are its tracking tokens. The session's identity
    map holds objects only while something references them: keep the tokens while they may be
    looked up."""
    rows = _ticket_rows(reference, token_ids, page=False)
    return (rows[0][0], _found_tokens(rows)) if rows else None


@dataclass(frozen=True)
class StatusPage:
    """What the customer's status page shows beside the timeline."""

    ticket: Ticket
    survey: Survey | None
    complaint_files: list[Attachment]
    tokens: list[TrackingToken] = field(default_factory=list)  # as in with_tokens


def status_page(reference: str | None, *, token_ids: Iterable[int] = ()) -> StatusPage | None:
    """with_tokens plus the ticket's survey and the files sent with the complaint, in one
    statement."""
    rows = _ticket_rows(reference, token_ids, page=True)
    if not rows:
        return None
    files = {row[-1].id: row[-1] for row in rows if row[-1] is not None}  # once per token row
    return StatusPage(rows[0][0], rows[0][-2], list(files.values()), _found_tokens(rows))


def active_categories() -> list[ComplaintCategory]:
    return list(db.session.scalars(select(ComplaintCategory).where(
        ComplaintCategory.active.is_(True)).order_by(ComplaintCategory.position,
                                                     ComplaintCategory.name)))


@cache
def _public_timeline_statement() -> Select:
    return select(TicketEvent).where(
        TicketEvent.ticket_id == bindparam("ticket_id"), TicketEvent.public.is_(True),
        TicketEvent.id > bindparam("after_id")).order_by(TicketEvent.created_at, TicketEvent.id)


def public_timeline(ticket: Ticket, *, after_id: int = 0) -> list[TicketEvent]:
    return list(db.session.scalars(_public_timeline_statement(),
                                   {"ticket_id": ticket.id, "after_id": after_id}))


def full_timeline(ticket: Ticket) -> list[TicketEvent]:
    return list(db.session.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.created_at, TicketEvent.id)))


@cache
def _conversation_statement(*, include_internal: bool) -> Select:
    query = select(TicketMessage).where(TicketMessage.ticket_id == bindparam("ticket_id"))
    if not include_internal:
        query = query.where(TicketMessage.visibility == Visibility.PUBLIC.value)
    # the pages list every message's files: joined to the messages, so no query of their own
    return (query.options(joinedload(TicketMessage.attachments))
            .order_by(TicketMessage.created_at, TicketMessage.id))


def conversation(ticket: Ticket, *, include_internal: bool) -> list[TicketMessage]:
    return list(db.session.scalars(_conversation_statement(include_internal=include_internal),
                                   {"ticket_id": ticket.id}).unique())


# --- the customer side's timeline, as plain rows --------------------------------------------
# The status page and its JSON read a few columns of the public events and messages and never
# change them: read as rows (no ORM objects, identity map or instance state) they cost about
# half as much, and both come in one statement (a UNION ALL: one round trip, not two). Only
# public events and public messages are selected, as public_timeline and
# conversation(include_internal=False) do.


@dataclass(frozen=True, eq=False)
class PublicFile:
    """A public message's file, as a download link shows it."""

    id: int
    original_name: str
    size: int


@dataclass(frozen=True, eq=False)
class PublicMessage:
    """A public message, with what the customer side shows of it."""

    id: int
    author_kind: str
    author_name: str
    body_md: str
    body_html: str
    created_at: datetime
    attachments: list[PublicFile]


EVENT_ROW, MESSAGE_ROW = 0, 1


@cache
def _public_timeline_rows_statement() -> CompoundSelect:
    events, messages, files = (TicketEvent.__table__.c, TicketMessage.__table__.c,
                               Attachment.__table__.c)
    # The first select names the columns and their types; the other side's columns are NULL.
    event_rows = select(
        literal_column(str(EVENT_ROW), Integer).label("kind"), events.id, events.created_at,
        events.type, events.from_value, events.to_value, events.data,
        *(null().label(name) for name in ("author_kind", "author_name", "body_md", "body_html",
                                           "file_id", "original_name", "size")),
    ).where(events.ticket_id == bindparam("ticket_id"), events.public.is_(True))
    message_rows = select(
        literal_column(str(MESSAGE_ROW), Integer), messages.id, messages.created_at,
        null(), null(), null(), null(), messages.author_kind, messages.author_name,
        messages.body_md, messages.body_html, files.id, files.original_name, files.size,
    ).select_from(TicketMessage.__table__).outerjoin(
        Attachment.__table__, files.message_id == messages.id,
    ).where(messages.ticket_id == bindparam("ticket_id"),
            messages.visibility == Visibility.PUBLIC.value)
    both = union_all(event_rows, message_rows)
    columns = both.selected_columns
    return both.order_by(columns.kind, columns.created_at, columns.id, columns.file_id)


def public_timeline_rows(ticket_id: int) -> tuple[list, list[PublicMessage]]:
    """public_timeline's events as rows (id, type, from_value, to_value, data, created_at) and
    conversation(include_internal=False) as PublicMessage, each with its files; both oldest
    first."""
    events: list = []
    messages: dict[int, PublicMessage] = {}
    rows = db.session.execute(_public_timeline_rows_statement(), {"ticket_id": ticket_id}).all()
    for row in rows:
        if row.kind == EVENT_ROW:
            events.append(row)
            continue
        message = messages.get(row.id)
        if message is None:
            message = messages[row.id] = PublicMessage(
                row.id, row.author_kind, row.author_name, row.body_md, row.body_html,
                row.created_at, [])
        if row.file_id is not None:
            message.attachments.append(PublicFile(row.file_id, row.original_name, row.size))
    return events, list(messages.values())


def complaint_attachments(ticket: Ticket) -> list[Attachment]:
    """The files sent with the complaint itself (not with a later message)."""
    return list(db.session.scalars(select(Attachment).where(
        Attachment.ticket_id == ticket.id, Attachment.message_id.is_(None))
        .order_by(Attachment.id)))


def get_attachment(attachment_id: int) -> Attachment | None:
    if not 0 < attachment_id < 2**31:  # beyond any id a database integer column holds
        return None
    return db.session.get(Attachment, attachment_id)


def customer_tickets(customer_id: int, *, statuses: tuple[str, ...] | None = None, page: int = 1,
                     per_page: int = 25):
    """A customer's own tickets, the most recently updated first (a Flask-SQLAlchemy page)."""
    query = select(Ticket).where(Ticket.customer_id == customer_id)
    if statuses is not None:
        query = query.where(Ticket.status.in_([str(status) for status in statuses]))
    query = query.order_by(Ticket.updated_at.desc(), Ticket.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
