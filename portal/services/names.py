"""Names that must be unique regardless of case (teams, complaint and article categories)."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db


def row_named(model, name: str, *, other_than: int | None = None) -> int | None:
    """The id of the `model` row whose name is `name` in any case, other than `other_than`.

    Compared in Python, not with SQL lower(): SQLite's folds only ASCII, so "Đơn hàng" and
    "đơn hàng" (or "Î" and "î") passed the check and the insert then broke the unique index, a
    500. These tables hold tens of rows."""
    wanted = name.casefold()
    for row_id, existing in db.session.execute(select(model.id, model.name)):
        if row_id != other_than and existing.casefold() == wanted:
            return row_id
    return None
