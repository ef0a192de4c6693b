"""The data behind benchmarks/pages.py: a help centre, a forum and a help desk's history at the
issue's sizes, in one migrated database (SQLite or PostgreSQL), plus its Whoosh index.

- Articles: benchmarks/_common.HelpCentre documents (English and Vietnamese, 5 % internal),
  inserted by benchmarks/search_speed.fill_database.
- Forum: as many threads again, made from the same generator's later documents: the title
  opens the thread, the first paragraph is the opening post and each further paragraph a reply
  (so most threads have 1–4 replies), by customers and agents, over the past year.
- Tickets: benchmarks/reports_data (events, messages, escalations, surveys, searches) after
  benchmarks/reports.setup (teams, 20 agents, a supervisor, routing, SLA targets).
- A customer who owns one ticket with a conversation (for the status page).
Then `flask search reindex` builds the index from the database, as an operator would.
"""

from __future__ import annotations

import hashlib
import html
import json
import random
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks import reports
from benchmarks._common import HelpCentre, app_config, flask, progress
from benchmarks.agent_queue import PASSWORD

CUSTOMER = "bench-customer@example.com"
SUPERVISOR = "bench-supervisor@example.com"
AGENT = "agent1@example.com"  # tier 1, one team (benchmarks/reports.setup)
FORUM_PEOPLE = 40
CHUNK = 2000


def make_app(env: dict[str, str], folder: Path):
    from portal import create_app

    return create_app({**app_config(env), "INSTANCE_PATH": str(folder / "instance")})


def build(env: dict[str, str], folder: Path, *, articles: int, threads: int, tickets: int,
          seed: int = 20261124) -> dict:
    """Migrate and fill the database of `env`, build the index; return what was made."""
    from benchmarks.reports import setup as setup_desk
    from benchmarks.search_speed import fill_database

    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    flask(["db", "upgrade"], env)
    made = setup_desk(make_app(env, folder), now)
    centre = HelpCentre()
    progress(f"articles: generating and inserting {articles:,}")
    fill_database(env, folder, list(centre.documents(articles)))
    app = make_app(env, folder)
    counts = {"articles": articles}
    with app.app_context():
        _spread_dates(articles, now, random.Random(seed))
        people = _people(now)
        progress(f"forum: {threads:,} threads")
        counts.update(_forum(centre, articles, threads, people, now, random.Random(seed)))
        progress(f"tickets: {tickets:,} with their history")
        counts.update(_tickets(made, articles, tickets, now, random.Random(seed)))
        status_ticket = _give_customer_a_ticket(people["customer"])
        _analyze()
    progress("flask search reindex")
    flask(["search", "reindex"], env, timeout=7200)
    progress(f"data ready in {time.perf_counter() - started:.0f} s")
    return {"counts": counts, "status_ticket": status_ticket, "built_at": now.isoformat()}


def _spread_dates(articles: int, now: datetime, rng: random.Random) -> None:
    """fill_database dates every article `now`; a real help centre grew over three years."""
    from sqlalchemy import bindparam, update

    from portal.extensions import db
    from portal.models import Article

    rows = []
    for n in range(1, articles + 1):
        created = now - timedelta(minutes=rng.randint(60, 3 * 365 * 24 * 60))
        updated = min(now, created + timedelta(minutes=rng.randint(0, 200 * 24 * 60)))
        rows.append({"b_id": n, "b_created": created, "b_updated": updated})
    table = Article.__table__
    db.session.execute(update(table).where(table.c.id == bindparam("b_id")).values(
        created_at=bindparam("b_created"), published_at=bindparam("b_created"),
        updated_at=bindparam("b_updated")), rows)
    db.session.commit()


def _people(now: datetime) -> dict:
    """The customer of the status page, and the forum's posters (hashes copied, not computed
    40 times: Argon2 is slow on purpose)."""
    from sqlalchemy import insert, select

    from portal.domain.accounts import Role
    from portal.extensions import db
    from portal.models import User
    from portal.services.users import UserChanges, create_user

    customer = create_user(None, UserChanges(email=CUSTOMER, name="Phạm Thu Hà",
                                             role=Role.CUSTOMER, tier=None, locale="vi",
                                             team_ids=[]), password=PASSWORD, now=now)
    db.session.commit()
    names = ["Nguyễn Văn An", "Trần Thị Bích", "Lê Minh Khoa", "John Carter", "Mai Anh",
             "Đỗ Quang Huy", "Sarah Nguyen", "Võ Thanh Tâm"]
    db.session.execute(insert(User.__table__), [
        {"email": f"forum{n}@example.com", "name": f"{names[n % len(names)]} {n}",
         "role": "customer", "tier": None, "locale": "vi" if n % 2 else "en",
         "password_hash": customer.password_hash, "created_at": now - timedelta(days=400)}
        for n in range(FORUM_PEOPLE)])
    db.session.commit()
    posters = list(db.session.scalars(select(User.id).where(User.email.like("forum%"))))
    agents = list(db.session.scalars(select(User.id).where(User.role == "agent")))
    return {"customer": customer.id, "posters": posters, "agents": agents}


def _forum(centre: HelpCentre, first: int, threads: int, people: dict, now: datetime,
           rng: random.Random) -> dict:
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import ForumCategory

    categories = list(db.session.scalars(select(ForumCategory.id).where(
        ForumCategory.staff_only.is_(False))))
    tables = db.metadata.tables
    thread_rows, post_rows, post_id, posts = [], [], 0, 0
    for n in range(1, threads + 1):
        doc = centre.document(first + n)
        paragraphs = doc.body.split("\n\n")
        started = now - timedelta(minutes=rng.randint(60, 365 * 24 * 60))
        moments = sorted(started + timedelta(minutes=rng.randint(5, 3 * 24 * 60))
                         for _ in paragraphs[1:])
        thread_rows.append({
            "id": n, "category_id": rng.choice(categories),
            "author_id": rng.choice(people["posters"]), "title": doc.title[:200],
            "locked": False, "hidden": False, "private": False, "pinned": n % 500 == 0,
            "accepted_post_id": None, "reply_count": len(paragraphs) - 1, "risk_flag": False,
            "last_post_at": moments[-1] if moments else started, "created_at": started,
            "updated_at": moments[-1] if moments else started})
        for k, (text, moment) in enumerate(zip(paragraphs, [started, *moments], strict=True)):
            post_id += 1
            author = (rng.choice(people["agents"]) if k and rng.random() < 0.3
                      else rng.choice(people["posters"]))
            post_rows.append({
                "id": post_id, "thread_id": n, "author_id": author, "is_opening": k == 0,
                "body_md": text, "body_html": f"<p>{html.escape(text)}</p>",
                "content_hash": hashlib.sha256(text.encode()).hexdigest(),
                "score": rng.randint(0, 12) if k == 0 else rng.randint(0, 3), "hidden": False,
                "risk_reasons": [], "edit_count": 0, "edited_at": None, "ticket_id": None,
                "converted_at": None, "converted_by_id": None, "answer_from_ticket_id": None,
                "created_at": moment})
        if len(thread_rows) >= CHUNK:
            posts += _flush_forum(tables, thread_rows, post_rows)
    posts += _flush_forum(tables, thread_rows, post_rows)
    _reset_sequences(["forum_threads", "forum_posts"])
    return {"forum threads": threads, "forum posts": posts}


def _flush_forum(tables, thread_rows: list[dict], post_rows: list[dict]) -> int:
    from portal.extensions import db

    count = len(post_rows)
    if thread_rows:
        db.session.execute(tables["forum_threads"].insert(), thread_rows)
        db.session.execute(tables["forum_posts"].insert(), post_rows)
        db.session.commit()
    thread_rows.clear()
    post_rows.clear()
    return count


def _tickets(made: dict, articles: int, tickets: int, now: datetime, rng: random.Random) -> dict:
    """benchmarks/reports.load without its 60 stand-in articles: the write-ups and the
    complaint form's suggestions point at the real help centre."""
    from portal.extensions import db

    world = reports.world_for(made, articles=articles, years=2.0, now=now)
    with db.engine.begin() as connection:
        counts = reports.write_history(connection, world, tickets, rng)
    _reset_sequences(["tickets", "articles"])
    return counts


def _give_customer_a_ticket(customer_id: int) -> str:
    """The customer's ticket: a resolved one with a conversation (four messages or more)."""
    from sqlalchemy import text

    from portal.extensions import db

    ticket_id, reference = db.session.execute(text(
        "SELECT t.id, t.reference FROM tickets t JOIN ticket_messages m ON m.ticket_id = t.id "
        "GROUP BY t.id, t.reference HAVING count(*) >= 4 ORDER BY t.id LIMIT 1")).one()
    db.session.execute(text("UPDATE tickets SET customer_id = :c WHERE id = :t"),
                       {"c": customer_id, "t": ticket_id})
    db.session.commit()
    return reference


def _reset_sequences(tables: list[str]) -> None:
    from sqlalchemy import text

    from portal.extensions import db

    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"(SELECT max(id) FROM {table}))"))
    db.session.commit()


def _analyze() -> None:
    from sqlalchemy import text

    from portal.extensions import db

    db.session.remove()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE" if connection.dialect.name == "postgresql"
                                else "ANALYZE"))
    db.engine.dispose()


def pages(env: dict[str, str], folder: Path, made: dict) -> dict[str, str]:
    """The paths measured: an article from the middle of the help centre (by id: views change
    the popularity order) and the customer's ticket."""
    from sqlalchemy import text

    from portal.extensions import db

    app = make_app(env, folder)
    with app.app_context():
        slug = db.session.execute(text(
            "SELECT slug FROM articles WHERE visibility = 'public' AND status = 'published' "
            "AND language = 'en' ORDER BY id LIMIT 1 OFFSET "
            "(SELECT count(*) / 2 FROM articles WHERE language = 'en')")).scalar_one()
        db.session.remove()
        db.engine.dispose()
    return {"home": "/", "help centre": "/help", "article": f"/help/articles/{slug}",
            "search (en, one question)": "/search?q=how+do+i+track+my+parcel",
            "search (vi, one question)":
                "/search?q=ho%C3%A0n+ti%E1%BB%81n+th%E1%BA%BB+t%C3%ADn+d%E1%BB%A5ng",
            "status page": f"/track/{made['status_ticket']}",
            "agent queue": "/agent/", "report": "/reports/?period=month"}


def load_or_build(env: dict[str, str], folder: Path, sizes: dict) -> dict:
    """Reuse what `folder` holds when it was built at these sizes (ready.json), else build."""
    marker = folder / "ready.json"
    if marker.exists():
        saved = json.loads(marker.read_text())
        if saved.get("sizes") == sizes and saved.get("url") == env["DATABASE_URL"]:
            progress(f"reusing the data in {folder}; flask db upgrade")
            flask(["db", "upgrade"], env)  # new indexes reach the cached database too
            return saved
    _wipe(env)
    made = build(env, folder, **sizes)
    made.update(sizes=sizes, url=env["DATABASE_URL"])
    marker.write_text(json.dumps(made, indent=1))
    return made


def _wipe(env: dict[str, str]) -> None:
    """Start from nothing: a half-built database from an interrupted run is dropped."""
    from benchmarks.reports import wipe_postgres

    url = env["DATABASE_URL"]
    if url.startswith("postgresql"):
        wipe_postgres(url)
    elif url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)
    shutil.rmtree(env["SEARCH_INDEX_DIR"], ignore_errors=True)


SEARCH_QUESTIONS = 200


def search_paths(folder: Path) -> Path:
    """A file of /search paths for benchmarks/wrk_paths.lua: the generator's customer questions
    (English, Vietnamese with and without accents, keywords), one per line."""
    from urllib.parse import quote_plus

    path = folder / "search-paths.txt"
    questions = list(dict.fromkeys(HelpCentre().queries(SEARCH_QUESTIONS)))
    path.write_text("".join(f"/search?q={quote_plus(q)}\n" for q in questions))
    return path
