"""Secret tokens for links: 256 random bits, of which only a SHA-256 hash is ever stored.

Tracking links, sign-in sessions, password-reset, sign-up and e-mail-confirmation links all
come from `new_token` (survey links use the same size, domain/surveys.TOKEN_BYTES). A lookup
hashes what it was given and compares hashes in the database, so neither the raw token nor a
stolen hash column opens anything.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32        # 256 bits from the operating system's CSPRNG; never below 16 (128)
MAX_TOKEN_CHARS = 100   # longer strings are not our tokens (43 characters): refused unhashed


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
