"""Download addresses of attachments: the id and a key only the portal can make.

Attachment ids are sequential, so an address made of the id alone can be walked; osTicket's
#2615 was such a walk past a broken access check. The key is an HMAC of the id under
SECRET_KEY (the same on every host): every link the portal builds with url_for carries it, a
guessed id without it is a 404 before the database is asked, and the per-object check still
decides for an address that has it. No column is needed, so no migration.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import current_app

ENDPOINT = "track.attachment"


def attachment_key(attachment_id: int) -> str:
    """24 URL-safe characters (144 bits) for this id."""
    secret = current_app.secret_key
    secret = secret.encode() if isinstance(secret, str) else secret
    mac = hmac.new(secret, f"attachment:{attachment_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode()


def key_matches(attachment_id: int, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(
        given.encode("utf-8", "replace"), attachment_key(attachment_id).encode())


def add_key(endpoint: str, values: dict) -> None:
    """url_for("track.attachment", attachment_id=…) adds the key itself."""
    if endpoint == ENDPOINT and "attachment_id" in values and "key" not in values:
        values["key"] = attachment_key(int(values["attachment_id"]))
