"""Knowledge-base use cases: write, publish and retire articles; read them; vote on them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Row, Select, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import load_only
from sqlalchemy.orm.exc import StaleDataError

from portal.domain import kb as rules
from portal.domain.errors import DomainError, NotFound
from portal.extensions import db
from portal.markdown import render_markdown
from portal.models import Article, ArticleCategory, ArticleFeedback, ArticleRevision, User
from portal.services import audit
from portal.services.names import row_named
from portal.services.search import ARTICLE, apply_pending, queue_reindex


@dataclass
class ArticleDraft:
    """What an editor submits (or an import row carries)."""

    title: str
    body_md: str
    summary: str = ""
    slug: str = ""
    category_id: int | None = None
    tags: list[str] = field(default_factory=list)
    visibility: str = rules.Visibility.PUBLIC
    language: str = "en"
    # The editor form's one-time key: posted again, the form finds its first save.
    submission_key: str | None = None


# --- categories -----------------------------------------------------------------------------

def categories() -> list[ArticleCategory]:
    return list(db.session.scalars(select(ArticleCategory).order_by(ArticleCategory.position,
                                                                     ArticleCategory.name)))


def category_by_slug(slug: str) -> ArticleCategory:
    category = db.session.scalar(select(ArticleCategory).where(ArticleCategory.slug == slug))
    if category is None:
        raise NotFound("category")
    return category


def ensure_category(name: str, *, description: str = "", position: int | None = None
                    ) -> ArticleCategory:
    """The category with this name, created when missing. The caller commits."""
    name = " ".join(name.split())[:80]
    found = row_named(ArticleCategory, name)
    category = db.session.get(ArticleCategory, found) if found is not None else None
    if category is None:
        if position is None:
            position = (db.session.scalar(select(func.max(ArticleCategory.position))) or 0) + 1
        category = ArticleCategory(name=name, slug=rules.slugify(name), description=description,
                                   position=position)
        db.session.add(category)
        db.session.flush()
    return category


# --- reading --------------------------------------------------------------------------------

def _readable_by_customers():
    return (Article.status == rules.Status.PUBLISHED, Article.visibility == rules.Visibility.PUBLIC,
            Article.deleted_at.is_(None))


def _readable(is_staff: bool):
    if is_staff:
        return (Article.status == rules.Status.PUBLISHED, Article.deleted_at.is_(None))
    return _readable_by_customers()


readable_filter = _readable  # for kb_cache, which builds the help centre's cached lists


def readable_article(slug: str, *, is_staff: bool) -> Article:
    article = db.session.scalar(select(Article).where(Article.slug == slug))
    if article is None or not rules.can_read(status=article.status,
                                             visibility=article.visibility,
                                             deleted=article.deleted_at is not None,
                                             is_staff=is_staff):
        raise NotFound("article")
    return article


# What the article page shows, read as one row (the page only reads it, and building the
# object and its identity-map entry cost more than the query). `also` adds columns the page
# needs from elsewhere in the same round trip (services/kb_cache: its stamp).
_PAGE_COLUMNS = (Article.id, Article.slug, Article.title, Article.summary, Article.body_html,
                 Article.category_id, Article.visibility, Article.status, Article.updated_at,
                 Article.deleted_at, Article.helpful_yes, Article.helpful_no)


@lru_cache(maxsize=8)
def _page_query(also: tuple) -> Select:
    """Built once per `also` (building a SELECT costs about as much as running this one)."""
    return select(*_PAGE_COLUMNS, *also).where(Article.slug == bindparam("slug"))


def article_for_page(slug: str, *, is_staff: bool, also: tuple = ()) -> Row:
    """The readable article with this slug, for display: NotFound as readable_article."""
    row = db.session.execute(_page_query(also), {"slug": slug}).first()
    if row is None or not rules.can_read(status=row.status, visibility=row.visibility,
                                         deleted=row.deleted_at is not None, is_staff=is_staff):
        raise NotFound("article")
    return row


def category_articles(category, *, is_staff: bool, page: int = 1,
                      per_page: int = 30) -> tuple[list[Article], int]:
    """One page of a topic's articles (by title) and how many it holds: a topic holds thousands
    at full size. Only what a list shows is read (bodies would be most of the bytes)."""
    readable = (Article.category_id == category.id, *_readable(is_staff))
    total = db.session.scalar(select(func.count()).select_from(Article).where(*readable))
    articles = list(db.session.scalars(
        select(Article).where(*readable).order_by(Article.title, Article.id)
        .limit(per_page).offset((max(page, 1) - 1) * per_page)
        .options(load_only(Article.id, Article.slug, Article.title, Article.summary,
                           Article.visibility, Article.status, Article.category_id))))
    return articles, total or 0


def vote(article: Article, *, voter_key: str, user: User | None, helpful: bool, comment: str,
         now: datetime) -> None:
    """One vote per voter; voting again changes the earlier vote."""
    existing = db.session.scalar(select(ArticleFeedback).where(
        ArticleFeedback.article_id == article.id, ArticleFeedback.voter_key == voter_key))
    if existing is None:
        db.session.add(ArticleFeedback(article_id=article.id, voter_key=voter_key,
                                       user_id=user.id if user else None, helpful=helpful,
                                       comment=comment.strip()[:2000], created_at=now))
    else:
        existing.helpful, existing.created_at = helpful, now
        if comment.strip():
            existing.comment = comment.strip()[:2000]
    db.session.flush()
    yes, no = db.session.execute(select(
        func.count().filter(ArticleFeedback.helpful.is_(True)),
        func.count().filter(ArticleFeedback.helpful.is_(False)),
    ).where(ArticleFeedback.article_id == article.id)).one()
    db.session.execute(update(Article).where(Article.id == article.id)
                       .values(helpful_yes=yes, helpful_no=no)
                       .execution_options(synchronize_session=False))
    db.session.commit()


# --- editing --------------------------------------------------------------------------------

def editor_articles(*, status: str = "", include_deleted: bool = False) -> list[Article]:
    query = select(Article).order_by(Article.updated_at.desc(), Article.id.desc())
    if status:
        query = query.where(Article.status == status)
    if not include_deleted:
        query = query.where(Article.deleted_at.is_(None))
    return list(db.session.scalars(query))


def get_article(article_id: int) -> Article:
    article = db.session.get(Article, article_id)
    if article is None:
        raise NotFound("article")
    return article


def _unique_slug(wanted: str, *, article_id: int | None) -> str:
    base = rules.slugify(wanted)
    slug, n = base, 1
    while db.session.scalar(select(Article.id).where(
            Article.slug == slug, Article.id != (article_id or 0))) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check(draft: ArticleDraft) -> None:
    if draft.visibility not in set(rules.Visibility):
        raise DomainError("visibility_unknown", field="visibility")
    if draft.slug and not rules.SLUG_PATTERN.match(draft.slug):
        raise DomainError("slug_invalid", field="slug")


def _apply(article: Article, draft: ArticleDraft, now: datetime) -> None:
    article.title = " ".join(draft.title.split())[:200]
    article.summary = " ".join(draft.summary.split())[:300]
    article.body_md = draft.body_md
    article.body_html = render_markdown(draft.body_md)
    article.category_id = draft.category_id
    article.tags = rules.normalize_tags(draft.tags)
    article.visibility = draft.visibility
    article.language = draft.language
    article.updated_at = now


def _revise(article: Article, editor: User | None, now: datetime, note: str,
            key: str | None = None) -> None:
    db.session.add(ArticleRevision(
        article_id=article.id, editor_id=editor.id if editor else None,
        version=article.version_id, title=article.title, summary=article.summary,
        body_md=article.body_md, status=article.status, visibility=article.visibility,
        note=note, created_at=now, submission_key=key))


def _earlier_save(key: str | None) -> Article | None:
    """The article an editor form's one-time key already saved: the same form posted again (a
    double click, or a browser re-submitting after the server died before it answered) gets
    that save as its answer instead of a second article or version."""
    if not key:
        return None
    article_id = db.session.scalar(select(ArticleRevision.article_id).where(
        ArticleRevision.submission_key == key))
    return db.session.get(Article, article_id) if article_id is not None else None


def _save(article: Article, editor: User | None, now: datetime, note: str,
          key: str | None = None) -> None:
    """Flush (bumping the version), record the revision, queue the index change, commit."""
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise DomainError("stale_edit") from exc
    _revise(article, editor, now, note, key)
    queue_reindex(ARTICLE, article.id)
    audit.record(editor.id if editor else None, f"article.{note}", "article", article.id, now)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise DomainError("slug_taken", field="slug") from exc
    apply_pending()


def create_article(editor: User | None, draft: ArticleDraft, *, now: datetime,
                   status: str = rules.Status.DRAFT) -> Article:
    """A new article; the same `draft.submission_key` a second time returns the first one."""
    earlier = _earlier_save(draft.submission_key)
    if earlier is not None:
        return earlier
    _check(draft)
    article = Article(slug=_unique_slug(draft.slug or draft.title, article_id=None),
                      author_id=editor.id if editor else None, created_at=now, status=status,
                      published_at=now if status == rules.Status.PUBLISHED else None)
    _apply(article, draft, now)
    db.session.add(article)
    try:
        _save(article, editor, now, "created", draft.submission_key)
    except DomainError:  # the same form's first post may have won a race with this one
        earlier = _earlier_save(draft.submission_key)
        if earlier is None:
            raise
        return earlier
    return article


def update_article(editor: User | None, article: Article, draft: ArticleDraft, *,
                   expected_version: int, now: datetime) -> None:
    """Save an edit made on `expected_version`; a newer save in between is a conflict. The
    same `draft.submission_key` a second time is the save already made (checked before the
    version, which that save changed): nothing more is written."""
    earlier = _earlier_save(draft.submission_key)
    if earlier is not None and earlier.id == article.id:
        return
    key = draft.submission_key if earlier is None else None
    _check(draft)
    if article.version_id != expected_version:
        raise DomainError("stale_edit")
    if draft.slug and draft.slug != article.slug:
        article.slug = _unique_slug(draft.slug, article_id=article.id)
    _apply(article, draft, now)
    try:
        _save(article, editor, now, "edited", key)
    except DomainError:  # the same form's first post may have won a race with this one
        if _earlier_save(key) is None:
            raise


def set_status(editor: User | None, article: Article, status: str, *, now: datetime) -> None:
    if status not in set(rules.Status):
        raise DomainError("status_unknown")
    article.status = status
    article.updated_at = now
    if status == rules.Status.PUBLISHED and article.published_at is None:
        article.published_at = now
    _save(article, editor, now, status)


def soft_delete(editor: User | None, article: Article, *, now: datetime) -> None:
    article.deleted_at = now
    article.updated_at = now
    _save(article, editor, now, "deleted")


def restore(editor: User | None, article: Article, *, now: datetime) -> None:
    article.deleted_at = None
    article.updated_at = now
    _save(article, editor, now, "restored")


def revisions(article: Article) -> list[ArticleRevision]:
    return list(db.session.scalars(select(ArticleRevision).where(
        ArticleRevision.article_id == article.id).order_by(ArticleRevision.id.desc())))



# --- bulk writes (imports) ------------------------------------------------------------------
# Every save above applies the search queue at once (`_save` → `apply_pending()`). A bulk import
# defers that: inside `deferred_indexing()` the saves still queue their index changes in the
# database (so nothing is lost), but leave applying them to the caller, who does it once at the
# end. The flag lives on this session (one per app context), so other requests and threads keep
# indexing as they save.

_DEFER_INDEXING = "kb_defer_indexing"
_apply_pending_now = apply_pending


def apply_pending(*args, **kwargs) -> int:
    """search.apply_pending, except while `deferred_indexing()` is active on this session."""
    if db.session.info.get(_DEFER_INDEXING):
        return 0
    return _apply_pending_now(*args, **kwargs)


class deferred_indexing:  # lower case, like the context managers of contextlib
    """`with deferred_indexing(): …` saves leave index changes queued for the caller to apply."""

    def __enter__(self) -> None:
        self._before = db.session.info.get(_DEFER_INDEXING, False)
        db.session.info[_DEFER_INDEXING] = True

    def __exit__(self, *exc_info: object) -> None:
        db.session.info[_DEFER_INDEXING] = self._before


# --- help-centre reading (read-only helpers for the kb pages) -------------------------------

def counts_by_category(*, is_staff: bool) -> dict[int, int]:
    """Readable articles per category id: public ones for customers, internal ones too for staff."""
    rows = db.session.execute(select(Article.category_id, func.count())
                              .where(*_readable(is_staff)).group_by(Article.category_id))
    return {category_id: count for category_id, count in rows if category_id is not None}


def feedback_of(article: Article, voter_key: str) -> ArticleFeedback | None:
    """The vote this voter gave the article, if any (so the page can show and change it)."""
    if not voter_key:
        return None
    return db.session.scalar(select(ArticleFeedback).where(
        ArticleFeedback.article_id == article.id, ArticleFeedback.voter_key == voter_key))
