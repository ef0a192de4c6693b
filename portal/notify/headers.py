"""What may go into an e-mail header: one line of text, and one plain address.

Visitors' words reach headers (a ticket's subject in the escalation e-mail, a forum thread's
title, a colleague's name) and visitors' addresses become recipients. Three ways to inject a
header through them, each closed here:

- a line break: CR and LF, and every other character Python's e-mail package treats as one
  (U+2028/U+2029, NEL, VT, FF, FS/GS/RS) or passes through raw (NUL and other controls);
- an RFC 2047 encoded word ("=?utf-8?q?=0D=0ABcc:_x@evil.test?="): the e-mail package decodes
  such text when a header is set and, on Python before 3.11.10/3.12.5 (CVE-2024-6923), writes
  the decoded line break out raw, which starts a new header. In an address the decoded word
  can turn one recipient into a list;
- a list or a display name in a recipient, where there should be one address.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from email.message import EmailMessage

from flask_babel.speaklater import LazyString

from portal.domain.outbox import UnsafeHeader, check_header

# Controls (CR, LF, NUL, NEL…), line and paragraph separators: never inside a header's text.
_BREAKING = {"Cc", "Zl", "Zp"}
ENCODED_WORD_START = "=?"
# Breaks the "=?" that starts an encoded word without changing what a reader sees.
_DEFUSED_START = "=\u200b?"
# One addr-spec as the forms accept them: no spaces, no display name, no list, no quoting.
_PLAIN_ADDRESS = re.compile(r"[^\s@<>()\[\],;:\\\"]+@[^\s@<>()\[\],;:\\\"]+")


def one_line(text: str) -> str:
    """Text fit for a header: every control character and line break a space, runs of
    whitespace one space, no encoded-word syntax."""
    flat = "".join(" " if unicodedata.category(ch) in _BREAKING else ch for ch in text)
    return " ".join(flat.split()).replace(ENCODED_WORD_START, _DEFUSED_START)


def has_line_break(text: str) -> bool:
    """Any character that ends a line for Python (str.splitlines) or is a control character."""
    return any(unicodedata.category(ch) in _BREAKING for ch in text)


def subject_text(subject: object) -> str:
    """The subject as sent. A translated subject (lazy_gettext with values) is ours, its
    values may be a visitor's: the values are made one line first. Our own words with a line
    break are a bug, refused (UnsafeHeader) as before. (Should flask_babel's lazy string change
    its insides, the values are no longer reached: a line break in one is then refused too.)"""
    values = getattr(subject, "_kwargs", None) if isinstance(subject, LazyString) else None
    if isinstance(values, Mapping) and values:
        text = str(subject._func(*subject._args, **{  # noqa: SLF001 - flask_babel's lazy string
            key: one_line(value) if isinstance(value, str) else value
            for key, value in values.items()}))
    else:
        text = str(subject)
    check_header("subject", text)
    if has_line_break(text):
        raise UnsafeHeader("subject may not contain a line break")
    return text.replace(ENCODED_WORD_START, _DEFUSED_START)


def one_line_address(address: str) -> str:
    """What the outbox accepts as a recipient: no line break or control character, else
    UnsafeHeader. Whether it is one plain address is checked when the e-mail is built (a
    refused one fails there, recorded, instead of failing the request that queued it)."""
    check_header("recipient", address)
    if has_line_break(address):
        raise UnsafeHeader("recipient may not contain a line break")
    return address


def plain_address(address: str) -> str:
    """One bare address that the e-mail package will not rewrite: else UnsafeHeader."""
    check_header("recipient", address)
    if (not _PLAIN_ADDRESS.fullmatch(address) or ENCODED_WORD_START in address
            or has_line_break(address)):
        raise UnsafeHeader("recipient must be one plain e-mail address")
    return address


def set_headers(email: EmailMessage, *, sender: str, recipient: str, subject: str) -> None:
    """From, To and Subject, checked again after the e-mail package parsed them: exactly one
    recipient, the one given, and the subject's text unchanged."""
    email["From"] = check_header("sender", sender)
    email["To"] = plain_address(recipient)
    email["Subject"] = one_line(subject)
    addresses = email["To"].addresses
    if len(addresses) != 1 or addresses[0].addr_spec != recipient or addresses[0].display_name:
        raise UnsafeHeader("recipient was read as something else than the one address")
    if str(email["Subject"]) != one_line(subject):
        raise UnsafeHeader("subject was read as something else than its text")
