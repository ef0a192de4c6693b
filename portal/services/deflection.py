"""Article suggestions on the complaint form: what was shown, what was opened, what deflected."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal.domain import deflection as rules
from portal.extensions import db
from portal.models import Article, ArticleSuggestion, Ticket
from portal.services import search as search_service

SUGGESTED = 3


def suggest_for_complaint(text: str, *, session_id: str, now: datetime,
                          limit: int = SUGGESTED) -> list[tuple[ArticleSuggestion, Article]]:
    """The top public articles for what the customer is writing, recorded as shown."""
    text = " ".join((text or "").split())[:300]
    if len(text) < 3:
        return []
    results = search_service.search_articles(text, staff=False, per_page=limit)
    slugs = [hit.slug for hit in results.hits[:limit]]
    if not slugs:
        return []
    articles = {a.slug: a for a in db.session.scalars(select(Article).where(
        Article.slug.in_(slugs)))}
    digest = search_service.session_hash(session_id)
    shown = []
    for slug in slugs:
        article = articles.get(slug)
        if article is None:
            continue
        row = ArticleSuggestion(session_hash=digest, article_id=article.id, query=text,
                                shown_at=now)
        db.session.add(row)
        shown.append((row, article))
    db.session.commit()
    return shown


def record_click(suggestion_id: int, *, session_id: str, now: datetime) -> None:
    """Only the browser the suggestion was shown to may say it opened it."""
    row = db.session.get(ArticleSuggestion, suggestion_id)
    if (row is not None and row.clicked_at is None
            and row.session_hash == search_service.session_hash(session_id)):
        row.clicked_at = now
        db.session.commit()


def decide_outcomes(now: datetime, *, limit: int = 1000) -> int:
    """Worker job: settle clicked suggestions whose 30 minutes are over (or that led to a
    complaint already). Returns how many were decided."""
    rows = list(db.session.scalars(select(ArticleSuggestion).where(
        ArticleSuggestion.clicked_at.is_not(None), ArticleSuggestion.outcome == "")
        .order_by(ArticleSuggestion.clicked_at).limit(limit)))
    decided = 0
    for row in rows:
        filed = list(db.session.scalars(select(Ticket.created_at).where(
            Ticket.session_hash == row.session_hash,
            Ticket.created_at >= row.clicked_at,
            Ticket.created_at <= row.clicked_at + rules.DECISION_WINDOW)))
        result = rules.outcome(row.clicked_at, filed, now)
        if result is not None:
            row.outcome, row.decided_at = result, now
            decided += 1
    db.session.commit()
    return decided
