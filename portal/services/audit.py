"""Audit trail: services call `record` beside the change, inside the same transaction."""

from __future__ import annotations

from datetime import datetime

from portal.extensions import db
from portal.models import AuditEvent


def record(actor_id: int | None, action: str, object_type: str, object_id: int | None,
           now: datetime, **details: object) -> None:
    db.session.add(AuditEvent(actor_id=actor_id, action=action, object_type=object_type,
                              object_id=object_id, details=details, created_at=now))
