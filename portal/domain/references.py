"""Customer-facing ticket references such as `K7MX-3QPA`.

Short enough to read aloud over the phone, from an alphabet without the look-alikes 0/O and
1/I, random rather than sequential (a reference says nothing about how many tickets exist and
cannot be guessed from another one). 8 characters of 32 give 2^40 references; tracking a ticket
also needs its e-mail address and is rate-limited, so guessing is not a way in.
"""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GROUP = 4
LENGTH = 8
_VALID = frozenset(ALPHABET)


def new_reference(choice=secrets.choice) -> str:
    chars = "".join(choice(ALPHABET) for _ in range(LENGTH))
    return f"{chars[:GROUP]}-{chars[GROUP:]}"


def normalize_reference(text: str | None) -> str | None:
    """The canonical form of what a person typed (any case, spaces or dashes), or None when it
    cannot be a reference at all."""
    if not text or len(text) > 40:
        return None
    chars = "".join(ch for ch in text.upper() if ch not in " -_.\t")
    if len(chars) != LENGTH or not set(chars) <= _VALID:
        return None
    return f"{chars[:GROUP]}-{chars[GROUP:]}"
