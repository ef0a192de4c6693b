"""The forum's pages: categories, thread lists, a thread, posting, editing, votes, accepting."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("forum", __name__)
