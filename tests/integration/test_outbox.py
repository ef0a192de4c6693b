"""E-mail that is never lost: queued in the outbox, sent over real SMTP, retried with backoff."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.domain.outbox import MAX_ATTEMPTS, UnsafeHeader
from portal.extensions import db
from portal.models import OutboxMessage
from portal.notify.outbox import queue_email, send_due


def _queue(app, now, recipient="ha@example.com", subject="Hello"):
    with app.test_request_context():
        message = queue_email(recipient, subject, "password_reset", locale="en", now=now,
                              user=type("U", (), {"name": "Hà"})(), link="http://x/r/1",
                              minutes=60)
    db.session.commit()
    return message


def test_due_messages_arrive_at_the_smtp_server_with_text_and_html(app, now, smtp_server):
    message = _queue(app, now, subject="Đặt lại mật khẩu")
    assert send_due(now, smtp_server.transport()) == {"sent": 1, "retry": 0, "failed": 0}
    [received] = smtp_server.messages
    assert received["To"] == "ha@example.com"
    assert received["Subject"] == "Đặt lại mật khẩu"
    assert "http://x/r/1" in received.get_body(("plain",)).get_content()
    assert "<a href=\"http://x/r/1\"" in received.get_body(("html",)).get_content()
    db.session.refresh(message)
    assert (message.status, message.attempts, message.sent_at) == ("sent", 1, now)
    assert send_due(now, smtp_server.transport())["sent"] == 0, "never sent twice"


def test_failed_send_is_retried_later_with_backoff(app, now, smtp_server):
    message = _queue(app, now)
    smtp_server.inbox.refuse = True
    assert send_due(now, smtp_server.transport())["retry"] == 1
    db.session.refresh(message)
    assert message.status == "pending" and message.attempts == 1
    assert message.next_attempt_at == now + timedelta(minutes=1)
    assert "451" in message.last_error
    assert send_due(now + timedelta(seconds=30), smtp_server.transport())["retry"] == 0

    smtp_server.inbox.refuse = False
    assert send_due(now + timedelta(minutes=1), smtp_server.transport())["sent"] == 1
    assert len(smtp_server.messages) == 1


def test_unreachable_server_is_retried_then_given_up(app, now):
    from portal.notify.mailer import SMTPTransport
    from tests.smtp import free_port

    message = _queue(app, now)
    dead = SMTPTransport(host="127.0.0.1", port=free_port(), sender="p@example.com",
                         use_tls=False, timeout=2)
    moment = now
    for _ in range(MAX_ATTEMPTS):
        send_due(moment, dead)
        db.session.refresh(message)
        moment = message.next_attempt_at or moment
    assert message.status == "failed" and message.attempts == MAX_ATTEMPTS
    assert message.next_attempt_at is None and "Connection" in message.last_error


def test_line_breaks_in_headers_are_refused_before_queuing(app, now):
    with pytest.raises(UnsafeHeader):
        _queue(app, now, recipient="a@example.com\r\nBcc: victim@example.com")
    with pytest.raises(UnsafeHeader):
        _queue(app, now, subject="Hi\nBcc: victim@example.com")
    db.session.rollback()
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_console_backend_prints_the_message(app, now, capsys):
    from portal.notify.mailer import transport_from_config

    _queue(app, now)
    send_due(now, transport_from_config(app.config))
    printed = capsys.readouterr().out
    assert "To: ha@example.com" in printed and "http://x/r/1" in printed
