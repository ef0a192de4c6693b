"""Attachments: check each upload by its content, store it, and hand it back to who may see it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from portal.domain import attachments as rules
from portal.domain.errors import DomainError
from portal.extensions import db, files
from portal.models import Attachment, Ticket, TicketMessage


@dataclass(frozen=True)
class Upload:
    """A file as received: its name as the sender gave it, and its bytes."""

    name: str
    content: bytes


def check_uploads(uploads: list[Upload]) -> None:
    if len(uploads) > rules.MAX_PER_MESSAGE:
        raise DomainError("too_many_files", field="attachments")
    for upload in uploads:
        _kind, problem = rules.check_file(upload.name, upload.content)
        if problem:
            raise DomainError(f"file_{problem}", field="attachments")


def store_uploads(ticket: Ticket, message: TicketMessage | None,
                  uploads: list[Upload]) -> list[str]:
    """Write the files and add their rows to the session; return the stored names so that the
    caller can remove them again if its transaction fails."""
    stored = []
    for upload in uploads:
        kind, problem = rules.check_file(upload.name, upload.content)
        if problem or kind is None:
            raise DomainError(f"file_{problem}", field="attachments")
        name = files.store.save(upload.content)
        stored.append(name)
        db.session.add(Attachment(
            ticket=ticket, message=message, storage_name=name,
            original_name=rules.clean_filename(upload.name), content_type=kind.mimetype,
            size=len(upload.content), sha256=hashlib.sha256(upload.content).hexdigest()))
    return stored


def discard(stored: list[str]) -> None:
    for name in stored:
        files.store.delete(name)


# --- staging: files kept while a form is not finished -------------------------------------

STAGED_LIFETIME = timedelta(days=1)


def stage_uploads(uploads: list[Upload], *, session_hash: str, now: datetime
                  ) -> list[Attachment]:
    """Store files from an unfinished form under the browser's session (the caller commits)."""
    if not session_hash:
        raise DomainError("no_session", field="attachments")
    staged = []
    for upload in uploads:
        kind, problem = rules.check_file(upload.name, upload.content)
        if problem or kind is None:
            raise DomainError(f"file_{problem}", field="attachments")
        row = Attachment(
            ticket=None, staged_session=session_hash, storage_name=files.store.save(
                upload.content), original_name=rules.clean_filename(upload.name),
            content_type=kind.mimetype, size=len(upload.content),
            sha256=hashlib.sha256(upload.content).hexdigest(), created_at=now)
        db.session.add(row)
        staged.append(row)
    db.session.flush()
    return staged


def staged_files(ids: list[int], *, session_hash: str) -> list[Attachment]:
    """The staged files among `ids` that this browser uploaded (others are ignored)."""
    if not ids or not session_hash:
        return []
    return list(db.session.scalars(select(Attachment).where(
        Attachment.id.in_(ids[: rules.MAX_PER_MESSAGE * 2]), Attachment.ticket_id.is_(None),
        Attachment.staged_session == session_hash).order_by(Attachment.id)))


def attach_staged(ticket: Ticket, message: TicketMessage | None,
                  staged: list[Attachment]) -> None:
    for row in staged:
        row.ticket, row.message, row.staged_session = ticket, message, None


def purge_staged(now: datetime) -> int:
    """Worker job: remove staged files nobody finished their form with."""
    rows = list(db.session.scalars(select(Attachment).where(
        Attachment.ticket_id.is_(None), Attachment.created_at < now - STAGED_LIFETIME)))
    for row in rows:
        files.store.delete(row.storage_name)
        db.session.delete(row)
    db.session.commit()
    return len(rows)
