"""Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP), as plain functions.

The authenticator apps staff use (Google Authenticator, Microsoft Authenticator, 1Password…)
all default to SHA-1, 6 digits and a 30-second step, and most ignore any other choice in the
otpauth:// link, so those are the only values the portal issues. The digest and number of digits
stay parameters so that the RFC's own test vectors (SHA-256, SHA-512, 8 digits) can check
this code.

A code is accepted one step either side of now (clocks on phones drift), and `verify` returns
the step it matched: the caller stores it and refuses any step at or before it, so a code seen
over a shoulder or in a proxy log cannot be used a second time, even within its 90 seconds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from datetime import datetime
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1  # steps accepted either side of now
SECRET_BYTES = 20  # 160 bits: RFC 4226's recommended key length for HMAC-SHA-1
DIGESTS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}


def new_secret() -> str:
    """A fresh shared secret in base32 (32 characters, no padding), as apps expect it."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def clean_secret(secret: str) -> str:
    """Upper case, no spaces or padding: what a person may have typed or grouped."""
    return "".join(secret.split()).upper().rstrip("=")


def secret_key(secret: str) -> bytes:
    """The key bytes of a base32 secret (padding restored); ValueError when it is not base32."""
    cleaned = clean_secret(secret)
    try:
        return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (ValueError, TypeError) as exc:  # binascii.Error is a ValueError
        raise ValueError("not a base32 secret") from exc


def grouped(secret: str, size: int = 4) -> str:
    """The secret in groups of four for typing it into an app by hand ("ABCD EFGH …")."""
    cleaned = clean_secret(secret)
    return " ".join(cleaned[i:i + size] for i in range(0, len(cleaned), size))


def time_step(now: datetime | float, step_seconds: int = STEP_SECONDS) -> int:
    """The RFC 6238 counter T = floor(unix time / step) for an aware datetime or a timestamp."""
    seconds = now.timestamp() if isinstance(now, datetime) else now
    return int(seconds // step_seconds)


def hotp(key: bytes, counter: int, *, digits: int = DIGITS, digest: str = "sha1") -> str:
    """RFC 4226: HMAC of the 8-byte counter, dynamically truncated to `digits` digits."""
    mac = hmac.new(key, struct.pack(">Q", counter), DIGESTS[digest]).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10 ** digits).zfill(digits)


def code_at(secret: str, now: datetime | float, *, digits: int = DIGITS,
            digest: str = "sha1") -> str:
    """The code an authenticator app shows at `now` for this base32 secret."""
    return hotp(secret_key(secret), time_step(now), digits=digits, digest=digest)


def clean_code(code: str) -> str:
    """What was typed, without the spaces and hyphens apps and people put in the middle."""
    return "".join(ch for ch in code if ch not in " -\t")


def looks_like_code(code: str, digits: int = DIGITS) -> bool:
    cleaned = clean_code(code)
    return len(cleaned) == digits and cleaned.isascii() and cleaned.isdigit()


def verify(secret: str, code: str, now: datetime | float, *, last_step: int | None = None,
           window: int = WINDOW, digits: int = DIGITS, digest: str = "sha1") -> int | None:
    """The time step `code` is valid for (now ± `window` steps), or None.

    A step at or before `last_step` (the last one this secret was used with) never matches:
    that is what makes each code single-use. Every candidate is compared in constant time.
    """
    if not looks_like_code(code, digits):
        return None
    typed = clean_code(code).encode("ascii")
    key = secret_key(secret)
    current = time_step(now)
    matched = None
    for step in range(current - window, current + window + 1):
        if last_step is not None and step <= last_step:
            continue
        expected = hotp(key, step, digits=digits, digest=digest).encode("ascii")
        if hmac.compare_digest(expected, typed) and matched is None:
            matched = step
    return matched


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The otpauth:// link a QR code carries (Google Authenticator's Key Uri Format)."""
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode({"secret": clean_secret(secret), "issuer": issuer, "algorithm": "SHA1",
                       "digits": DIGITS, "period": STEP_SECONDS}, quote_via=quote)
    return f"otpauth://totp/{label}?{query}"
