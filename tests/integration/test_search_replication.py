"""Several hosts' indexes following the database's change log (one process, two folders)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.extensions import db, search
from portal.models import Article, SearchChange, SearchHost
from portal.search.index import SearchIndex
from portal.services import kb
from portal.services import search_sync as sync
from portal.services.kb import ArticleDraft


def publish(now, title, body="Body.", *, status="published"):
    return kb.create_article(None, ArticleDraft(title=title, body_md=body), now=now,
                             status=status)


def titles(index: SearchIndex) -> dict[str, str]:
    reader = index.searcher().reader()
    return {fields["key"]: fields["title"] for _, fields in reader.iter_docs()}


def database_titles() -> dict[str, str]:
    return {f"article:{a.id}": a.title for a in db.session.scalars(
        select(Article).where(Article.status == "published", Article.deleted_at.is_(None)))}


def test_changes_are_numbered_in_commit_order_without_gaps(app, now):
    publish(now, "First")
    publish(now, "Second")
    seqs = list(db.session.scalars(select(SearchChange.seq).order_by(SearchChange.id)))
    assert seqs == [1, 2]
    # A transaction that took an earlier id but committed later gets a later number: a host
    # already at 2 still sees it.
    db.session.add(SearchChange(id=-5, kind="article", object_id=1))
    db.session.commit()
    assert sync.sequence_changes() == 1
    assert db.session.get(SearchChange, -5).seq == 3
    assert sync.sequence_changes() == 0


def test_a_second_host_builds_from_the_database_then_follows_the_log(app, now, tmp_path):
    publish(now, "Refund timelines")
    host_b = SearchIndex(tmp_path / "host-b", host_id="host-b")
    assert host_b.position() is None
    assert sync.apply_pending(host_b) == 1  # no index yet: built from the database
    assert host_b.position() == sync.last_position() == 1
    assert set(titles(host_b).values()) == {"Refund timelines"}

    article = publish(now, "Track your parcel")  # saved through host A (the app's index)
    assert search.index.position() == 2 and host_b.position() == 1
    kb.set_status(None, db.session.get(Article, article.id), "archived", now=now)
    publish(now, "Change your address")
    assert sync.pending_count(host_b) == 3
    assert sync.apply_pending(host_b) == 3
    assert titles(host_b) == titles(search.index) == database_titles()
    hosts = dict(db.session.execute(select(SearchHost.host_id, SearchHost.position)).all())
    assert hosts["host-b"] == hosts[search.index.host_id] == sync.last_position()


def test_each_host_remembers_its_own_position(app, now, tmp_path):
    publish(now, "Seed")
    host_b = SearchIndex(tmp_path / "b", host_id="b")
    sync.apply_pending(host_b)
    for n in range(3):
        publish(now, f"Article {n}")
    assert sync.apply_pending(host_b, limit=2) == 2  # one batch at a time
    assert host_b.position() == 3
    assert sync.catch_up(host_b) == 1
    assert host_b.position() == search.index.position() == 4


def test_an_index_from_before_the_log_applies_what_was_still_queued(app, now):
    publish(now, "Seed")
    generation = search.index.current_generation()
    (generation / "POSITION").unlink()  # built by the code before issue 8
    assert search.index.position() == 0
    assert sync.apply_pending() == 1  # the queued change, applied again: harmless
    assert search.index.position() == 1


def test_a_crash_before_the_position_is_recorded_applies_the_changes_again(app, now,
                                                                         monkeypatch):
    publish(now, "Seed")
    monkeypatch.setattr(kb, "apply_pending", lambda: 0)  # the web process dies after commit
    publish(now, "Refund timelines")
    monkeypatch.undo()
    monkeypatch.setattr(SearchIndex, "_record_position", staticmethod(
        lambda generation, position: (_ for _ in ()).throw(OSError("killed"))))
    assert sync.apply_pending(timeout=5) == 0  # the index committed; the position did not
    monkeypatch.undo()
    assert search.index.position() == 1
    assert sync.apply_pending(timeout=5) == 1
    assert titles(search.index) == database_titles()


def test_pruning_keeps_what_an_active_host_still_needs(app, now, tmp_path):
    publish(now, "Seed")
    host_b = SearchIndex(tmp_path / "b", host_id="b")
    sync.apply_pending(host_b)
    for n in range(4):
        publish(now, f"Article {n}")
    assert sync.prune(now) == 1  # host b is still at 1: only the first change is done with
    assert db.session.scalar(select(func.min(SearchChange.seq))) == 2
    sync.catch_up(host_b)
    assert sync.prune(now) == 3  # everyone is at 5; the newest row stays
    assert list(db.session.scalars(select(SearchChange.seq))) == [5]


def test_a_host_away_past_the_retention_rebuilds_when_it_returns(app, now, tmp_path):
    publish(now, "Seed")
    host_b = SearchIndex(tmp_path / "b", host_id="b")
    sync.apply_pending(host_b)
    db.session.get(SearchHost, "b").updated_at = now - timedelta(days=30)
    db.session.commit()
    for n in range(3):
        publish(now, f"Article {n}")
    assert sync.prune(now) == 3  # b is not counted any more
    assert db.session.scalar(select(func.min(SearchChange.seq))) == 4
    assert sync.apply_pending(host_b) == 4  # the log has a gap for b: rebuilt (4 documents)
    assert titles(host_b) == database_titles()
    assert host_b.position() == 4


def test_an_index_ahead_of_the_log_is_rebuilt(app, now, tmp_path):
    publish(now, "Seed")
    SearchIndex._record_position(search.index.current_generation(), 99)  # a restored dump
    assert sync.apply_pending() == 1
    assert search.index.position() == 1


def test_unnumbered_changes_are_never_pruned(app, now):
    publish(now, "Seed")
    db.session.add(SearchChange(kind="article", object_id=1))
    db.session.commit()
    sync.prune(now + timedelta(days=1))
    assert db.session.scalar(select(func.count()).where(SearchChange.seq.is_(None))) == 1


def test_the_worker_follows_the_log_often_and_prunes_hourly(app):
    from portal.jobs import periodic_jobs

    jobs = {job.name: job for job in periodic_jobs(app)}
    assert jobs["search-index"].every_seconds == 2
    assert jobs["search-log-prune"].every_seconds == 3600
    jobs["search-log-prune"].run()


def test_flask_search_status_shows_each_hosts_lag(app, now, tmp_path):
    publish(now, "Seed")
    host_b = SearchIndex(tmp_path / "b", host_id="host-b")
    sync.apply_pending(host_b)
    publish(now, "Another")
    result = app.test_cli_runner().invoke(args=["search", "status"])
    assert result.exit_code == 0, result.output
    assert "newest change 2; 0 not yet applied on this host" in result.output
    assert "host-b: at 1 (1 behind)" in result.output
    assert f"{search.index.host_id}: at 2 (0 behind)" in result.output
