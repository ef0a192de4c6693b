"""Knowledge-base import and export: JSONL, CSV, or a folder of Markdown files with front matter.

Import upserts by slug through the same services the editor uses (revisions, audit, index queue).
Every row is checked first; a bad row is reported with its line number (or file name) and never
stops the good ones. Indexing is deferred during the import and the queued changes are applied
in a few batches at the end, so a big import is not one index commit per article.

Export writes every article that is not deleted, in a form the import reads back unchanged.
The file formats themselves (reading rows, writing records) live in kb_formats.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from portal.domain import kb as rules
from portal.domain.errors import DomainError
from portal.extensions import db
from portal.models import Article, ArticleCategory, User
from portal.services import kb
from portal.services import search as search_service
from portal.services.kb_formats import (
    InvalidRow,
    Row,
    markdown_document,
    read_rows,
    split_list,
    write_csv,
    write_jsonl,
)

log = logging.getLogger(__name__)

LANGUAGES = ("en", "vi")
MAX_TITLE = 200
MAX_SLUG = 80  # what slugify keeps; a longer slug would be cut and no longer match

Progress = Callable[[int, int], None]  # (rows done, rows in the file)


@dataclass
class Rejected:
    where: int | str  # the line number (JSONL, CSV) or the file name (Markdown)
    reason: str

    @property
    def label(self) -> str:
        return f"line {self.where}" if isinstance(self.where, int) else str(self.where)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0  # already there with the same content (or left alone on request)
    rejected: list[Rejected] = field(default_factory=list)
    still_queued: int = 0  # index changes the worker still has to apply (index was busy)

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class _Valid:
    slug: str
    title: str
    summary: str
    body: str
    category: str
    tags: list[str]
    visibility: str
    status: str
    language: str


# --- import ---------------------------------------------------------------------------------

def import_articles(path: str | os.PathLike, *, editor: User | None = None, now: datetime,
                    progress: Progress | None = None, index_each: bool = False,
                    update_existing: bool = True) -> ImportReport:
    """Create or update (by slug) the articles in `path`; see the module docstring.

    `index_each=True` indexes every article as it is saved (slow for big files).
    `update_existing=False` leaves articles whose slug already exists untouched (demo data).
    Raises ImportFileError only when the file as a whole cannot be read.
    """
    rows = read_rows(Path(path))
    report = ImportReport()
    categories: dict[str, int] = {}
    with nullcontext() if index_each else kb.deferred_indexing():
        for done, row in enumerate(rows, 1):
            outcome = _import_row(row, editor=editor, now=now, categories=categories,
                                  update_existing=update_existing)
            if isinstance(outcome, Rejected):
                report.rejected.append(outcome)
            else:
                setattr(report, outcome, getattr(report, outcome) + 1)
            if progress:
                progress(done, len(rows))
    if not index_each and (report.created or report.updated):
        report.still_queued = _apply_queued_index_changes()
    return report


def _apply_queued_index_changes() -> int:
    """Apply the import's queued index changes in batches; return how many are left queued."""
    search_service.catch_up(timeout=search_service.WORKER_WRITE_TIMEOUT)
    left = search_service.pending_count()
    if left:
        log.warning("search index busy: %s changes stay queued for the worker", left)
    return left


def _import_row(row: Row, *, editor: User | None, now: datetime, categories: dict[str, int],
                update_existing: bool) -> Rejected | str:
    if row.data is None:
        return Rejected(row.where, row.error)
    try:
        valid = _validate(row.data)
    except InvalidRow as problem:
        return Rejected(row.where, str(problem))
    try:
        return _upsert(valid, editor=editor, now=now, categories=categories,
                       update_existing=update_existing)
    except InvalidRow as problem:
        return Rejected(row.where, str(problem))
    except DomainError as error:
        db.session.rollback()
        categories.clear()  # categories created for this row were rolled back too
        return Rejected(row.where, f"not saved: {error.code}")
    except SQLAlchemyError as error:
        db.session.rollback()
        categories.clear()
        log.warning("import row %s refused by the database: %s", row.where, error)
        return Rejected(row.where, f"the database refused it ({type(error).__name__})")


def _upsert(valid: _Valid, *, editor: User | None, now: datetime, categories: dict[str, int],
            update_existing: bool) -> str:
    article = db.session.scalar(select(Article).where(Article.slug == valid.slug))
    if article is not None and article.deleted_at is not None:
        raise InvalidRow(f"slug {valid.slug} belongs to a deleted article; restore it first")
    if article is not None and not update_existing:
        return "unchanged"
    draft = kb.ArticleDraft(
        title=valid.title, body_md=valid.body, summary=valid.summary, slug=valid.slug,
        category_id=_category_id(valid.category, categories), tags=valid.tags,
        visibility=valid.visibility, language=valid.language)
    if article is None:
        kb.create_article(editor, draft, now=now, status=valid.status)
        return "created"
    content_changed = not _same_content(article, draft)
    if not content_changed and article.status == valid.status:
        return "unchanged"
    if content_changed:
        kb.update_article(editor, article, draft, expected_version=article.version_id, now=now)
    if article.status != valid.status:
        kb.set_status(editor, article, valid.status, now=now)
    return "updated"


def _category_id(name: str, cache: dict[str, int]) -> int | None:
    if not name:
        return None
    key = name.lower()
    if key not in cache:
        cache[key] = kb.ensure_category(name).id
    return cache[key]


def _same_content(article: Article, draft: kb.ArticleDraft) -> bool:
    return (article.title == draft.title
            and article.summary == " ".join(draft.summary.split())[:300]
            and article.body_md == draft.body_md
            and article.category_id == draft.category_id
            and list(article.tags or []) == rules.normalize_tags(draft.tags)
            and article.visibility == draft.visibility
            and article.language == draft.language)


def _validate(data: dict) -> _Valid:
    title = " ".join(_text(data, "title").split())
    if not title:
        raise InvalidRow("title is missing")
    if len(title) > MAX_TITLE:
        raise InvalidRow(f"title is longer than {MAX_TITLE} characters")
    body = _text(data, "body")
    if not body.strip():
        raise InvalidRow("body is missing")
    slug = _text(data, "slug").strip()
    if slug:
        if not rules.SLUG_PATTERN.match(slug):
            raise InvalidRow(f"slug '{slug}' is not valid (use a-z, 0-9 and single hyphens)")
        if len(slug) > MAX_SLUG:
            raise InvalidRow(f"slug is longer than {MAX_SLUG} characters")
    else:
        slug = rules.slugify(title)
    return _Valid(
        slug=slug, title=title, summary=_text(data, "summary"), body=body,
        category=" ".join(_text(data, "category").split()), tags=_tags(data.get("tags")),
        visibility=_choice(data, "visibility", [v.value for v in rules.Visibility],
                           rules.Visibility.PUBLIC.value),
        status=_choice(data, "status", [s.value for s in rules.Status],
                       rules.Status.PUBLISHED.value),
        language=_choice(data, "language", list(LANGUAGES), "en"))


def _text(data: dict, key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidRow(f"{key} must be text")
    return value


def _choice(data: dict, key: str, allowed: list[str], default: str) -> str:
    value = _text(data, key).strip().lower() or default
    if value not in allowed:
        raise InvalidRow(f"{key} '{value}' is unknown (use {' or '.join(allowed)})")
    return value


def _tags(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return rules.normalize_tags(split_list(value))
    if isinstance(value, list) and all(isinstance(item, str | int | float) for item in value):
        return rules.normalize_tags([str(item) for item in value])
    raise InvalidRow("tags must be a list or comma-separated text")


# --- export ---------------------------------------------------------------------------------

def export_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    return "markdown"


def export_articles(path: str | os.PathLike, *, fmt: str | None = None) -> int:
    """Write every article that is not deleted; return how many.

    The format follows the path (.jsonl, .csv, anything else: a folder of `<slug>.md` files)
    unless `fmt` ("jsonl", "csv" or "markdown") says otherwise.
    """
    path = Path(path)
    fmt = fmt or export_format(path)
    if fmt == "jsonl":
        return _write_atomically(path, lambda out: write_jsonl(out, article_records()))
    if fmt == "csv":
        return _write_atomically(path, lambda out: write_csv(out, article_records()))
    if fmt == "markdown":
        return _export_markdown(path)
    raise ValueError(f"unknown export format {fmt!r}")


def article_records() -> Iterator[dict]:
    names = dict(db.session.execute(select(ArticleCategory.id, ArticleCategory.name)).all())
    query = (select(Article).where(Article.deleted_at.is_(None)).order_by(Article.id)
             .execution_options(yield_per=500))
    for article in db.session.scalars(query):
        yield {"slug": article.slug, "title": article.title, "summary": article.summary or "",
               "body": article.body_md or "", "category": names.get(article.category_id, ""),
               "tags": list(article.tags or []), "visibility": article.visibility,
               "status": article.status, "language": article.language}


def _write_atomically(path: Path, write: Callable[[io.TextIOBase], int]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    try:
        with temporary.open("w", encoding="utf-8", newline="") as out:
            count = write(out)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return count


def _export_markdown(folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for record in article_records():
        (folder / f"{record['slug']}.md").write_text(markdown_document(record), encoding="utf-8")
        count += 1
    return count


