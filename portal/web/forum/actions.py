"""What a reader does to a thread besides posting: subscribe, unsubscribe, report, privacy."""

from __future__ import annotations

from portal.web.forum.routes import bp  # noqa: F401  (filled in by the subscriptions work)
