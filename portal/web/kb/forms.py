"""What the help centre accepts: the feedback form, and the query-string of searches."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

MAX_QUERY_CHARS = 300
MAX_SUGGEST_CHARS = 100
MAX_PAGE = 500  # deeper than anyone pages; keeps the search's result window bounded
MAX_COMMENT_CHARS = 2000
DEFAULT_API_LIMIT, MAX_API_LIMIT = 10, 50
MAX_ID = 2**31 - 1  # the largest id a database integer column holds
MAX_SLUG_CHARS = 100
SEARCH_KINDS = ("article", "thread")
CATEGORY_PATTERN = re.compile(r"^[a-z0-9-]{0,80}$")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class SearchArgs:
    q: str = ""
    category: str = ""
    page: int = 1
    kind: str = ""  # "article", "thread", or "" for both (the type filter)


def without_controls(value: str | None) -> str:
    """The text without control characters (NUL and the like; PostgreSQL refuses NUL), keeping
    line breaks and tabs."""
    return _CONTROLS.sub("", value or "")


def clean_query(value: str | None, max_chars: int = MAX_QUERY_CHARS) -> str:
    """What was typed, whitespace tidied, cut to `max_chars` (longer input is not an error)."""
    return " ".join(without_controls((value or "")[:max_chars * 4]).split())[:max_chars]


def plausible_slug(value: str) -> bool:
    """Worth looking up: not too long, no control characters (else the answer is 404)."""
    return 0 < len(value) <= MAX_SLUG_CHARS and value.isprintable()


# The article page shows the comment's label without building the form (which costs more than
# the rest of the page's own work); the form validates the post.
COMMENT_LABEL = _l("Anything we should add or change? (optional)")


class FeedbackForm(FlaskForm):
    """"Was this helpful?": the Yes/No buttons carry `helpful`, the comment is optional."""

    helpful = StringField(validators=[InputRequired(_l("Choose “Yes” or “No”.")),
                                      AnyOf(["yes", "no"], _l("Choose “Yes” or “No”."))])
    comment = TextAreaField(COMMENT_LABEL,
                            filters=[without_controls], validators=[
        Optional(), Length(max=MAX_COMMENT_CHARS, message=_l(
            "Use at most %(max)s characters for the comment.", max=MAX_COMMENT_CHARS))])


def whole_number(value: str | None) -> int | None:
    """The non-negative whole number written in `value` (plain ASCII digits), else None."""
    text = (value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        return None
    return int(text)


def row_id(value) -> int:
    """A form's choice of a row by id (a select's or checkbox's value): the id, or -1, which
    names no row, for a number no database integer column holds (one over 2**63 made the
    driver fail with a 500). Not a number at all: ValueError, which WTForms reports as an
    invalid choice."""
    number = int(value)
    return number if 0 < number <= MAX_ID else -1


def page_number(value: str | None, *, last: int = 10_000) -> int:
    """?page= as a page from 1 to `last`: abc, -5, 0, 1.5 and numbers of more than 12 digits
    are the first page (a 20-digit page once reached the database's OFFSET and failed)."""
    return min(whole_number(value) or 1, last)


def search_args(args: Mapping[str, str]) -> SearchArgs:
    category = (args.get("category") or "").strip()
    page = page_number(args.get("page"), last=MAX_PAGE)
    return SearchArgs(q=clean_query(args.get("q")),
                      category=category if CATEGORY_PATTERN.match(category) else "",
                      page=page, kind=search_kind(args.get("kind"), ""))


def search_kind(value: str | None, default: str) -> str:
    """The type filter of a query-string: "article", "thread", "all" (→ ""), else `default`."""
    text = (value or "").strip().lower()
    if text == "all":
        return ""
    return text if text in SEARCH_KINDS else default


def api_limit(value: str | None) -> int:
    """1..50: a missing or malformed limit is the default, one out of range is clamped."""
    text = (value or "").strip()
    if text.startswith("-") and whole_number(text[1:]) is not None:
        return 1
    limit = whole_number(text)
    if limit is None:
        return DEFAULT_API_LIMIT
    return min(max(limit, 1), MAX_API_LIMIT)


def search_log_id(value: str | None) -> int | None:
    """The `from_search` id of a result link, or None when it is not a plausible id."""
    log_id = whole_number(value)
    return log_id if log_id and log_id <= MAX_ID else None
