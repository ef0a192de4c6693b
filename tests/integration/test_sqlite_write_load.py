"""200 writes at the same moment: none fails with "database is locked", none is lost.

On SQLite every writer queues for one lock. What keeps this safe: WAL, a 10 s busy timeout
(portal/__init__.py), and Python's sqlite3 opening the write transaction at the first write,
so a request's earlier reads never hold a snapshot that would have to be upgraded (the case
SQLite refuses at once, without waiting). Half the threads file complaints, half reply to
tickets they have just read. Runs on PostgreSQL too.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Ticket, TicketMessage
from portal.services import tickets
from tests.integration.test_concurrent_complaints import _draft, category_id  # noqa: F401 (fixture)
from tests.security_figures import record_figure

WRITERS = 200
REPLIES = WRITERS // 2


def test_two_hundred_parallel_writes_all_land(app, category_id):  # noqa: F811 (the fixture)
    ids = [tickets.file_complaint(_draft(category_id, n, key=f"existing-{n:04d}"), actor=None,
                                  now=datetime.now(UTC)).ticket.id for n in range(REPLIES)]
    messages_before = db.session.scalar(select(func.count()).select_from(TicketMessage))
    barrier = threading.Barrier(WRITERS)

    def write(n: int) -> str | None:
        with app.app_context():
            barrier.wait(timeout=60)
            try:
                if n < REPLIES:
                    ticket = db.session.get(Ticket, ids[n])  # read first, then write
                    tickets.customer_reply(ticket, tickets.as_customer(ticket), f"Reply {n}",
                                           now=datetime.now(UTC))
                else:
                    tickets.file_complaint(_draft(category_id, n, key=f"new-{n:04d}"),
                                           actor=None, now=datetime.now(UTC))
            except Exception as exc:  # reported by the test, not lost in a thread
                return f"writer {n}: {exc!r}"
            return None

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        failures = [failure for failure in pool.map(write, range(WRITERS)) if failure]
    locked = sum("locked" in failure for failure in failures)
    if db.engine.dialect.name == "sqlite":
        record_figure("Failures", f"SQLite: {WRITERS} parallel writes", f"{locked} 'database is "
                      f"locked', {len(failures)} errors", "0 locked", not failures)
    assert failures == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == WRITERS
    replies = db.session.scalar(select(func.count()).select_from(TicketMessage))
    assert replies - messages_before == REPLIES
