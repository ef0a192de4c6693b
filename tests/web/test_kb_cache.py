"""The help centre's per-process lists (services/kb_cache) and batched view counts
(services/kb_views): a change to an article shows on the very next request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from portal.extensions import db
from portal.models import Article, SearchChange
from portal.services import kb, kb_cache, kb_views
from portal.services.kb import ArticleDraft
from tests.web.test_kb_pages import main_of, publish, topic_card


@pytest.fixture
def billing(app):
    category = kb.ensure_category("Billing & payments")
    db.session.commit()
    return category


def help_centre(client) -> str:
    return main_of(client.get("/help"))


def draft_of(article: Article, **changes) -> ArticleDraft:
    fields = {"title": article.title, "body_md": article.body_md, "summary": article.summary,
              "category_id": article.category_id, "visibility": article.visibility}
    return ArticleDraft(**{**fields, **changes})


def test_a_newly_published_article_shows_at_once(client, billing, now):
    publish(now, "Refund timelines", "Five working days.", category=billing)
    assert "1 article" in topic_card(help_centre(client), "billing-payments")
    draft = publish(now, "Refund methods", "Card or bank.", category=billing, status="draft")
    assert "Refund methods" not in help_centre(client)
    kb.set_status(None, draft, "published", now=now + timedelta(minutes=1))
    page = help_centre(client)
    assert "2 articles" in topic_card(page, "billing-payments")
    assert "Refund methods" in page


def test_an_edited_article_shows_its_new_title_at_once(client, billing, now):
    article = publish(now, "Refund timelines", "Five working days.", category=billing)
    other = publish(now, "Refund methods", "Card or bank.", category=billing)
    assert "Refund timelines" in main_of(client.get(f"/help/articles/{other.slug}"))  # related
    kb.update_article(None, article, draft_of(article, title="When refunds arrive"),
                      expected_version=article.version_id, now=now)
    assert "When refunds arrive" in help_centre(client)
    related = main_of(client.get(f"/help/articles/{other.slug}"))
    assert "When refunds arrive" in related and "Refund timelines" not in related


@pytest.mark.parametrize("how", ["archived", "deleted", "internal"])
def test_an_article_taken_away_from_customers_goes_at_once(client, billing, now, how):
    article = publish(now, "Refund timelines", "Five working days.", category=billing)
    other = publish(now, "Refund methods", "Card or bank.", category=billing)
    assert "Refund timelines" in help_centre(client)
    assert "Refund timelines" in main_of(client.get(f"/help/articles/{other.slug}"))
    if how == "archived":
        kb.set_status(None, article, "archived", now=now)
    elif how == "deleted":
        kb.soft_delete(None, article, now=now)
    else:
        kb.update_article(None, article, draft_of(article, visibility="internal"),
                          expected_version=article.version_id, now=now)
    page = help_centre(client)
    assert "Refund timelines" not in page and "1 article" in topic_card(page, "billing-payments")
    assert "Refund timelines" not in main_of(client.get(f"/help/articles/{other.slug}"))


def test_a_pruned_then_reused_log_id_still_invalidates(client, billing, now):
    """SQLite hands out a pruned row's id again; the sequence number still moves. (Pruning
    keeps the newest numbered row, so only a row numbered out of id order can be the newest id
    and pruned: two transactions that committed in the other order.)"""
    publish(now, "Refund timelines", "Five working days.", category=billing)
    publish(now, "Refund rules", "Ten days.", category=billing)
    older, newer = db.session.scalars(select(SearchChange).order_by(SearchChange.id.desc())
                                      .limit(2)).all()[::-1]
    older.seq, newer.seq = -1, older.seq
    db.session.flush()
    older.seq = newer.seq + 1  # the lower id committed last
    db.session.commit()
    help_centre(client)
    db.session.execute(delete(SearchChange).where(SearchChange.id == newer.id))  # pruned
    db.session.commit()
    publish(now, "Refund methods", "Card or bank.", category=billing)
    if db.engine.dialect.name == "sqlite":  # PostgreSQL's sequence never hands an id out again
        assert db.session.scalar(select(func.max(SearchChange.id))) == newer.id  # reused
    assert "Refund methods" in help_centre(client)


def test_view_order_may_lag_but_not_longer_than_the_ttl(client, billing, now, monkeypatch):
    first = publish(now, "Refund timelines", "Five working days.", category=billing)
    second = publish(now, "Refund methods", "Card or bank.", category=billing)
    with client.application.test_request_context("/help"):
        assert [card.id for card in kb_cache.popular(is_staff=False)] == [first.id, second.id]
    db.session.execute(Article.__table__.update().where(Article.id == second.id)
                       .values(view_count=50))
    db.session.commit()
    with client.application.test_request_context("/help"):
        assert [card.id for card in kb_cache.popular(is_staff=False)][0] == first.id
    monkeypatch.setattr(kb_cache, "ORDER_TTL", 0.0)
    with client.application.test_request_context("/help"):
        assert [card.id for card in kb_cache.popular(is_staff=False)][0] == second.id


def test_views_are_written_in_a_batch(app, client, billing, now):
    article = publish(now, "Refund timelines", "Five working days.", category=billing)
    for _ in range(3):
        assert client.get(f"/help/articles/{article.slug}").status_code == 200
    assert kb_views.pending() == {article.id: 3}
    assert kb_views.flush() == 3 and kb_views.pending() == {}
    db.session.expire_all()
    assert db.session.get(Article, article.id).view_count == 3


def test_views_are_written_at_once_when_the_interval_is_zero(app, client, billing, now):
    article = publish(now, "Refund timelines", "Five working days.", category=billing)
    app.config["KB_VIEW_FLUSH_SECONDS"] = 0
    client.get(f"/help/articles/{article.slug}")
    assert kb_views.pending() == {}
    db.session.expire_all()
    assert db.session.get(Article, article.id).view_count == 1


def test_a_failed_write_keeps_the_views(app, client, billing, now, monkeypatch):
    article = publish(now, "Refund timelines", "Five working days.", category=billing)
    client.get(f"/help/articles/{article.slug}")
    real_engine = db.engine

    class Broken:
        def begin(self):
            from sqlalchemy.exc import OperationalError
            raise OperationalError("UPDATE", {}, Exception("database is locked"))

    monkeypatch.setattr(type(db), "engine", property(lambda _self: Broken()))
    assert kb_views.flush() == 0
    monkeypatch.setattr(type(db), "engine", property(lambda _self: real_engine))
    assert kb_views.pending() == {article.id: 1}
    assert kb_views.flush() == 1


def test_the_rendered_lists_follow_the_language_and_the_staff_flag(client, signed_in_client,
                                                                    billing, now):
    publish(now, "Refund timelines", "Five working days.", category=billing)
    publish(now, "Refund approval limits", "Tier 2.", category=billing, visibility="internal")
    assert "Popular articles" in help_centre(client)
    vietnamese = main_of(client.get("/help", headers={"Accept-Language": "vi"}))
    assert "Bài viết phổ biến" in vietnamese and "Popular articles" not in vietnamese
    staff = main_of(signed_in_client("agent", tier=1)[0].get("/help"))
    assert "Refund approval limits" in staff
    assert "2 articles" in topic_card(staff, "billing-payments")
    guest = help_centre(client)
    assert "Refund approval limits" not in guest and "1 article" in topic_card(guest,
                                                                              "billing-payments")
