"""Knowledge-base rules: article states, who may see an article, slugs."""

from __future__ import annotations

import enum
import re
import unicodedata

from portal.search.analysis import fold


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"


class Status(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(text: str, max_length: int = 80) -> str:
    """"Làm sao để đổi mật khẩu?" → "lam-sao-de-doi-mat-khau"."""
    ascii_text = unicodedata.normalize("NFKD", fold(text)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "article"


def can_read(*, status: str, visibility: str, deleted: bool, is_staff: bool) -> bool:
    """Customers and guests read published public articles; staff also internal and drafts."""
    if deleted:
        return False
    if is_staff:
        return True
    return status == Status.PUBLISHED and visibility == Visibility.PUBLIC


def is_searchable(*, status: str, deleted: bool) -> bool:
    """Only published articles are in the index; visibility is filtered at query time."""
    return status == Status.PUBLISHED and not deleted


def normalize_tags(raw: str | list[str]) -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else raw
    tags = []
    for item in items:
        tag = " ".join(str(item).strip().lower().split())[:40]
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:10]
