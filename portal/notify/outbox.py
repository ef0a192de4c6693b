"""Queue e-mails in the outbox table and send what is due, retrying failures with backoff.

Queuing happens inside the caller's transaction, so an e-mail exists exactly when the change it
announces was committed. Sending is the worker's job (`flask portal outbox-send` / `worker`).
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import select

from portal.domain.outbox import UnsafeHeader, next_attempt_at
from portal.extensions import db
from portal.models.outbox import FAILED, PENDING, SENT, OutboxMessage
from portal.notify.headers import one_line_address, subject_text
from portal.notify.mailer import Transport

log = logging.getLogger(__name__)


def queue_email(recipient: str, subject: object, template: str, *, locale: str,
                now: datetime, **context: object) -> OutboxMessage:
    """Render `templates/email/<template>.txt|.html` in the recipient's language and queue it.

    `subject` may be a lazy translation; it is rendered in `locale` too, its values (a ticket's
    subject, a thread's title, a name) made one line. A recipient with a line break, or our own
    subject words with one, are refused (UnsafeHeader); a recipient that is not one plain
    address is refused when the e-mail is built, and the message fails without retries.
    """
    recipient = one_line_address(recipient)
    with force_locale(locale):
        subject_line = subject_text(subject)
        body_text = render_template(f"email/{template}.txt", **context)
        body_html = render_template(f"email/{template}.html", **context)
    message = OutboxMessage(
        recipient=recipient,
        subject=subject_line,
        body_text=body_text,
        body_html=body_html,
        created_at=now,
        next_attempt_at=now,
    )
    db.session.add(message)
    return message


def _claim_next_due(now: datetime) -> OutboxMessage | None:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return db.session.scalars(query).first()


def send_due(now: datetime, transport: Transport, *, limit: int = 100) -> dict[str, int]:
    """Send up to `limit` due messages, one transaction each, so a crash never resends a batch."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for _ in range(limit):
        message = _claim_next_due(now)
        if message is None:
            break
        message.attempts += 1
        try:
            transport.send(message)
        except UnsafeHeader as exc:  # no later try will make it safe: failed at once
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            message.status = FAILED
            message.next_attempt_at = None
            counts["failed"] += 1
            log.error("outbox message %s refused: %s", message.id, message.last_error)
        except Exception as exc:  # any transport failure is recorded and retried later
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            retry_at = next_attempt_at(now, message.attempts)
            message.next_attempt_at = retry_at
            if retry_at is None:
                message.status = FAILED
                counts["failed"] += 1
                log.error("outbox message %s failed for good: %s", message.id, message.last_error)
            else:
                counts["retry"] += 1
                log.warning("outbox message %s will retry: %s", message.id, message.last_error)
        else:
            message.status = SENT
            message.sent_at = now
            message.next_attempt_at = None
            message.last_error = ""
            counts["sent"] += 1
        db.session.commit()
    return counts
