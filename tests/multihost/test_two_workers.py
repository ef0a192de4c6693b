"""Two worker processes on one database: each e-mail and each index change is done once.

The outbox claims a message with FOR UPDATE SKIP LOCKED; the search log is applied by whoever
holds the host's row (SKIP LOCKED). The SLA sweep's two-at-once test is
tests/integration/test_sla_sweep.py::test_two_sweeps_in_parallel_escalate_once_per_level.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Article, OutboxMessage, SearchChange, SearchHost
from portal.models.outbox import SENT
from portal.services import search_sync
from tests.multihost.hosts import (
    fresh_database,
    host_env,
    needs_postgres,
    prepare,
    wait_for,
    worker,
)
from tests.multihost.test_two_hosts import app_on, index_titles

pytestmark = needs_postgres
APPLIED = re.compile(r"host host-w applied (\d+) changes")
MESSAGES, CHANGES = 80, 600  # the outbox job sends up to 100 per run


def test_two_workers_send_each_email_once_and_apply_each_change_once(tmp_path, smtp_server):
    with fresh_database() as url:
        env = host_env(url, tmp_path / "w", "host-w", MAIL_BACKEND="smtp",
                       MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp_server.port),
                       MAIL_USE_TLS="false")
        prepare(env)
        app = app_on(url, tmp_path / "loader")
        with app.app_context():
            builder = worker(env, tmp_path / "worker-0.log")  # the host's first (empty) build
            wait_for(lambda: db.session.get(SearchHost, "host-w") is not None, timeout=30,
                     what="the host's first build")
            builder.stop()
            db.session.rollback()
            now = datetime.now(UTC)
            db.session.add_all(OutboxMessage(recipient=f"c{n}@example.com", subject=f"Mail {n}",
                                             body_text="Hello.", next_attempt_at=now)
                               for n in range(MESSAGES))
            articles = [Article(slug=f"a-{n}", title=f"Article {n}", body_md="Text.",
                                status="published", published_at=now) for n in range(CHANGES)]
            db.session.add_all(articles)
            db.session.flush()
            db.session.add_all(SearchChange(kind="article", object_id=a.id) for a in articles)
            db.session.commit()

            workers = [worker(env, tmp_path / f"worker-{n}.log") for n in (1, 2)]
            try:
                def done() -> bool:
                    db.session.rollback()
                    sent = db.session.scalar(select(func.count()).where(
                        OutboxMessage.status == SENT))
                    host = db.session.get(SearchHost, "host-w")
                    return (sent == MESSAGES and host is not None
                            and host.position == search_sync.last_position() > 0)

                wait_for(done, timeout=120, what="both workers to finish", every=0.5)
            finally:
                for process in workers:
                    process.stop()
            expected = {f"article:{a.id}": a.title for a in db.session.scalars(select(Article))}
            db.session.remove()
            db.engine.dispose()

    subjects = Counter(str(message["Subject"]) for message in smtp_server.messages)
    assert len(subjects) == MESSAGES and set(subjects.values()) == {1}
    logs = [process.output() for process in workers]
    assert "Traceback" not in "".join(logs)
    applied = [sum(int(n) for n in APPLIED.findall(log)) for log in logs]
    assert sum(applied) == CHANGES  # however the two shared them, none was applied twice
    assert index_titles(tmp_path / "w") == expected
