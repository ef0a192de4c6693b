"""The SMTP server is down for 10 minutes while complaints keep arriving: every e-mail waits in
the outbox and is delivered exactly once after the server is back.

The clock is simulated: the worker's outbox job runs every 15 s (portal/jobs.py), and while the
server is down it finds nothing listening on the port (connection refused), as when the mail
server is stopped.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from portal.models import OutboxMessage
from portal.notify.mailer import SMTPTransport
from portal.notify.outbox import send_due
from portal.services import tickets
from tests.integration.ticket_support import draft, make_billing
from tests.security_figures import record_figure
from tests.smtp import free_port

TICK = timedelta(seconds=15)  # the worker's outbox interval
OUTAGE = timedelta(minutes=10)
COMPLAINTS = 20


def test_ten_minutes_without_smtp_lose_and_duplicate_nothing(app, now, make_user,
                                                             smtp_server):
    category, _agent = make_billing(make_user)
    down = SMTPTransport(host="127.0.0.1", port=free_port(), sender="p@example.com",
                         use_tls=False, timeout=2)
    filed_every = OUTAGE / COMPLAINTS
    moment, filed, outcome = now, 0, Counter()
    while moment < now + OUTAGE:
        while filed < COMPLAINTS and now + filed * filed_every <= moment:
            tickets.file_complaint(draft(category, contact_email=f"customer{filed}@example.com",
                                         submission_key=f"outage-{filed:03d}"),
                                   actor=None, now=moment)
            filed += 1
        outcome.update(send_due(moment, down))
        moment += TICK
    assert outcome["sent"] == 0 and outcome["retry"] > 0 and outcome["failed"] == 0

    back_at, give_up_at = moment, moment + timedelta(hours=1)
    while _waiting() and moment < give_up_at:
        outcome.update(send_due(moment, smtp_server.transport()))
        moment += TICK

    queued = list(_messages())
    assert len(queued) == COMPLAINTS  # one acknowledgement per complaint
    assert [m.status for m in queued] == ["sent"] * COMPLAINTS
    received = Counter(message["To"] for message in smtp_server.messages)
    lost = COMPLAINTS - len(received)
    duplicated = sum(count - 1 for count in received.values())
    record_figure("Failures", f"SMTP down 10 minutes while {COMPLAINTS} complaints are filed",
                  f"{lost} lost, {duplicated} duplicated", "0 lost, 0 duplicated",
                  lost == duplicated == 0)
    assert received == {f"customer{n}@example.com": 1 for n in range(COMPLAINTS)}
    # With backoff (1, 2, 4, 8 … minutes) the last retry falls due within 16 minutes.
    assert max(m.sent_at for m in queued) - back_at <= timedelta(minutes=16)


def _messages():
    from portal.extensions import db

    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))


def _waiting() -> bool:
    return any(message.status == "pending" for message in _messages())
